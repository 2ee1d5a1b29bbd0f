//! The download allowance: one byte budget per account and blob, across grants, actions
//! and ranges, charged only what a response sent (attack 2).

use super::*;

/// Attack 2: re-posting the declaration, asking for `validate`, and ranges from byte 1 each
/// opened a fresh download cap.
async fn the_download_cap_holds_across_grants_actions_and_ranges(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 2).await;
    app.publish_demo().await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, TEXT).await;
    let file = smallest_file(&answer);
    let size = file["size"].as_u64().unwrap();
    let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        assert_eq!(
            fetch(&app, &file, &grant, None, UNKNOWN_IP).await.status(),
            200
        );
    }
    let capped = fetch(&app, &file, &grant, None, UNKNOWN_IP).await;
    assert_eq!(capped.status(), 403);
    assert_eq!(error_code(capped).await, "download-limit-reached");

    // The same declaration again is not a new declaration, and a new grant (any
    // action) draws on the same allowance.
    let before = app.get_auth_json("/v1/me/attestation", &session).await;
    redeclare(&app, &session, "US").await;
    let after = app.get_auth_json("/v1/me/attestation", &session).await;
    assert_eq!(
        before["history"], after["history"],
        "no new declaration row"
    );
    for action in ["download", "validate"] {
        let again = ask(&app, &session, TEXT, UNKNOWN_IP, Some(action)).await;
        let token = again["grant"]["token"].as_str().unwrap();
        let refused = fetch(&app, &file, token, None, UNKNOWN_IP).await;
        assert_eq!(refused.status(), 403, "{action}");
        let resumed = fetch(&app, &file, token, Some("bytes=1-"), UNKNOWN_IP).await;
        assert_eq!(
            resumed.status(),
            403,
            "{action}: ranges share the byte budget"
        );
    }

    // Ranges are charged from the first request: two copies' worth, then no more.
    let other = app.licensed_user("grace@example.com", "US").await;
    let answer = app.grant(&other, TEXT).await;
    let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
    let half = format!("bytes={}-", size / 2);
    let mut served = 0;
    loop {
        let response = fetch(&app, &file, &grant, Some(&half), UNKNOWN_IP).await;
        if response.status() != 206 {
            assert_eq!(error_code(response).await, "download-limit-reached");
            break;
        }
        served += response.bytes().await.unwrap().len() as u64;
        assert!(
            served <= 2 * size,
            "served {served} bytes of a {size}-byte file"
        );
    }
    assert!(served > size, "whole budget usable: {served}");
}
on_each_backend!(the_download_cap_holds_across_grants_actions_and_ranges);

/// Attack 2, the other side: a download cut short is charged only what it sent, so the
/// resume after an interruption stays within the allowance.
async fn an_interrupted_download_is_charged_only_what_it_sent(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.grants.downloads_per_blob = 1).await;
    app.publish_demo().await;
    let source = tempfile::tempdir().unwrap();
    let size = 64 << 20;
    std::fs::write(
        source.path().join("model.safetensors"),
        common::pseudo_random_bytes(size, 7),
    )
    .unwrap();
    app.publish(source.path(), "acme/big", modelgate::domain::Modality::Text)
        .await;
    let session = app.licensed_user("ada@example.com", "US").await;
    let answer = app.grant(&session, "acme/big").await;
    let file = smallest_file(&answer);
    let grant = answer["grant"]["token"].as_str().unwrap().to_owned();
    let sha256 = file["sha256"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_owned();

    let mut response = fetch(&app, &file, &grant, None, UNKNOWN_IP).await;
    assert_eq!(response.status(), 200);
    let first = response.chunk().await.unwrap().unwrap().len();
    drop(response);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let charged = loop {
        let (served,): (i64,) =
            sqlx::query_as("SELECT served_bytes FROM download_allowances WHERE sha256 = $1")
                .bind(&sha256)
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap();
        if served < size as i64 || std::time::Instant::now() > deadline {
            break served as usize;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(charged >= first, "charged {charged} < received {first}");
    assert!(
        charged < size / 2,
        "charged {charged} of {size} for a cut download"
    );
    // The rest of the file still fits the allowance of one copy.
    let rest = fetch(
        &app,
        &file,
        &grant,
        Some(&format!("bytes={charged}-")),
        UNKNOWN_IP,
    )
    .await;
    assert_eq!(rest.status(), 206);
    assert_eq!(rest.bytes().await.unwrap().len(), size - charged);
    let more = fetch(&app, &file, &grant, Some("bytes=0-0"), UNKNOWN_IP).await;
    assert_eq!(error_code(more).await, "download-limit-reached");
}
on_each_backend!(an_interrupted_download_is_charged_only_what_it_sent);
