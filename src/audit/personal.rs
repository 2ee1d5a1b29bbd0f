//! The personal data beside the log as a service: shown to compliance staff in searches and
//! exports (opened with each subject's key, or `erased`), and erased on request
//! (`modelgate audit erase --user ID`), which destroys the subject's key and records the
//! erasure, without personal data, as an entry of the log.

use serde_json::json;

use crate::db::audit::{self as store, NewEvent};
use crate::db::Db;
use crate::ledger::context::PseudonymKey;
use crate::ledger::event::{EventKind, Outcome};
use crate::ledger::personal::{open, shown, subject_key};
use crate::ledger::LogEntry;

/// Shows a reader the personal fields beside `entries` (`personal`): the plaintext where
/// the subject's key opens it, `erased` where the key was destroyed.
pub async fn reveal_entries(
    db: &Db,
    key: &PseudonymKey,
    entries: &mut [LogEntry],
) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let sealed = store::sealed_personal(db, &ids).await?;
    for entry in entries.iter_mut() {
        let Some((subject, salt, fields)) = sealed.get(&entry.id) else {
            continue;
        };
        let opened = salt
            .as_deref()
            .and_then(|salt| open(&subject_key(key, subject, salt), &entry.id, fields));
        entry.personal = Some(shown(opened));
    }
    Ok(())
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// Entries whose personal fields can no longer be read.
    pub entries: u64,
    /// The log entry recording the erasure.
    pub entry_id: String,
}

/// Erases `subject`'s personal data beside the log, on the word of `by` (who asked, for
/// the record): `None` when there was nothing (left) to erase.
pub async fn erase(db: &Db, subject: &str, by: &str) -> Result<Option<Erasure>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some(entries) = store::erase_subject(&mut tx, subject).await? else {
        // No key to destroy; the client IPs beside the subject's entries still go.
        tx.commit().await?;
        return Ok(None);
    };
    let entry_id = store::append(
        &mut tx,
        &NewEvent {
            kind: EventKind::SubjectErased,
            actor: Some(by.to_owned()),
            subject: Some(subject.to_owned()),
            outcome: Some(Outcome::Erased),
            data: json!({ "subject": subject, "entries": entries }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Erasure { entries, entry_id }))
}
