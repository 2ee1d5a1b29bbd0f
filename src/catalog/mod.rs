//! `Catalog`: the read path of the model catalog with an in-process cache in front of
//! `db::catalog`. Revisions and the blobs of each revision never change once recorded, so they are
//! cached until evicted; which revision is *latest* changes on publish, so that answer is
//! cached for `catalog.latest_ttl_ms` only (another replica's publish is seen within it).
//! Model cards (`store::model_card`) are read from the blob store once per content
//! digest and kept parsed. Publishing a revision is `publish`.

pub mod oci_views;
pub mod publish;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::db::catalog::{self, RevisionRow};
use crate::db::Db;
use crate::domain::{ModelId, Sha256Digest};
use crate::store::blobs::BlobStore;
use crate::store::manifest::Manifest;
use crate::store::model_card::{CardError, ModelCard, CARD_PATH, MAX_CARD_BYTES};

/// Entries per map before it is emptied and refilled; bounds memory on huge catalogs.
const MAX_ENTRIES: usize = 8192;

/// Cached catalog reads for one process.
#[derive(Debug)]
pub struct Catalog {
    db: Db,
    latest_ttl: Duration,
    revisions: RwLock<HashMap<Sha256Digest, Arc<RevisionRow>>>,
    latest: RwLock<HashMap<ModelId, (Instant, Arc<RevisionRow>)>>,
    /// The blob digests of each revision and their sizes (immutable once published).
    revision_blobs: RwLock<HashMap<Sha256Digest, Arc<HashMap<Sha256Digest, u64>>>>,
    /// Parsed model cards by the digest of their `README.md` (content never changes).
    cards: RwLock<CardCache>,
    /// Cards parsed and rendered at once, at most (each may take a blocking thread).
    card_renders: tokio::sync::Semaphore,
}

/// The parsed cards, within a memory budget: emptied when a new one would exceed it.
#[derive(Debug, Default)]
struct CardCache {
    /// Each card (or `None`: shown as no card) with its weight.
    cards: HashMap<Sha256Digest, (Option<Arc<ModelCard>>, usize)>,
    bytes: usize,
}

/// The memory the card cache may hold (rendered HTML and front matter).
const CARD_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Cards rendered at the same time, at most.
const CARD_RENDERS: usize = 2;

impl CardCache {
    fn get(&self, digest: &Sha256Digest) -> Option<Option<Arc<ModelCard>>> {
        self.cards.get(digest).map(|(card, _)| card.clone())
    }

    /// Keeps `card` (emptying the cache first when it would exceed its budget).
    fn put(&mut self, digest: Sha256Digest, card: Option<Arc<ModelCard>>, weight: usize) {
        if let Some((_, old)) = self.cards.remove(&digest) {
            self.bytes -= old;
        }
        if self.bytes + weight > CARD_CACHE_BYTES || self.cards.len() >= MAX_ENTRIES {
            *self = CardCache::default();
        }
        self.bytes += weight;
        self.cards.insert(digest, (card, weight));
    }
}

fn insert_bounded<K: std::hash::Hash + Eq, V>(map: &RwLock<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut map) = map.write() {
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, value);
    }
}

impl Catalog {
    pub fn new(db: Db, latest_ttl: Duration) -> Self {
        Catalog {
            db,
            latest_ttl,
            revisions: RwLock::default(),
            latest: RwLock::default(),
            revision_blobs: RwLock::default(),
            cards: RwLock::default(),
            card_renders: tokio::sync::Semaphore::new(CARD_RENDERS),
        }
    }

    /// Forgets every cached row (a mirror published a new snapshot).
    pub fn clear(&self) {
        if let Ok(mut map) = self.revisions.write() {
            map.clear();
        }
        if let Ok(mut map) = self.latest.write() {
            map.clear();
        }
        if let Ok(mut map) = self.revision_blobs.write() {
            map.clear();
        }
        if let Ok(mut cache) = self.cards.write() {
            *cache = CardCache::default();
        }
    }

    /// The model card of a revision: its `README.md`, parsed and rendered (off the async
    /// workers). `None` when it ships none, or one that is too large or does not parse
    /// (logged once per content, then remembered).
    pub async fn card(&self, store: &BlobStore, manifest: &Manifest) -> Option<Arc<ModelCard>> {
        let file = manifest
            .files
            .iter()
            .find(|f| f.path.as_str() == CARD_PATH)?;
        let cached =
            |catalog: &Catalog| catalog.cards.read().ok().and_then(|c| c.get(&file.sha256));
        if let Some(known) = cached(self) {
            return known;
        }
        // One render at a time per permit; a request that waited finds what another made.
        let _permit = self.card_renders.acquire().await.ok()?;
        if let Some(known) = cached(self) {
            return known;
        }
        let bytes = match store.read_small(&file.sha256, MAX_CARD_BYTES).await {
            Ok(bytes) => bytes,
            // The store may come back: try again on the next read.
            Err(err) => {
                tracing::warn!(model.id = %manifest.model, error = %err, "model card unreadable");
                return None;
            }
        };
        let parsed = match bytes {
            Some(bytes) => tokio::task::spawn_blocking(move || ModelCard::parse(&bytes))
                .await
                .unwrap_or_else(|_| Err(CardError::TooComplex))
                .map_err(|err| err.to_string()),
            None => Err(format!("larger than {MAX_CARD_BYTES} bytes")),
        };
        let card = match parsed {
            Ok(card) => Some(Arc::new(card)),
            Err(why) => {
                tracing::warn!(model.id = %manifest.model, error = %why, "model card not shown");
                None
            }
        };
        let weight = card.as_ref().map_or(0, |c| c.weight()) + 64;
        if let Ok(mut cache) = self.cards.write() {
            cache.put(file.sha256, card.clone(), weight);
        }
        card
    }

    /// `card` for a recorded revision (its manifest as stored).
    pub async fn card_of_revision(
        &self,
        store: &BlobStore,
        revision: &RevisionRow,
    ) -> Option<Arc<ModelCard>> {
        let manifest: Manifest = serde_json::from_str(&revision.manifest).ok()?;
        self.card(store, &manifest).await
    }

    /// A revision of `model`: the one with `digest`, or the latest when `None`.
    pub async fn revision(
        &self,
        model: &ModelId,
        digest: Option<&Sha256Digest>,
    ) -> Result<Option<Arc<RevisionRow>>, sqlx::Error> {
        match digest {
            Some(digest) => self.revision_by_digest(model, digest).await,
            None => self.latest_revision(model).await,
        }
    }

    async fn revision_by_digest(
        &self,
        model: &ModelId,
        digest: &Sha256Digest,
    ) -> Result<Option<Arc<RevisionRow>>, sqlx::Error> {
        let cached = self
            .revisions
            .read()
            .ok()
            .and_then(|m| m.get(digest).cloned());
        let row = match cached {
            Some(row) => row,
            None => match catalog::find_revision(&self.db, model, Some(digest)).await? {
                Some(row) => {
                    let row = Arc::new(row);
                    insert_bounded(&self.revisions, *digest, Arc::clone(&row));
                    row
                }
                None => return Ok(None),
            },
        };
        // INVARIANT: a digest names one manifest, and a manifest names its model.
        Ok((row.model_id == model.to_string()).then_some(row))
    }

    async fn latest_revision(
        &self,
        model: &ModelId,
    ) -> Result<Option<Arc<RevisionRow>>, sqlx::Error> {
        let fresh = self.latest.read().ok().and_then(|m| {
            m.get(model)
                .filter(|(at, _)| at.elapsed() < self.latest_ttl)
                .map(|(_, row)| Arc::clone(row))
        });
        if let Some(row) = fresh {
            return Ok(Some(row));
        }
        let Some(row) = catalog::find_revision(&self.db, model, None).await? else {
            return Ok(None);
        };
        let row = Arc::new(row);
        insert_bounded(
            &self.latest,
            model.clone(),
            (Instant::now(), Arc::clone(&row)),
        );
        Ok(Some(row))
    }

    /// The size of `blob` when it is one of the files of revision `revision` (from the
    /// catalog, so a refusal needs no look at the store).
    pub async fn blob_size_in_revision(
        &self,
        revision: &Sha256Digest,
        blob: &Sha256Digest,
    ) -> Result<Option<u64>, sqlx::Error> {
        let cached = self
            .revision_blobs
            .read()
            .ok()
            .and_then(|m| m.get(revision).cloned());
        let blobs = match cached {
            Some(blobs) => blobs,
            None => {
                let blobs: HashMap<Sha256Digest, u64> =
                    catalog::blobs_of_revision(&self.db, revision)
                        .await?
                        .into_iter()
                        .filter_map(|(hex, size)| {
                            Some((hex.parse().ok()?, u64::try_from(size).ok()?))
                        })
                        .collect();
                let blobs = Arc::new(blobs);
                // An unknown revision is not cached: it may be published in a moment.
                if !blobs.is_empty() {
                    insert_bounded(&self.revision_blobs, *revision, Arc::clone(&blobs));
                }
                blobs
            }
        };
        Ok(blobs.get(blob).copied())
    }
}
