//! What an audit event knows about the HTTP request that caused it, without passing it
//! through every call: the request id and the client IP, set by the request middleware as
//! a task-local for the handler's future.
//!
//! Personal data: the client IP is stored in plaintext beside the event but only its keyed
//! hash (HMAC-SHA-256 under `keys/audit-pseudonym.key`) enters the hash chain, so the
//! plaintext can be erased after `audit.ip_retention_days` without breaking verification,
//! and events from one address stay linkable by the hash.

use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The request an event belongs to.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
    /// Keys `client_ip_hash`; the hash is only computed when an event is appended.
    pub pseudonym_key: Option<PseudonymKey>,
}

impl RequestContext {
    /// The keyed hash of the client IP, the form that enters the chain.
    pub fn client_ip_hash(&self) -> Option<String> {
        let key = self.pseudonym_key.as_ref()?;
        self.client_ip.as_deref().map(|ip| key.hash(ip))
    }
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// Runs `future` with `context` as the current request.
pub async fn scope<F: std::future::Future>(context: RequestContext, future: F) -> F::Output {
    CURRENT.scope(context, future).await
}

/// The current request's context; outside a request (the CLI, background tasks), one
/// with no request but the process's pseudonym key (`install_process_key`), so what they
/// write is pseudonymised the same way.
pub fn current() -> RequestContext {
    CURRENT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestContext {
            pseudonym_key: PROCESS_KEY.get().cloned(),
            ..RequestContext::default()
        })
}

static PROCESS_KEY: std::sync::OnceLock<PseudonymKey> = std::sync::OnceLock::new();

/// Makes `key` the pseudonym key of writes outside a request (the first one installed
/// stays: a process serves one gateway).
pub fn install_process_key(key: &PseudonymKey) {
    let _ = PROCESS_KEY.set(key.clone());
}

/// The key of the keyed hash over personal fields.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

/// The key's file in the key directory.
pub const PSEUDONYM_KEY_FILE: &str = "audit-pseudonym.key";

impl PseudonymKey {
    /// Loads the key from `key_dir`, generating it (mode 0600, atomically) on first use.
    pub fn load_or_generate(key_dir: &Path) -> anyhow::Result<Self> {
        Self::load_or_generate_file(key_dir, PSEUDONYM_KEY_FILE)
    }

    /// Loads a keyed-hash key of another purpose from `key_dir/file` (the portal's CSRF
    /// tokens), generating it on first use like the pseudonym key.
    pub fn load_or_generate_file(key_dir: &Path, file: &str) -> anyhow::Result<Self> {
        let path = key_dir.join(file);
        let text = crate::store::signing::read_or_create_private_file(&path, || {
            crate::random::random_hex(32)
        })?;
        let mut key = [0u8; 32];
        hex::decode_to_slice(&text, &mut key)
            .with_context(|| format!("`{}` is not 64 hex digits", path.display()))?;
        Ok(PseudonymKey(key))
    }

    /// HMAC-SHA-256 of `value` under the key, hex.
    pub fn hash(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}
