//! A mirror under a hostile upstream: blob redirects are followed only to the stores the
//! signed snapshot names, so an upstream cannot aim a partner's server at its own network.

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::{fault_proxy, spawn_app, Backend};
use modelgate::domain::Role;

#[tokio::test]
async fn a_mirror_follows_blob_redirects_only_to_stores_its_snapshot_names() {
    let upstream = spawn_app(Backend::Sqlite).await;
    upstream.publish_demo().await;
    let admin = upstream
        .account("admin@upstream.example", Role::Admin)
        .await;
    let (token, _) = upstream
        .create_partner(&admin, "Fjord Mirrors", "NO", "ops@fjord.example")
        .await;
    upstream.accept_current(&token).await;

    // What the upstream wants the mirror host to reach: a service on its internal network
    // (a cloud metadata endpoint, an admin port), here a listener that counts connections.
    let internal = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let internal_port = internal.local_addr().unwrap().port();
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reached);
    std::thread::spawn(move || {
        for stream in internal.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut sink = [0u8; 1024];
            let _ = (&stream).read(&mut sink);
        }
    });
    let proxy = fault_proxy::start(&upstream.address);
    proxy.set(|f| {
        f.redirect_blobs_to = Some(format!(
            "http://127.0.0.1:{internal_port}/latest/meta-data/iam"
        ))
    });

    let mirror = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .args(["mirror", "sync", "--upstream", &proxy.address])
        .args([
            "--partner-token",
            &token,
            "--retries",
            "1",
            "--log-level",
            "warn",
        ])
        .arg("--data-dir")
        .arg(mirror.path())
        .env_remove("MODELGATE__DATABASE__URL")
        .env("MODELGATE__MIRROR__ALLOW_PRIVATE_REDIRECTS", "true");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{printed}");
    assert!(
        printed.contains("not a store the signed snapshot names"),
        "{printed}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the mirror never connected to the address upstream named"
    );
}
