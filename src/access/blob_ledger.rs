//! The blob ledger: records blob requests (the allowance charge of a GET and the request's
//! audit entry) for many requests per write transaction. Each request prepares its entry
//! in its own context and queues it with its charge; a writer takes everything queued (up
//! to `MAX_BATCH`), charges the allowances in arrival order (`db::grants::charge_allowances`:
//! exact, each charge sees those before it, and on PostgreSQL replicas take turns on an
//! allowance row), appends the entries and commits, and only then answers each request. An
//! idle ledger adds no wait: a lone request is a batch of one.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Mutex};

use crate::db::audit::{self, PendingEntry};
use crate::db::grants::{self, Charge};
use crate::db::{now_ms, Backend, Db};

/// The most requests one transaction records.
const MAX_BATCH: usize = 512;
/// Requests queued beyond the batch being written; more wait to be queued.
const QUEUE: usize = 4096;
/// Writers at once on PostgreSQL (their transactions overlap on the server); SQLite has one
/// writer per process anyway.
const POSTGRES_WRITERS: usize = 4;

/// What the ledger answers a request: for a charge, the window's start (`None`: over the
/// allowance, nothing recorded); otherwise `None`.
pub type Recorded = Option<i64>;

struct Queued {
    charge: Option<Charge>,
    entry: PendingEntry,
    answer: oneshot::Sender<Result<Recorded, sqlx::Error>>,
}

/// The handle requests queue on; cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobLedger {
    queue: mpsc::Sender<Queued>,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued")
            .field("entry", &self.entry.id())
            .finish()
    }
}

impl BlobLedger {
    /// Starts the writers of `db`; allowance windows last `window_ms`. They stop when the
    /// last handle is dropped.
    pub fn start(db: Db, window_ms: i64) -> BlobLedger {
        let (queue, queued) = mpsc::channel(QUEUE);
        let queued = Arc::new(Mutex::new(queued));
        let writers = match db.backend {
            Backend::Postgres => POSTGRES_WRITERS,
            Backend::Sqlite => 1,
        };
        for _ in 0..writers {
            tokio::spawn(write_batches(db.clone(), window_ms, Arc::clone(&queued)));
        }
        BlobLedger { queue }
    }

    /// Records `entry`, and `charge` when the request is charged, in the next batch; returns
    /// once it is committed. An entry whose charge does not fit is not recorded (the
    /// refusal is recorded by itself, entry-only).
    pub async fn record(
        &self,
        charge: Option<Charge>,
        entry: PendingEntry,
    ) -> Result<Recorded, sqlx::Error> {
        let (answer, answered) = oneshot::channel();
        let stopped = || sqlx::Error::Io(std::io::Error::other("the blob ledger stopped"));
        self.queue
            .send(Queued {
                charge,
                entry,
                answer,
            })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// One writer: takes what is queued, writes it, answers; until the queue closes.
async fn write_batches(db: Db, window_ms: i64, queued: Arc<Mutex<mpsc::Receiver<Queued>>>) {
    loop {
        let mut batch = Vec::new();
        {
            let mut queued = queued.lock().await;
            if queued.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
        }
        let outcome = match write_batch(&db, window_ms, &batch).await {
            Err(e) if retryable(&e) => write_batch(&db, window_ms, &batch).await,
            outcome => outcome,
        };
        match outcome {
            Ok(answers) => {
                for (queued, answer) in batch.into_iter().zip(answers) {
                    let _ = queued.answer.send(Ok(answer));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, requests = batch.len(), "recording blob requests failed");
                for queued in batch {
                    let _ = queued.answer.send(Err(shared_error(&e)));
                }
            }
        }
    }
}

/// Charges and appends one batch in one transaction; the answers in the batch's order.
async fn write_batch(
    db: &Db,
    window_ms: i64,
    batch: &[Queued],
) -> Result<Vec<Recorded>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    tx.changes_no_standing();
    let charges: Vec<&Charge> = batch.iter().filter_map(|q| q.charge.as_ref()).collect();
    let mut charged = grants::charge_allowances(&mut tx, &charges, window_ms, now_ms())
        .await?
        .into_iter();
    let mut answers = Vec::with_capacity(batch.len());
    let mut entries = Vec::with_capacity(batch.len());
    for queued in batch {
        let answer = match queued.charge {
            Some(_) => charged.next().flatten(),
            None => None,
        };
        // A charge that did not fit records nothing here.
        if queued.charge.is_none() || answer.is_some() {
            entries.push(&queued.entry);
        }
        answers.push(answer);
    }
    audit::append_prepared(&mut tx, &entries).await?;
    tx.commit().await?;
    Ok(answers)
}

/// A PostgreSQL deadlock or serialization failure: the transaction was rolled back and may
/// be run again.
fn retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

/// The batch's error for each of its requests (the error itself is not `Clone`); whether
/// the database was unavailable survives, so each still answers 503.
fn shared_error(e: &sqlx::Error) -> sqlx::Error {
    if crate::db::is_unavailable(e) {
        sqlx::Error::Io(std::io::Error::other(e.to_string()))
    } else {
        sqlx::Error::Protocol(e.to_string())
    }
}
