//! The state database on both backends: migrations apply once and are idempotent; SQLite
//! runs in WAL mode in one file inside the data directory.

use crate::common::{test_settings, Backend};
use modelgate::db::Db;

async fn migrations_apply_once_and_reconnecting_is_idempotent(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    let (settings, _database) = test_settings(data.path(), &backend).await;
    let first = Db::connect(&settings.database_url(), 2).await.unwrap();
    let second = Db::connect(&settings.database_url(), 2).await.unwrap();
    second.migrate().await.unwrap();
    let (applied,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&first.pool)
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, files, "{backend:?}");
    for table in ["models", "revisions", "revision_files", "blobs"] {
        let (rows,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&first.pool)
            .await
            .unwrap();
        assert_eq!(rows, 0, "{table} exists and is empty");
    }
}
on_each_backend!(migrations_apply_once_and_reconnecting_is_idempotent);

#[tokio::test]
async fn sqlite_is_one_wal_file_in_the_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let (settings, _) = test_settings(data.path(), &Backend::Sqlite).await;
    let db = Db::connect(&settings.database_url(), 2).await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(data.path().join("modelgate.db").is_file());
}

#[tokio::test]
async fn unsupported_database_urls_are_refused_with_a_clear_message() {
    let err = Db::connect("mysql://root@127.0.0.1/test", 1)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unsupported database url scheme"),
        "{err}"
    );
}
