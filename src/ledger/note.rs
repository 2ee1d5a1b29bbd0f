//! Checkpoints of the log as C2SP `tlog-checkpoint` signed notes (Ed25519, through the
//! `signed_note` and `tlog_tiles` crates), and witness cosignatures as C2SP
//! `tlog-cosignature` (`cosignature/v1`, key type 0x04), which `signed_note` does not
//! implement: a cosignature signs `cosignature/v1\ntime <secs>\n` and the checkpoint text,
//! and carries the 8-byte big-endian time before the 64-byte signature.

use std::path::Path;

use anyhow::Context;
use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use signed_note::{
    key_id, Note, Signature, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList,
};
use tlog_tiles::{Checkpoint, Hash};

/// The log's signing key in the key directory: a signed-note private key string
/// (`PRIVATE+KEY+<origin>+<id>+<key>`), whose name is the log's origin.
pub const LOG_KEY_FILE: &str = "audit-log.key";
/// A mirror's witness key in its key directory (the raw 32-byte Ed25519 seed, base64).
pub const WITNESS_KEY_FILE: &str = "witness.key";

const ALG_ED25519: u8 = 0x01;
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Signs the log's checkpoints.
#[derive(Clone)]
pub struct LogSigner {
    signer: StandardSigner,
    origin: String,
    vkey: String,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner")
            .field("vkey", &self.vkey)
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// Loads `dir/audit-log.key`, or generates it (mode 0600) for `origin` when absent.
    /// The origin of a loaded key is the name it was made with.
    pub fn load_or_generate(dir: &Path, origin: &str) -> anyhow::Result<LogSigner> {
        let path = dir.join(LOG_KEY_FILE);
        anyhow::ensure!(
            path.exists() || signed_note::is_key_name_valid(origin),
            "the audit log origin `{origin}` must be non-empty, without spaces or `+`"
        );
        let skey = crate::store::signing::read_or_create_private_file(&path, || {
            signed_note::generate_key(&mut rand_core::OsRng, origin).0
        })?;
        LogSigner::from_skey(&skey).with_context(|| format!("`{}`", path.display()))
    }

    /// A signer from a signed-note private key string.
    pub fn from_skey(skey: &str) -> anyhow::Result<LogSigner> {
        let signer = StandardSigner::new(skey)
            .map_err(|e| anyhow::anyhow!("not a signed-note Ed25519 private key: {e}"))?;
        // `PRIVATE+KEY+<name>+<id>+<base64>`; base64 may itself hold `+`.
        let seed = skey
            .splitn(5, '+')
            .nth(4)
            .and_then(|key| BASE64_STANDARD.decode(key).ok())
            .and_then(|key| <[u8; 32]>::try_from(key.get(1..)?).ok())
            .context("not a signed-note Ed25519 private key")?;
        let public = SigningKey::from_bytes(&seed).verifying_key();
        let origin = signer.name().to_owned();
        let vkey = signed_note::new_ed25519_verifier_key(&origin, &public);
        Ok(LogSigner {
            signer,
            origin,
            vkey,
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key string (`<origin>+<id>+<key>`), as `GET /v1/keys/audit.vkey` serves it.
    pub fn vkey(&self) -> &str {
        &self.vkey
    }

    /// The signed checkpoint note of the tree of `size` leaves with root `root`.
    pub fn sign(&self, size: u64, root: Hash) -> String {
        let text = checkpoint_text(&self.origin, size, root);
        let mut note = Note::new(text.as_bytes(), &[])
            .unwrap_or_else(|_| unreachable!("a checkpoint is a well-formed note text"));
        note.add_sigs(&[&self.signer])
            .unwrap_or_else(|_| unreachable!("the origin is a valid key name"));
        String::from_utf8_lossy(&note.to_bytes()).into_owned()
    }
}

/// The checkpoint body: origin, size, base64 root, each on a line.
fn checkpoint_text(origin: &str, size: u64, root: Hash) -> String {
    let checkpoint = Checkpoint::new(origin, size, root, "")
        .unwrap_or_else(|_| unreachable!("the origin is non-empty"));
    String::from_utf8_lossy(&checkpoint.to_bytes()).into_owned()
}

/// A witness's key: cosigns checkpoints it has checked (a partner mirror is one).
#[derive(Clone)]
pub struct WitnessKey {
    name: String,
    key: SigningKey,
}

impl WitnessKey {
    /// Loads `dir/witness.key`, or generates it (mode 0600); the witness is named `name`.
    pub fn load_or_generate(dir: &Path, name: &str) -> anyhow::Result<WitnessKey> {
        anyhow::ensure!(
            signed_note::is_key_name_valid(name),
            "the witness name `{name}` must be non-empty, without spaces or `+`"
        );
        let path = dir.join(WITNESS_KEY_FILE);
        let text = crate::store::signing::read_or_create_private_file(&path, || {
            BASE64_STANDARD.encode(SigningKey::generate(&mut rand_core::OsRng).to_bytes())
        })?;
        let seed = BASE64_STANDARD
            .decode(&text)
            .ok()
            .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
            .with_context(|| format!("`{}` is not a witness key", path.display()))?;
        Ok(WitnessKey {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    fn encoded_public(&self) -> Vec<u8> {
        let mut key = vec![ALG_COSIGNATURE_V1];
        key.extend_from_slice(self.key.verifying_key().as_bytes());
        key
    }

    /// The witness's verifier key string (`<name>+<id>+<0x04 || key>`).
    pub fn vkey(&self) -> String {
        let key = self.encoded_public();
        format!(
            "{}+{:08x}+{}",
            self.name,
            key_id(&self.name, &key),
            BASE64_STANDARD.encode(&key)
        )
    }

    /// The cosignature line (`— <name> <base64>\n`) of `checkpoint`'s text at `time`
    /// (unix seconds).
    pub fn cosign(&self, checkpoint_text: &[u8], time: u64) -> String {
        let signature = self.key.sign(&cosigned_message(checkpoint_text, time));
        let mut bytes = time.to_be_bytes().to_vec();
        bytes.extend_from_slice(&signature.to_bytes());
        let line = Signature::new(
            self.name.clone(),
            key_id(&self.name, &self.encoded_public()),
            bytes,
        )
        .unwrap_or_else(|_| unreachable!("the witness name was checked"))
        .to_bytes();
        String::from_utf8_lossy(&line).into_owned()
    }
}

fn cosigned_message(checkpoint_text: &[u8], time: u64) -> Vec<u8> {
    let mut message = format!("cosignature/v1\ntime {time}\n").into_bytes();
    message.extend_from_slice(checkpoint_text);
    message
}

/// Checks `cosignature/v1` signatures of one witness.
struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let (Some(time), Some(signature)) = (sig.get(..8), sig.get(8..)) else {
            return false;
        };
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        let time = u64::from_be_bytes(time.try_into().unwrap_or_default());
        self.key
            .verify(&cosigned_message(msg, time), &signature)
            .is_ok()
    }
}

/// A verifier key string of either kind: a log's Ed25519 key or a witness's cosignature key.
fn parse_vkey(vkey: &str) -> anyhow::Result<Box<dyn Verifier>> {
    // `<name>+<id>+<base64>`; base64 may itself hold `+`.
    let key = vkey
        .splitn(3, '+')
        .nth(2)
        .and_then(|key| BASE64_STANDARD.decode(key).ok())
        .with_context(|| format!("`{vkey}` is not a verifier key"))?;
    match key.first() {
        Some(&ALG_ED25519) => Ok(Box::new(
            StandardVerifier::new(vkey).map_err(|e| anyhow::anyhow!("`{vkey}`: {e}"))?,
        )),
        Some(&ALG_COSIGNATURE_V1) => {
            let (name, rest) = vkey.split_once('+').context("no key name")?;
            let (id, _) = rest.split_once('+').context("no key id")?;
            let id = u32::from_str_radix(id, 16).context("a malformed key id")?;
            anyhow::ensure!(
                id == key_id(name, &key),
                "`{vkey}`: the key id does not match"
            );
            let public = <[u8; 32]>::try_from(&key[1..])
                .ok()
                .and_then(|k| VerifyingKey::from_bytes(&k).ok())
                .with_context(|| format!("`{vkey}` holds no Ed25519 key"))?;
            Ok(Box::new(CosignatureVerifier {
                name: name.to_owned(),
                id,
                key: public,
            }))
        }
        _ => anyhow::bail!("`{vkey}` is of a key type this verifier does not know"),
    }
}

/// A checkpoint whose log signature (and any cosignatures asked for) held.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The note text that was signed.
    pub text: Vec<u8>,
    /// The witnesses (by name) whose cosignatures held.
    pub cosigned_by: Vec<String>,
}

/// Why a checkpoint was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointProblem {
    #[error("the checkpoint is not a signed note: {0}")]
    Malformed(String),
    #[error("the checkpoint is not signed by the log key `{0}`")]
    NotSignedByLog(String),
    #[error("a signature on the checkpoint does not hold: {0}")]
    BadSignature(String),
    #[error("the checkpoint lacks a valid cosignature of witness `{0}`")]
    MissingCosignature(String),
}

/// Opens a signed checkpoint: the log's signature must hold under `log_vkey`, and each of
/// `witness_vkeys` must have cosigned it.
pub fn open_checkpoint(
    note: &[u8],
    log_vkey: &str,
    witness_vkeys: &[String],
) -> Result<OpenedCheckpoint, CheckpointProblem> {
    let malformed = |e: &dyn std::fmt::Display| CheckpointProblem::Malformed(e.to_string());
    // The log signs with an Ed25519 note key; a witness's cosignature key is not one.
    let log: Box<dyn Verifier> = Box::new(
        StandardVerifier::new(log_vkey)
            .map_err(|e| malformed(&format!("the log key `{log_vkey}`: {e}")))?,
    );
    let (log_name, log_id) = (log.name().to_owned(), log.key_id());
    let mut verifiers = vec![log];
    for vkey in witness_vkeys {
        verifiers.push(parse_vkey(vkey).map_err(|e| malformed(&e))?);
    }
    let note = Note::from_bytes(note).map_err(|e| malformed(&e))?;
    let (verified, _) = note
        .verify(&VerifierList::new(verifiers))
        .map_err(|e| match e {
            signed_note::NoteError::UnverifiedNote => {
                CheckpointProblem::NotSignedByLog(log_name.clone())
            }
            signed_note::NoteError::InvalidSignature { name, .. } => {
                CheckpointProblem::BadSignature(name)
            }
            other => malformed(&other),
        })?;
    if !verified
        .iter()
        .any(|s| s.name() == log_name && s.id() == log_id)
    {
        return Err(CheckpointProblem::NotSignedByLog(log_name));
    }
    let checkpoint = Checkpoint::from_bytes(note.text()).map_err(|e| malformed(&e))?;
    if checkpoint.origin() != log_name {
        return Err(CheckpointProblem::Malformed(format!(
            "its origin `{}` is not the log key's name `{log_name}`",
            checkpoint.origin()
        )));
    }
    let cosigned_by: Vec<String> = verified
        .iter()
        .filter(|s| s.name() != log_name)
        .map(|s| s.name().to_owned())
        .collect();
    for vkey in witness_vkeys {
        let witness = parse_vkey(vkey).map_err(|e| malformed(&e))?;
        if !verified
            .iter()
            .any(|s| s.name() == witness.name() && s.id() == witness.key_id())
        {
            return Err(CheckpointProblem::MissingCosignature(
                witness.name().to_owned(),
            ));
        }
    }
    Ok(OpenedCheckpoint {
        origin: checkpoint.origin().to_owned(),
        size: checkpoint.size(),
        root: *checkpoint.hash(),
        text: note.text().to_vec(),
        cosigned_by,
    })
}

/// The note text of a signed checkpoint (everything before the blank line).
pub fn note_text(note: &str) -> Option<&str> {
    note.split_once("\n\n")
        .map(|(text, _)| &note[..=text.len()])
}

/// `note` with `lines` (signature lines, each ending in a newline) added after its own.
pub fn with_signatures(note: &str, lines: &[String]) -> String {
    let mut out = note.to_owned();
    for line in lines {
        if !out.contains(line.as_str()) {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(dir: &Path) -> LogSigner {
        LogSigner::load_or_generate(dir, "example.test/audit").expect("key")
    }

    #[test]
    fn a_checkpoint_opens_under_its_key_and_names_its_tree() {
        let dir = tempfile::tempdir().expect("dir");
        let log = signer(dir.path());
        let root = tlog_tiles::record_hash(b"x");
        let note = log.sign(7, root);
        assert!(note.starts_with(&format!(
            "example.test/audit\n7\n{root}\n\n— example.test/audit "
        )));
        let opened = open_checkpoint(note.as_bytes(), log.vkey(), &[]).expect("opens");
        assert_eq!((opened.size, opened.root), (7, root));
        // The key survives a reload.
        let again = signer(dir.path());
        assert_eq!(again.vkey(), log.vkey());
        assert_eq!(
            again.sign(7, root),
            note,
            "Ed25519 signatures are deterministic"
        );
    }

    #[test]
    fn an_altered_or_foreign_checkpoint_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let log = signer(dir.path());
        let note = log.sign(7, tlog_tiles::record_hash(b"x"));
        let moved = note.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(
            open_checkpoint(moved.as_bytes(), log.vkey(), &[]),
            Err(CheckpointProblem::BadSignature("example.test/audit".into()))
        );
        let other_dir = tempfile::tempdir().expect("dir");
        let other = signer(other_dir.path());
        assert!(matches!(
            open_checkpoint(note.as_bytes(), other.vkey(), &[]),
            Err(CheckpointProblem::NotSignedByLog(_))
        ));
    }

    #[test]
    fn cosignatures_hold_only_for_the_text_they_signed() {
        let dir = tempfile::tempdir().expect("dir");
        let log = signer(dir.path());
        let witness = WitnessKey::load_or_generate(dir.path(), "mirror.test").expect("witness");
        let note = log.sign(3, tlog_tiles::record_hash(b"y"));
        let text = note_text(&note).expect("text");
        let line = witness.cosign(text.as_bytes(), 1_700_000_000);
        let cosigned = with_signatures(&note, std::slice::from_ref(&line));
        let opened =
            open_checkpoint(cosigned.as_bytes(), log.vkey(), &[witness.vkey()]).expect("cosigned");
        assert_eq!(opened.cosigned_by, vec!["mirror.test".to_owned()]);
        assert_eq!(
            open_checkpoint(note.as_bytes(), log.vkey(), &[witness.vkey()]),
            Err(CheckpointProblem::MissingCosignature("mirror.test".into()))
        );
        // The same cosignature moved onto another checkpoint fails.
        let other = log.sign(4, tlog_tiles::record_hash(b"y"));
        let forged = with_signatures(&other, &[line]);
        assert_eq!(
            open_checkpoint(forged.as_bytes(), log.vkey(), &[witness.vkey()]),
            Err(CheckpointProblem::BadSignature("mirror.test".into()))
        );
    }
}
