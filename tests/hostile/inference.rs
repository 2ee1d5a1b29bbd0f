//! Inference under attack: image bombs are decoded only inside the decode budget (after
//! the decision, charged from the header), so many at once barely move the server's
//! memory; and one account cannot hold every inference slot.

use std::time::Duration;

use base64::Engine;
use serde_json::json;

use super::*;
use crate::common::{error_code, spawn_app_with, Backend, KillOnDrop};

/// A PNG of `side` × `side` black pixels: a few dozen KiB that decode to `3 × side²` bytes.
fn image_bomb(side: u32) -> Vec<u8> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut png = Vec::new();
    let pixels = vec![0u8; (side * side * 3) as usize];
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::NoFilter)
        .write_image(&pixels, side, side, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A signed-in session on a `serve --demo` process that declared a US domicile and
/// accepted the license.
async fn licensed_on(client: &reqwest::Client, url: &str) -> String {
    common::licensed_session(client, url, "bomber@example.org", "US").await
}

#[tokio::test]
async fn parallel_image_bombs_stay_inside_the_decode_budget() {
    let data = tempfile::tempdir().unwrap();
    let (server, url, _) = common::serve_process(
        common::modelgate(data.path())
            .args(["serve", "--demo", "--port", "0"])
            .env("MODELGATE__INFERENCE__QUEUE_WAIT_SECS", "120")
            .env("MODELGATE__AUTH__MAX_SIGNUPS_PER_IP", "100"),
    );
    let server: KillOnDrop = server;
    let pid = server.id();
    let client = common::http_client();
    let token = licensed_on(&client, &url).await;
    let generate = |image: &[u8]| {
        client
            .post(format!("{url}/v1/models/{VISION}/generate"))
            .bearer_auth(&token)
            .json(&json!({
                "prompt": "What is this?", "max_tokens": 1,
                "image": base64::engine::general_purpose::STANDARD.encode(image),
            }))
            .send()
    };
    // Warm up: the model is loaded and the allocator has its working set.
    let warm = generate(&image_bomb(560)).await.unwrap();
    assert_eq!(warm.status(), 200, "{}", warm.text().await.unwrap());

    let bomb = image_bomb(4096);
    assert!(bomb.len() < 200 << 10, "a small file: {} bytes", bomb.len());
    // Peak RSS from now on (Linux: writing 5 to clear_refs resets VmHWM).
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let before = proc_status_kib(pid, "VmRSS:");
    // One account runs one inference at a time, so the bombs come from 16 accounts.
    let mut sessions = Vec::new();
    for n in 0..16 {
        let email = format!("bomber{n}@example.org");
        sessions.push(common::licensed_session(&client, &url, &email, "US").await);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bomb);
    let attacks = sessions.iter().map(|session| {
        client
            .post(format!("{url}/v1/models/{VISION}/generate"))
            .bearer_auth(session)
            .json(&json!({ "prompt": "What is this?", "max_tokens": 1, "image": encoded }))
            .send()
    });
    let answers = futures_util::future::join_all(attacks).await;
    let peak = proc_status_kib(pid, "VmHWM:");
    let mut served = 0;
    for answer in answers {
        let answer = answer.unwrap();
        let status = answer.status().as_u16();
        assert!(
            matches!(status, 200 | 503),
            "{status}: {}",
            answer.text().await.unwrap()
        );
        served += usize::from(status == 200);
    }
    assert!(served >= 1, "the bombs are decoded, one budget at a time");
    let growth_mib = peak.saturating_sub(before) / 1024;
    eprintln!("16 parallel 4096 x 4096 image bombs: peak RSS +{growth_mib} MiB, {served} served");
    assert!(growth_mib < 256, "peak RSS grew by {growth_mib} MiB");
}

#[tokio::test]
async fn one_account_runs_one_inference_at_a_time_and_others_get_their_turn() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.inference.max_concurrent = 1;
        s.inference.queue_wait_secs = 60;
    })
    .await;
    app.publish_demo().await;
    let hog = app.licensed_user("hog@example.org", "US").await;
    let other = app.licensed_user("other@example.org", "US").await;
    let generate = |token: &str, stream: bool| {
        app.client
            .post(app.url(&format!("/v1/models/{TEXT}/generate")))
            .bearer_auth(token)
            .json(&json!({ "prompt": "Once upon a time", "max_tokens": 256, "stream": stream }))
            .send()
    };
    let mut running = generate(&hog, true).await.unwrap();
    assert_eq!(running.status(), 200);
    let first = running.chunk().await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("event:"),
        "the run started"
    );
    let second = generate(&hog, false).await.unwrap();
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    assert_eq!(error_code(second).await, "inference-account-busy");
    let waited = tokio::time::timeout(Duration::from_secs(60), generate(&other, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        waited.status(),
        200,
        "another account waits its turn and is served"
    );
    while running.chunk().await.unwrap().is_some() {}
}
