//! The Hugging Face Hub-compatible API with the real `huggingface_hub` client from PyPI:
//! `snapshot_download` and `hf_hub_download` of both demo models into a fresh cache (every
//! SHA-256 equal to the signed manifest), a download that resumes after a dropped
//! connection, the gated-repository errors with modelgate's reason, and `hf download`.

use crate::common::hf::{
    check_snapshots, manifest_files, require_hf_hub, require_python_modules, HfClient, TEXT, VISION,
};
use std::net::Ipv4Addr;

use crate::common::{fault_proxy, spawn_app, Backend, TestApp};
use modelgate::domain::Role;
use serde_json::{json, Value};

/// A gateway (SQLite) with both demo models, and an API token of a licensed user.
async fn demo_gateway(email: &str, country: &str) -> (TestApp, String) {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let token = app.licensed_api_token(email, country).await;
    (app, token)
}

async fn snapshot_download_and_hf_hub_download_fetch_both_models_intact(backend: Backend) {
    require_hf_hub();
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let token = app.licensed_api_token("dev@example.com", "US").await;
    check_snapshots(&app, &app.address, &token).await;

    // Every file was decided and served as an audited blob request.
    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let events: Value = app
        .get_auth(
            "/v1/audit/events?kind=blob.request&outcome=served&limit=1000",
            &staff,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!events["events"].as_array().unwrap().is_empty());
}
on_each_backend!(
    snapshot_download_and_hf_hub_download_fetch_both_models_intact,
    ignore = "needs huggingface_hub (Python)"
);

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn an_interrupted_download_resumes_with_a_range() {
    require_hf_hub();
    let (app, token) = demo_gateway("dev@example.com", "US").await;
    // The client writes in 10 MiB chunks and resumes from what it wrote, so the file is
    // larger than that and the connection drops after the first chunk.
    let dir = tempfile::tempdir().unwrap();
    let mut weights = vec![0u8; 24 << 20];
    for (i, byte) in weights.iter_mut().enumerate() {
        *byte = (i.wrapping_mul(2_654_435_761) >> 13) as u8;
    }
    std::fs::write(dir.path().join("model.safetensors"), &weights).unwrap();
    app.publish(
        dir.path(),
        "demo/Big-Weights",
        modelgate::domain::Modality::Text,
    )
    .await;
    let proxy = fault_proxy::start(&app.address);
    proxy.set(|f| f.cut_blob_after = Some((12 << 20, 1)));
    let home = tempfile::tempdir().unwrap();
    let (code, answer) = HfClient::new(&proxy.address, Some(&token), home.path())
        .run(&["file", "demo/Big-Weights", "model.safetensors"])
        .await;
    assert_eq!(code, Some(0), "{answer}");
    let want = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&weights));
    assert_eq!(answer["sha256"], want.as_str());
    assert!(
        proxy.faults.lock().unwrap().cut_blob_after.is_none(),
        "the cut happened"
    );
    // The retry asked for the rest only, and was served as a resume (206).
    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let events = app
        .get_auth_json("/v1/audit/events?kind=blob.request&limit=1000", &staff)
        .await;
    let resumed = events["events"].as_array().unwrap().iter().any(|e| {
        e["data"]["status"] == 206
            && e["data"]["range"]
                .as_str()
                .is_some_and(|r| r.starts_with("bytes=10485760-"))
    });
    assert!(resumed, "no ranged request was served: {events}");
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn refused_users_get_the_gated_repository_error_with_the_reason() {
    require_hf_hub();
    let (app, eu) = demo_gateway("eu@example.com", "DE").await;
    // Each client gets a cache of its own: the Hub client answers from its cache when the
    // server refuses.
    let fresh_home = || tempfile::tempdir().unwrap();
    let home = fresh_home();
    let client = HfClient::new(&app.address, Some(&eu), home.path());
    let (code, answer) = client.run(&["snapshot", VISION]).await;
    assert_eq!(code, Some(3), "{answer}");
    assert!(
        answer["error"].to_string().contains("GatedRepoError"),
        "{answer}"
    );
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("eu.multimodal-withheld"), "{message}");
    // The text model is theirs.
    let (code, answer) = client.run(&["snapshot", TEXT]).await;
    assert_eq!(code, Some(0), "{answer}");

    // No token: the gated error says what to pass.
    let home = fresh_home();
    let anonymous = HfClient::new(&app.address, None, home.path());
    let (code, answer) = anonymous.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(3), "{answer}");
    assert!(
        answer["error"].to_string().contains("GatedRepoError"),
        "{answer}"
    );
    assert!(
        answer["message"].as_str().unwrap().contains("HF_TOKEN"),
        "{answer}"
    );

    // A user who has not accepted the license is gated too, with the rule.
    let session = app.account("new@example.com", Role::User).await;
    app.attest(&session, "US").await;
    let home = fresh_home();
    let (code, answer) = HfClient::new(&app.address, Some(&session), home.path())
        .run(&["file", TEXT, "config.json"])
        .await;
    assert_eq!(code, Some(3), "{answer}");
    assert!(
        answer["error"].to_string().contains("GatedRepoError"),
        "{answer}"
    );
    assert!(
        answer["message"].as_str().unwrap().contains("license"),
        "{answer}"
    );

    // Unknown repository, revision and file.
    let us = app.licensed_api_token("us@example.com", "US").await;
    let home = fresh_home();
    let client = HfClient::new(&app.address, Some(&us), home.path());
    let (_, answer) = client.run(&["info", "demo/Nope"]).await;
    assert!(
        answer["error"]
            .to_string()
            .contains("RepositoryNotFoundError"),
        "{answer}"
    );
    let (_, answer) = client.run(&["file", TEXT, "no-such-file.bin"]).await;
    assert!(
        answer["error"].to_string().contains("EntryNotFound"),
        "{answer}"
    );
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn the_hf_command_line_downloads_a_model() {
    require_hf_hub();
    let (app, token) = demo_gateway("dev@example.com", "US").await;
    let home = tempfile::tempdir().unwrap();
    let target = home.path().join("out");
    let output = HfClient::new(&app.address, Some(&token), home.path())
        .cli(&["download", TEXT, "--local-dir", target.to_str().unwrap()])
        .await;
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let (want, _) = manifest_files(&app, TEXT).await;
    for (path, sha) in want {
        let bytes = std::fs::read(target.join(&path)).unwrap();
        assert_eq!(
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            sha,
            "{path}"
        );
    }
}

#[tokio::test]
#[ignore = "needs huggingface_hub and transformers (Python)"]
async fn transformers_auto_config_and_tokenizer_load_from_the_gateway() {
    require_python_modules("huggingface_hub, transformers");
    let (app, token) = demo_gateway("dev@example.com", "US").await;
    let home = tempfile::tempdir().unwrap();
    let client = HfClient::new(&app.address, Some(&token), home.path());
    for (model, model_type) in [(TEXT, "llama"), (VISION, "mllama")] {
        let (code, answer) = client.run(&["autoconfig", model]).await;
        assert_eq!(code, Some(0), "{answer}");
        assert_eq!(answer["model_type"], model_type, "{answer}");
        // The tokenizer loads too, and tokenizes.
        assert!(
            answer["tokenizer"].as_str().unwrap().contains("Tokenizer"),
            "{answer}"
        );
        assert!(!answer["tokens"].as_array().unwrap().is_empty(), "{answer}");
    }
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn a_review_case_is_a_gated_error_until_compliance_approves_it() {
    require_hf_hub();
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    app.geolocate(Ipv4Addr::new(81, 0, 0, 0), 16, "DE", "EU")
        .await;
    // Declared in the US, connecting from Germany: compliance reviews the Vision model.
    let token = app.licensed_api_token("traveller@example.com", "US").await;
    let home = tempfile::tempdir().unwrap();
    let client = HfClient::new(&app.address, Some(&token), home.path())
        .with_header("X-Forwarded-For", "81.0.1.2");
    let (code, answer) = client.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(3), "{answer}");
    assert!(
        answer["error"].to_string().contains("GatedRepoError"),
        "{answer}"
    );
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("compliance review"), "{message}");

    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let cases = app.get_auth_json("/v1/reviews?state=open", &staff).await;
    let case = cases["cases"][0]["id"].as_str().unwrap().to_owned();
    assert!(message.contains(&case), "{message}");
    let approved = app
        .post_json(
            &format!("/v1/reviews/{case}/approve"),
            Some(&staff),
            &json!({ "note": "travelling; domicile documents checked" }),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let (code, answer) = client.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(0), "{answer}");
}

#[tokio::test]
async fn moving_names_redirect_to_their_commit_and_refusals_carry_hub_error_codes() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let (_, revision) = manifest_files(&app, TEXT).await;
    let commit = &revision[..40];
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let head = client
        .head(app.url(&format!("/{TEXT}/resolve/main/config.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 307);
    assert_eq!(
        head.headers()["location"],
        format!("/{TEXT}/resolve/{commit}/config.json").as_str()
    );
    assert_eq!(head.headers()["x-repo-commit"], commit);

    // The commit URL without a token: the gated error, with the usual challenge.
    let anonymous = client
        .head(app.url(&format!("/{TEXT}/resolve/{commit}/config.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["x-error-code"], "GatedRepo");
    assert!(anonymous.headers().contains_key("www-authenticate"));
    assert!(anonymous.headers()["x-error-message"]
        .to_str()
        .unwrap()
        .contains("HF_TOKEN"));

    for (path, code) in [
        (
            format!("/{TEXT}/resolve/{commit}/nope.bin"),
            "EntryNotFound",
        ),
        (
            format!("/{TEXT}/resolve/{}/config.json", "0".repeat(40)),
            "RevisionNotFound",
        ),
        (
            "/demo/Nope/resolve/main/config.json".to_owned(),
            "RepoNotFound",
        ),
        ("/api/models/demo/Nope".to_owned(), "RepoNotFound"),
    ] {
        let response = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["x-error-code"], code, "{path}");
    }

    // Model info and the tree list every file with its SHA-256.
    let info: Value = client
        .get(app.url(&format!("/api/models/{TEXT}/revision/main?blobs=true")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sha"], commit);
    let tree: Value = client
        .get(app.url(&format!("/api/models/{TEXT}/tree/{commit}?recursive=true")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (files, _) = manifest_files(&app, TEXT).await;
    assert_eq!(tree.as_array().unwrap().len(), files.len());
    for entry in tree.as_array().unwrap() {
        let path = entry["path"].as_str().unwrap();
        assert_eq!(entry["lfs"]["oid"], files[path].as_str(), "{path}");
    }
}

/// Lists a model with more files than a page of an expanded tree, asks for paths, checks
/// access and the token with the client on `line` (the default one when `None`), and
/// downloads the text model; asserts what a user of that client line would see.
async fn pages_paths_checks_and_downloads(line: Option<&std::path::Path>) {
    require_hf_hub();
    let (app, token) = demo_gateway("dev@example.com", "US").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("shards")).unwrap();
    for i in 0..60 {
        std::fs::write(
            dir.path().join(format!("shards/part-{i:03}.bin")),
            format!("part {i}"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    app.publish(
        dir.path(),
        "demo/Many-Files",
        modelgate::domain::Modality::Text,
    )
    .await;
    let first = app
        .get("/api/models/demo/Many-Files/tree/main?recursive=true&expand=true")
        .await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    let page: Value = first.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 50);

    let on_line = |client: HfClient| match line {
        Some(line) => client.on_line(line),
        None => client,
    };
    let home = tempfile::tempdir().unwrap();
    let client = on_line(HfClient::new(&app.address, Some(&token), home.path()));
    let (code, tree) = client.run(&["tree", "demo/Many-Files"]).await;
    assert_eq!(code, Some(0), "{tree}");
    let entries = tree["entries"].as_array().unwrap();
    // 60 shards, config.json and the `shards` directory, over two pages.
    assert_eq!(entries.len(), 62, "{tree}");
    assert!(entries.iter().all(|e| e["commit"].is_string()), "{tree}");
    assert!(entries
        .iter()
        .any(|e| e["path"] == "shards" && e["type"] == "RepoFolder"));

    let (code, info) = client
        .run(&[
            "paths_info",
            "demo/Many-Files",
            "config.json",
            "shards",
            "missing.bin",
        ])
        .await;
    assert_eq!(code, Some(0), "{info}");
    assert_eq!(
        info["entries"],
        json!([{"path": "config.json", "type": "RepoFile"}, {"path": "shards", "type": "RepoFolder"}])
    );

    // The model card: `cardData` in the model info, the README.md through ModelCard.load.
    let (code, card) = client.run(&["card", TEXT]).await;
    assert_eq!(code, Some(0), "{card}");
    let languages = json!(modelgate::demo::cards::SUPPORTED_LANGUAGES);
    assert_eq!(card["card_data_language"], languages, "{card}");
    assert_eq!(card["readme_language"], languages, "{card}");
    assert!(card["tags"].to_string().contains("\"th\""), "{card}");
    assert!(
        card["readme_text"]
            .as_str()
            .unwrap()
            .contains("# Llama-3.2-Tiny (demo)"),
        "{card}"
    );

    // `expand` answers the properties asked for.
    let (code, expanded) = client.run(&["info_expand", TEXT, "sha", "tags"]).await;
    assert_eq!(code, Some(0), "{expanded}");
    assert_eq!(
        expanded["sha"].as_str().map(str::len),
        Some(40),
        "{expanded}"
    );
    assert!(
        expanded["tags"].to_string().contains("license:llama-3.2"),
        "{expanded}"
    );
    assert!(expanded["siblings"].is_null(), "{expanded}");
    let (code, whoami) = client.run(&["whoami", "demo/Many-Files"]).await;
    assert_eq!(code, Some(0), "{whoami}");
    assert_eq!(whoami["name"], "dev@example.com");

    // The preflight: allowed, gated with our reason and the model page, or not found.
    let (code, checked) = client.run(&["auth_check", TEXT]).await;
    assert_eq!(code, Some(0), "{checked}");
    let eu = app.licensed_api_token("eu@example.com", "DE").await;
    let eu_home = tempfile::tempdir().unwrap();
    let eu_client = on_line(HfClient::new(&app.address, Some(&eu), eu_home.path()));
    let (code, refused) = eu_client.run(&["auth_check", VISION]).await;
    assert_eq!(code, Some(3), "{refused}");
    assert!(
        refused["error"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "GatedRepoError"),
        "{refused}"
    );
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("eu.multimodal-withheld")
            && message.contains("/models/demo/Llama-3.2-Tiny-Vision"),
        "{message}"
    );
    let (code, missing) = client.run(&["auth_check", "demo/No-Such-Model"]).await;
    assert_eq!(code, Some(3), "{missing}");
    assert!(
        missing["error"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "RepositoryNotFoundError"),
        "{missing}"
    );

    // The download goes over plain HTTP: no answer names a Xet hash or a Xet token route,
    // so the client (hf_xet installed) never switches to Xet.
    let (code, snapshot) = client.run(&["snapshot", TEXT]).await;
    assert_eq!(code, Some(0), "{snapshot}");
    let (files, _) = manifest_files(&app, TEXT).await;
    let got: std::collections::BTreeMap<String, String> =
        serde_json::from_value(snapshot["files"].clone()).unwrap();
    assert_eq!(got, files);
    if let Some(expected) = line.map(|_| "0.36.0") {
        assert_eq!(snapshot["version"], expected);
    }
    let commit = &snapshot["path"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let head = app
        .client
        .head(app.url(&format!("/{TEXT}/resolve/{commit}/config.json")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    for (name, value) in head.headers() {
        let (name, value) = (name.as_str(), value.to_str().unwrap_or_default());
        assert!(!name.starts_with("x-xet"), "{name}: {value}");
        assert!(
            !(name == "link" && value.contains("xet")),
            "{name}: {value}"
        );
    }
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn the_client_pages_the_tree_asks_paths_and_checks_access_before_downloading() {
    pages_paths_checks_and_downloads(None).await;
}

#[tokio::test]
#[ignore = "needs huggingface_hub 0.36 in MODELGATE_HF_LEGACY (Python)"]
async fn the_0_36_line_of_the_client_does_the_same() {
    let line = crate::common::hf::legacy_line();
    pages_paths_checks_and_downloads(Some(&line)).await;
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn compliance_staff_work_the_review_queue_with_the_hub_access_request_api() {
    require_hf_hub();
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    app.geolocate(Ipv4Addr::new(81, 0, 0, 0), 16, "DE", "EU")
        .await;
    // Declared in the US, connecting from Germany: the Vision model goes to review.
    let token = app.licensed_api_token("traveller@example.com", "US").await;
    let home = tempfile::tempdir().unwrap();
    let traveller = HfClient::new(&app.address, Some(&token), home.path())
        .with_header("X-Forwarded-For", "81.0.1.2");
    let (code, answer) = traveller.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(3), "{answer}");

    let staff = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    // A compliance API token with the `admin` scope, as the queue needs.
    let created = app
        .post_json(
            "/v1/me/tokens",
            Some(&staff),
            &json!({ "name": "hub queue", "scopes": ["read", "admin"] }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let staff_token = created["token"].as_str().unwrap().to_owned();
    let staff_home = tempfile::tempdir().unwrap();
    let officer = HfClient::new(&app.address, Some(&staff_token), staff_home.path());
    let (code, pending) = officer.run(&["requests", VISION, "pending"]).await;
    assert_eq!(code, Some(0), "{pending}");
    let request = &pending["requests"][0];
    assert_eq!(request["user"], "traveller@example.com");
    assert_eq!(request["status"], "pending");
    assert!(
        request["fields"]["rules"].to_string().contains("review."),
        "{pending}"
    );

    // The traveller may not work the queue.
    let (code, refused) = traveller.run(&["requests", VISION, "pending"]).await;
    assert_eq!(code, Some(3), "{refused}");

    let (code, accepted) = officer
        .run(&["accept", VISION, "traveller@example.com"])
        .await;
    assert_eq!(code, Some(0), "{accepted}");
    let (_, listed) = officer.run(&["requests", VISION, "accepted"]).await;
    assert_eq!(listed["requests"][0]["id"], request["id"]);
    let (code, answer) = traveller.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(0), "{answer}");
    let case = app
        .get_auth_json(
            &format!("/v1/reviews/{}", request["id"].as_str().unwrap()),
            &staff,
        )
        .await;
    assert_eq!(case["state"], "approved", "{case}");

    // Rejecting decides the case again: the grant stops at the next request.
    let (code, rejected) = officer
        .run(&[
            "reject",
            VISION,
            "traveller@example.com",
            "domicile documents missing",
        ])
        .await;
    assert_eq!(code, Some(0), "{rejected}");
    let (_, listed) = officer.run(&["requests", VISION, "rejected"]).await;
    assert_eq!(listed["requests"][0]["id"], request["id"]);
    // The Hub's accept carries no reason, so it cannot reverse a denial.
    let (code, refused) = officer
        .run(&["accept", VISION, "traveller@example.com"])
        .await;
    assert_eq!(code, Some(3), "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("/v1/reviews/"),
        "{refused}"
    );
    let fresh_home = tempfile::tempdir().unwrap();
    let again = HfClient::new(&app.address, Some(&token), fresh_home.path())
        .with_header("X-Forwarded-For", "81.0.1.2");
    let (code, answer) = again.run(&["file", VISION, "config.json"]).await;
    assert_eq!(code, Some(3), "{answer}");
}

#[tokio::test]
async fn paths_info_answers_each_path_once_and_at_most_a_thousand() {
    let app = spawn_app(Backend::Sqlite).await;
    app.publish_demo().await;
    let url = app.url(&format!("/api/models/{TEXT}/paths-info/main"));
    let repeated = "paths=config.json&".repeat(50);
    let answer: Value = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(repeated)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer.as_array().unwrap().len(), 1, "{answer}");
    let many: String = (0..1001).map(|i| format!("paths=p{i}&")).collect();
    let refused = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(many)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
#[ignore = "needs huggingface_hub (Python)"]
async fn a_new_license_version_is_named_in_the_gated_error_with_the_model_page() {
    require_hf_hub();
    let (app, token) = demo_gateway("dev@example.com", "US").await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let version = json!({ "version": "v2", "title": "t", "modalities": ["text", "multimodal"],
                          "license_text": "new", "aup_text": "new aup", "notice": "Built with Llama." });
    let published = app
        .post_json(
            "/v1/admin/licenses/llama-3.2/versions",
            Some(&admin),
            &version,
        )
        .await;
    assert_eq!(published.status(), 201);
    let home = tempfile::tempdir().unwrap();
    let client = HfClient::new(&app.address, Some(&token), home.path());
    for command in [vec!["file", TEXT, "config.json"], vec!["auth_check", TEXT]] {
        let (code, answer) = client.run(&command).await;
        assert_eq!(code, Some(3), "{answer}");
        assert!(
            answer["error"].to_string().contains("GatedRepoError"),
            "{answer}"
        );
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains("version v2 of license llama-3.2 was published after the version")
                && message.contains(&format!("{}/models/{TEXT}", app.address)),
            "{message}"
        );
    }
}
