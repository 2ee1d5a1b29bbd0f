//! Support for the reference-inference tests (tests/inference.rs, tests/vision.rs): model
//! directory copies, in-place tensor edits, validation of a directory, and the Python
//! reference implementations in `tests/inference/`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use candle_core::{DType, Device};
use modelgate::inference::checkpoint::{Checkpoint, CheckpointFiles};
use modelgate::inference::model::Model;
use modelgate::inference::vectors::{validate_files, ValidationReport};
use modelgate::store::validation::ValidationRecord;
use serde_json::Value;

/// The checked checkpoint of `dir` and its model, in f32 on the CPU.
pub fn load(dir: &Path) -> (Checkpoint, Model) {
    let checkpoint = Checkpoint::open(CheckpointFiles::from_dir(dir).unwrap()).unwrap();
    let model = Model::load(&checkpoint, &Device::Cpu, DType::F32, 256).unwrap();
    (checkpoint, model)
}

/// The record `modelgate publish` makes for the model in `dir` (made once per directory).
pub fn published_record(dir: &Path) -> ValidationRecord {
    static RECORDS: std::sync::Mutex<Vec<(PathBuf, ValidationRecord)>> =
        std::sync::Mutex::new(Vec::new());
    let mut records = RECORDS.lock().unwrap();
    if let Some((_, record)) = records.iter().find(|(d, _)| d == dir) {
        return record.clone();
    }
    let (checkpoint, model) = load(dir);
    let record = modelgate::inference::vectors::record(&checkpoint, &model).unwrap();
    records.push((dir.to_path_buf(), record.clone()));
    record
}

/// A copy of a model directory's top-level files.
pub fn copy_of(dir: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
        }
    }
    copy
}

/// The safetensors shards of `dir`, sorted.
pub fn shards(dir: &Path) -> Vec<PathBuf> {
    let mut shards: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .collect();
    shards.sort();
    shards
}

/// Multiplies every element of `tensor` (bf16) in its shard by `factor`, in place.
pub fn scale_tensor(dir: &Path, tensor: &str, factor: f32) {
    for shard in shards(dir) {
        let mut bytes = std::fs::read(&shard).unwrap();
        let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
        let Some(entry) = header.get(tensor) else {
            continue;
        };
        assert_eq!(entry["dtype"], "BF16");
        let start = 8 + header_len + entry["data_offsets"][0].as_u64().unwrap() as usize;
        let end = 8 + header_len + entry["data_offsets"][1].as_u64().unwrap() as usize;
        for element in bytes[start..end].chunks_exact_mut(2) {
            let value = half::bf16::from_le_bytes([element[0], element[1]]).to_f32() * factor;
            element.copy_from_slice(&half::bf16::from_f32(value).to_le_bytes());
        }
        std::fs::write(&shard, bytes).unwrap();
        return;
    }
    panic!("tensor {tensor} not found");
}

/// `validate_files` on the CPU for the files of `dir`.
pub fn validate_dir(dir: &Path, record: &ValidationRecord) -> ValidationReport {
    validate_files(
        CheckpointFiles::from_dir(dir).unwrap(),
        record,
        &Device::Cpu,
    )
    .unwrap()
}

/// (name, message) of every failed check.
pub fn failed_checks(report: &ValidationReport) -> Vec<(String, String)> {
    report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| (c.name.clone(), c.message.clone()))
        .collect()
}

/// Fails the test unless torch, transformers and Pillow can be imported.
pub fn require_torch() {
    super::hf::require_python_modules("torch, transformers, PIL");
}

/// Runs `tests/inference/<script>` with `args`, `stdin` on its standard input; its stdout.
pub fn python(script: &str, args: &[&OsStr], stdin: &str) -> Vec<u8> {
    let mut child = Command::new("python3")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/inference")
                .join(script),
        )
        .args(args)
        .env("HF_HUB_OFFLINE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Downloads `model` with the real `modelgate download` into `work/model`, as a person
/// does (signature, access, parts, every SHA-256), trusting the app's publisher key, which
/// it leaves in `work/publisher.pem`.
pub async fn download_with_cli(
    app: &super::TestApp,
    model: &str,
    token: &str,
    work: &Path,
) -> PathBuf {
    let dir = work.join("model");
    let key = work.join("publisher.pem");
    std::fs::write(&key, app.key.public().pem()).unwrap();
    let mut download = Command::new(env!("CARGO_BIN_EXE_modelgate"));
    download
        .args([
            "download",
            model,
            "--endpoint",
            &app.address,
            "--token",
            token,
        ])
        .arg("--dir")
        .arg(&dir)
        .arg("--publisher-key")
        .arg(&key)
        .env("MODELGATE_CONFIG_DIR", work.join("config"))
        .env_remove("MODELGATE_TOKEN");
    let downloaded = tokio::task::spawn_blocking(move || download.output().unwrap())
        .await
        .unwrap();
    assert!(
        downloaded.status.success(),
        "{}",
        String::from_utf8_lossy(&downloaded.stderr)
    );
    dir
}

/// `modelgate validate DIR --public-key work/publisher.pem`.
pub fn validate_with_cli(work: &Path, dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelgate"))
        .arg("--data-dir")
        .arg(work.join("data"))
        .arg("validate")
        .arg(dir)
        .arg("--public-key")
        .arg(work.join("publisher.pem"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}
