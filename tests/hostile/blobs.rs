//! Blob requests: every refusal happens before any store I/O, and refusals without a
//! verified grant are tallied per address and period, not written one by one.

use std::time::{Duration, Instant};

use super::*;
use crate::common::{error_code, smallest_file, spawn_app_with, Backend};
use modelgate::domain::Sha256Digest;

/// `GET` a blob with `grant`, optionally a range and a digest check of it.
async fn fetch(app: &TestApp, file: &Value, grant: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&blob_path(file)))
        .header("Modelgate-Grant", grant);
    if let Some(range) = range {
        request = request
            .header("Range", range)
            .header("Want-Content-Digest", "sha-256=10");
    }
    request.send().await.unwrap()
}

async fn a_used_up_grant_is_refused_before_the_store_is_touched(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 1).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.com", "US").await;
    let answer = app.grant(&user, TEXT).await;
    let grant = answer["grant"]["token"].as_str().unwrap();
    let file = smallest_file(&answer);
    let whole = fetch(&app, &file, grant, None).await;
    assert_eq!(whole.status(), 200);
    whole.bytes().await.unwrap();

    // The one copy is used up. Take the blob out of the store: a gateway that opened or
    // hashed it before counting would now fail on the store, not refuse.
    let digest: Sha256Digest = file["sha256"].as_str().unwrap().parse().unwrap();
    let stored = app.state.blobs.local_file(&digest).await.unwrap();
    let aside = stored.with_extension("aside");
    std::fs::rename(&stored, &aside).unwrap();
    let ranged = fetch(&app, &file, grant, Some("bytes=0-99")).await;
    assert_eq!(ranged.status(), 403);
    assert_eq!(error_code(ranged).await, "download-limit-reached");
    let head = app
        .client
        .head(app.url(&blob_path(&file)))
        .header("Modelgate-Grant", grant)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200, "HEAD is answered from the catalog");

    // A store failure after the count gives the allowance back.
    let other = app.licensed_user("other@example.com", "US").await;
    let other_grant = app.grant(&other, TEXT).await;
    let other_grant = other_grant["grant"]["token"].as_str().unwrap();
    let failed = fetch(&app, &file, other_grant, None).await;
    assert_eq!(failed.status(), 404, "the blob is gone from the store");
    std::fs::rename(&aside, &stored).unwrap();
    let after = fetch(&app, &file, other_grant, None).await;
    assert_eq!(after.status(), 200, "the failed request cost nothing");
    assert_eq!(
        after.bytes().await.unwrap().len() as u64,
        file["size"].as_u64().unwrap()
    );
}
on_each_backend!(a_used_up_grant_is_refused_before_the_store_is_touched);

#[tokio::test]
async fn refusals_without_a_grant_are_tallied_not_written_one_by_one() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.audit.refusal_tally_secs = 1).await;
    app.publish_demo().await;
    let user = app.licensed_user("dev@example.com", "US").await;
    let answer = app.grant(&user, TEXT).await;
    let path = blob_path(&smallest_file(&answer));
    let written_before = events_of(&app, "blob.request").await.len();
    for _ in 0..20 {
        assert_eq!(get_from(&app, &path, "198.51.100.1").await.status(), 401);
    }
    for _ in 0..10 {
        let forged = format!("{path}?grant=eyJhbGciOiJub25lIn0.e30.");
        assert_eq!(get_from(&app, &forged, "198.51.100.2").await.status(), 401);
    }
    assert_eq!(
        events_of(&app, "blob.request").await.len(),
        written_before,
        "no event per anonymous refusal"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let tallies = loop {
        let tallies = events_of(&app, "blob.refusals").await;
        let counted: u64 = tallies
            .iter()
            .map(|e| e.data["count"].as_u64().unwrap())
            .sum();
        if counted == 30 || Instant::now() > deadline {
            break tallies;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // An address's refusals may straddle two tally periods: its events add up.
    let of = |ip: &str| -> (u64, std::collections::BTreeMap<String, u64>) {
        let mut codes = std::collections::BTreeMap::new();
        let mut count = 0;
        for e in tallies
            .iter()
            .filter(|e| e.client_ip.as_deref() == Some(ip))
        {
            count += e.data["count"].as_u64().unwrap();
            for (code, n) in e.data["codes"].as_object().unwrap() {
                *codes.entry(code.clone()).or_default() += n.as_u64().unwrap();
            }
        }
        (count, codes)
    };
    let (missing, codes) = of("198.51.100.1");
    assert_eq!(missing, 20, "{tallies:?}");
    assert_eq!(codes["grant-required"], 20);
    let (forged, codes) = of("198.51.100.2");
    assert_eq!(forged, 10, "{tallies:?}");
    assert_eq!(codes["invalid-grant"], 10);
    assert!(
        tallies.len() <= 4,
        "one event per address and period, not per request: {tallies:?}"
    );
    assert!(tallies.iter().all(|e| e.client_ip_hash.is_some()));
}
