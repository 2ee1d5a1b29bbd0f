//! Publishing: idempotent revisions, blob reuse, refusal of unsafe or empty directories
//! with nothing half-published.

use crate::common;
use crate::common::{demo_models, spawn_app, Backend};
use modelgate::catalog::publish::PublishError;
use modelgate::db::catalog;
use modelgate::domain::Modality;
use modelgate::store::walk::WalkError;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

async fn publishing_the_same_directory_twice_yields_the_same_revision_and_copies_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, models) = demo_models();
    let first = app.publish(&models[0].dir, "demo/t", Modality::Text).await;
    let second = app.publish(&models[0].dir, "demo/t", Modality::Text).await;
    assert_eq!(first.revision, second.revision);
    assert_eq!(first.new_blobs, first.manifest.files.len());
    assert_eq!(second.new_blobs, 0);
    assert_eq!(second.reused_blobs, first.manifest.files.len());
    let revisions = catalog::revisions_of(&app.state.db, &"demo/t".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(revisions.len(), 1);
    for file in &first.manifest.files {
        assert!(app.state.blobs.contains(&file.sha256).await.unwrap());
    }
}
on_each_backend!(publishing_the_same_directory_twice_yields_the_same_revision_and_copies_nothing);

async fn a_changed_file_makes_a_new_latest_revision_and_the_old_one_stays_addressable(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, models) = demo_models();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&models[0].dir, dir.path());
    let old = app.publish(dir.path(), "demo/t", Modality::Text).await;
    std::fs::write(
        dir.path().join("generation_config.json"),
        "{\"temperature\": 0.1}\n",
    )
    .unwrap();
    let new = app.publish(dir.path(), "demo/t", Modality::Text).await;
    assert_ne!(old.revision, new.revision);
    assert_eq!(new.new_blobs, 1, "only the changed file is stored");
    let latest = catalog::find_revision(&app.state.db, &"demo/t".parse().unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.digest, new.revision.hex());
    let old_manifest = app
        .get(&format!(
            "/v1/models/demo/t/manifest?revision={}",
            old.revision
        ))
        .await;
    assert_eq!(old_manifest.status(), 200);
}
on_each_backend!(a_changed_file_makes_a_new_latest_revision_and_the_old_one_stays_addressable);

async fn assert_nothing_published(app: &common::TestApp) {
    assert!(catalog::list_models(&app.state.db)
        .await
        .unwrap()
        .is_empty());
    let visible = walk_blobs(&app.state.settings.storage.blob_dir().join("sha256"));
    assert!(
        visible.is_empty(),
        "no blob may become visible: {visible:?}"
    );
}

fn walk_blobs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(walk_blobs(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

#[tokio::test]
async fn symlinks_are_refused_and_nothing_is_published() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("tokenizer.json")).unwrap();
    let err = app
        .try_publish(dir.path(), "demo/x", Modality::Text)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::Walk(WalkError::Symlink(_))),
        "{err}"
    );
    assert!(err.to_string().contains("tokenizer.json"), "{err}");
    assert_nothing_published(&app).await;
}

#[tokio::test]
async fn empty_models_missing_dirs_and_bad_names_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join("nested")).unwrap();
    let err = app
        .try_publish(empty.path(), "demo/x", Modality::Text)
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::EmptyModel(_)), "{err}");

    let missing = app
        .try_publish(&empty.path().join("absent"), "demo/x", Modality::Text)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, PublishError::Walk(WalkError::Io { .. })),
        "{missing}"
    );

    let odd = tempfile::tempdir().unwrap();
    std::fs::write(odd.path().join("back\\slash.json"), "{}").unwrap();
    let err = app
        .try_publish(odd.path(), "demo/x", Modality::Text)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::Walk(WalkError::Path(_))),
        "{err}"
    );
    assert_nothing_published(&app).await;
}

#[tokio::test]
async fn the_signature_file_and_git_metadata_are_not_part_of_a_model() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    std::fs::write(dir.path().join("model.sig"), "old signature").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git").join("HEAD"), "ref").unwrap();
    std::fs::write(
        dir.path().join(".gitattributes"),
        "*.safetensors filter=lfs",
    )
    .unwrap();
    let published = app.publish(dir.path(), "demo/x", Modality::Text).await;
    let paths: Vec<&str> = published
        .manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(paths, vec!["config.json"]);
}

/// The path → SHA-256 of a manifest's files.
fn digests(
    manifest: &modelgate::store::manifest::Manifest,
) -> std::collections::BTreeMap<String, String> {
    manifest
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.sha256.hex()))
        .collect()
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn a_hugging_face_cache_snapshot_publishes_by_path_and_by_name() {
    common::hf::require_hf_hub();
    // huggingface_hub itself fills a cache from a gateway.
    let upstream = spawn_app(Backend::Sqlite).await;
    let (text, _) = upstream.publish_demo().await;
    let token = upstream.licensed_user("dev@example.com", "US").await;
    let home = tempfile::tempdir().unwrap();
    let client = common::hf::HfClient::new(&upstream.address, Some(&token), home.path());
    let (code, answer) = client.run(&["snapshot", common::hf::TEXT]).await;
    assert_eq!(code, Some(0), "{answer}");
    let snapshot = std::path::PathBuf::from(answer["path"].as_str().unwrap());
    let config = snapshot.join("config.json");
    assert!(config.symlink_metadata().unwrap().file_type().is_symlink());

    // By path: the same files and digests as upstream signed.
    let app = spawn_app(Backend::Sqlite).await;
    let by_path = app.publish(&snapshot, "mirror/tiny", Modality::Text).await;
    assert_eq!(digests(&by_path.manifest), digests(&text.manifest));
    assert!(
        by_path.manifest.validation.is_some(),
        "the cached model validates"
    );

    // By name, as huggingface_hub finds it (HF_HOME).
    let data = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"))
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "publish",
            "--from-hf-cache",
            common::hf::TEXT,
            "--model",
            "mirror/tiny",
        ])
        .args(["--license", "llama-3.2", "--modality", "text"])
        .env("HF_HOME", home.path())
        .env_remove("HF_HUB_CACHE")
        .env_remove("MODELGATE__DATABASE__URL")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        printed.contains(&format!("revision {}", by_path.revision)),
        "the same revision: {printed}"
    );

    // A link that leaves the cached repository is refused, saying why.
    let outside = tempfile::NamedTempFile::new().unwrap();
    let stray = snapshot.join("stray.json");
    std::os::unix::fs::symlink(outside.path(), &stray).unwrap();
    let err = app
        .try_publish(&snapshot, "mirror/stray", Modality::Text)
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::Walk(WalkError::LinkOutsideCache { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("stray.json"), "{err}");
    std::fs::remove_file(&stray).unwrap();

    // A blob named by its SHA-256 whose bytes differ is a corrupted cache.
    let shard = std::fs::read_dir(&snapshot)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .unwrap();
    let blob = std::fs::canonicalize(&shard).unwrap();
    assert_eq!(
        blob.file_name().unwrap().len(),
        64,
        "LFS blobs are named by SHA-256"
    );
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let err = app
        .try_publish(&snapshot, "mirror/corrupted", Modality::Text)
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::CorruptedCache { .. }), "{err}");
    assert!(err.to_string().contains("corrupted"), "{err}");
}

#[tokio::test]
async fn the_llama_3_2_hub_repository_layout_publishes_as_it_is() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, models) = demo_models();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&models[0].dir, dir.path());
    std::fs::create_dir_all(dir.path().join("original")).unwrap();
    std::fs::write(
        dir.path().join("original/consolidated.00.pth"),
        common::pseudo_random_bytes(4096, 7),
    )
    .unwrap();
    std::fs::write(dir.path().join("original/params.json"), r#"{"dim": 64}"#).unwrap();
    for name in ["LICENSE.txt", "USE_POLICY.md", "README.md"] {
        std::fs::write(dir.path().join(name), format!("{name} of the demo\n")).unwrap();
    }
    let published = app
        .publish(dir.path(), "meta-demo/layout", Modality::Text)
        .await;
    let paths: Vec<String> = published
        .manifest
        .files
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    for expected in [
        "original/consolidated.00.pth",
        "original/params.json",
        "LICENSE.txt",
        "USE_POLICY.md",
        "README.md",
        "config.json",
    ] {
        assert!(
            paths.contains(&expected.to_owned()),
            "{expected} in {paths:?}"
        );
    }
    assert!(published.manifest.validation.is_some());
}
