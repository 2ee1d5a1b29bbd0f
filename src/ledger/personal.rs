//! Personal data beside the log, never in it. Before an entry is written, each personal
//! field of its data (`email`, `legal_name`, `organisation_name`) is replaced by a keyed
//! pseudonym (`pseudonym:` and HMAC-SHA-256 under `keys/audit-pseudonym.key`, so staff can
//! still search by it), and the plaintext is sealed (ChaCha20-Poly1305) under a key of the
//! data subject: HMAC of the pseudonym key over the subject and a random salt stored per
//! subject. Readers (compliance staff) see the plaintext beside the entry (`personal`),
//! never in its `data`, so an export still re-hashes to the log. Erasure deletes the salt
//! (crypto-shredding): the sealed fields can no longer be opened, by anyone, while the log
//! and its proofs stay intact.

use base64::prelude::{Engine, BASE64_STANDARD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use serde_json::{Map, Value};

use super::context::PseudonymKey;

/// The fields of an entry's data that name a person or an organisation.
pub const PERSONAL_FIELDS: &[&str] = &["email", "legal_name", "organisation_name", "contact"];
/// The key, in the plaintext of an entry, of an actor named by email (staff act under their
/// email address): the entry holds its pseudonym.
pub const ACTOR: &str = "actor";
/// What a reader sees in place of a field whose subject was erased.
pub const ERASED: &str = "erased";
/// What an entry written without a pseudonym key (outside a request) holds instead.
pub const WITHHELD: &str = "withheld";
const PSEUDONYM_PREFIX: &str = "pseudonym:";

/// The pseudonym a personal value is replaced by in the log.
pub fn pseudonym(key: &PseudonymKey, value: &str) -> String {
    format!(
        "{PSEUDONYM_PREFIX}{}",
        key.hash(&format!("personal\0{value}"))
    )
}

/// Moves the personal fields of `data` out, at any depth (an acceptance's declaration
/// snapshot holds an organisation name too): each string value becomes its pseudonym (or
/// `withheld` without a key). Returns the plaintext by JSON pointer (`/email`,
/// `/attestation/organisation_name`); empty when there were none.
pub fn split(data: &mut Value, key: Option<&PseudonymKey>) -> Map<String, Value> {
    let mut plaintext = Map::new();
    take_personal(data, "", key, &mut plaintext);
    plaintext
}

fn take_personal(
    value: &mut Value,
    path: &str,
    key: Option<&PseudonymKey>,
    plaintext: &mut Map<String, Value>,
) {
    match value {
        Value::Object(object) => {
            for (name, child) in object.iter_mut() {
                let here = format!("{path}/{}", name.replace('~', "~0").replace('/', "~1"));
                if let (true, Value::String(text)) =
                    (PERSONAL_FIELDS.contains(&name.as_str()), &*child)
                {
                    let replaced = match key {
                        Some(key) => pseudonym(key, text),
                        None => WITHHELD.to_owned(),
                    };
                    plaintext.insert(here, Value::String(text.clone()));
                    *child = Value::String(replaced);
                } else {
                    take_personal(child, &here, key, plaintext);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                take_personal(item, &format!("{path}/{index}"), key, plaintext);
            }
        }
        _ => {}
    }
}

/// The actor as the log holds it: an email address becomes its pseudonym (`withheld`
/// without a key), and is added to `plaintext` under `actor`; an account id stays.
pub fn pseudonymous_actor(
    actor: Option<&str>,
    key: Option<&PseudonymKey>,
    plaintext: &mut Map<String, Value>,
) -> Option<String> {
    let actor = actor?;
    if !actor.contains('@') {
        return Some(actor.to_owned());
    }
    plaintext.insert(ACTOR.to_owned(), Value::String(actor.to_owned()));
    Some(match key {
        Some(key) => pseudonym(key, actor),
        None => WITHHELD.to_owned(),
    })
}

/// The subject's key, from the pseudonym key and the subject's salt.
pub fn subject_key(key: &PseudonymKey, subject: &str, salt: &str) -> [u8; 32] {
    let mut derived = [0u8; 32];
    let mac = key.hash(&format!("subject-key/v1\0{subject}\0{salt}"));
    hex::decode_to_slice(mac, &mut derived)
        .unwrap_or_else(|_| unreachable!("an HMAC-SHA-256 is 64 hex digits"));
    derived
}

/// `fields` of entry `entry_id` sealed under `key`: base64 of a random 12-byte nonce and
/// the ciphertext; the entry id is authenticated with them, so sealed fields cannot be
/// moved to another entry of the same subject.
pub fn seal(key: &[u8; 32], entry_id: &str, fields: &Map<String, Value>) -> String {
    let cipher = ChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 12];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let plaintext = serde_json::to_vec(fields).unwrap_or_default();
    let sealed = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: &plaintext,
                aad: entry_id.as_bytes(),
            },
        )
        .unwrap_or_else(|_| unreachable!("ChaCha20-Poly1305 seals any message this size"));
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    BASE64_STANDARD.encode(out)
}

/// The fields sealed in `sealed` for entry `entry_id`, when `key` opens it.
pub fn open(key: &[u8; 32], entry_id: &str, sealed: &str) -> Option<Map<String, Value>> {
    let bytes = BASE64_STANDARD.decode(sealed).ok()?;
    let nonce: [u8; 12] = bytes.get(..12)?.try_into().ok()?;
    let plaintext = ChaCha20Poly1305::new(key.into())
        .decrypt(
            &nonce.into(),
            Payload {
                msg: bytes.get(12..)?,
                aad: entry_id.as_bytes(),
            },
        )
        .ok()?;
    serde_json::from_slice(&plaintext).ok()
}

/// What a reader is shown beside an entry (`LogEntry::personal`): its plaintext personal
/// fields, or `"erased"` when the subject's key was destroyed.
pub fn shown(fields: Option<Map<String, Value>>) -> Value {
    match fields {
        Some(fields) => Value::Object(fields),
        None => Value::String(ERASED.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> PseudonymKey {
        let dir = tempfile::tempdir().expect("dir");
        PseudonymKey::load_or_generate(dir.path()).expect("key")
    }

    #[test]
    fn personal_fields_leave_the_entry_and_come_back_only_with_the_subjects_key() {
        let key = key();
        let mut data = json!({ "email": "ana@example.com", "declared_domicile": "DE",
                               "attestation": { "organisation_name": "Acme GmbH",
                                                "organisation_country": "DE" },
                               "list": [{ "legal_name": "Ana Example" }] });
        let plaintext = split(&mut data, Some(&key));
        assert_eq!(plaintext.len(), 3);
        assert_eq!(plaintext["/attestation/organisation_name"], "Acme GmbH");
        assert_eq!(plaintext["/list/0/legal_name"], "Ana Example");
        let logged = data.to_string();
        assert!(
            !logged.contains("ana@example.com") && !logged.contains("Acme"),
            "{logged}"
        );
        assert!(!logged.contains("Ana Example"), "{logged}");
        assert_eq!(
            data["attestation"]["organisation_name"],
            json!(pseudonym(&key, "Acme GmbH"))
        );
        assert_eq!(data["declared_domicile"], "DE");

        let subject = subject_key(&key, "u1", "salt-1");
        let sealed = seal(&subject, "e1", &plaintext);
        assert_eq!(
            shown(open(&subject, "e1", &sealed))["/email"],
            "ana@example.com"
        );
        // Another salt (the old one destroyed) opens nothing; nor does another entry.
        assert_eq!(
            open(&subject_key(&key, "u1", "salt-2"), "e1", &sealed),
            None
        );
        assert_eq!(open(&subject, "e2", &sealed), None);
        assert_eq!(shown(None), ERASED);
    }

    #[test]
    fn without_a_key_personal_fields_are_withheld_not_logged() {
        let mut data = json!({ "email": "ana@example.com", "role": "user" });
        let plaintext = split(&mut data, None);
        assert_eq!(data["email"], WITHHELD);
        assert_eq!(plaintext["/email"], "ana@example.com");
    }
}
