//! SQL for the audit log: appends to the pending queue inside the caller's write
//! transaction (no shared lock: each takes the next arrival number), reads by filter and
//! cursor, and the chain checkpoints of earlier releases. The tree (sequencing, tiles,
//! checkpoints, proofs) is `db::audit::log`.

use serde_json::Value;
use sqlx::FromRow;

use super::{now_ms, Backend, Db, WriteTx};
use crate::ledger::entry::{LegacyLink, MAX_ENTRY_BYTES};
use crate::ledger::event::{EventKind, Outcome};
use crate::ledger::{Checkpoint, LogEntry};

pub mod log;

/// One security-relevant event, ready to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    /// The user id (or staff email, which the log holds as a pseudonym) who caused it.
    pub actor: Option<String>,
    /// What it is about: a model id, a grant id, a case id, a blob.
    pub subject: Option<String>,
    pub outcome: Option<Outcome>,
    /// Every input, as a JSON object.
    pub data: Value,
}

#[derive(Debug, Clone, FromRow)]
pub(super) struct EntryRow {
    seq: i64,
    leaf_index: Option<i64>,
    id: String,
    occurred_at: i64,
    kind: String,
    actor: Option<String>,
    subject: Option<String>,
    outcome: Option<String>,
    request_id: Option<String>,
    client_ip_hash: Option<String>,
    client_ip: Option<String>,
    data: String,
    legacy_seq: Option<i64>,
    legacy_prev_hash: Option<String>,
    legacy_hash: Option<String>,
}

impl From<EntryRow> for LogEntry {
    fn from(row: EntryRow) -> Self {
        let legacy = match (row.legacy_seq, row.legacy_prev_hash, row.legacy_hash) {
            (Some(seq), Some(prev_hash), Some(hash)) => Some(LegacyLink {
                seq,
                prev_hash,
                hash,
            }),
            _ => None,
        };
        LogEntry {
            seq: row.seq,
            index: row.leaf_index,
            id: row.id,
            occurred_at: row.occurred_at,
            kind: row.kind,
            actor: row.actor,
            subject: row.subject,
            outcome: row.outcome,
            request_id: row.request_id,
            client_ip_hash: row.client_ip_hash,
            client_ip: row.client_ip,
            // Data stored in anything but its canonical form (edited by hand: a duplicate
            // key, other spacing) reaches the verifier as a string, which fails its hash.
            data: serde_json::from_str::<Value>(&row.data)
                .ok()
                .filter(|v| crate::canonical_json::to_bytes(v) == row.data.as_bytes())
                .unwrap_or(Value::String(row.data)),
            legacy,
            personal: None,
        }
    }
}

pub(super) const ENTRY_COLUMNS: &str = "seq, leaf_index, id, occurred_at, kind, actor, subject, \
     outcome, request_id, client_ip_hash, client_ip, data, legacy_seq, legacy_prev_hash, legacy_hash";

/// Readies the log after the migrations: the tree's hashes of earlier releases moved into
/// rows of 32 (`log::move_hashes_into_chunks`), and on PostgreSQL the sequence that numbers
/// arrivals (created once, starting after the events carried over; SQLite numbers them
/// inside its single writer).
pub(super) async fn prepare(db: &Db) -> Result<(), sqlx::Error> {
    log::move_hashes_into_chunks(db).await?;
    if db.backend != Backend::Postgres {
        return Ok(());
    }
    sqlx::query(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relkind = 'S' AND relname = 'audit_log_seq') THEN
             CREATE SEQUENCE audit_log_seq;
             PERFORM setval('audit_log_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), false);
           END IF;
         END $$",
    )
    .execute(&db.pool)
    .await
    .map(|_| ())
    .or_else(|e| match &e {
        // Another replica created it at the same moment.
        sqlx::Error::Database(d) if d.code().as_deref() == Some("23505") => Ok(()),
        _ => Err(e),
    })
}

/// Appends `event` to the pending queue inside `tx` (the transaction of the change it
/// records), with the current request's id and client IP (`ledger::context`); returns its
/// id. The sequencer gives it a leaf index within a batch interval.
pub async fn append(tx: &mut WriteTx, event: &NewEvent) -> Result<String, sqlx::Error> {
    let entry = PendingEntry::prepare(event)?;
    append_prepared(tx, &[&entry]).await?;
    Ok(entry.id().to_owned())
}

/// An event made into its log entry in the context of the request that caused it (its
/// id, client IP and pseudonyms), ready to be appended later, by another task.
#[derive(Debug)]
pub struct PendingEntry {
    entry: LogEntry,
    /// The personal fields split off, sealed beside the log under `subject`'s key.
    personal: serde_json::Map<String, Value>,
    subject: Option<String>,
    key: Option<crate::ledger::context::PseudonymKey>,
}

impl PendingEntry {
    /// Makes `event` an entry now: its id, time, request context and pseudonyms; refuses
    /// one larger than an entry may be.
    pub fn prepare(event: &NewEvent) -> Result<PendingEntry, sqlx::Error> {
        let context = crate::ledger::context::current();
        let key = context.pseudonym_key.as_ref();
        let mut data = event.data.clone();
        let mut personal = crate::ledger::personal::split(&mut data, key);
        let actor =
            crate::ledger::personal::pseudonymous_actor(event.actor.as_deref(), key, &mut personal);
        let entry = LogEntry {
            seq: 0,
            index: None,
            id: crate::random::new_time_ordered_id(),
            occurred_at: now_ms(),
            kind: event.kind.as_str().to_owned(),
            actor,
            subject: event.subject.clone(),
            outcome: event.outcome.map(|o| o.as_str().to_owned()),
            request_id: context.request_id.clone(),
            client_ip_hash: context.client_ip_hash(),
            client_ip: context.client_ip.clone(),
            data,
            legacy: None,
            personal: None,
        };
        if entry.leaf_bytes().len() > MAX_ENTRY_BYTES {
            return Err(sqlx::Error::Protocol(format!(
                "a `{}` audit event is larger than {MAX_ENTRY_BYTES} bytes",
                entry.kind
            )));
        }
        // Whose data it is: the account the entry is about, else its actor (a staff member).
        let subject = event
            .data
            .get("user_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| event.actor.clone());
        Ok(PendingEntry {
            entry,
            personal,
            subject,
            key: context.pseudonym_key,
        })
    }

    /// The entry's id, its receipt until it is sequenced.
    pub fn id(&self) -> &str {
        &self.entry.id
    }
}

/// Appends `entries` to the pending queue inside `tx`, in their order, with multi-row
/// `INSERT`s (`db::row_chunks`); their personal fields are sealed beside them. Nothing is
/// written when `tx` is not audited.
pub async fn append_prepared(
    tx: &mut WriteTx,
    entries: &[&PendingEntry],
) -> Result<(), sqlx::Error> {
    if !tx.audited() || entries.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut next_seq = match tx.backend() {
        Backend::Postgres => None,
        // SQLite: the write transaction is this process's and other processes wait for it.
        Backend::Sqlite => Some(
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log")
                .fetch_one(&mut **tx)
                .await?,
        ),
    };
    for chunk in super::row_chunks(entries) {
        // `seq` comes last: a parameter on SQLite, the sequence's next value on PostgreSQL.
        let values = match next_seq {
            Some(_) => super::value_rows(chunk.len(), 11, ""),
            None => super::value_rows(chunk.len(), 10, "nextval('audit_log_seq')"),
        };
        let sql = format!(
            "INSERT INTO audit_log (id, occurred_at, kind, actor, subject, outcome, request_id,
                                    client_ip_hash, client_ip, data, seq)
             VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for (i, pending) in chunk.iter().enumerate() {
            let entry = &pending.entry;
            query = query
                .bind(&entry.id)
                .bind(entry.occurred_at)
                .bind(&entry.kind)
                .bind(&entry.actor)
                .bind(&entry.subject)
                .bind(&entry.outcome)
                .bind(&entry.request_id)
                .bind(&entry.client_ip_hash)
                .bind(&entry.client_ip)
                .bind(
                    String::from_utf8_lossy(&crate::canonical_json::to_bytes(&entry.data))
                        .into_owned(),
                );
            if let Some(first) = next_seq {
                query = query.bind(first + i as i64);
            }
        }
        query.execute(&mut **tx).await?;
        next_seq = next_seq.map(|first| first + chunk.len() as i64);
    }
    for pending in entries {
        if let (false, Some(key), Some(subject)) =
            (pending.personal.is_empty(), &pending.key, &pending.subject)
        {
            seal_personal(tx, key, subject, &pending.entry.id, &pending.personal).await?;
        }
    }
    crate::metrics::global().record_audit_append(started.elapsed());
    Ok(())
}

/// Seals `fields` of entry `entry_id` under `subject`'s key beside the log (its salt made
/// on first use); an erased subject gets nothing stored.
async fn seal_personal(
    tx: &mut WriteTx,
    key: &crate::ledger::context::PseudonymKey,
    subject: &str,
    entry_id: &str,
    fields: &serde_json::Map<String, Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_subjects (subject, salt, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (subject) DO NOTHING",
    )
    .bind(subject)
    .bind(crate::random::random_hex(32))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    let salt: Option<String> =
        sqlx::query_scalar("SELECT salt FROM audit_subjects WHERE subject = $1")
            .bind(subject)
            .fetch_one(&mut **tx)
            .await?;
    let Some(salt) = salt else {
        return Ok(());
    };
    let sealed = crate::ledger::personal::seal(
        &crate::ledger::personal::subject_key(key, subject, &salt),
        entry_id,
        fields,
    );
    sqlx::query("INSERT INTO audit_personal (entry_id, subject, sealed) VALUES ($1, $2, $3)")
        .bind(entry_id)
        .bind(subject)
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The sealed personal fields of the entries `ids`: `entry id -> (subject, salt, sealed)`,
/// the salt `None` once the subject was erased.
pub async fn sealed_personal(
    db: &Db,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (String, Option<String>, String)>, sqlx::Error> {
    let mut found = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let places: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT p.entry_id, p.subject, s.salt, p.sealed FROM audit_personal p
             JOIN audit_subjects s ON s.subject = p.subject WHERE p.entry_id IN ({})",
            places.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String, Option<String>, String)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for (entry, subject, salt, sealed) in query.fetch_all(&db.pool).await? {
            found.insert(entry, (subject, salt, sealed));
        }
    }
    Ok(found)
}

/// Destroys `subject`'s key (its salt) and erases the client IPs beside its entries.
/// Returns how many sealed entries became unreadable, or `None` when the subject had no
/// key (unknown, or erased before).
pub async fn erase_subject(tx: &mut WriteTx, subject: &str) -> Result<Option<u64>, sqlx::Error> {
    let erased = sqlx::query(
        "UPDATE audit_subjects SET salt = NULL, erased_at = $2 WHERE subject = $1 AND salt IS NOT NULL",
    )
    .bind(subject)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE audit_log SET client_ip = NULL WHERE actor = $1")
        .bind(subject)
        .execute(&mut **tx)
        .await?;
    if erased == 0 {
        return Ok(None);
    }
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_personal WHERE subject = $1")
        .bind(subject)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Some(u64::try_from(entries).unwrap_or_default()))
}

/// The newest events, optionally only of one kind, at most `limit`.
pub async fn recent(db: &Db, kind: Option<&str>, limit: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE ($1 = '' OR kind = $1) ORDER BY seq DESC LIMIT $2"
    ))
    .bind(kind.unwrap_or_default())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(LogEntry::from).collect())
}

/// The head of the hash chain of earlier releases: its last sequence number and hash.
pub async fn head(db: &Db) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

const CHECKPOINT_COLUMNS: &str = "size, head_hash, created_at, key_fingerprint, signature";

/// Every signed checkpoint of the hash chain of earlier releases, oldest first.
pub async fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Which events to read; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub actor: Option<String>,
    /// The pseudonym of `actor` when it is an email (what entries hold).
    pub actor_pseudonym: Option<String>,
    /// Matched against the subject and the `model` field of the data.
    pub model: Option<String>,
    pub outcome: Option<String>,
    /// Matched against `declared_domicile`, `organisation_country` and `geo_country`.
    pub country: Option<String>,
    /// Matched against `organisation_name` (entries carried over from the hash chain hold
    /// the name)…
    pub organisation: Option<String>,
    /// …and its pseudonym (what newer entries hold).
    pub organisation_pseudonym: Option<String>,
    /// A partner's name or id: the events its mirror shipped (by the record of receipt,
    /// not by anything the mirror wrote) and those its account caused upstream.
    pub partner: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
    /// The cursor: only events with a larger sequence number.
    pub after: i64,
}

/// A `LIKE` pattern matching `"key":<value as JSON>` inside canonical JSON text.
fn data_pattern(key: &str, value: Option<&str>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    let json = format!("\"{key}\":{}", Value::String(value.to_owned()));
    let escaped = json
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Events matching `filter` in chain order, at most `limit`.
pub async fn find(db: &Db, filter: &EventFilter, limit: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let country = filter.country.as_deref();
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log
         WHERE seq > $1
           AND ($2 = '' OR kind = $2)
           AND ($3 = '' OR actor = $3 OR actor = $16)
           AND ($4 = '' OR outcome = $4)
           AND ($5 = '' OR subject = $5 OR data LIKE $6 ESCAPE '\\')
           AND ($7 = '' OR data LIKE $7 ESCAPE '\\' OR data LIKE $8 ESCAPE '\\' OR data LIKE $9 ESCAPE '\\')
           AND ($10 = '' OR data LIKE $10 ESCAPE '\\' OR data LIKE $15 ESCAPE '\\')
           AND occurred_at >= $11 AND occurred_at < $12
           AND ($14 = '' OR id IN (SELECT me.upstream_event FROM mirror_events me
                                     JOIN partners p ON p.user_id = me.partner_id
                                     WHERE p.name = $14 OR p.user_id = $14)
                         OR actor IN (SELECT user_id FROM partners WHERE name = $14 OR user_id = $14))
         ORDER BY seq LIMIT $13"
    ))
    .bind(filter.after)
    .bind(text(&filter.kind))
    .bind(text(&filter.actor))
    .bind(text(&filter.outcome))
    .bind(text(&filter.model))
    .bind(data_pattern("model", filter.model.as_deref()))
    .bind(data_pattern("declared_domicile", country))
    .bind(data_pattern("organisation_country", country))
    .bind(data_pattern("geo_country", country))
    .bind(data_pattern("organisation_name", filter.organisation.as_deref()))
    .bind(filter.since.unwrap_or(i64::MIN))
    .bind(filter.until.unwrap_or(i64::MAX))
    .bind(limit)
    .bind(filter.partner.clone().unwrap_or_default())
    .bind(data_pattern(
        "organisation_name",
        filter.organisation_pseudonym.as_deref(),
    ))
    .bind(text(&filter.actor_pseudonym))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(LogEntry::from).collect())
}

/// Erases the plaintext client IP of events older than `before` (unix milliseconds); the
/// keyed hash in the chain stays. Returns how many events were erased.
pub async fn erase_client_ips(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE audit_log SET client_ip = NULL WHERE client_ip IS NOT NULL AND occurred_at < $1",
    )
    .bind(before)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}
