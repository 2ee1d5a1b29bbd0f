//! `GET`/`HEAD /v1/blobs/sha256:{hex}` with a grant: ETag, Repr-Digest, ranges,
//! conditionals, bad input.

use crate::common::{error_code, output_of, spawn_app, Backend, TestApp};
use base64::Engine;
use modelgate::domain::{Modality, Sha256Digest};

/// Publishes a model holding one 3 MiB file of known bytes and gets a licensed user a grant
/// for it; returns its digest, its bytes and its path with the grant in the query.
async fn publish_known_blob(app: &TestApp) -> (Sha256Digest, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("weights.bin"), &bytes).unwrap();
    app.publish(dir.path(), "test/blob", Modality::Text).await;
    let session = app.licensed_user("blob@example.com", "US").await;
    let answer = app.grant(&session, "test/blob").await;
    let digest = Sha256Digest::of(&bytes);
    let grant = answer["grant"]["token"].as_str().unwrap();
    (
        digest,
        bytes,
        format!("/v1/blobs/sha256:{digest}?grant={grant}"),
    )
}

async fn full_download_has_strong_etag_repr_digest_and_exact_bytes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (digest, bytes, path) = publish_known_blob(&app).await;
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["etag"], format!("\"{digest}\"").as_str());
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest.as_bytes());
    assert_eq!(headers["repr-digest"], format!("sha-256=:{b64}:").as_str());
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
}
on_each_backend!(full_download_has_strong_etag_repr_digest_and_exact_bytes);

#[tokio::test]
async fn head_reports_length_and_sends_no_body() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, bytes, path) = publish_known_blob(&app).await;
    let response = app.client.head(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert!(response.bytes().await.unwrap().is_empty());
    let ranged = app
        .client
        .head(app.url(&path))
        .header("Range", "bytes=999999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 200, "Range applies to GET only");
}

#[tokio::test]
async fn single_ranges_are_served_as_206_with_content_range() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, bytes, path) = publish_known_blob(&app).await;
    let len = bytes.len();
    for (range, first, last) in [
        ("bytes=0-9".to_string(), 0, 9),
        (format!("bytes={}-", len - 5), len - 5, len - 1),
        ("bytes=-100".to_string(), len - 100, len - 1),
        (format!("bytes=1048570-{}", len + 1000), 1_048_570, len - 1),
        ("bytes=1048575-2097152".to_string(), 1_048_575, 2_097_152),
    ] {
        let response = app.get_with(&path, &[("Range", &range)]).await;
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {first}-{last}/{len}").as_str()
        );
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            &bytes[first..=last],
            "{range}"
        );
    }
}

#[tokio::test]
async fn unsatisfiable_reversed_malformed_and_overflowing_ranges_get_416() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, bytes, path) = publish_known_blob(&app).await;
    let len = bytes.len();
    for range in [
        format!("bytes={len}-"),
        format!("bytes={}-{}", len + 10, len + 20),
        "bytes=10-5".to_string(),
        "bytes=-0".to_string(),
        "bytes=abc-def".to_string(),
        "bytes=18446744073709551616-".to_string(),
        "bytes=0-99999999999999999999999999".to_string(),
    ] {
        let response = app.get_with(&path, &[("Range", &range)]).await;
        assert_eq!(response.status(), 416, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes */{len}").as_str(),
            "{range}"
        );
        assert_eq!(error_code(response).await, "range-not-satisfiable");
    }
}

#[tokio::test]
async fn multi_range_and_unknown_units_get_the_whole_blob() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, bytes, path) = publish_known_blob(&app).await;
    for range in ["bytes=0-1,5-9", "items=0-5"] {
        let response = app.get_with(&path, &[("Range", range)]).await;
        assert_eq!(response.status(), 200, "{range}");
        assert_eq!(response.bytes().await.unwrap().len(), bytes.len());
    }
}

#[tokio::test]
async fn conditional_requests_follow_the_etag() {
    let app = spawn_app(Backend::Sqlite).await;
    let (digest, bytes, path) = publish_known_blob(&app).await;
    let etag = format!("\"{digest}\"");

    let not_modified = app.get_with(&path, &[("If-None-Match", &etag)]).await;
    assert_eq!(not_modified.status(), 304);
    assert!(not_modified.bytes().await.unwrap().is_empty());
    let weak = app
        .get_with(&path, &[("If-None-Match", &format!("\"other\", W/{etag}"))])
        .await;
    assert_eq!(weak.status(), 304);
    assert_eq!(
        app.get_with(&path, &[("If-None-Match", "\"other\"")])
            .await
            .status(),
        200
    );

    let resumed = app
        .get_with(&path, &[("Range", "bytes=100-"), ("If-Range", &etag)])
        .await;
    assert_eq!(resumed.status(), 206);
    assert_eq!(resumed.bytes().await.unwrap().as_ref(), &bytes[100..]);
    let changed = app
        .get_with(
            &path,
            &[("Range", "bytes=100-"), ("If-Range", "\"something-else\"")],
        )
        .await;
    assert_eq!(
        changed.status(),
        200,
        "a stale If-Range gets the whole blob"
    );
    assert_eq!(changed.bytes().await.unwrap().len(), bytes.len());
}

#[tokio::test]
async fn malformed_and_unknown_digests_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, _, path) = publish_known_blob(&app).await;
    let grant = path.split_once("?").unwrap().1;
    for bad in [
        "sha256:xyz",
        "sha256:ABCDEF",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha256:..%2F..%2Fetc%2Fpasswd",
    ] {
        let response = app.get(&format!("/v1/blobs/{bad}?{grant}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(error_code(response).await, "invalid-digest");
    }
    let unknown = app
        .get(&format!("/v1/blobs/sha256:{}?{grant}", "0".repeat(64)))
        .await;
    assert_eq!(
        unknown.status(),
        403,
        "a grant covers its revision's blobs only"
    );
    assert_eq!(error_code(unknown).await, "grant-not-for-blob");
}

#[tokio::test]
async fn curl_resumes_an_interrupted_download_to_the_manifest_digest() {
    let app = spawn_app(Backend::Sqlite).await;
    let (digest, bytes, path) = publish_known_blob(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("weights.bin");
    // An interrupted transfer: the first 1,000,001 bytes are already on disk.
    std::fs::write(&out, &bytes[..1_000_001]).unwrap();
    // curl runs off the test's runtime, where the in-process gateway's tasks live.
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sS", "--fail", "-C", "-", "-o"])
        .arg(&out)
        .arg(app.url(&path));
    let resumed = output_of(curl).await;
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(Sha256Digest::of(&std::fs::read(&out).unwrap()), digest);
    // Resuming a complete file is a no-op: the 416 answer must not end up in the file.
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sS", "-C", "-", "-o"])
        .arg(&out)
        .arg(app.url(&path));
    let again = output_of(curl).await;
    assert!(again.status.success());
    assert_eq!(Sha256Digest::of(&std::fs::read(&out).unwrap()), digest);
}
