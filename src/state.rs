//! `AppState`: what every handler shares.

use std::sync::{Arc, RwLock};

use crate::auth::jwt::SessionKeys;
use crate::auth::throttle::LoginThrottle;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::db::Db;
use crate::geo::{GeoIp, TrustedProxies};
use crate::policy::PolicyBundle;
use crate::store::blobs::BlobStore;
use crate::store::signing::{PublicKey, PublisherKey};

/// Shared, read-mostly state of one gateway process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub blobs: BlobStore,
    /// The key manifests are checked with and `/v1/keys/publisher` serves: this gateway's
    /// own, or on a mirror the upstream's pinned key.
    pub publisher: PublicKey,
    /// Signs what this gateway publishes: manifests and mirror snapshots.
    pub signer: PublisherKey,
    pub session_keys: Arc<SessionKeys>,
    /// Records blob requests, many per transaction (`audit::blob_ledger`).
    pub blob_ledger: crate::audit::blob_ledger::BlobLedger,
    /// Verified grant tokens and their holders' standing (`auth::grant_tokens`).
    pub grant_cache: Arc<crate::auth::grant_tokens::GrantCache>,
    pub throttle: Arc<LoginThrottle>,
    /// Sign-ups (and verification resends) per client address.
    pub signups: Arc<crate::auth::throttle::RateLimit>,
    /// Verification mail.
    pub mailer: crate::mail::Mailer,
    /// Counts refused anonymous blob requests, written as one audit event per address and
    /// period.
    pub refusals: Arc<crate::audit::refusals::AnonymousRefusals>,
    pub proxies: TrustedProxies,
    pub geoip: Arc<GeoIp>,
    pub policy: CurrentPolicy,
    /// Signed the checkpoints of the audit hash chain of earlier releases
    /// (`keys/audit.key.pem`); kept to verify them.
    pub audit_key: PublisherKey,
    /// Signs the audit log's checkpoints (`keys/audit-log.key`, Ed25519 signed notes).
    pub log_signer: crate::ledger::note::LogSigner,
    /// Keys the hash of personal fields (client IPs) in audit events.
    pub pseudonym_key: crate::ledger::context::PseudonymKey,
    /// Keys the portal's CSRF tokens to the browser's session (`keys/portal-csrf.key`).
    pub csrf_key: crate::ledger::context::PseudonymKey,
    /// Runs validation and generation (bounded; see `inference::service`).
    pub inference: Arc<crate::inference::service::InferenceService>,
}

/// The policy bundle in force. A mirror swaps in a newer upstream bundle without a restart;
/// each decision uses the bundle it read at its start.
#[derive(Debug, Clone)]
pub struct CurrentPolicy(Arc<RwLock<Arc<PolicyBundle>>>);

impl CurrentPolicy {
    pub fn new(bundle: PolicyBundle) -> Self {
        CurrentPolicy(Arc::new(RwLock::new(Arc::new(bundle))))
    }

    pub fn get(&self) -> Arc<PolicyBundle> {
        Arc::clone(
            &self
                .0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    pub fn replace(&self, bundle: PolicyBundle) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(bundle);
    }
}
