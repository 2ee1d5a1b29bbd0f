//! Benchmark of audit appends: events appended per second by one writer and by 64
//! concurrent writers, each append in its own write transaction (as in the gateway),
//! against the reference of the same transactions with a one-row write and no event
//! (what the state change alone costs). SQLite always; PostgreSQL too when
//! `TEST_DATABASE_URL` is set (a scratch database is created and dropped).
//!
//! Run: `cargo bench --bench audit`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use modelgate::db::audit::{append, NewEvent};
use modelgate::db::Db;
use modelgate::ledger::event::{EventKind, Outcome};
use serde_json::json;
use sqlx::Executor;

const SECONDS: f64 = 3.0;

fn event(i: u64) -> NewEvent {
    NewEvent {
        kind: EventKind::PolicyDecision,
        actor: Some("bench-user".into()),
        subject: Some("demo/Llama-3.2-Tiny".into()),
        outcome: Some(Outcome::Allow),
        data: json!({ "model": "demo/Llama-3.2-Tiny", "declared_domicile": "US", "n": i,
                      "policies": ["license.accepted"], "bundle_digest": "0".repeat(64) }),
    }
}

async fn bare_write(db: &Db) {
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query("UPDATE audit_head SET hash = hash WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn audited_write(db: &Db, i: u64) {
    let mut tx = db.begin_write().await.unwrap();
    append(&mut tx, &event(i)).await.unwrap();
    tx.commit().await.unwrap();
}

/// Transactions per second with `writers` concurrent tasks for `SECONDS`.
async fn rate(db: &Db, writers: usize, audited: bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(SECONDS);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                if audited {
                    audited_write(&db, w as u64 * 1_000_000 + done).await;
                } else {
                    bare_write(&db).await;
                }
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / SECONDS
}

async fn bench(label: &str, db: &Db) {
    for writers in [1, 64] {
        let reference = rate(db, writers, false).await;
        let audited = rate(db, writers, true).await;
        println!(
            "{label:<10} {writers:>2} writer(s): {audited:>8.0} appends/s   one-row write tx (ref) {reference:>8.0}/s   ratio {:.2}x",
            audited / reference
        );
    }
    let keys = tempfile::tempdir().unwrap();
    let report = modelgate::audit::verify_stored(
        db,
        &modelgate::store::signing::PublisherKey::load_or_generate(keys.path())
            .unwrap()
            .public(),
        &modelgate::ledger::context::PseudonymKey::load_or_generate(keys.path()).unwrap(),
    )
    .await
    .unwrap();
    assert!(report.ok, "{}", report.message);
    println!("{label:<10} chain of {} events verified", report.events);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        let sqlite = Db::connect(&url, 16).await.unwrap();
        bench("SQLite", &sqlite).await;

        if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
            sqlx::any::install_default_drivers();
            let name = format!("mg_bench_{}", modelgate::random::random_hex(6));
            let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
            pool.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            let postgres = Db::connect(&format!("{base}/{name}"), 16).await.unwrap();
            bench("PostgreSQL", &postgres).await;
            postgres.pool.close().await;
            pool.execute(format!("DROP DATABASE {name}").as_str())
                .await
                .unwrap();
        }
    });
}
