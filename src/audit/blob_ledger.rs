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
    /// Starts the writers of `db`; allowance windows last `window_ms`. They run on a thread
    /// of their own, so that no runtime a caller blocks (a test waiting for a child process,
    /// say) can hold up every request's answer, and stop when the last handle is dropped.
    pub fn start(db: Db, window_ms: i64) -> std::io::Result<BlobLedger> {
        let (queue, queued) = mpsc::channel(QUEUE);
        let queued = Arc::new(Mutex::new(queued));
        let writers = match db.backend {
            Backend::Postgres => POSTGRES_WRITERS,
            Backend::Sqlite => 1,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("blob-ledger".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let writers: Vec<_> = (0..writers)
                        .map(|_| {
                            tokio::spawn(write_batches(db.clone(), window_ms, Arc::clone(&queued)))
                        })
                        .collect();
                    for writer in writers {
                        let _ = writer.await;
                    }
                });
            })?;
        Ok(BlobLedger { queue })
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
        // A request that gave up while queued (its client went away) gets no answer, so
        // nothing is charged or recorded for it.
        batch.retain(|queued| !queued.answer.is_closed());
        match write_batch(&db, window_ms, &batch).await {
            Ok(answers) => answer_all(&db, batch, answers),
            // One request's failure does not fail the others: each is written on its own.
            Err(e) if batch.len() > 1 && !crate::db::is_unavailable(&e) => {
                tracing::warn!(error = %e, requests = batch.len(), "recording a batch of blob requests failed; recording them one by one");
                for queued in batch {
                    let single = std::slice::from_ref(&queued);
                    match write_batch(&db, window_ms, single).await {
                        Ok(answers) => answer_all(&db, vec![queued], answers),
                        Err(e) => fail_all(vec![queued], &e),
                    }
                }
            }
            Err(e) => fail_all(batch, &e),
        }
    }
}

/// Answers each request of a written batch. One that is no longer waiting gets its
/// reserved bytes back: it will send none of them.
fn answer_all(db: &Db, batch: Vec<Queued>, answers: Vec<Recorded>) {
    for (queued, answer) in batch.into_iter().zip(answers) {
        if queued.answer.send(Ok(answer)).is_err() {
            if let (Some(charge), Some(window_started_at)) = (queued.charge, answer) {
                let reservation = Reservation::of(charge, window_started_at);
                let db = db.clone();
                tokio::spawn(async move { reservation.give_back(&db, reservation.bytes).await });
            }
        }
    }
}

fn fail_all(batch: Vec<Queued>, e: &sqlx::Error) {
    tracing::error!(error = %e, requests = batch.len(), "recording blob requests failed");
    for queued in batch {
        let _ = queued.answer.send(Err(shared_error(e)));
    }
}

/// Charges and appends one batch in one transaction (run again once after a deadlock or
/// serialization failure); the answers in the batch's order.
async fn write_batch(
    db: &Db,
    window_ms: i64,
    batch: &[Queued],
) -> Result<Vec<Recorded>, sqlx::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    match write_once(db, window_ms, batch).await {
        Err(e) if retryable(&e) => write_once(db, window_ms, batch).await,
        written => written,
    }
}

async fn write_once(
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

/// Bytes reserved in an account's download allowance for one response; whatever the client
/// does not take is given back (`give_back`).
#[derive(Debug, Clone)]
pub struct Reservation {
    pub user_id: String,
    pub sha256: String,
    pub window_started_at: i64,
    pub bytes: u64,
}

impl Reservation {
    /// What `charge` reserved in the window that started at `window_started_at`.
    pub fn of(charge: Charge, window_started_at: i64) -> Reservation {
        Reservation {
            bytes: u64::try_from(charge.bytes).unwrap_or(0),
            user_id: charge.user_id,
            sha256: charge.sha256,
            window_started_at,
        }
    }

    /// Gives back `bytes` the client did not take (a response cut short); a failure is logged
    /// and the bytes stay counted (the allowance errs on the side of the licensor).
    pub async fn give_back(&self, db: &crate::db::Db, bytes: u64) {
        let key = grants::AllowanceKey {
            user_id: &self.user_id,
            sha256: &self.sha256,
        };
        if let Err(e) = grants::release_download(db, key, self.window_started_at, bytes).await {
            tracing::warn!(error = %e, "giving back unsent bytes of a download failed");
        }
    }
}
