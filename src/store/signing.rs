//! The publisher key and model signatures in the OpenSSF model-signing format: a Sigstore
//! bundle (v0.3) holding a DSSE envelope over an in-toto statement with predicate
//! `https://model_signing/signature/v1.0`, one sha256 resource per file, signed with
//! ECDSA P-256 (DER). The predicate also carries modelgate's manifest digest, model id,
//! license and modality, so those facts are signed too; model-signing verifiers ignore
//! predicate keys they do not know.

use std::fs;
use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::{Modality, ModelId, ModelPath, Sha256Digest};
use crate::store::manifest::Manifest;

pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The file name of the signature inside a model directory.
pub const SIGNATURE_FILE: &str = "model.sig";
/// Top-level paths that are never part of a model (model-signing ignores them by default).
pub const IGNORED_TOP_LEVEL: &[&str] = &[
    SIGNATURE_FILE,
    ".git",
    ".gitattributes",
    ".github",
    ".gitignore",
];

const KEY_FILE: &str = "publisher.key.pem";

/// Why a signature did not verify.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("signature bundle is malformed: {0}")]
    Malformed(String),
    #[error("not a P-256 public key in PEM: {0}")]
    InvalidKey(String),
    #[error("signature was made with another key (key hint {found}, expected {expected})")]
    KeyMismatch { found: String, expected: String },
    #[error("signature does not verify with the publisher key")]
    BadSignature,
}

/// The ECDSA P-256 key that signs every manifest this gateway publishes.
#[derive(Clone)]
pub struct PublisherKey {
    signing: SigningKey,
}

impl std::fmt::Debug for PublisherKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublisherKey({})", self.public().fingerprint())
    }
}

impl PublisherKey {
    /// Loads `publisher.key.pem` from `key_dir`, generating and saving it (mode 0600,
    /// atomically) on first use.
    pub fn load_or_generate(key_dir: &Path) -> anyhow::Result<PublisherKey> {
        Self::load_or_generate_file(key_dir, KEY_FILE)
    }

    /// Like `load_or_generate`, for another key file in `key_dir` (the audit key is one).
    pub fn load_or_generate_file(key_dir: &Path, file_name: &str) -> anyhow::Result<PublisherKey> {
        let path = key_dir.join(file_name);
        if path.exists() {
            let pem = fs::read_to_string(&path)
                .with_context(|| format!("reading `{}`", path.display()))?;
            let signing = SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "`{}` is not a PKCS#8 P-256 private key: {e}",
                    path.display()
                )
            })?;
            return Ok(PublisherKey { signing });
        }
        fs::create_dir_all(key_dir).with_context(|| format!("creating `{}`", key_dir.display()))?;
        let signing = SigningKey::random(&mut rand_core::OsRng);
        let pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .context("encoding the new publisher key")?;
        if let Err(e) = write_private_file(&path, pem.as_bytes()) {
            if path.exists() {
                // Another process created it first: use theirs.
                return Self::load_or_generate_file(key_dir, file_name);
            }
            return Err(e);
        }
        tracing::info!(key.path = %path.display(), "generated a new signing key");
        Ok(PublisherKey { signing })
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(*self.signing.verifying_key())
    }

    /// An ECDSA P-256 / SHA-256 signature over `message`, DER, base64.
    pub fn sign_bytes(&self, message: &[u8]) -> String {
        let signature: DerSignature = self.signing.sign(message);
        B64.encode(signature.as_bytes())
    }

    /// The complete `model.sig` bundle for `manifest`, as compact JSON.
    pub fn sign_manifest(&self, manifest: &Manifest) -> String {
        let statement = statement_for(manifest);
        let payload = serde_json::to_vec(&statement).unwrap_or_default();
        let bundle = json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": { "publicKey": { "hint": self.public().hint() }, "tlogEntries": [] },
            "dsseEnvelope": self.sign_envelope(PAYLOAD_TYPE, &payload),
        });
        bundle.to_string()
    }

    /// A DSSE envelope over `payload` of `payload_type`, signed with this key.
    pub fn sign_envelope(&self, payload_type: &str, payload: &[u8]) -> Value {
        let signature: DerSignature = self.signing.sign(&pae(payload_type, payload));
        json!({
            "payload": B64.encode(payload),
            "payloadType": payload_type,
            "signatures": [ { "sig": B64.encode(signature.as_bytes()), "keyid": "" } ]
        })
    }
}

/// The trimmed text of the secret file at `path`, created (mode 0600, atomically, its
/// directory too) from `make` when absent; when another process creates it first, theirs
/// is used.
pub fn read_or_create_private_file(
    path: &Path,
    make: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    if !path.exists() {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
        }
        if let Err(e) = write_private_file(path, make().as_bytes()) {
            if !path.exists() {
                return Err(e);
            }
        }
    }
    let text = fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    Ok(text.trim().to_owned())
}

/// Writes a secret file atomically with mode 0600.
/// Never replaces an existing file: the final name is linked only if absent, so two
/// processes creating the same key at once cannot each keep a different one.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let temp = path.with_extension(format!("{}.tmp", crate::random::random_hex(8)));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temp)
        .with_context(|| format!("creating `{}`", temp.display()))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    let linked = written.and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    linked.with_context(|| format!("creating `{}`", path.display()))?;
    if let Some(dir) = path.parent() {
        crate::store::local::sync_dir(dir)?;
    }
    Ok(())
}

/// A publisher's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn from_pem(pem: &str) -> Result<PublicKey, SignatureError> {
        VerifyingKey::from_public_key_pem(pem)
            .map(PublicKey)
            .map_err(|e| SignatureError::InvalidKey(e.to_string()))
    }

    /// PEM SubjectPublicKeyInfo with 64-character lines and a trailing newline.
    pub fn pem(&self) -> String {
        self.0.to_public_key_pem(LineEnding::LF).unwrap_or_default()
    }

    /// The model-signing key hint: SHA-256 (hex) of the PEM above.
    pub fn hint(&self) -> String {
        Sha256Digest::of(self.pem().as_bytes()).hex()
    }

    /// The fingerprint people compare: `sha256:` + the hint.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", self.hint())
    }

    /// Whether `signature` (DER, base64, from `PublisherKey::sign_bytes`) signs `message`.
    pub fn verify_bytes(&self, message: &[u8], signature: &str) -> bool {
        B64.decode(signature)
            .ok()
            .and_then(|der| DerSignature::from_bytes(&der).ok())
            .is_some_and(|sig| self.0.verify(message, &sig).is_ok())
    }
}

/// PAE of DSSE v1: what the signature is computed over.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

fn statement_for(manifest: &Manifest) -> Value {
    let mut root = sha2::Sha256::default();
    let resources: Vec<Value> = manifest
        .files
        .iter()
        .map(|f| {
            sha2::Digest::update(&mut root, f.sha256.as_bytes());
            json!({ "name": f.path.as_str(), "algorithm": "sha256", "digest": f.sha256.hex() })
        })
        .collect();
    let root_digest = hex::encode(sha2::Digest::finalize(root));
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [ { "name": manifest.model.name(), "digest": { "sha256": root_digest } } ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": { "method": "files", "hash_type": "sha256", "allow_symlinks": false,
                               "ignore_paths": IGNORED_TOP_LEVEL },
            "resources": resources,
            "modelgate": {
                "manifest_digest": manifest.digest().hex(),
                "model": manifest.model.to_string(),
                "license": manifest.license,
                "modality": manifest.modality,
                "validation": manifest.validation,
            }
        }
    })
}

/// What a verified `model.sig` states.
#[derive(Debug, Clone)]
pub struct SignedStatement {
    /// `(path, sha256)` of every signed file, in the bundle's order.
    pub files: Vec<(ModelPath, Sha256Digest)>,
    /// modelgate's own facts, when the bundle was made by modelgate.
    pub modelgate: Option<SignedFacts>,
}

/// The manifest facts modelgate adds to the predicate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SignedFacts {
    pub manifest_digest: Sha256Digest,
    pub model: ModelId,
    pub license: String,
    pub modality: Modality,
    /// The manifest's validation vectors, as signed; read as a `ValidationRecord` only by
    /// `modelgate validate`, so a newer record format never stops `verify`.
    #[serde(default)]
    pub validation: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    media_type: String,
    verification_material: Value,
    dsse_envelope: Envelope,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload: String,
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
struct EnvelopeSignature {
    sig: String,
}

#[derive(Deserialize)]
struct Statement {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    predicate: Predicate,
}

#[derive(Deserialize)]
struct Subject {
    digest: SubjectDigest,
}

#[derive(Deserialize)]
struct SubjectDigest {
    sha256: Sha256Digest,
}

#[derive(Deserialize)]
struct Predicate {
    resources: Vec<Resource>,
    modelgate: Option<SignedFacts>,
}

#[derive(Deserialize)]
struct Resource {
    name: ModelPath,
    algorithm: String,
    digest: Sha256Digest,
}

fn malformed(what: impl std::fmt::Display) -> SignatureError {
    SignatureError::Malformed(what.to_string())
}

/// Checks a DSSE envelope's type and signature with `key`; returns the signed payload.
fn open_envelope(
    envelope: Envelope,
    payload_type: &str,
    key: &PublicKey,
) -> Result<Vec<u8>, SignatureError> {
    if envelope.payload_type != payload_type {
        return Err(malformed(format!(
            "unsupported payload type `{}` (expected `{payload_type}`)",
            envelope.payload_type
        )));
    }
    let payload = B64
        .decode(&envelope.payload)
        .map_err(|e| malformed(format!("payload: {e}")))?;
    let first = envelope
        .signatures
        .first()
        .ok_or_else(|| malformed("no signature"))?;
    let sig_bytes = B64
        .decode(&first.sig)
        .map_err(|e| malformed(format!("signature: {e}")))?;
    let signature =
        DerSignature::from_bytes(&sig_bytes).map_err(|_| malformed("signature is not DER"))?;
    key.0
        .verify(&pae(payload_type, &payload), &signature)
        .map_err(|_| SignatureError::BadSignature)?;
    Ok(payload)
}

/// Verifies a DSSE envelope (JSON) of `payload_type` with `key`; returns the signed payload.
pub fn verify_envelope(
    envelope: &[u8],
    payload_type: &str,
    key: &PublicKey,
) -> Result<Vec<u8>, SignatureError> {
    let envelope: Envelope = serde_json::from_slice(envelope).map_err(malformed)?;
    open_envelope(envelope, payload_type, key)
}

/// Verifies a `model.sig` bundle against `key` and returns what it states. Checks the media
/// type, key hint, DSSE signature, statement and predicate types, and the subject digest.
pub fn verify_bundle(bundle: &[u8], key: &PublicKey) -> Result<SignedStatement, SignatureError> {
    let bundle: Bundle = serde_json::from_slice(bundle).map_err(malformed)?;
    if bundle.media_type != BUNDLE_MEDIA_TYPE {
        return Err(malformed(format!(
            "unsupported media type `{}`",
            bundle.media_type
        )));
    }
    if let Some(hint) = bundle.verification_material["publicKey"]["hint"].as_str() {
        if !hint.is_empty() && hint != key.hint() {
            return Err(SignatureError::KeyMismatch {
                found: hint.into(),
                expected: key.hint(),
            });
        }
    }
    let payload = open_envelope(bundle.dsse_envelope, PAYLOAD_TYPE, key)?;

    let statement: Statement =
        serde_json::from_slice(&payload).map_err(|e| malformed(format!("statement: {e}")))?;
    if statement.statement_type != STATEMENT_TYPE || statement.predicate_type != PREDICATE_TYPE {
        return Err(malformed("not a model-signing v1.0 in-toto statement"));
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(malformed("statement must have exactly one subject"));
    };
    let mut root = sha2::Sha256::default();
    let mut files = Vec::with_capacity(statement.predicate.resources.len());
    for resource in statement.predicate.resources {
        if resource.algorithm != "sha256" {
            return Err(malformed(format!(
                "unsupported algorithm `{}`",
                resource.algorithm
            )));
        }
        sha2::Digest::update(&mut root, resource.digest.as_bytes());
        files.push((resource.name, resource.digest));
    }
    if Sha256Digest::from_bytes(sha2::Digest::finalize(root).into()) != subject.digest.sha256 {
        return Err(malformed("subject digest does not match the resources"));
    }
    Ok(SignedStatement {
        files,
        modelgate: statement.predicate.modelgate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::manifest::ManifestFile;

    fn manifest() -> Manifest {
        let file = |p: &str, c: &[u8]| ManifestFile {
            path: p.parse().expect("path"),
            size: c.len() as u64,
            sha256: Sha256Digest::of(c),
        };
        Manifest::new(
            "demo/m".parse().expect("id"),
            "llama-3.2".into(),
            Modality::Multimodal,
            vec![file("config.json", b"{}"), file("a/b.safetensors", b"w")],
        )
    }

    #[test]
    fn signed_bundle_verifies_and_carries_the_manifest_facts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = PublisherKey::load_or_generate(dir.path()).expect("key");
        let again = PublisherKey::load_or_generate(dir.path()).expect("reload");
        assert_eq!(key.public(), again.public(), "the saved key is reused");
        let m = manifest();
        let signed =
            verify_bundle(key.sign_manifest(&m).as_bytes(), &key.public()).expect("verifies");
        assert_eq!(signed.files.len(), 2);
        let facts = signed.modelgate.expect("facts");
        assert_eq!(facts.manifest_digest, m.digest());
        assert_eq!(facts.modality, Modality::Multimodal);
    }

    #[test]
    fn another_key_or_a_changed_payload_fails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = PublisherKey::load_or_generate(&dir.path().join("a")).expect("key");
        let other = PublisherKey::load_or_generate(&dir.path().join("b")).expect("key");
        let bundle = key.sign_manifest(&manifest());
        assert!(matches!(
            verify_bundle(bundle.as_bytes(), &other.public()),
            Err(SignatureError::KeyMismatch { .. })
        ));

        let mut value: Value = serde_json::from_str(&bundle).expect("json");
        let payload = B64
            .decode(value["dsseEnvelope"]["payload"].as_str().expect("payload"))
            .expect("b64");
        let tampered = String::from_utf8(payload)
            .expect("utf8")
            .replace("multimodal", "text");
        value["dsseEnvelope"]["payload"] = json!(B64.encode(tampered));
        assert!(matches!(
            verify_bundle(value.to_string().as_bytes(), &key.public()),
            Err(SignatureError::BadSignature)
        ));
    }

    #[test]
    fn public_pem_has_the_canonical_shape() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pem = PublisherKey::load_or_generate(dir.path())
            .expect("key")
            .public()
            .pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    }
}
