//! SQL for mirrors: partners and the events their mirrors shipped (upstream), and a
//! mirror's accepted snapshots and audit outbox cursor.

use sqlx::{AnyConnection, FromRow};

use super::audit::log::to_i64;
use super::{now_ms, Db};

/// A partner: a `partner` account and what the admin recorded about it.
#[derive(Debug, Clone, FromRow)]
pub struct PartnerRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the principal place of business.
    pub country: String,
    pub contact: String,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub disabled_at: Option<i64>,
}

const PARTNER_COLUMNS: &str = "p.user_id, u.email, p.name, p.country, p.contact, p.created_at, \
     p.created_by, u.disabled_at";

pub async fn insert_partner(
    conn: &mut AnyConnection,
    user_id: &str,
    name: &str,
    country: &str,
    contact: &str,
    created_by: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO partners (user_id, name, country, contact, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(name)
    .bind(country)
    .bind(contact)
    .bind(now_ms())
    .bind(created_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the partner's new principal place of business.
pub async fn set_partner_country(
    conn: &mut AnyConnection,
    user_id: &str,
    country: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE partners SET country = $2 WHERE user_id = $1")
        .bind(user_id)
        .bind(country)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn partner(db: &Db, user_id: &str) -> Result<Option<PartnerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PARTNER_COLUMNS} FROM partners p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn partners(db: &Db) -> Result<Vec<PartnerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PARTNER_COLUMNS} FROM partners p JOIN users u ON u.id = p.user_id ORDER BY p.name"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Whether a partner with this name exists.
pub async fn partner_name_taken(conn: &mut AnyConnection, name: &str) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = sqlx::query_as("SELECT user_id FROM partners WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The last (sequence number, hash) of the partner mirror's chain received so far.
pub async fn shipped_head(
    conn: &mut AnyConnection,
    partner_id: &str,
) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as("SELECT shipped_seq, shipped_hash FROM partners WHERE user_id = $1")
        .bind(partner_id)
        .fetch_one(conn)
        .await
}

pub async fn set_shipped_head(
    conn: &mut AnyConnection,
    partner_id: &str,
    seq: i64,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE partners SET shipped_seq = $2, shipped_hash = $3 WHERE user_id = $1")
        .bind(partner_id)
        .bind(seq)
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims a mirror's event id for `partner_id`; false when it was received before.
pub async fn claim_mirror_event(
    conn: &mut AnyConnection,
    partner_id: &str,
    event_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO mirror_events (partner_id, event_id, upstream_event, received_at)
         VALUES ($1, $2, '', $3) ON CONFLICT (partner_id, event_id) DO NOTHING",
    )
    .bind(partner_id)
    .bind(event_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Links a claimed mirror event to the upstream event that records it.
pub async fn link_mirror_event(
    conn: &mut AnyConnection,
    partner_id: &str,
    event_id: &str,
    upstream_event: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mirror_events SET upstream_event = $3 WHERE partner_id = $1 AND event_id = $2",
    )
    .bind(partner_id)
    .bind(event_id)
    .bind(upstream_event)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the next snapshot version inside a write transaction: larger than every one
/// issued before and at least `now`.
pub async fn next_snapshot_version(conn: &mut AnyConnection, now: i64) -> Result<i64, sqlx::Error> {
    let last: i64 = sqlx::query_scalar("SELECT version FROM mirror_snapshot_version WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let next = now.max(last + 1);
    sqlx::query("UPDATE mirror_snapshot_version SET version = $1 WHERE id = 1")
        .bind(next)
        .execute(conn)
        .await?;
    Ok(next)
}

/// A snapshot a mirror accepted, as the signed envelope it received.
#[derive(Debug, Clone, FromRow)]
pub struct SnapshotRow {
    pub version: i64,
    pub upstream: String,
    pub envelope: String,
    pub accepted_at: i64,
}

/// The accepted snapshot with the highest version: what the mirror serves.
pub async fn latest_snapshot(db: &Db) -> Result<Option<SnapshotRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT version, upstream, envelope, accepted_at FROM mirror_snapshots
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await
}

/// The highest accepted snapshot version, inside a transaction.
pub async fn newest_version(conn: &mut AnyConnection) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(version) FROM mirror_snapshots")
        .fetch_one(conn)
        .await
}

/// Keeps only the newest `keep` accepted snapshots.
pub async fn prune_snapshots(conn: &mut AnyConnection, keep: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM mirror_snapshots WHERE version NOT IN
             (SELECT version FROM mirror_snapshots ORDER BY version DESC LIMIT $1)",
    )
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_snapshot(
    conn: &mut AnyConnection,
    version: i64,
    upstream: &str,
    envelope: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mirror_snapshots (version, upstream, envelope, accepted_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(version)
    .bind(upstream)
    .bind(envelope)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The sequence number of the newest local audit event upstream acknowledged.
pub async fn shipped_seq(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT shipped_seq FROM mirror_outbox WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

/// Moves the outbox cursor forward (never back).
pub async fn set_shipped_seq(conn: &mut AnyConnection, seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mirror_outbox SET shipped_seq = $1 WHERE id = 1 AND shipped_seq < $1")
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest checkpoint of the log `origin` this mirror verified, as `(size, root)`.
pub async fn witnessed_checkpoint(
    db: &Db,
    origin: &str,
) -> Result<Option<(u64, tlog_tiles::Hash)>, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT size, root_hash FROM witnessed_checkpoints WHERE origin = $1")
            .bind(origin)
            .fetch_optional(&db.pool)
            .await?;
    let Some((size, root)) = row else {
        return Ok(None);
    };
    let mut hash = [0u8; 32];
    hex::decode_to_slice(&root, &mut hash)
        .map_err(|_| sqlx::Error::Protocol("a witnessed root is not hex".into()))?;
    Ok(Some((
        u64::try_from(size).unwrap_or_default(),
        tlog_tiles::Hash(hash),
    )))
}

/// Records the newest checkpoint of `origin` this mirror verified.
pub async fn set_witnessed_checkpoint(
    db: &Db,
    origin: &str,
    size: u64,
    root: tlog_tiles::Hash,
    note: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // Never backwards: a slower sync that checked an older checkpoint leaves the newer.
    let deleted = sqlx::query("DELETE FROM witnessed_checkpoints WHERE origin = $1 AND size <= $2")
        .bind(origin)
        .bind(to_i64(size))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let newer: Option<i64> =
        sqlx::query_scalar("SELECT size FROM witnessed_checkpoints WHERE origin = $1")
            .bind(origin)
            .fetch_optional(&mut *tx)
            .await?;
    if deleted == 0 && newer.is_some() {
        return tx.commit().await;
    }
    sqlx::query(
        "INSERT INTO witnessed_checkpoints (origin, size, root_hash, note, checked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(origin)
    .bind(to_i64(size))
    .bind(hex::encode(root.0))
    .bind(note)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
