//! The audit trail as a transparency log: tiles read and verified by an implementation
//! that is not ours, `modelgate audit verify` re-deriving the tree from a URL or a
//! directory and naming the first bad entry, a forked log caught against an earlier
//! checkpoint, receipts that verify offline after the server is gone, witnesses'
//! cosignatures, the chain and the one-row-per-hash tree of earlier releases carried over,
//! and two replicas sharing one sequencer.

use std::collections::HashMap;
use std::process::Command;

use crate::common::{modelgate_cli, spawn_app, spawn_app_with, Backend, TestApp};
use modelgate::domain::Role;
use serde_json::Value;
use sqlx::Executor;

const TEXT: &str = "demo/Llama-3.2-Tiny";

/// A gateway with the demo models, compliance staff and a few decisions.
async fn app_with_decisions(backend: Backend) -> (TestApp, String, Vec<String>) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.publish_demo().await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let mut decisions = Vec::new();
    for (i, country) in ["US", "DE", "JP"].iter().enumerate() {
        let user = app
            .licensed_user(&format!("u{i}@example.com"), country)
            .await;
        let answer: Value = app
            .access(&user, TEXT, None, None)
            .await
            .json()
            .await
            .unwrap();
        decisions.push(answer["decision_id"].as_str().unwrap().to_owned());
    }
    (app, compliance, decisions)
}

async fn bytes(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (u16, Vec<u8>, HashMap<String, String>) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    (
        response.status().as_u16(),
        response.bytes().await.unwrap().to_vec(),
        headers,
    )
}

/// Reads tiles over HTTP for the `tlog_tiles` crate.
struct HttpTiles(HashMap<String, Vec<u8>>);

impl tlog_tiles::TileReader for HttpTiles {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                // The crate spells the Go sumdb layout (`tile/8/L/N`); C2SP drops the height.
                let path = t.path().replacen("tile/8/", "tile/", 1);
                self.0
                    .get(&path)
                    .cloned()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

/// Appends `count` events in one transaction.
async fn append_events(app: &TestApp, count: u64) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    for i in 0..count {
        let event = modelgate::db::audit::NewEvent {
            kind: modelgate::ledger::event::EventKind::PartnerUpdated,
            actor: Some("admin@example.com".into()),
            subject: Some(format!("partner-{i}")),
            outcome: Some(modelgate::ledger::event::Outcome::Updated),
            data: serde_json::json!({ "n": i }),
        };
        modelgate::db::audit::append(&mut tx, &event).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn tiles_are_read_and_verified_by_an_implementation_that_is_not_ours(backend: Backend) {
    let (app, compliance, _) = app_with_decisions(backend).await;
    // More than one full tile of entries, so a full tile and a level-1 tile exist.
    append_events(&app, 300).await;
    let size = app.audit_sequenced().await;
    assert!(size > 256, "{size}");

    // Only signed-note and tlog-tiles code from crates.io below, and our public URLs.
    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let verifier = signed_note::StandardVerifier::new(vkey.trim()).unwrap();
    let (status, note, _) = bytes(&app, "/v1/audit/log/checkpoint", None).await;
    assert_eq!(status, 200);
    let note = signed_note::Note::from_bytes(&note).unwrap();
    let verifiers = signed_note::VerifierList::new(vec![Box::new(verifier)]);
    note.verify(&verifiers)
        .expect("the log key signed the checkpoint");
    let checkpoint = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert!(checkpoint.size() >= size);
    let tree_size = checkpoint.size();

    let mut tiles = HashMap::new();
    let mut cache_controls = Vec::new();
    for tile in tlog_tiles::Tile::new_tiles(8, 0, tree_size) {
        let path = tile.path().replacen("tile/8/", "tile/", 1);
        let (status, body, headers) = bytes(&app, &format!("/v1/audit/log/{path}"), None).await;
        assert_eq!(status, 200, "{path}");
        cache_controls.push((path.clone(), headers["cache-control"].clone()));
        tiles.insert(path, body);
    }
    assert!(cache_controls
        .iter()
        .any(|(p, c)| p == "tile/0/000" && c.contains("immutable")));
    assert!(cache_controls
        .iter()
        .filter(|(p, _)| p.contains(".p/"))
        .all(|(_, c)| c == "no-cache"));
    let reader = HttpTiles(tiles);
    let hashes = tlog_tiles::TileHashReader::new(tree_size, *checkpoint.hash(), &reader);
    let leaf_indexes: Vec<u64> = (0..tree_size)
        .map(|i| tlog_tiles::stored_hash_index(0, i))
        .collect();
    let leaves = tlog_tiles::HashReader::read_hashes(&hashes, &leaf_indexes)
        .expect("the tiles add up to the signed root");

    // Entry bundles are for compliance staff; each entry hashes to its leaf.
    let first_bundle = "/v1/audit/log/tile/entries/000";
    assert_eq!(bytes(&app, first_bundle, None).await.0, 401);
    let user = app.licensed_user("nosy@example.com", "US").await;
    assert_eq!(bytes(&app, first_bundle, Some(&user)).await.0, 403);
    let (status, bundle, _) = bytes(&app, first_bundle, Some(&compliance)).await;
    assert_eq!(status, 200);
    let mut rest = bundle.as_slice();
    let mut index = 0usize;
    while !rest.is_empty() {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let entry = &rest[2..2 + len];
        assert_eq!(
            tlog_tiles::record_hash(entry),
            leaves[index],
            "entry {index}"
        );
        rest = &rest[2 + len..];
        index += 1;
    }
    assert_eq!(index, 256);

    // Any proof the server hands out checks with the crate too.
    let (_, proof, _) = bytes(&app, "/v1/audit/log/consistency?from=5&to=200", None).await;
    let proof: Vec<tlog_tiles::Hash> = String::from_utf8(proof)
        .unwrap()
        .lines()
        .map(|l| tlog_tiles::Hash::parse_hash(l).unwrap())
        .collect();
    let root_at = |n: u64| tlog_tiles::tree_hash(n, &hashes).unwrap();
    tlog_tiles::check_tree(&proof, 200, root_at(200), 5, root_at(5)).expect("consistent");

    // Paths that are not tiles of this log.
    for path in [
        "tile/0/999",
        "tile/0/000.p/0",
        "tile/9/000",
        "tile/0/../../keys",
        "tile/entries/x001/000",
        "tile/70/000",
    ] {
        let (status, _, _) = bytes(&app, &format!("/v1/audit/log/{path}"), Some(&compliance)).await;
        assert_eq!(status, 404, "{path}");
    }
}
on_each_backend!(tiles_are_read_and_verified_by_an_implementation_that_is_not_ours);

#[tokio::test]
async fn the_cli_rederives_the_log_and_catches_a_bad_entry_a_bad_tile_and_a_fork() {
    let (app, compliance, _) = app_with_decisions(Backend::Sqlite).await;
    app.audit_sequenced().await;
    let dir = tempfile::tempdir().unwrap();
    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let log = app.url("/v1/audit/log");
    let verify = |extra: &[&str]| {
        let mut args = vec!["audit", "verify", "--vkey", vkey.trim()];
        args.extend_from_slice(extra);
        modelgate_cli(&args)
    };
    let (code, out) = verify(&["--log", &log, "--token", &compliance]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("OK: "), "{out}");

    // Without a compliance token the entry bundles stay closed: said, not passed.
    let (code, out) = verify(&["--log", &log]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--token"), "{out}");

    // A directory copy of the log, as a compliance officer archives it, verifies offline.
    let size = app.audit_sequenced().await;
    let archive = dir.path().join("log");
    let (_, note, _) = bytes(&app, "/v1/audit/log/checkpoint", None).await;
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("checkpoint"), &note).unwrap();
    let opened = modelgate::ledger::note::open_checkpoint(&note, vkey.trim(), &[]).unwrap();
    let mut paths: Vec<String> = modelgate::ledger::tiles::tiles_of_tree(opened.size)
        .iter()
        .map(|t| t.path())
        .collect();
    for index in 0..opened.size.div_ceil(256) {
        let width = (opened.size - index * 256).min(256) as u32;
        paths.push(modelgate::ledger::tiles::TilePath::Entries { index, width }.path());
    }
    for path in &paths {
        let (status, body, _) =
            bytes(&app, &format!("/v1/audit/log/{path}"), Some(&compliance)).await;
        assert_eq!(status, 200, "{path}");
        let file = archive.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, body).unwrap();
    }
    let archive_arg = archive.to_str().unwrap();
    let (code, out) = verify(&["--log", archive_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{} entries verified", opened.size)),
        "{out}"
    );

    // A receipt built offline from the archive verifies like one the server hands out.
    let receipt = dir.path().join("entry-3.tlog-proof");
    let (code, out) = modelgate_cli(&[
        "audit",
        "prove",
        "3",
        "--log",
        archive_arg,
        "--vkey",
        vkey.trim(),
        "--output",
        receipt.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = modelgate_cli(&[
        "audit",
        "verify-proof",
        receipt.to_str().unwrap(),
        "--vkey",
        vkey.trim(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK: entry 3 is in log"), "{out}");

    // An entry altered in the archive: the first bad entry is named.
    let bundle = archive
        .join("tile/entries/000.p")
        .join(opened.size.to_string());
    let original = std::fs::read(&bundle).unwrap();
    let mut entries = original.clone();
    let at = entries
        .windows(15)
        .position(|w| w == b"policy.decision")
        .unwrap();
    entries[at..at + 15].copy_from_slice(b"policy.decisioX");
    std::fs::write(&bundle, &entries).unwrap();
    let (code, out) = verify(&["--log", archive_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED: entry ") && out.contains(" was altered"),
        "{out}"
    );

    // A hash tile altered: it no longer adds up to the signed root.
    std::fs::write(&bundle, &original).unwrap();
    let tile = archive.join("tile/0/000.p").join(opened.size.to_string());
    let mut hashes = std::fs::read(&tile).unwrap();
    hashes[40] ^= 1;
    std::fs::write(&tile, &hashes).unwrap();
    let (code, out) = verify(&["--log", archive_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("does not add up to the signed checkpoint"),
        "{out}"
    );

    // A forked log: the operator rewrites an entry, rebuilds the tree and signs it with the
    // real key. It verifies on its own, but not against the checkpoint a verifier kept.
    let kept = dir.path().join("kept-checkpoint");
    std::fs::write(&kept, &note).unwrap();
    let resequenced = app
        .rewrite_audit_history(&[
            "UPDATE audit_log SET data = REPLACE(data, '\"declared_domicile\":\"DE\"', '\"declared_domicile\":\"US\"')",
        ])
        .await;

    assert!(resequenced >= size);
    let (code, out) = verify(&["--log", &log, "--token", &compliance]);
    assert_eq!(code, 0, "the forked log is consistent in itself: {out}");
    let (code, out) = verify(&[
        "--log",
        &log,
        "--token",
        &compliance,
        "--previous",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("signed checkpoint of size {}", opened.size)),
        "{out}"
    );
}

/// The entry a tlog-proof carries (its `extra` line).
fn base64_entry(proof: &str) -> Vec<u8> {
    use base64::Engine;
    let extra = proof
        .lines()
        .find_map(|l| l.strip_prefix("extra "))
        .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(extra)
        .unwrap()
}

async fn a_receipt_verifies_offline_after_the_server_is_gone(backend: Backend) {
    let (app, compliance, decisions) = app_with_decisions(backend).await;
    let owner = app.licensed_user("owner@example.com", "FR").await;
    let answer: Value = app
        .access(&owner, TEXT, None, None)
        .await
        .json()
        .await
        .unwrap();
    let decision = answer["decision_id"].as_str().unwrap().to_owned();
    app.audit_sequenced().await;

    let response = app
        .get_auth(&format!("/v1/audit/proof/{decision}"), &owner)
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".tlog-proof\""));
    let proof = response.text().await.unwrap();
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{proof}"
    );
    // Someone else's entry is not theirs to prove; compliance staff may prove any.
    let response = app
        .get_auth(&format!("/v1/audit/proof/{}", decisions[0]), &owner)
        .await;
    assert_eq!(response.status(), 404);
    let response = app
        .get_auth(&format!("/v1/audit/proof/{decision}"), &compliance)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.get(&format!("/v1/audit/proof/{decision}"))
            .await
            .status(),
        401
    );

    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("decision.tlog-proof");
    std::fs::write(&file, &proof).unwrap();
    drop(app);

    let (code, out) = modelgate_cli(&[
        "audit",
        "verify-proof",
        file.to_str().unwrap(),
        "--vkey",
        vkey.trim(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("kind: policy.decision"), "{out}");
    assert!(out.contains(&format!("id: {decision}")), "{out}");
    assert!(out.contains("outcome: allow"), "{out}");

    // The entry inside changed (a deny claimed as an allow, or the reverse): refused.
    let proof_text = proof.clone();
    let (head, rest) = proof_text.split_once("\nindex ").unwrap();
    let entry = head.strip_prefix("c2sp.org/tlog-proof@v1\nextra ").unwrap();
    use base64::Engine;
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(entry)
        .unwrap();
    let at = bytes.windows(5).position(|w| w == b"allow").unwrap();
    bytes[at..at + 5].copy_from_slice(b"deny!");
    let forged = format!(
        "c2sp.org/tlog-proof@v1\nextra {}\nindex {rest}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    std::fs::write(&file, forged).unwrap();
    let (code, out) = modelgate_cli(&[
        "audit",
        "verify-proof",
        file.to_str().unwrap(),
        "--vkey",
        vkey.trim(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not in the log"), "{out}");

    // A proof checked against another log's key.
    std::fs::write(&file, &proof).unwrap();
    let other = spawn_app(Backend::Sqlite).await;
    let other_vkey = other.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let (code, out) = modelgate_cli(&[
        "audit",
        "verify-proof",
        file.to_str().unwrap(),
        "--vkey",
        other_vkey.trim(),
    ]);
    assert_eq!(code, 1, "{out}");
}
on_each_backend!(a_receipt_verifies_offline_after_the_server_is_gone);

#[tokio::test]
async fn a_receipt_waits_for_a_checkpoint_that_covers_its_entry() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        // A sequencer that never runs within the test's first steps.
        s.audit.batch_interval_ms = 3_600_000;
        s.audit.sequencer_lease_ms = 3_600_000;
    })
    .await;
    // The sequencer's first round signed the empty tree; what follows stays pending.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.publish_demo().await;
    let user = app.licensed_user("early@example.com", "US").await;
    let answer: Value = app
        .access(&user, TEXT, None, None)
        .await
        .json()
        .await
        .unwrap();
    let decision = answer["decision_id"].as_str().unwrap();
    let response = app
        .get_auth(&format!("/v1/audit/proof/{decision}"), &user)
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        crate::common::error_code(response).await,
        "audit-entry-pending"
    );
}

#[tokio::test]
async fn witnesses_cosign_checkpoints_and_verifiers_can_require_them() {
    let (app, compliance, _) = app_with_decisions(Backend::Sqlite).await;
    let admin = app.account("admin@example.com", Role::Admin).await;
    let (partner, partner_id) = app
        .create_partner(&admin, "mirror-one", "US", "ops@mirror.example")
        .await;
    let (rival, _) = app
        .create_partner(&admin, "mirror-two", "US", "ops@rival.example")
        .await;
    app.audit_sequenced().await;
    let name = format!("mirror-{partner_id}");
    let dir = tempfile::tempdir().unwrap();
    let witness = modelgate::ledger::note::WitnessKey::load_or_generate(dir.path(), &name).unwrap();
    let note = app
        .get("/v1/audit/log/checkpoint")
        .await
        .text()
        .await
        .unwrap();
    let text = modelgate::ledger::note::note_text(&note).unwrap();
    let line = witness.cosign(text.as_bytes(), 1_700_000_000);
    let cosigned = modelgate::ledger::note::with_signatures(&note, std::slice::from_ref(&line));
    let upload = serde_json::json!({ "witness_vkey": witness.vkey(), "checkpoint": cosigned });
    // Only partners witness; a cosignature that does not hold is refused.
    let response = app
        .post_json("/v1/audit/log/cosignatures", Some(&compliance), &upload)
        .await;
    assert_eq!(response.status(), 403);
    let other = modelgate::ledger::note::WitnessKey::load_or_generate(
        tempfile::tempdir().unwrap().path(),
        &name,
    )
    .unwrap();
    let forged = serde_json::json!({ "witness_vkey": other.vkey(), "checkpoint": cosigned });
    let response = app
        .post_json("/v1/audit/log/cosignatures", Some(&partner), &forged)
        .await;
    assert_eq!(response.status(), 400);
    // Another partner cannot speak for this one's witness, even with a valid line.
    let response = app
        .post_json("/v1/audit/log/cosignatures", Some(&rival), &upload)
        .await;
    assert_eq!(response.status(), 400);
    // A junk line under the witness's name beside the valid one is not stored instead.
    let junk = format!("— {name} AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    let smuggled = modelgate::ledger::note::with_signatures(&note, &[junk, line.clone()]);
    let response = app
        .post_json(
            "/v1/audit/log/cosignatures",
            Some(&partner),
            &serde_json::json!({ "witness_vkey": witness.vkey(), "checkpoint": smuggled }),
        )
        .await;
    assert_eq!(response.status(), 400);
    let response = app
        .post_json("/v1/audit/log/cosignatures", Some(&partner), &upload)
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // The log now publishes the checkpoint with the cosignature (while it is the newest).
    let published = app
        .get("/v1/audit/log/checkpoint")
        .await
        .text()
        .await
        .unwrap();
    // Nothing was written since: this is still the newest checkpoint.
    assert_eq!(modelgate::ledger::note::note_text(&published), Some(text));
    assert!(published.contains(line.trim_end()), "{published}");
    let vkey = app.get("/v1/keys/audit.vkey").await.text().await.unwrap();
    let log = app.url("/v1/audit/log");
    let verify_requiring = |witness_vkey: &str| {
        modelgate_cli(&[
            "audit",
            "verify",
            "--log",
            &log,
            "--token",
            &compliance,
            "--vkey",
            vkey.trim(),
            "--witness",
            witness_vkey,
        ])
    };
    let (code, out) = verify_requiring(&witness.vkey());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("cosigned by {name}")), "{out}");
    let (code, out) = verify_requiring(&other.vkey());
    assert_eq!(code, 1, "{out}");
}

/// Every hash tile of the log now, by path.
async fn hash_tiles(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let size = modelgate::db::audit::log::head(&app.state.db)
        .await
        .unwrap()
        .size;
    let mut tiles = Vec::new();
    for tile in tlog_tiles::Tile::new_tiles(8, 0, size) {
        let path = tile.path().replacen("tile/8/", "tile/", 1);
        let (status, body, _) = bytes(app, &format!("/v1/audit/log/{path}"), None).await;
        assert_eq!(status, 200, "{path}");
        tiles.push((path, body));
    }
    tiles
}

/// The stored rows of the tree's hashes, in order.
async fn tree_rows(db: &sqlx::AnyPool) -> Vec<(i64, i64, String)> {
    sqlx::query_as("SELECT level, chunk, hashes FROM audit_tree_chunks ORDER BY level, chunk")
        .fetch_all(db)
        .await
        .unwrap()
}

/// A consistency proof from size 5 and the receipt of entry `size - 3`, which read every
/// level of the tree (tiles read levels 0 and 8 only).
async fn proofs(app: &TestApp, compliance: &str, size: u64) -> (Vec<u8>, Vec<u8>) {
    let consistency = bytes(
        app,
        &format!("/v1/audit/log/consistency?from=5&to={size}"),
        None,
    )
    .await;
    let receipt = bytes(
        app,
        &format!("/v1/audit/proof/{}", size - 3),
        Some(compliance),
    )
    .await;
    assert_eq!((consistency.0, receipt.0), (200, 200));
    (consistency.1, receipt.1)
}

/// Leaf hash 0 stored as releases up to 0009 stored hashes.
async fn old_row(db: &sqlx::AnyPool, hash: &str) {
    sqlx::query("INSERT INTO audit_tree_hashes (level, n, hash) VALUES (0, 0, $1)")
        .bind(hash)
        .execute(db)
        .await
        .unwrap();
}

async fn a_tree_stored_one_row_per_hash_is_carried_over(backend: Backend) {
    let (app, compliance, _) = app_with_decisions(backend).await;
    append_events(&app, 600).await;
    app.audit_sequenced().await;
    // The sequencer is held off from here, as by a release stopped for the upgrade.
    let db = &app.state.db.pool;
    db.execute(
        "UPDATE audit_sequencer SET holder = 'upgrade', expires_at = 9000000000000 WHERE id = 1",
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let size = modelgate::db::audit::log::head(&app.state.db)
        .await
        .unwrap()
        .size;
    let before = hash_tiles(&app).await;
    let (rows, proofs_before) = (tree_rows(db).await, proofs(&app, &compliance, size).await);

    // The tree as releases up to 0009 stored it: one row per hash.
    let mut stored = 0u64;
    for (level, chunk, hashes) in rows.clone() {
        for (i, hash) in hashes.as_bytes().chunks(64).enumerate() {
            sqlx::query("INSERT INTO audit_tree_hashes (level, n, hash) VALUES ($1, $2, $3)")
                .bind(level)
                .bind(chunk * 32 + i as i64)
                .bind(std::str::from_utf8(hash).unwrap())
                .execute(db)
                .await
                .unwrap();
            stored += 1;
        }
    }
    // A tree of n leaves stores 2n - popcount(n) hashes.
    assert_eq!(stored, 2 * size - u64::from(size.count_ones()));
    db.execute("DELETE FROM audit_tree_chunks").await.unwrap();

    // Starting this release moves them; the tiles are byte for byte what they were.
    app.state.db.migrate().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_tree_hashes")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(tree_rows(db).await, rows);
    assert_eq!(hash_tiles(&app).await, before);
    assert_eq!(proofs(&app, &compliance, size).await, proofs_before);
    // A second start finds nothing to move and changes nothing.
    app.state.db.migrate().await.unwrap();
    assert_eq!(tree_rows(db).await, rows);

    // A row an earlier release's replica wrote meanwhile is merged when it holds the hash
    // already moved there; one that holds another hash is refused, and nothing moves.
    let first_leaf = rows[0].2[..64].to_owned();
    old_row(db, &first_leaf).await;
    app.state.db.migrate().await.unwrap();
    assert_eq!(tree_rows(db).await, rows);
    let other = format!(
        "{}{}",
        &first_leaf[..63],
        if first_leaf.ends_with('0') { '1' } else { '0' }
    );
    old_row(db, &other).await;
    assert!(app.state.db.migrate().await.is_err());
    assert_eq!(tree_rows(db).await, rows);
    db.execute("DELETE FROM audit_tree_hashes").await.unwrap();

    // The log grows on from there and verifies.
    db.execute("UPDATE audit_sequencer SET holder = NULL, expires_at = 0 WHERE id = 1")
        .await
        .unwrap();
    app.licensed_user("later@example.com", "US").await;
    assert!(app.audit_sequenced().await > size);
    let report = app.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
}
on_each_backend!(a_tree_stored_one_row_per_hash_is_carried_over);

async fn a_stored_right_edge_that_was_altered_is_not_extended(backend: Backend) {
    let (app, _, _) = app_with_decisions(backend).await;
    let size = app.audit_sequenced().await;
    // An operator with database access alters a hash the next batch builds on (the lowest
    // of the right edge), hoping the gateway signs a tree on top of it.
    let (level, n) = modelgate::ledger::tree::right_edge(size)[0];
    let db = &app.state.db.pool;
    let (hashes,): (String,) =
        sqlx::query_as("SELECT hashes FROM audit_tree_chunks WHERE level = $1 AND chunk = $2")
            .bind(i64::from(level))
            .bind((n / 32) as i64)
            .fetch_one(db)
            .await
            .unwrap();
    let at = (n % 32) as usize * 64;
    let flipped = if &hashes[at..at + 1] == "0" { "1" } else { "0" };
    let altered = format!("{}{flipped}{}", &hashes[..at], &hashes[at + 1..]);
    sqlx::query("UPDATE audit_tree_chunks SET hashes = $1 WHERE level = $2 AND chunk = $3")
        .bind(&altered)
        .bind(i64::from(level))
        .bind((n / 32) as i64)
        .execute(db)
        .await
        .unwrap();

    // New entries wait; nothing is signed past the size the log signed before.
    app.licensed_user("later@example.com", "US").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let log = modelgate::db::audit::log::head(&app.state.db)
        .await
        .unwrap();
    assert_eq!(log.size, size);
    assert!(
        modelgate::db::audit::log::pending_count(&app.state.db)
            .await
            .unwrap()
            > 0
    );
    let newest = modelgate::db::audit::log::latest_checkpoint(&app.state.db)
        .await
        .unwrap()
        .map(|(signed, _)| signed);
    assert_eq!(newest, Some(size));
}
on_each_backend!(a_stored_right_edge_that_was_altered_is_not_extended);

#[tokio::test]
async fn the_chain_of_an_earlier_release_is_carried_over_and_its_export_still_verifies() {
    use modelgate::ledger::chain::{canonical_bytes, chain_hash, GENESIS};
    let data_dir = tempfile::tempdir().unwrap();
    let (settings, _) = crate::common::test_settings(data_dir.path(), &Backend::Sqlite).await;
    let url = settings.database_url();
    // A database as release 0006 left it: a hash chain of five events and a checkpoint.
    let db =
        modelgate::db::Db::connect_without_migrating(&url, 2, std::time::Duration::from_secs(5))
            .await
            .unwrap();
    db.migrate_until(6).await.unwrap();
    let chain_key = modelgate::store::signing::PublisherKey::load_or_generate_file(
        &settings.storage.key_dir(),
        modelgate::ledger::checkpoint::AUDIT_KEY_FILE,
    )
    .unwrap();
    let mut prev = GENESIS.to_owned();
    let mut old_export = Vec::new();
    for seq in 1..=5i64 {
        let data = serde_json::json!({ "model": TEXT, "n": seq });
        let canonical = canonical_bytes(
            seq,
            &format!("old{seq}"),
            1_700_000_000_000 + seq,
            "policy.decision",
            Some("u1"),
            Some(TEXT),
            Some("allow"),
            None,
            None,
            &data,
        );
        let hash = chain_hash(&canonical, &prev).unwrap();
        sqlx::query("INSERT INTO audit_events (seq, id, occurred_at, kind, actor, subject, outcome, data, prev_hash, hash) VALUES ($1, $2, $3, 'policy.decision', 'u1', $4, 'allow', $5, $6, $7)")
            .bind(seq)
            .bind(format!("old{seq}"))
            .bind(1_700_000_000_000 + seq)
            .bind(TEXT)
            .bind(String::from_utf8(modelgate::canonical_json::to_bytes(&data)).unwrap())
            .bind(&prev)
            .bind(&hash)
            .execute(&db.pool)
            .await
            .unwrap();
        old_export.push(
            serde_json::json!({
                "seq": seq, "id": format!("old{seq}"), "occurred_at": 1_700_000_000_000 + seq,
                "kind": "policy.decision", "actor": "u1", "subject": TEXT, "outcome": "allow",
                "request_id": null, "client_ip_hash": null, "client_ip": null, "data": data,
                "prev_hash": prev, "hash": hash,
            })
            .to_string(),
        );
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = 5, hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&db.pool)
        .await
        .unwrap();
    let old_checkpoint =
        modelgate::ledger::Checkpoint::sign(&chain_key, 5, &prev, 1_700_000_001_000);
    sqlx::query("INSERT INTO audit_checkpoints (size, head_hash, created_at, key_fingerprint, signature) VALUES (5, $1, $2, $3, $4)")
        .bind(&old_checkpoint.head_hash)
        .bind(old_checkpoint.created_at)
        .bind(&old_checkpoint.key_fingerprint)
        .bind(&old_checkpoint.signature)
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;

    // This release migrates it and sequences the chain's events first, in chain order.
    let app = crate::common::spawn_with(settings, data_dir, Backend::Sqlite, None).await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    app.audit_sequenced().await;
    let carried: Vec<(i64, String)> = sqlx::query_as(
        "SELECT leaf_index, id FROM audit_log WHERE legacy_hash IS NOT NULL ORDER BY leaf_index",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let expected: Vec<(i64, String)> = (0..5).map(|i| (i, format!("old{}", i + 1))).collect();
    assert_eq!(carried, expected);
    let report = app.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["legacy_events"], 5);

    // The old export, with the old checkpoints and key, verifies as it did.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.jsonl"), old_export.join("\n")).unwrap();
    let checkpoints = app
        .get_auth("/v1/audit/checkpoints", &compliance)
        .await
        .text()
        .await
        .unwrap();
    std::fs::write(dir.path().join("checkpoints.json"), checkpoints).unwrap();
    std::fs::write(
        dir.path().join("audit.pem"),
        app.get("/v1/keys/audit").await.text().await.unwrap(),
    )
    .unwrap();
    let (code, out) = modelgate_cli(&[
        "audit",
        "verify",
        dir.path().join("old.jsonl").to_str().unwrap(),
        "--checkpoints",
        dir.path().join("checkpoints.json").to_str().unwrap(),
        "--public-key",
        dir.path().join("audit.pem").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("5 events verified against 1 signed checkpoints"),
        "{out}"
    );

    // A carried event edited afterwards fails both the tree and its old chain.
    app.state
        .db
        .pool
        .execute("UPDATE audit_log SET actor = 'u2' WHERE id = 'old3'")
        .await
        .unwrap();
    let report = app.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["problem"]["problem"], "altered", "{report}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL at TEST_DATABASE_URL"]
async fn two_gateways_on_one_postgresql_keep_one_tree_and_hand_over_the_sequencer() {
    let admin_url = crate::common::postgres_admin_url();
    let first = spawn_app_with(Backend::Postgres(admin_url.clone()), |_| {}).await;
    first.publish_demo().await;
    // The second replica shares the database and the key directory, as replicas do.
    let url = first.state.settings.database.url.clone();
    let dir = first.data_dir.path().to_path_buf();
    let second = spawn_app_with(Backend::Postgres(admin_url), move |s| {
        s.database.url = url;
        s.storage.data_dir = dir;
        s.audit.sequencer_lease_ms = 500;
    })
    .await;
    let compliance = first
        .account("compliance@example.com", Role::Compliance)
        .await;
    let mut sessions = Vec::new();
    for i in 0..4 {
        sessions.push(
            first
                .licensed_user(&format!("u{i}@example.com"), "US")
                .await,
        );
    }
    let (first_ref, second_ref) = (&first, &second);
    let requests = sessions.iter().enumerate().flat_map(|(i, s)| {
        (0..10).map(move |_| async move {
            let app = if i % 2 == 0 { first_ref } else { second_ref };
            app.access(s, TEXT, None, None).await.status()
        })
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let size = second.audit_sequenced().await;
    let report = first.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["entries"].as_u64().unwrap() >= 40 + 2 * 4);
    let (sequenced, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT leaf_index) FROM audit_log WHERE leaf_index IS NOT NULL",
    )
    .fetch_one(&first.state.db.pool)
    .await
    .unwrap();
    assert_eq!((sequenced, distinct), (size as i64, size as i64));

    let (holder,): (Option<String>,) =
        sqlx::query_as("SELECT holder FROM audit_sequencer WHERE id = 1")
            .fetch_one(&first.state.db.pool)
            .await
            .unwrap();
    assert!(holder.is_some(), "one replica holds the sequencer's lease");
}

async fn a_dead_sequencer_is_replaced_and_a_fenced_one_changes_nothing(backend: Backend) {
    use modelgate::audit::sequencer::round;
    use modelgate::db::audit::log::{integrate, take_lease, Integrated};
    // The gateway's own sequencer runs once at start, then sleeps: its lease runs out.
    let app = spawn_app_with(backend, |s| {
        s.audit.batch_interval_ms = 3_600_000;
        s.audit.sequencer_lease_ms = 200;
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    app.publish_demo().await;
    let db = &app.state.db;
    let signer = &app.state.log_signer;
    let pending = modelgate::db::audit::log::pending_count(db).await.unwrap();
    assert!(pending > 0);
    assert!(take_lease(db, "replica-a", 200).await.unwrap());
    assert!(
        !take_lease(db, "replica-b", 200).await.unwrap(),
        "one holder at a time"
    );
    assert_eq!(
        integrate(db, "replica-b", signer, 256, 200).await.unwrap(),
        Integrated::NotLeader
    );
    assert_eq!(
        modelgate::db::audit::log::pending_count(db).await.unwrap(),
        pending
    );
    assert!(matches!(
        integrate(db, "replica-a", signer, 256, 200).await.unwrap(),
        Integrated::Batch { .. }
    ));
    // Replica A dies (stops renewing); B takes over once the lease ran out.
    let user = app.licensed_user("later@example.com", "US").await;
    assert_eq!(app.access(&user, TEXT, None, None).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut settings = app.state.settings.audit.clone();
    settings.sequencer_lease_ms = 200;
    assert!(matches!(
        round(db, "replica-b", signer, &settings).await.unwrap(),
        Integrated::Batch { .. }
    ));
    // A comes back believing it still sequences: fenced, it writes nothing.
    let user = app.licensed_user("latest@example.com", "US").await;
    assert_eq!(app.access(&user, TEXT, None, None).await.status(), 200);
    let before = modelgate::db::audit::log::head(db).await.unwrap();
    assert_eq!(
        integrate(db, "replica-a", signer, 256, 200).await.unwrap(),
        Integrated::NotLeader
    );
    assert_eq!(modelgate::db::audit::log::head(db).await.unwrap(), before);
    assert!(matches!(
        round(db, "replica-b", signer, &settings).await.unwrap(),
        Integrated::Batch { .. }
    ));
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    round(db, "replica-b", signer, &settings).await.unwrap();
    let report = app.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
}
on_each_backend!(a_dead_sequencer_is_replaced_and_a_fenced_one_changes_nothing);

async fn an_erased_subject_is_unreadable_while_the_log_still_verifies(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.publish_demo().await;
    let compliance = app
        .account("compliance@example.com", Role::Compliance)
        .await;
    let ana = app.licensed_user("ana@example.com", "DE").await;
    let bob = app.licensed_user("bob@example.com", "US").await;
    // An organisation's licensee: the legal and organisation names go beside the log too.
    let org = app.account("cleo@example.com", Role::User).await;
    let declaration = serde_json::json!({ "legal_name": "Cleo Example", "domicile_country": "FR",
        "on_behalf_of_organisation": true, "monthly_active_users": "up_to_1m", "organisation_name": "Engines Inc", "organisation_country": "US" });
    assert_eq!(
        app.put_json("/v1/me/attestation", Some(&org), &declaration)
            .await
            .status(),
        200
    );
    let accepted: Value = app
        .post_json(
            "/v1/licenses/llama-3.2/accept",
            Some(&org),
            &serde_json::json!({ "digest": app.license_digest("llama-3.2").await }),
        )
        .await
        .json()
        .await
        .unwrap();
    let acceptance_entry = accepted["audit_entry"].as_str().unwrap().to_owned();
    assert_eq!(app.access(&org, TEXT, None, None).await.status(), 200);
    let ana_id = app.get_auth_json("/v1/me", &ana).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for user in [&ana, &bob] {
        assert_eq!(app.access(user, TEXT, None, None).await.status(), 200);
    }
    let size = app.audit_sequenced().await;
    let decisions_of = |user: String| {
        let app = &app;
        let compliance = &compliance;
        async move {
            let page = app
                .get_auth_json(
                    &format!("/v1/audit/events?kind=policy.decision&user={user}"),
                    compliance,
                )
                .await;
            page["events"].as_array().unwrap().clone()
        }
    };
    let decision = &decisions_of(ana_id.clone()).await[0];
    assert_eq!(decision["personal"]["/email"], "ana@example.com");
    assert!(decision["data"]["email"]
        .as_str()
        .unwrap()
        .starts_with("pseudonym:"));

    // Staff still find an organisation's decisions by its name.
    let by_org = app
        .get_auth_json(
            "/v1/audit/events?kind=policy.decision&organisation=Engines%20Inc",
            &compliance,
        )
        .await;
    assert_eq!(by_org["events"].as_array().unwrap().len(), 1, "{by_org}");

    // The log itself holds pseudonyms only: not in an entry bundle, not in a receipt.
    let bundle = format!("/v1/audit/log/tile/entries/000.p/{size}");
    let (status, entries, _) = bytes(&app, &bundle, Some(&compliance)).await;
    assert_eq!(status, 200);
    let entries = String::from_utf8_lossy(&entries);
    for personal in [
        "ana@example.com",
        "bob@example.com",
        "cleo@example.com",
        "Cleo Example",
        "Engines Inc",
    ] {
        assert!(!entries.contains(personal), "{personal} is in the log");
    }
    assert!(entries.contains("pseudonym:"));
    let receipt = app
        .get_auth(&format!("/v1/audit/proof/{acceptance_entry}"), &org)
        .await;
    assert_eq!(receipt.status(), 200);
    let entry = base64_entry(&receipt.text().await.unwrap());
    let entry = String::from_utf8_lossy(&entry);
    assert!(
        entry.contains("license.accepted") && !entry.contains("Engines Inc"),
        "{entry}"
    );

    // Erased at the command line, on the gateway's database.
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    command
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .args([
            "audit",
            "erase",
            "--user",
            &ana_id,
            "--by",
            "dpo@example.com",
        ])
        .env("RUST_LOG", "warn");
    let url = app.state.settings.database.url.expose();
    if !url.is_empty() {
        command.args(["--database-url", url]);
    }
    // Off the test's runtime, which the gateway's writers share (see tests/download.rs).
    let (output, again) = tokio::task::spawn_blocking(move || {
        let output = command.output().unwrap();
        (output, command.output().unwrap())
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("now show `erased`"), "{out}");
    assert_eq!(again.status.code(), Some(1), "nothing left to erase");

    assert_eq!(decisions_of(ana_id.clone()).await[0]["personal"], "erased");
    let bob_id = app.get_auth_json("/v1/me", &bob).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        decisions_of(bob_id).await[0]["personal"]["/email"],
        "bob@example.com"
    );
    let csv = app
        .get_auth("/v1/audit/export?format=csv", &compliance)
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("ana@example.com") && csv.contains("bob@example.com"));
    // The key is gone for good, the entries and the tree are not.
    let (salt,): (Option<String>,) =
        sqlx::query_as("SELECT salt FROM audit_subjects WHERE subject = $1")
            .bind(&ana_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(salt, None);
    app.audit_sequenced().await;
    let report = app.get_auth_json("/v1/audit/verify", &compliance).await;
    assert_eq!(report["ok"], true, "{report}");
    let erasure = app
        .get_auth_json("/v1/audit/events?kind=subject.erased", &compliance)
        .await;
    assert_eq!(erasure["events"][0]["personal"]["actor"], "dpo@example.com");
}
on_each_backend!(an_erased_subject_is_unreadable_while_the_log_still_verifies);
