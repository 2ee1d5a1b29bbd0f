//! Benchmark of the audit log: entries appended per second by one writer and by 64
//! concurrent writers, each append in its own write transaction (as in the gateway),
//! against the reference of the same transactions with a one-row write and no entry
//! (what the state change alone costs); then the sequencer's rate integrating what the
//! writers left pending, against the 64 writers' append rate (it must keep up); then, with
//! the sequencer running as in the gateway, the time from each write's commit to the
//! signed checkpoint covering it (p50, p99). SQLite always; PostgreSQL too when
//! `TEST_DATABASE_URL` is set (a scratch database is created and dropped).
//!
//! Run: `cargo bench --bench audit`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use modelgate::audit::sequencer::integrate_all;
use modelgate::config::AuditSettings;
use modelgate::db::audit::{append, log, NewEvent};
use modelgate::db::Db;
use modelgate::ledger::event::{EventKind, Outcome};
use modelgate::ledger::note::LogSigner;
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
    sqlx::query("UPDATE mirror_outbox SET shipped_seq = shipped_seq WHERE id = 1")
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

/// The sequencer's settings of a default gateway.
fn sequencer_settings() -> AuditSettings {
    AuditSettings::default()
}

/// Integrates everything pending as fast as the sequencer can; entries per second.
async fn sequencing_rate(db: &Db, signer: &LogSigner) -> (f64, u64) {
    let pending = log::pending_count(db).await.unwrap();
    let started = Instant::now();
    integrate_all(db, "bench", signer, &sequencer_settings())
        .await
        .unwrap();
    (
        pending as f64 / started.elapsed().as_secs_f64(),
        u64::try_from(pending).unwrap_or_default(),
    )
}

/// With the gateway's own sequencer running (default batch and interval), 64 writers
/// append for `SECONDS`; returns each entry's time from its commit to the signed
/// checkpoint that first covered it, in milliseconds, sorted.
async fn inclusion_delays(db: &Db, signer: &LogSigner) -> Vec<i64> {
    let sequencer = tokio::spawn(modelgate::audit::sequencer::run(
        db.clone(),
        signer.clone(),
        sequencer_settings(),
    ));
    let deadline = Instant::now() + Duration::from_secs_f64(SECONDS);
    let mut tasks = Vec::new();
    for w in 0..64u64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while Instant::now() < deadline {
                let mut tx = db.begin_write().await.unwrap();
                let id = append(&mut tx, &event(w * 1_000_000 + i)).await.unwrap();
                tx.commit().await.unwrap();
                acknowledged.push((id, modelgate::db::now_ms()));
                i += 1;
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    while log::pending_count(db).await.unwrap() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sequencer.abort();
    let checkpoints: Vec<(i64, i64)> =
        sqlx::query_as("SELECT size, created_at FROM audit_log_checkpoints ORDER BY size")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut delays = Vec::with_capacity(acknowledged.len());
    for (id, acked_at) in acknowledged {
        let index = log::entry(db, &id).await.unwrap().unwrap().index.unwrap();
        let covering = checkpoints.partition_point(|(size, _)| *size <= index);
        delays.push(checkpoints[covering].1 - acked_at);
    }
    delays.sort_unstable();
    delays
}

async fn bench(label: &str, db: &Db) {
    let keys = tempfile::tempdir().unwrap();
    let signer = LogSigner::load_or_generate(keys.path(), "bench.example/audit").unwrap();
    let mut appends_64 = 0.0;
    for writers in [1, 64] {
        let reference = rate(db, writers, false).await;
        let audited = rate(db, writers, true).await;
        println!(
            "{label:<10} {writers:>2} writer(s): {audited:>8.0} appends/s   one-row write tx (ref) {reference:>8.0}/s   ratio {:.2}x",
            audited / reference
        );
        appends_64 = audited;
    }
    let (sequenced, entries) = sequencing_rate(db, &signer).await;
    println!(
        "{label:<10} sequencer: {entries} pending entries integrated at {sequenced:>8.0} entries/s   \
         vs 64 writers' appends (ref) {appends_64:>8.0}/s   ratio {:.2}x",
        sequenced / appends_64
    );
    let delays = inclusion_delays(db, &signer).await;
    let at = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize];
    println!(
        "{label:<10} write to signed checkpoint (batch 256, 100 ms, 64 writers): p50 {} ms, p99 {} ms over {} entries",
        at(0.5),
        at(0.99),
        delays.len()
    );
    let report = modelgate::audit::verify_stored(
        db,
        signer.vkey(),
        &modelgate::store::signing::PublisherKey::load_or_generate(keys.path())
            .unwrap()
            .public(),
        &modelgate::ledger::context::PseudonymKey::load_or_generate(keys.path()).unwrap(),
    )
    .await
    .unwrap();
    assert!(report.ok, "{}", report.message);
    println!(
        "{label:<10} log of {} entries re-derived and verified",
        report.entries
    );
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
