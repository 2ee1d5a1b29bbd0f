//! Group commit for SQLite. The write transactions of this process take turns on one
//! connection; each runs as a savepoint inside a shared transaction, and that transaction
//! commits once for all the writers that queued up meanwhile (one WAL write instead of
//! one per writer). A writer's `commit` returns only after the shared commit succeeded,
//! so nothing acknowledged is lost when the process dies (with `synchronous = NORMAL`, a
//! power loss may still undo the last commits, never half of one), and a writer that gives
//! up rolls back only its own savepoint. Steps on the shared connection run as tasks of
//! their own, so a cancelled request cannot leave it half-way.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

/// The most writers one shared commit waits for; bounds the latency a batch adds.
const MAX_BATCH: usize = 256;

/// The shared writer of one SQLite database.
#[derive(Debug, Default, Clone)]
pub(super) struct GroupWriter {
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for their turn: while there are any, a finished writer leaves the
    /// shared transaction open for them instead of committing it.
    queued: Arc<AtomicUsize>,
}

/// The shared transaction, when one is open.
#[derive(Debug, Default)]
struct Batch {
    /// The connection with the open transaction (taken by the writer whose turn it is).
    open: Option<PoolConnection<Any>>,
    /// Writers whose savepoint is released, waiting for the shared commit.
    members: Vec<oneshot::Sender<Result<(), String>>>,
    /// The writer before dropped its turn without committing: its savepoint is still to be
    /// rolled back.
    abandoned: bool,
    /// A task is queued to commit this batch should no writer come to do it.
    flush_queued: bool,
}

/// One writer's turn: the connection, inside its savepoint.
pub(super) struct Turn {
    writer: GroupWriter,
    batch: Option<OwnedMutexGuard<Batch>>,
    conn: Option<PoolConnection<Any>>,
}

const SAVEPOINT: &str = "SAVEPOINT modelgate_writer";

impl GroupWriter {
    /// Waits for this process's turn to write, joining the open shared transaction or
    /// beginning one (`IMMEDIATE`, so other processes wait in SQLite's busy handler).
    pub(super) async fn begin(&self, pool: &AnyPool) -> Result<Turn, sqlx::Error> {
        let batch = {
            let _queued = Queued::enter(&self.queued);
            Arc::clone(&self.batch).lock_owned().await
        };
        let (writer, pool) = (self.clone(), pool.clone());
        run_to_completion(writer.open_turn(batch, pool)).await
    }

    async fn open_turn(
        self,
        mut batch: OwnedMutexGuard<Batch>,
        pool: AnyPool,
    ) -> Result<Turn, sqlx::Error> {
        settle(&mut batch).await;
        let mut conn = match batch.open.take() {
            Some(conn) => conn,
            None => {
                let mut conn = pool.acquire().await?;
                conn.execute("BEGIN IMMEDIATE").await?;
                conn
            }
        };
        if let Err(e) = conn.execute(SAVEPOINT).await {
            fail_batch(&mut batch, conn, &e).await;
            return Err(e);
        }
        Ok(Turn {
            writer: self,
            batch: Some(batch),
            conn: Some(conn),
        })
    }
}

/// Runs a step that uses the shared connection as a task of its own, so a caller that gives
/// up (a dropped request) cannot leave the connection half-way through it; a `Turn` it
/// returns to nobody is dropped, and so settled.
async fn run_to_completion<T: Send + 'static>(
    step: impl std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'static,
) -> Result<T, sqlx::Error> {
    tokio::spawn(step).await.map_err(|e| {
        sqlx::Error::Protocol(format!(
            "a step of the shared write transaction failed: {e}"
        ))
    })?
}

type Outcome = oneshot::Receiver<Result<(), String>>;

impl Turn {
    pub(super) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        self.conn
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("a turn holds its connection until commit or drop"))
    }

    pub(super) fn conn_ref(&self) -> &sqlx::AnyConnection {
        self.conn
            .as_deref()
            .unwrap_or_else(|| unreachable!("a turn holds its connection until commit or drop"))
    }

    /// Keeps this writer's changes and waits until the shared transaction holding them
    /// has committed.
    pub(super) async fn commit(self) -> Result<(), sqlx::Error> {
        let committed = run_to_completion(self.release()).await?;
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(sqlx::Error::Protocol(message)),
            Err(_) => Err(sqlx::Error::Protocol(
                "the shared write transaction ended without an outcome".into(),
            )),
        }
    }

    /// Releases the savepoint and joins the batch's members; the shared commit (now or by a
    /// later writer or the flush task) reports to the returned receiver.
    async fn release(mut self) -> Result<Outcome, sqlx::Error> {
        let (Some(mut batch), Some(mut conn)) = (self.batch.take(), self.conn.take()) else {
            unreachable!("a turn holds its batch and connection until commit or drop")
        };
        if let Err(e) = conn.execute("RELEASE SAVEPOINT modelgate_writer").await {
            fail_batch(&mut batch, conn, &e).await;
            return Err(e);
        }
        let (done, committed) = oneshot::channel();
        batch.members.push(done);
        batch.open = Some(conn);
        self.writer.pass_on(batch).await;
        Ok(committed)
    }
}

impl Drop for Turn {
    /// A turn dropped without `commit`: its savepoint is marked for rollback by whoever
    /// takes the next turn, and a task is queued to settle and commit the batch.
    fn drop(&mut self) {
        let (Some(mut batch), Some(conn)) = (self.batch.take(), self.conn.take()) else {
            return;
        };
        batch.open = Some(conn);
        batch.abandoned = true;
        self.writer.queue_flush(&mut batch);
    }
}

impl GroupWriter {
    /// Ends a turn: commits now when nobody is queued (or the batch is full), otherwise
    /// leaves the transaction open for the next writer, with a flush queued behind them.
    async fn pass_on(&self, mut batch: OwnedMutexGuard<Batch>) {
        if self.queued.load(Ordering::SeqCst) == 0 || batch.members.len() >= MAX_BATCH {
            commit_batch(&mut batch).await;
        } else {
            self.queue_flush(&mut batch);
        }
    }

    fn queue_flush(&self, batch: &mut Batch) {
        if batch.flush_queued {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime (shutting down): the next turn settles the batch.
            return;
        };
        batch.flush_queued = true;
        let shared = Arc::clone(&self.batch);
        runtime.spawn(async move {
            let mut batch = shared.lock().await;
            settle(&mut batch).await;
            commit_batch(&mut batch).await;
        });
    }
}

/// Rolls back the savepoint of a writer that dropped its turn.
async fn settle(batch: &mut Batch) {
    if !std::mem::take(&mut batch.abandoned) {
        return;
    }
    let Some(mut conn) = batch.open.take() else {
        return;
    };
    match conn
        .execute("ROLLBACK TO SAVEPOINT modelgate_writer; RELEASE SAVEPOINT modelgate_writer")
        .await
    {
        Ok(_) => batch.open = Some(conn),
        Err(e) => fail_batch(batch, conn, &e).await,
    }
}

/// Commits the shared transaction, if one is open, and tells every member the outcome.
async fn commit_batch(batch: &mut Batch) {
    batch.flush_queued = false;
    let Some(mut conn) = batch.open.take() else {
        return;
    };
    match conn.execute("COMMIT").await {
        Ok(_) => {
            for member in batch.members.drain(..) {
                let _ = member.send(Ok(()));
            }
        }
        Err(e) => fail_batch(batch, conn, &e).await,
    }
}

/// Rolls the shared transaction back after `error`, closes its connection (its state is
/// no longer known) and fails every member.
async fn fail_batch(batch: &mut Batch, mut conn: PoolConnection<Any>, error: &sqlx::Error) {
    let _ = conn.execute("ROLLBACK").await;
    drop(conn.detach());
    batch.abandoned = false;
    let message = format!("the shared write transaction failed: {error}");
    for member in batch.members.drain(..) {
        let _ = member.send(Err(message.clone()));
    }
}

/// Counts a writer as queued while it waits for its turn (also when the wait is cancelled).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Queued(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Executor;

    use crate::db::Db;

    async fn scratch_db(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let db = Db::connect(&url, 8).await.expect("connect");
        db.pool
            .execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")
            .await
            .expect("create");
        db
    }

    async fn stored(db: &Db) -> Vec<i64> {
        sqlx::query_scalar("SELECT n FROM scratch ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .expect("select")
    }

    /// Many concurrent writers, some of which give up (drop their turn) or fail a
    /// statement: every committed write is stored and visible to other connections when
    /// its `commit` returns; nothing of the others is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_keep_exactly_what_they_committed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = scratch_db(&dir).await;
        let mut tasks = Vec::new();
        for n in 0..200i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.expect("begin");
                sqlx::query("INSERT INTO scratch (n) VALUES ($1)")
                    .bind(n)
                    .execute(&mut *tx)
                    .await
                    .expect("insert");
                match n % 3 {
                    // Gives up: its row must not survive.
                    1 => drop(tx),
                    // Fails a statement (a duplicate key), then gives up.
                    2 => {
                        let duplicate = sqlx::query("INSERT INTO scratch (n) VALUES ($1)")
                            .bind(n)
                            .execute(&mut *tx)
                            .await;
                        assert!(duplicate.is_err());
                        drop(tx);
                    }
                    _ => {
                        tx.commit().await.expect("commit");
                        let seen: i64 =
                            sqlx::query_scalar("SELECT count(*) FROM scratch WHERE n = $1")
                                .bind(n)
                                .fetch_one(&db.pool)
                                .await
                                .expect("read back");
                        assert_eq!(seen, 1, "row {n} is visible once its commit returned");
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        // Let the flush of a batch whose last writer gave up run.
        drop(db.begin_write().await.expect("settle"));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let expected: Vec<i64> = (0..200).filter(|n| n % 3 == 0).collect();
        assert_eq!(stored(&db).await, expected);
    }

    /// A writer that gives up as the last of its batch still gets the batch committed for
    /// the others, without anyone else writing after it.
    #[tokio::test]
    async fn an_abandoned_last_turn_does_not_strand_the_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = scratch_db(&dir).await;
        let first = db.clone();
        let mut tx = first.begin_write().await.expect("begin");
        sqlx::query("INSERT INTO scratch (n) VALUES (1)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        // A second writer queues behind the first, so the first leaves the batch open.
        let second = db.clone();
        let waiting = tokio::spawn(async move {
            let mut tx = second.begin_write().await.expect("begin");
            sqlx::query("INSERT INTO scratch (n) VALUES (2)")
                .execute(&mut *tx)
                .await
                .expect("insert");
            drop(tx);
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        tokio::time::timeout(std::time::Duration::from_secs(5), tx.commit())
            .await
            .expect("the batch commits although its last writer gave up")
            .expect("commit");
        waiting.await.expect("second writer");
        assert_eq!(stored(&db).await, vec![1]);
    }
}
