//! `AppState`: what every handler shares.

use std::sync::Arc;

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
    pub publisher: PublicKey,
    pub session_keys: Arc<SessionKeys>,
    pub throttle: Arc<LoginThrottle>,
    pub proxies: TrustedProxies,
    pub geoip: Arc<GeoIp>,
    pub policy: Arc<PolicyBundle>,
    /// Signs audit checkpoints (`keys/audit.key.pem`, not the publisher key).
    pub audit_key: PublisherKey,
    /// Keys the hash of personal fields (client IPs) in audit events.
    pub pseudonym_key: crate::audit::context::PseudonymKey,
}
