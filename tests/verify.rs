//! `verify_dir` on a copy downloaded over HTTP: passes when intact; names the file when a
//! byte is flipped, a file is missing or an unsigned file was added.

use std::path::Path;

use crate::common::{download_model, spawn_app, Backend};
use modelgate::store::signing::PublicKey;
use modelgate::store::verify::{verify_dir, FileVerdict};

fn verify(dir: &Path, key: &PublicKey) -> modelgate::store::verify::VerifyReport {
    verify_dir(dir, key, 4, &indicatif::ProgressBar::hidden()).unwrap()
}

#[tokio::test]
async fn a_downloaded_copy_verifies_and_each_kind_of_damage_is_named() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let key =
        PublicKey::from_pem(&app.get("/v1/keys/publisher").await.text().await.unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = app.licensed_user("verify@example.com", "US").await;
    download_model(
        &app.client,
        &app.address,
        "demo/Llama-3.2-Tiny-Vision",
        dir.path(),
        &session,
    )
    .await;
    let report = verify(dir.path(), &key);
    assert!(report.passed(), "{:?}", report.problems());
    assert_eq!(
        report.facts.unwrap().model.to_string(),
        "demo/Llama-3.2-Tiny-Vision"
    );

    let shard = dir.path().join("model-00002-of-00004.safetensors");
    let mut bytes = std::fs::read(&shard).unwrap();
    bytes[4096] ^= 0x01;
    std::fs::write(&shard, &bytes).unwrap();
    let report = verify(dir.path(), &key);
    assert!(!report.passed());
    assert!(matches!(
        report.files[&"model-00002-of-00004.safetensors".parse().unwrap()],
        FileVerdict::Mismatch { .. }
    ));
    assert_eq!(report.problems().len(), 1);
    assert!(report.problems()[0].starts_with("model-00002-of-00004.safetensors: sha256 mismatch"));
    bytes[4096] ^= 0x01;
    std::fs::write(&shard, &bytes).unwrap();

    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    std::fs::write(dir.path().join("extra.bin"), b"smuggled").unwrap();
    let problems = verify(dir.path(), &key).problems();
    assert_eq!(
        problems,
        vec![
            "tokenizer.json: missing".to_string(),
            "extra.bin: not covered by the signature".to_string()
        ]
    );
}

#[tokio::test]
async fn another_publisher_key_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let session = app.licensed_user("verify@example.com", "US").await;
    download_model(
        &app.client,
        &app.address,
        "demo/Llama-3.2-Tiny",
        dir.path(),
        &session,
    )
    .await;
    let other =
        modelgate::store::signing::PublisherKey::load_or_generate(&dir.path().join("other-key"))
            .unwrap();
    std::fs::remove_dir_all(dir.path().join("other-key")).unwrap();
    let err = verify_dir(
        dir.path(),
        &other.public(),
        2,
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("another key"), "{err}");
}
