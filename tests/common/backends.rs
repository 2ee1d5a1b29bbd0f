//! The database backends a test runs on: SQLite in the data directory, or a PostgreSQL
//! database of its own at `TEST_DATABASE_URL`, dropped after the test.

use sqlx::Executor;

/// Defines the tests `$name::sqlite` and `$name::postgres` for each `async fn $name(backend:
/// Backend)` named; the PostgreSQL one is ignored unless asked for (`--include-ignored`),
/// and then needs a server at `TEST_DATABASE_URL`. `ignore = "…"` ignores both, for a test
/// that also needs a tool outside Rust.
macro_rules! on_each_backend {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test]
            #[ignore = "needs PostgreSQL at TEST_DATABASE_URL"]
            async fn postgres() {
                super::$name($crate::common::Backend::postgres()).await
            }
        }
    };
    ($name:ident, ignore = $reason:literal) => {
        mod $name {
            #[tokio::test]
            #[ignore = $reason]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test]
            #[ignore = $reason]
            async fn postgres() {
                super::$name($crate::common::Backend::postgres()).await
            }
        }
    };
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The administrative URL of a PostgreSQL server; each app gets a database of its own.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL at `TEST_DATABASE_URL`.
    pub fn postgres() -> Backend {
        Backend::Postgres(postgres_admin_url())
    }
}

/// The administrative URL of the test PostgreSQL server, `TEST_DATABASE_URL`; a test that
/// asks for it fails without it.
pub fn postgres_admin_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("this test needs PostgreSQL: set TEST_DATABASE_URL (see README)"),
    }
}

/// A PostgreSQL database made for one test on the server behind an administrative URL,
/// dropped (closing the connections that still hold it) when this is dropped.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    /// Where the test connects.
    pub url: String,
}

/// Creates a database of its own on the PostgreSQL server behind `admin_url`.
pub async fn fresh_postgres_database(admin_url: &str) -> TestDatabase {
    sqlx::any::install_default_drivers();
    let name = format!("mg_test_{}", modelgate::random::random_hex(8));
    let pool = sqlx::AnyPool::connect(admin_url)
        .await
        .expect("connect TEST_DATABASE_URL");
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    pool.close().await;
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    let url = match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    };
    TestDatabase {
        admin_url: admin_url.to_owned(),
        name,
        url,
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let pool = sqlx::AnyPool::connect(&admin_url).await?;
                pool.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("the test database {} was not dropped: {e}", self.name);
        }
    }
}
