//! `AppState`: what every handler shares.

use crate::config::Settings;
use crate::db::Db;
use crate::store::blobs::BlobStore;
use crate::store::signing::PublicKey;

/// Shared, read-mostly state of one gateway process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub blobs: BlobStore,
    pub publisher: PublicKey,
}
