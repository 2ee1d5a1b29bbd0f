//! The state database: one `sqlx::AnyPool` over SQLite (embedded default) or PostgreSQL,
//! migrations applied at start, and all SQL one module down (one file per table group).
//! Queries use `$n` placeholders, which both backends accept.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod grants;
mod group_commit;
pub mod licensing;
pub mod mirror;
pub mod oci;
pub mod reviews;
pub mod standing;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor};

/// One migration set for both engines: its SQL is written to run on SQLite and PostgreSQL.
static MIGRATIONS: Migrator = sqlx::migrate!();

/// Which database engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database url scheme (expected `sqlite:` or `postgres:`)")
        }
    }
}

/// A connection pool plus the backend it talks to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// On SQLite, write transactions of this process take turns here (see `begin_write`).
    writer: group_commit::GroupWriter,
    /// False only in the benchmark that measures what auditing costs (`without_audit`).
    audited: bool,
    /// Counts the commits of this process that may have changed a grant holder's standing
    /// (see `WriteTx::changes_no_standing`); the verified-grant cache keys on it.
    standing: standing::Generation,
}

/// A write transaction from `Db::begin_write`; derefs to the connection, like
/// `sqlx::Transaction`. Dropping it without `commit` rolls back.
pub struct WriteTx {
    inner: WriteTxInner,
    audited: bool,
    /// Bumped after the commit, unless the transaction declared it changes no standing.
    standing: Option<standing::Generation>,
}

enum WriteTxInner {
    /// A savepoint in SQLite's shared, group-committed transaction.
    Sqlite(group_commit::Turn),
    Postgres(sqlx::Transaction<'static, sqlx::Any>),
}

impl WriteTx {
    /// Whether events appended in this transaction are written (see `Db::without_audit`).
    pub fn audited(&self) -> bool {
        self.audited
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            WriteTxInner::Sqlite(_) => Backend::Sqlite,
            WriteTxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Declares that this transaction writes nothing a grant's standing is read from
    /// (`db::grants::standing`: grants, accounts, declarations, acceptances, license
    /// versions, review cases): its commit keeps the verified-grant cache. Only the blob
    /// path's own writes (allowances, audit entries) and the sequencer declare it.
    pub fn changes_no_standing(&mut self) {
        self.standing = None;
    }

    /// Commits; on SQLite, returns once the shared transaction holding these changes has
    /// committed. A commit that may have changed a standing then invalidates this
    /// process's verified-grant cache, and on PostgreSQL notifies the other replicas
    /// (`db::standing`), before it returns.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        if let (Some(_), WriteTxInner::Postgres(tx)) = (&self.standing, &mut self.inner) {
            standing::notify_in(tx).await?;
        }
        let inner = self.inner;
        let commit = async move {
            match inner {
                WriteTxInner::Sqlite(turn) => turn.commit().await,
                WriteTxInner::Postgres(tx) => tx.commit().await,
            }
        };
        let Some(generation) = self.standing else {
            return commit.await;
        };
        // The commit and the bump after it run as a task of their own: a caller that gives
        // up half-way (a client gone) cannot leave a committed change unbumped. Also after a
        // failed commit, whose effect is not known.
        tokio::spawn(async move {
            let committed = commit.await;
            generation.bump();
            committed
        })
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("a commit failed: {e}")))?
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        match &self.inner {
            WriteTxInner::Sqlite(turn) => turn.conn_ref(),
            WriteTxInner::Postgres(tx) => tx,
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.inner {
            WriteTxInner::Sqlite(turn) => turn.conn(),
            WriteTxInner::Postgres(tx) => tx,
        }
    }
}

impl Db {
    /// Connects (creating the SQLite file and its directory when needed) and applies
    /// pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let db =
            Db::connect_without_migrating(url, max_connections, Duration::from_secs(30)).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without touching the schema (a replica whose release job migrates).
    /// Requests wait at most `acquire_timeout` for a connection, then fail as unavailable.
    pub async fn connect_without_migrating(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            create_sqlite_parent_dir(url)?;
        }
        let options: AnyConnectOptions = url.parse().context("parsing the database url")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed during a write; busy_timeout queues
                        // writers instead of failing them.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // LIKE compares case as PostgreSQL does (audit searches).
                        conn.execute("PRAGMA case_sensitive_like = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        let db = Db {
            pool,
            backend,
            writer: group_commit::GroupWriter::default(),
            audited: true,
            standing: standing::Generation::default(),
        };
        Ok(db)
    }

    /// Begins a transaction that will write. SQLite allows one writer at a time: there, this
    /// process's write transactions take turns as savepoints of one shared transaction
    /// begun `IMMEDIATE` and committed for a whole group at once (`group_commit`), instead
    /// of waiting in SQLite's busy handler (which sleeps in steps) or failing a
    /// read-then-write transaction with "database is locked". On PostgreSQL it is a plain
    /// transaction: audit appends take no shared lock (`db::audit::append`).
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.writer.begin(&self.pool).await?;
                Ok(WriteTx {
                    inner: WriteTxInner::Sqlite(turn),
                    audited: self.audited,
                    standing: Some(self.standing.clone()),
                })
            }
            Backend::Postgres => {
                let tx = self.pool.begin().await?;
                Ok(WriteTx {
                    inner: WriteTxInner::Postgres(tx),
                    audited: self.audited,
                    standing: Some(self.standing.clone()),
                })
            }
        }
    }

    /// This database with audit appends skipped: only for the benchmark that prints what
    /// auditing adds to a request (no setting reaches it; the gateway always audits).
    #[doc(hidden)]
    pub fn without_audit(&self) -> Db {
        Db {
            audited: false,
            ..self.clone()
        }
    }

    fn migrator(&self) -> &'static Migrator {
        &MIGRATIONS
    }

    /// The versions of this release's migrations that the database has not applied.
    pub async fn pending_migrations(&self) -> anyhow::Result<Vec<i64>> {
        let applied: Vec<i64> =
            match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await
            {
                Ok(versions) => versions,
                // A database never migrated has no such table: everything is pending.
                Err(sqlx::Error::Database(e))
                    if e.message().contains("_sqlx_migrations")
                        && (e.message().contains("does not exist")
                            || e.message().contains("no such table")) =>
                {
                    Vec::new()
                }
                Err(e) => return Err(e).context("reading the applied migrations"),
            };
        Ok(self
            .migrator()
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.migrator()
            .run(&self.pool)
            .await
            .context("applying database migrations")?;
        audit::prepare(self)
            .await
            .context("preparing the audit log (its tree's rows, its arrival counter)")?;
        Ok(())
    }

    /// Applies the migrations up to `version` only: for the test that carries a database
    /// of an earlier release over (no setting reaches it).
    #[doc(hidden)]
    pub async fn migrate_until(&self, version: i64) -> anyhow::Result<()> {
        let earlier = Migrator {
            migrations: std::borrow::Cow::Owned(
                self.migrator()
                    .iter()
                    .filter(|m| m.version <= version)
                    .cloned()
                    .collect(),
            ),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        earlier
            .run(&self.pool)
            .await
            .context("applying earlier migrations")?;
        Ok(())
    }

    /// Whether the database answers a trivial query; `/readyz` uses this.
    pub async fn ping(&self) -> bool {
        match self.pool.acquire().await {
            Ok(mut conn) => conn.ping().await.is_ok(),
            Err(_) => false,
        }
    }
}

fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating database directory `{}`", parent.display()))?;
        }
    }
    Ok(())
}

/// Splits `rows` into slices of 32, 16, 8, 4, 2 or 1 rows, the largest first, for
/// multi-row statements. SQLite binds a statement's parameters in time quadratic in their
/// number, and each row count is its own prepared statement in every connection's cache:
/// a few shapes keep both small.
pub(crate) fn row_chunks<T>(mut rows: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    for size in [32, 16, 8, 4, 2, 1] {
        while rows.len() >= size {
            let (chunk, rest) = rows.split_at(size);
            chunks.push(chunk);
            rows = rest;
        }
    }
    chunks
}

/// `($1, $2, <tail>), ($3, $4, <tail>), …`: `rows` tuples of `per_row` parameters each,
/// followed by the constant SQL `tail` when it is not empty.
pub(crate) fn value_rows(rows: usize, per_row: usize, tail: &str) -> String {
    (0..rows)
        .map(|row| {
            let mut values: Vec<String> = (1..=per_row)
                .map(|n| format!("${}", row * per_row + n))
                .collect();
            if !tail.is_empty() {
                values.push(tail.to_owned());
            }
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Now, in unix milliseconds, the time unit of every table.
pub fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// Whether `err` says the database cannot be reached now (connection refused or lost,
/// pool exhausted, server shutting down) rather than that the query was wrong.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: connection exceptions (08…), shutdown / cannot connect now
            // (57P01-57P03), too many connections (53300).
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for crate::error::ApiError {
    fn from(err: sqlx::Error) -> Self {
        use crate::error::ApiError;
        if is_unavailable(&err) {
            crate::metrics::global().record_store_error("database");
            ApiError::DatabaseUnavailable(err.into())
        } else {
            ApiError::internal(err)
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every row lands in exactly one chunk, in order, and chunks take few shapes.
    #[test]
    fn row_chunks_cover_the_rows_in_order_with_few_shapes() {
        for n in 0..200usize {
            let rows: Vec<usize> = (0..n).collect();
            let chunks = super::row_chunks(&rows);
            assert_eq!(chunks.concat(), rows, "{n} rows");
            assert!(chunks
                .iter()
                .all(|c| [32, 16, 8, 4, 2, 1].contains(&c.len())));
            assert!(
                chunks.len() <= n / 32 + 5,
                "{n} rows in {} chunks",
                chunks.len()
            );
        }
    }
}
