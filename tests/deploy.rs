//! Static checks of `deploy/` (containers cannot run here): every `MODELGATE__…` name the
//! manifests use is a real setting, the example config lists every setting and loads, the
//! Kubernetes ConfigMap's config loads, the manifests validate against their schemas
//! (`kubernetes-validate`, `check-jsonschema`'s compose spec, `systemd-analyze verify`;
//! ignored unless asked for), and the image is built in two stages, runs unprivileged,
//! ships the policies and has a health check.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use modelgate::config::Settings;

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(deploy(path)).unwrap()
}

/// Every environment name a setting has, as `config show` annotates them.
fn setting_env_names() -> BTreeSet<String> {
    let shown = Settings::default().redacted_toml().unwrap();
    shown
        .lines()
        .filter_map(|line| line.split("# ").nth(1))
        .map(|name| name.trim().to_owned())
        .collect()
}

/// The `MODELGATE__…` names written in `text`.
fn env_names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("MODELGATE__") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        // Prose names the pattern (`MODELGATE__SECTION__KEY`), not a setting.
        if name != "MODELGATE__" && !name.starts_with("MODELGATE__SECTION__") {
            names.insert(name);
        }
    }
    names
}

const DEPLOY_FILES: &[&str] = &[
    "Dockerfile",
    "compose.yaml",
    "kubernetes/modelgate.yaml",
    "modelgate.service",
    "modelgate.example.toml",
];

#[test]
fn every_setting_the_deploy_files_name_exists() {
    let known = setting_env_names();
    assert!(
        known.contains("MODELGATE__STORAGE__S3__BUCKET"),
        "{known:?}"
    );
    for file in DEPLOY_FILES {
        for name in env_names_in(&read(file)) {
            let setting = name.strip_suffix("_FILE").unwrap_or(&name);
            assert!(
                known.contains(setting),
                "{file} names {name}, which is not a setting"
            );
        }
    }
}

#[test]
fn the_example_config_lists_every_setting_and_loads() {
    let example = read("modelgate.example.toml");
    let listed = env_names_in(&example);
    for name in setting_env_names() {
        assert!(
            listed.contains(&name),
            "modelgate.example.toml does not list {name}"
        );
    }
    let loaded = Settings::load(Some(&deploy("modelgate.example.toml")), &Default::default());
    assert!(loaded.is_ok(), "{:?}", loaded.err());
}

#[test]
fn the_kubernetes_config_map_holds_a_valid_replica_config() {
    let manifests = read("kubernetes/modelgate.yaml");
    let start = manifests.find("modelgate.toml: |\n").unwrap() + "modelgate.toml: |\n".len();
    let block: Vec<&str> = manifests[start..]
        .lines()
        .take_while(|line| line.is_empty() || line.starts_with("    "))
        .map(|line| line.strip_prefix("    ").unwrap_or(line))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modelgate.toml");
    std::fs::write(&file, block.join("\n")).unwrap();
    let settings = Settings::load(Some(&file), &Default::default()).unwrap();
    assert_eq!(settings.storage.backend, modelgate::config::BlobBackend::S3);
    assert!(
        !settings.database.migrate_on_start,
        "replicas do not migrate"
    );
    for kind in [
        "kind: Deployment",
        "kind: Service",
        "kind: ConfigMap",
        "kind: Secret",
        "kind: Job",
        "kind: HorizontalPodAutoscaler",
        "kind: PodDisruptionBudget",
        "path: /readyz",
        "path: /healthz",
        "\"migrate\"]",
    ] {
        assert!(manifests.contains(kind), "the manifests lack `{kind}`");
    }
}

#[test]
fn the_image_is_multi_stage_unprivileged_with_policies_and_a_health_check() {
    let dockerfile = read("Dockerfile");
    let stages = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .count();
    assert_eq!(stages, 2);
    for needed in [
        "HEALTHCHECK",
        "USER modelgate",
        "COPY policies",
        "MODELGATE__POLICY__DIR",
    ] {
        assert!(dockerfile.contains(needed), "Dockerfile lacks `{needed}`");
    }
}

/// Runs a validator and fails the test when it refuses the file or cannot run.
fn validate(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("this test needs {program} (see .ci/run): {e}"));
    assert!(
        output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("rror"),
        "{program} {args:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[ignore = "needs kubernetes-validate and check-jsonschema (Python)"]
fn the_manifests_validate_against_their_schemas() {
    validate(
        "kubernetes-validate",
        &[
            "--strict",
            "--quiet",
            deploy("kubernetes/modelgate.yaml").to_str().unwrap(),
        ],
    );
    validate(
        "check-jsonschema",
        &[
            "--builtin-schema",
            "vendor.compose-spec",
            deploy("compose.yaml").to_str().unwrap(),
        ],
    );
}

#[test]
#[ignore = "needs systemd-analyze"]
fn the_systemd_unit_verifies() {
    // systemd checks that ExecStart exists: point it at this build's binary.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("modelgate.service");
    std::fs::write(
        &unit,
        read("modelgate.service")
            .replace("/usr/local/bin/modelgate", env!("CARGO_BIN_EXE_modelgate")),
    )
    .unwrap();
    validate("systemd-analyze", &["verify", unit.to_str().unwrap()]);
}
