//! Reading a log from outside the gateway, as a verifier, a witness or a licensee does:
//! from a URL (`…/v1/audit/log/`, with a compliance token for the entry bundles) or from a
//! directory laid out as `tlog-tiles`. Verifying re-derives the tree: the hash tiles are
//! authenticated against the signed checkpoint by the `tlog_tiles` crate's
//! `TileHashReader` (an implementation that is not ours), every entry is re-hashed against
//! its leaf, and the root is recomputed by `ledger::verify`. Proving builds a receipt
//! from the same tiles.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::Context;
use tlog_tiles::{stored_hash_index, Hash, HashReader, Tile, TileHashReader, TileReader};

use crate::audit::VerifyReport;
use crate::ledger::entry::decode_fields;
use crate::ledger::note::{open_checkpoint, OpenedCheckpoint};
use crate::ledger::proof::EntryProof;
use crate::ledger::tiles::{decode_bundle, TilePath, TILE_HEIGHT, TILE_WIDTH};
use crate::ledger::verify::{LogProblem, TreeWalker};

/// Where a log's files are.
pub enum LogSource {
    /// A log's root URL (`https://gateway/v1/audit/log`), with a bearer token for what
    /// needs one (entry bundles: compliance staff).
    Url {
        client: reqwest::Client,
        base: String,
        token: Option<String>,
    },
    /// A directory holding `checkpoint` and `tile/…` as the URL serves them.
    Dir(PathBuf),
}

impl LogSource {
    /// A URL (`http://`, `https://`) or a directory.
    pub fn new(location: &str, token: Option<String>) -> anyhow::Result<LogSource> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let client = reqwest::Client::builder()
                .user_agent(concat!("modelgate-audit/", env!("CARGO_PKG_VERSION")))
                .build()?;
            Ok(LogSource::Url {
                client,
                base: location.trim_end_matches('/').to_owned(),
                token,
            })
        } else {
            let dir = PathBuf::from(location);
            anyhow::ensure!(
                dir.is_dir(),
                "`{location}` is neither a URL nor a directory"
            );
            Ok(LogSource::Dir(dir))
        }
    }

    /// The file at `path` (relative to the log's root); `None` when it does not exist.
    pub async fn get(&self, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            LogSource::Url {
                client,
                base,
                token,
            } => {
                let mut request = client.get(format!("{base}/{path}"));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response = request
                    .send()
                    .await
                    .with_context(|| format!("fetching `{path}`"))?;
                match response.status() {
                    s if s.is_success() => Ok(Some(response.bytes().await?.to_vec())),
                    reqwest::StatusCode::NOT_FOUND => Ok(None),
                    s => anyhow::bail!(
                        "fetching `{path}`: the log answered {s}{}",
                        if s == reqwest::StatusCode::UNAUTHORIZED
                            || s == reqwest::StatusCode::FORBIDDEN
                        {
                            " (entry bundles need a compliance account's token: --token)"
                        } else {
                            ""
                        }
                    ),
                }
            }
            LogSource::Dir(dir) => {
                // Paths come from this module (tile coordinates), never from the log.
                match tokio::fs::read(dir.join(path)).await {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e).with_context(|| format!("reading `{path}`")),
                }
            }
        }
    }

    /// The log's checkpoint as served, and opened under `log_vkey` with the cosignatures
    /// of `witnesses`.
    pub async fn checkpoint(
        &self,
        log_vkey: &str,
        witnesses: &[String],
    ) -> anyhow::Result<(String, Result<OpenedCheckpoint, LogProblem>)> {
        let note = self
            .get("checkpoint")
            .await?
            .context("the log has no `checkpoint`")?;
        let opened =
            open_checkpoint(&note, log_vkey, witnesses).map_err(|e| LogProblem::BadCheckpoint {
                reason: e.to_string(),
            });
        Ok((String::from_utf8_lossy(&note).into_owned(), opened))
    }
}

/// Hash tiles fetched so far; names the tiles the crate asked for and it lacked.
#[derive(Default)]
struct FetchedTiles {
    tiles: HashMap<TilePath, Vec<u8>>,
    missing: RefCell<BTreeSet<String>>,
}

fn tile_path(tile: &Tile) -> TilePath {
    TilePath::Hashes {
        level: tile.level(),
        index: tile.level_index(),
        width: tile.width(),
    }
}

impl TileReader for FetchedTiles {
    fn height(&self) -> u8 {
        TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        let mut data = Vec::with_capacity(tiles.len());
        for tile in tiles {
            match self.tiles.get(&tile_path(tile)) {
                Some(bytes) => data.push(bytes.clone()),
                None => {
                    self.missing.borrow_mut().insert(tile_path(tile).path());
                }
            }
        }
        if self.missing.borrow().is_empty() {
            Ok(data)
        } else {
            Err(tlog_tiles::Error::IndexesNotInTree)
        }
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// Reads authenticated hashes of the tree `checkpoint` names, fetching tiles as needed.
struct AuthenticatedHashes<'a> {
    source: &'a LogSource,
    checkpoint: &'a OpenedCheckpoint,
    fetched: FetchedTiles,
}

/// Why authenticated hashes could not be read.
enum HashesFailure {
    Problem(LogProblem),
    Io(anyhow::Error),
}

impl AuthenticatedHashes<'_> {
    async fn read(&mut self, indexes: &[u64]) -> Result<Vec<Hash>, HashesFailure> {
        loop {
            let attempt = {
                let reader =
                    TileHashReader::new(self.checkpoint.size, self.checkpoint.root, &self.fetched);
                self.fetched.missing.borrow_mut().clear();
                reader.read_hashes(indexes)
            };
            let missing = std::mem::take(&mut *self.fetched.missing.borrow_mut());
            match attempt {
                Ok(hashes) => return Ok(hashes),
                Err(tlog_tiles::Error::InconsistentTile) => {
                    let tile = self
                        .fetched
                        .tiles
                        .keys()
                        .map(TilePath::path)
                        .min()
                        .unwrap_or_default();
                    return Err(HashesFailure::Problem(LogProblem::BadTile { tile }));
                }
                Err(_) if !missing.is_empty() => {
                    for path in missing {
                        let Some(tile) = TilePath::parse(&path) else {
                            continue;
                        };
                        let bytes = self.source.get(&path).await.map_err(HashesFailure::Io)?;
                        let Some(bytes) = bytes else {
                            let (from, _) = tile.span();
                            return Err(HashesFailure::Problem(LogProblem::Truncated {
                                size: self.checkpoint.size,
                                last: (from << tile.tree_level()).saturating_sub(1),
                            }));
                        };
                        self.fetched.tiles.insert(tile, bytes);
                    }
                }
                Err(_) => {
                    return Err(HashesFailure::Problem(LogProblem::BadTile {
                        tile: "a tile of the wrong size".into(),
                    }))
                }
            }
        }
    }
}

/// Verifies the log at `source` against its checkpoint (under `log_vkey`, cosigned by each
/// of `witnesses`); with `previous`, an older checkpoint of the same log the verifier kept,
/// also that the log still contains it (no rollback, no fork).
pub async fn verify(
    source: &LogSource,
    log_vkey: &str,
    witnesses: &[String],
    previous: Option<&OpenedCheckpoint>,
) -> anyhow::Result<VerifyReport> {
    let checkpoint = match source.checkpoint(log_vkey, witnesses).await?.1 {
        Ok(checkpoint) => checkpoint,
        Err(problem) => return Ok(VerifyReport::new(Err((0, problem)), None, 0)),
    };
    let fail = |checked, problem| {
        Ok(VerifyReport::new(
            Err((checked, problem)),
            Some(&checkpoint),
            0,
        ))
    };
    if let Some(previous) = previous {
        if let Some(problem) = check_previous(source, &checkpoint, previous).await? {
            return fail(0, problem);
        }
    }
    let mut hashes = AuthenticatedHashes {
        source,
        checkpoint: &checkpoint,
        fetched: FetchedTiles::default(),
    };
    let mut walker = TreeWalker::new(checkpoint.size, checkpoint.root);
    let mut from = 0u64;
    while from < checkpoint.size {
        let width = TILE_WIDTH.min(checkpoint.size - from);
        let indexes: Vec<u64> = (from..from + width)
            .map(|i| stored_hash_index(0, i))
            .collect();
        let leaves = match hashes.read(&indexes).await {
            Ok(leaves) => leaves,
            Err(HashesFailure::Problem(problem)) => return fail(walker.checked(), problem),
            Err(HashesFailure::Io(e)) => return Err(e),
        };
        let bundle = TilePath::Entries {
            index: from / TILE_WIDTH,
            width: width as u32,
        };
        let Some(bytes) = source.get(&bundle.path()).await? else {
            return fail(
                walker.checked(),
                LogProblem::Truncated {
                    size: checkpoint.size,
                    last: from.saturating_sub(1),
                },
            );
        };
        let entries = decode_bundle(&bytes).unwrap_or_default();
        for (offset, leaf) in leaves.iter().enumerate() {
            let index = from + offset as u64;
            let Some(entry) = entries.get(offset) else {
                return fail(
                    walker.checked(),
                    LogProblem::Truncated {
                        size: checkpoint.size,
                        last: index.saturating_sub(1),
                    },
                );
            };
            if decode_fields(entry).is_none() {
                return fail(walker.checked(), LogProblem::Altered { index });
            }
            let hash = tlog_tiles::record_hash(entry);
            if let Err(problem) = walker.next(index, hash, Some(*leaf)) {
                return fail(walker.checked(), problem);
            }
        }
        from += width;
    }
    let checked = walker.checked();
    Ok(VerifyReport::new(
        walker.finish().map_err(|p| (checked, p)),
        Some(&checkpoint),
        0,
    ))
}

/// Whether the log behind `current` still holds `previous` as its prefix.
async fn check_previous(
    source: &LogSource,
    current: &OpenedCheckpoint,
    previous: &OpenedCheckpoint,
) -> anyhow::Result<Option<LogProblem>> {
    if previous.origin != current.origin {
        return Ok(Some(LogProblem::BadCheckpoint {
            reason: format!(
                "the earlier checkpoint is of log `{}`, not `{}`",
                previous.origin, current.origin
            ),
        }));
    }
    if previous.size > current.size {
        return Ok(Some(LogProblem::Truncated {
            size: previous.size,
            last: current.size.saturating_sub(1),
        }));
    }
    if previous.size == 0 {
        return Ok(None);
    }
    let mut hashes = AuthenticatedHashes {
        source,
        checkpoint: current,
        fetched: FetchedTiles::default(),
    };
    let indexes = crate::ledger::tree::right_edge(previous.size)
        .into_iter()
        .rev()
        .map(|(level, n)| stored_hash_index(level, n))
        .collect::<Vec<_>>();
    let edge = match hashes.read(&indexes).await {
        Ok(edge) => edge,
        Err(HashesFailure::Problem(problem)) => return Ok(Some(problem)),
        Err(HashesFailure::Io(e)) => return Err(e),
    };
    let mut tree = crate::ledger::tree::Hashes::new();
    for ((level, n), hash) in crate::ledger::tree::right_edge(previous.size)
        .into_iter()
        .rev()
        .zip(edge)
    {
        tree.insert(level, n, hash);
    }
    let root = crate::ledger::tree::complete(tree.root(previous.size))
        .map_err(|e| anyhow::anyhow!("recomputing the earlier root: {e}"))?;
    Ok((root != previous.root).then_some(LogProblem::RootMismatch {
        size: previous.size,
    }))
}

/// The receipt of the entry at `index`, built from the log at `source` against its
/// checkpoint (whose signature must hold under `log_vkey`).
pub async fn prove(source: &LogSource, log_vkey: &str, index: u64) -> anyhow::Result<EntryProof> {
    let (note, checkpoint) = source.checkpoint(log_vkey, &[]).await?;
    let checkpoint = checkpoint.map_err(|problem| anyhow::anyhow!("{problem}"))?;
    anyhow::ensure!(
        index < checkpoint.size,
        "the log's checkpoint covers entries 0..{}; entry {index} is not in it",
        checkpoint.size
    );
    let bundle = TilePath::Entries {
        index: index / TILE_WIDTH,
        width: (TILE_WIDTH.min(checkpoint.size - index / TILE_WIDTH * TILE_WIDTH)) as u32,
    };
    let bytes = source
        .get(&bundle.path())
        .await?
        .with_context(|| format!("the log has no `{}`", bundle.path()))?;
    let entry = decode_bundle(&bytes)
        .and_then(|entries| entries.into_iter().nth((index % TILE_WIDTH) as usize))
        .with_context(|| format!("`{}` does not hold entry {index}", bundle.path()))?;
    // The proof's hashes are read through authenticated tiles, then the proof computed.
    let mut hashes = AuthenticatedHashes {
        source,
        checkpoint: &checkpoint,
        fetched: FetchedTiles::default(),
    };
    // The entry must be the one the tree holds at `index`.
    let leaf = match hashes.read(&[stored_hash_index(0, index)]).await {
        Ok(leaf) => leaf,
        Err(HashesFailure::Problem(problem)) => anyhow::bail!("{problem}"),
        Err(HashesFailure::Io(e)) => return Err(e),
    };
    anyhow::ensure!(
        leaf.first() == Some(&tlog_tiles::record_hash(&entry)),
        "{}",
        LogProblem::Altered { index }
    );
    let mut known = crate::ledger::tree::Hashes::new();
    loop {
        match known.inclusion_proof(index, checkpoint.size)? {
            crate::ledger::tree::Needs::Done(proof) => {
                return Ok(EntryProof {
                    entry,
                    index,
                    hashes: proof,
                    checkpoint: note,
                });
            }
            crate::ledger::tree::Needs::Hashes(missing) => {
                let indexes: Vec<u64> = missing
                    .iter()
                    .map(|(level, n)| stored_hash_index(*level, *n))
                    .collect();
                let found = match hashes.read(&indexes).await {
                    Ok(found) => found,
                    Err(HashesFailure::Problem(problem)) => anyhow::bail!("{problem}"),
                    Err(HashesFailure::Io(e)) => return Err(e),
                };
                for ((level, n), hash) in missing.into_iter().zip(found) {
                    known.insert(level, n, hash);
                }
            }
        }
    }
}
