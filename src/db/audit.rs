//! SQL for the audit log: appends that extend the hash chain inside the caller's write
//! transaction (locking the chain head, so concurrent appenders, even in other processes,
//! form one chain in commit order), reads by filter and cursor, and checkpoints.

use serde_json::Value;
use sqlx::FromRow;

use super::{now_ms, Backend, Db, WriteTx};
use crate::ledger::chain::{canonical_bytes, chain_hash};
use crate::ledger::event::{EventKind, Outcome};
use crate::ledger::{ChainedEvent, Checkpoint};
use crate::random::new_id;

/// One security-relevant event, ready to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    /// The user id (or staff email) who caused it.
    pub actor: Option<String>,
    /// What it is about: a model id, a grant id, a case id, a blob.
    pub subject: Option<String>,
    pub outcome: Option<Outcome>,
    /// Every input, as a JSON object.
    pub data: Value,
}

#[derive(Debug, Clone, FromRow)]
struct EventRow {
    seq: i64,
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
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for ChainedEvent {
    fn from(row: EventRow) -> Self {
        ChainedEvent {
            seq: row.seq,
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
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

const EVENT_COLUMNS: &str = "seq, id, occurred_at, kind, actor, subject, outcome, request_id, \
     client_ip_hash, client_ip, data, prev_hash, hash";

/// Appends `event` to the chain inside `tx` (the transaction of the change it records),
/// with the current request's id and client IP (`ledger::context`); returns its id. The
/// chain head row stays locked until `tx` ends.
pub async fn append(tx: &mut WriteTx, event: &NewEvent) -> Result<String, sqlx::Error> {
    if !tx.audited() {
        return Ok(new_id());
    }
    let started = std::time::Instant::now();
    let appended = append_to_chain(tx, event).await;
    crate::metrics::global().record_audit_append(started.elapsed());
    appended
}

async fn append_to_chain(tx: &mut WriteTx, event: &NewEvent) -> Result<String, sqlx::Error> {
    let lock = match tx.backend() {
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        // SQLite: the write transaction itself is the lock (`Db::begin_write`).
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
    };
    let (head_seq, head_hash): (i64, String) = sqlx::query_as(lock).fetch_one(&mut **tx).await?;
    let context = crate::ledger::context::current();
    let client_ip_hash = context.client_ip_hash();
    let id = new_id();
    let seq = head_seq + 1;
    let occurred_at = now_ms();
    let canonical = canonical_bytes(
        seq,
        &id,
        occurred_at,
        event.kind.as_str(),
        event.actor.as_deref(),
        event.subject.as_deref(),
        event.outcome.map(Outcome::as_str),
        context.request_id.as_deref(),
        client_ip_hash.as_deref(),
        &event.data,
    );
    let hash = chain_hash(&canonical, &head_hash)
        .ok_or_else(|| sqlx::Error::Protocol("the audit chain head is not a hash".into()))?;
    sqlx::query(&format!(
        "INSERT INTO audit_events ({EVENT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(seq)
    .bind(&id)
    .bind(occurred_at)
    .bind(event.kind.as_str())
    .bind(&event.actor)
    .bind(&event.subject)
    .bind(event.outcome.map(Outcome::as_str))
    .bind(&context.request_id)
    .bind(&client_ip_hash)
    .bind(&context.client_ip)
    .bind(String::from_utf8_lossy(&crate::canonical_json::to_bytes(&event.data)).into_owned())
    .bind(&head_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The newest events, optionally only of one kind, at most `limit`.
pub async fn recent(
    db: &Db,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<ChainedEvent>, sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events WHERE ($1 = '' OR kind = $1) ORDER BY seq DESC LIMIT $2"
    ))
    .bind(kind.unwrap_or_default())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(ChainedEvent::from).collect())
}

/// The chain head: the newest sequence number and hash.
pub async fn head(db: &Db) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

pub async fn insert_checkpoint(db: &Db, checkpoint: &Checkpoint) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING"
    ))
    .bind(checkpoint.size)
    .bind(&checkpoint.head_hash)
    .bind(checkpoint.created_at)
    .bind(&checkpoint.key_fingerprint)
    .bind(&checkpoint.signature)
    .execute(&db.pool)
    .await?;
    Ok(())
}

const CHECKPOINT_COLUMNS: &str = "size, head_hash, created_at, key_fingerprint, signature";

/// Every checkpoint, oldest first.
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
    /// Matched against the subject and the `model` field of the data.
    pub model: Option<String>,
    pub outcome: Option<String>,
    /// Matched against `declared_domicile`, `organisation_country` and `geo_country`.
    pub country: Option<String>,
    /// Matched against `organisation_name`.
    pub organisation: Option<String>,
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
pub async fn find(
    db: &Db,
    filter: &EventFilter,
    limit: i64,
) -> Result<Vec<ChainedEvent>, sqlx::Error> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let country = filter.country.as_deref();
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events
         WHERE seq > $1
           AND ($2 = '' OR kind = $2)
           AND ($3 = '' OR actor = $3)
           AND ($4 = '' OR outcome = $4)
           AND ($5 = '' OR subject = $5 OR data LIKE $6 ESCAPE '\\')
           AND ($7 = '' OR data LIKE $7 ESCAPE '\\' OR data LIKE $8 ESCAPE '\\' OR data LIKE $9 ESCAPE '\\')
           AND ($10 = '' OR data LIKE $10 ESCAPE '\\')
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
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(ChainedEvent::from).collect())
}

/// Erases the plaintext client IP of events older than `before` (unix milliseconds); the
/// keyed hash in the chain stays. Returns how many events were erased.
pub async fn erase_client_ips(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE audit_events SET client_ip = NULL WHERE client_ip IS NOT NULL AND occurred_at < $1",
    )
    .bind(before)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// The newest checkpoint, if any.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size DESC LIMIT 1"
    ))
    .fetch_optional(&db.pool)
    .await
}
