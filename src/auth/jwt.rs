//! Session tokens: ES256 JWTs (the algorithm is pinned) with a `kid` header, `iss`, `aud`,
//! `sub`, `exp` and `nbf` required and a small leeway. Signing keys live in
//! `keys/session/<kid>.pem`; the newest generated one signs, all verify, so rotating a key
//! (adding a new one) logs nobody out. A token with an unknown `kid` makes the directory be
//! read again (at most every few seconds), so replicas sharing it pick up each other's keys.
//! The public keys are published as a JWKS.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The one algorithm session tokens may use.
pub const ALGORITHM: Algorithm = Algorithm::ES256;

/// The claims of a session token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id; sign-out revokes it.
    pub sid: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
}

/// Why a session token was refused; shown to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed")]
    Malformed,
    #[error("token algorithm is not allowed (only ES256)")]
    Algorithm,
    #[error("token was signed with an unknown key")]
    UnknownKey,
    #[error("token signature is invalid")]
    Signature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token was issued for another audience")]
    Audience,
    #[error("token was issued by another issuer")]
    Issuer,
    #[error("token lacks a required claim")]
    MissingClaim,
    #[error("session was signed out")]
    Revoked,
}

struct SessionKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

/// The public keys session tokens are signed with (RFC 7517 JWK Set).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One P-256 public key (RFC 7517/7518).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `EC`.
    #[schema(example = "EC")]
    pub kty: &'static str,
    /// Always `P-256`.
    #[schema(example = "P-256")]
    pub crv: &'static str,
    /// The x coordinate, base64url without padding.
    pub x: String,
    /// The y coordinate, base64url without padding.
    pub y: String,
    /// The key id, the `kid` header of the tokens it signs.
    pub kid: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub key_use: &'static str,
    /// Always `ES256`.
    #[schema(example = "ES256")]
    pub alg: &'static str,
}

/// How often an unknown `kid` may trigger a re-read of the key directory.
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// The session signing keys and the token rules.
pub struct SessionKeys {
    dir: PathBuf,
    /// Sorted by kid, oldest first.
    keys: RwLock<Vec<Arc<SessionKey>>>,
    last_reload: Mutex<Instant>,
    issuer: String,
    audience: String,
    ttl_secs: u64,
    leeway_secs: u64,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<String> = self.snapshot().iter().map(|k| k.kid.clone()).collect();
        f.debug_struct("SessionKeys")
            .field("kids", &kids)
            .field("issuer", &self.issuer)
            .finish()
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Creates a new signing key file in `dir` and returns its kid.
pub fn generate_key(dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let kid = format!("{millis:013}-{}", crate::random::random_hex(4));
    let key = SigningKey::random(&mut rand_core::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the session key")?;
    crate::store::signing::write_private_file(&dir.join(format!("{kid}.pem")), pem.as_bytes())?;
    Ok(kid)
}

fn load_key(path: &Path) -> anyhow::Result<SessionKey> {
    let kid = path
        .file_stem()
        .and_then(|s| s.to_str())
        .context("key file name")?
        .to_owned();
    let pem =
        std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    let signing = SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))?;
    let der = signing.to_pkcs8_der().context("encoding the session key")?;
    let point = signing.verifying_key().to_encoded_point(false);
    let (x, y) = (
        B64URL.encode(point.x().context("x")?),
        B64URL.encode(point.y().context("y")?),
    );
    Ok(SessionKey {
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        decoding: DecodingKey::from_ec_components(&x, &y).context("session public key")?,
        jwk: Jwk {
            kty: "EC",
            crv: "P-256",
            x,
            y,
            kid: kid.clone(),
            key_use: "sig",
            alg: "ES256",
        },
        kid,
    })
}

impl SessionKeys {
    /// Loads every key in `dir`, generating the first one when there is none.
    pub fn load_or_generate(
        dir: &Path,
        issuer: &str,
        audience: &str,
        ttl_secs: u64,
        leeway_secs: u64,
    ) -> anyhow::Result<Self> {
        if list_key_files(dir)?.is_empty() {
            generate_key(dir)?;
        }
        Ok(SessionKeys {
            dir: dir.to_path_buf(),
            keys: RwLock::new(load_all(dir)?),
            last_reload: Mutex::new(Instant::now()),
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_secs,
            leeway_secs,
        })
    }

    fn snapshot(&self) -> Vec<Arc<SessionKey>> {
        self.keys.read().map(|k| k.clone()).unwrap_or_default()
    }

    /// The signing key: the newest generated one (kids `<13-digit millis>-<8 hex>`);
    /// keys named otherwise only verify, unless there is no other.
    fn active(&self) -> Option<Arc<SessionKey>> {
        let keys = self.snapshot();
        keys.iter()
            .rev()
            .find(|k| is_generated_kid(&k.kid))
            .or(keys.last())
            .cloned()
    }

    /// The key with `kid`, re-reading the directory (at most every `RELOAD_INTERVAL`) when
    /// it is not known yet.
    fn find(&self, kid: &str) -> Option<Arc<SessionKey>> {
        if let Some(key) = self.snapshot().into_iter().find(|k| k.kid == kid) {
            return Some(key);
        }
        let due = self.last_reload.lock().is_ok_and(|mut last| {
            let due = last.elapsed() >= RELOAD_INTERVAL;
            if due {
                *last = Instant::now();
            }
            due
        });
        if !due {
            return None;
        }
        match load_all(&self.dir) {
            Ok(fresh) => {
                if let Ok(mut keys) = self.keys.write() {
                    *keys = fresh;
                }
            }
            Err(e) => tracing::warn!(error = %e, "re-reading session keys failed"),
        }
        self.snapshot().into_iter().find(|k| k.kid == kid)
    }

    /// Signs `claims` with the active key (ES256, `kid` set).
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let key = self.active().context("no session signing key")?;
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).context("signing a token")
    }

    /// Signs a session token for `user_id` and session `sid`; returns it and its expiry.
    pub fn issue(&self, user_id: &str, sid: &str) -> anyhow::Result<(String, u64)> {
        let now = now_secs();
        let claims = SessionClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.into(),
            sid: sid.into(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
        };
        Ok((self.sign(&claims)?, claims.exp))
    }

    /// Verifies a session token: signature, algorithm, key id and every required claim.
    pub fn verify(&self, token: &str) -> Result<SessionClaims, TokenError> {
        self.verify_for(token, &self.audience)
    }

    /// Verifies a token issued for `audience` (sessions and grants use different ones, so
    /// neither can stand in for the other).
    pub fn verify_for<T: DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.find(&kid).ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = self.leeway_secs;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidAudience => TokenError::Audience,
                ErrorKind::InvalidIssuer => TokenError::Issuer,
                ErrorKind::InvalidSignature => TokenError::Signature,
                ErrorKind::InvalidAlgorithm => TokenError::Algorithm,
                ErrorKind::MissingRequiredClaim(_) => TokenError::MissingClaim,
                _ => TokenError::Malformed,
            })
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self.snapshot().iter().map(|k| k.jwk.clone()).collect(),
        }
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience of download grants: the session audience with `:grant` appended.
    pub fn grant_audience(&self) -> String {
        format!("{}:grant", self.audience)
    }

    /// The audience of the OCI registry's own tokens (those that are not grants): the
    /// session audience with `:registry` appended.
    pub fn registry_audience(&self) -> String {
        format!("{}:registry", self.audience)
    }
}

fn is_generated_kid(kid: &str) -> bool {
    kid.split_once('-').is_some_and(|(millis, suffix)| {
        millis.len() == 13
            && millis.bytes().all(|b| b.is_ascii_digit())
            && suffix.len() == 8
            && suffix.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn load_all(dir: &Path) -> anyhow::Result<Vec<Arc<SessionKey>>> {
    list_key_files(dir)?
        .iter()
        .map(|p| load_key(p).map(Arc::new))
        .collect()
}

fn list_key_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut paths: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pem"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading `{}`", dir.display())),
    };
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(dir: &Path) -> SessionKeys {
        SessionKeys::load_or_generate(dir, "https://gate.example", "modelgate", 600, 5)
            .expect("keys")
    }

    #[test]
    fn issued_tokens_verify_and_survive_rotation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let before = keys(dir.path());
        let (token, _) = before.issue("u1", "s1").expect("issue");
        assert_eq!(before.verify(&token).expect("verifies").sub, "u1");
        std::thread::sleep(std::time::Duration::from_millis(5));
        let new_kid = generate_key(dir.path()).expect("rotate");
        let after = keys(dir.path());
        assert_eq!(
            after.verify(&token).expect("old token still verifies").sid,
            "s1"
        );
        let (fresh, _) = after.issue("u2", "s2").expect("issue");
        assert_eq!(
            jsonwebtoken::decode_header(&fresh)
                .expect("header")
                .kid
                .as_deref(),
            Some(new_kid.as_str())
        );
        assert_eq!(after.jwks().keys.len(), 2);
    }

    #[test]
    fn a_key_added_by_another_replica_is_found_and_foreign_names_never_sign() {
        let dir = tempfile::tempdir().expect("tempdir");
        let this_replica = keys(dir.path());
        let other_dir = tempfile::tempdir().expect("tempdir");
        let other_kid = generate_key(other_dir.path()).expect("key");
        let other_file = other_dir.path().join(format!("{other_kid}.pem"));
        std::fs::copy(&other_file, dir.path().join(format!("{other_kid}.pem"))).expect("copy");
        std::fs::copy(&other_file, dir.path().join("zz-operator.pem")).expect("copy");
        let other_replica = keys(dir.path());
        let (token, _) = other_replica.issue("u", "s").expect("issue");
        let kid = jsonwebtoken::decode_header(&token).expect("header").kid;
        assert_eq!(kid, Some(other_kid), "zz-operator never signs");
        if let Ok(mut last) = this_replica.last_reload.lock() {
            *last -= RELOAD_INTERVAL;
        }
        assert_eq!(
            this_replica
                .verify(&token)
                .expect("found after a re-read")
                .sub,
            "u"
        );
    }
}
