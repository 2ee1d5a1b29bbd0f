//! SQL for the Merkle tree of the audit log: the sequencer's lease and its batches (leaf
//! indexes, the tree's new hashes, a compare-and-set of the tree's size and root, and the
//! signed checkpoint, in one transaction), and the reads that tiles, proofs and
//! checkpoints are served from.

use sqlx::AnyConnection;
use tlog_tiles::Hash;

use super::{EntryRow, ENTRY_COLUMNS};
use crate::db::{now_ms, Db};
use crate::ledger::note::LogSigner;
use crate::ledger::tree::{complete, right_edge, Hashes, Needs, PlacedHash};
use crate::ledger::LogEntry;

/// The tree's size and root, as the last batch committed them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
}

/// What one round of the sequencer did.
#[derive(Debug, Clone, PartialEq)]
pub enum Integrated {
    /// Another replica holds the lease.
    NotLeader,
    /// Nothing was pending.
    Nothing,
    /// `entries` entries now end a tree of `size` leaves; the oldest was written at
    /// `oldest_at` (unix milliseconds).
    Batch {
        size: u64,
        entries: usize,
        oldest_at: i64,
    },
}

fn corrupt(what: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Protocol(format!("the audit log's tree is inconsistent: {what}"))
}

pub(crate) fn parse_hash(hex_text: &str) -> Result<Hash, sqlx::Error> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut hash).map_err(|_| corrupt("a stored hash is not hex"))?;
    Ok(Hash(hash))
}

pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Takes or renews the sequencer's lease for `holder` until `lease_ms` from now; false
/// while another holder's lease runs.
pub async fn take_lease(db: &Db, holder: &str, lease_ms: i64) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    tx.changes_no_standing();
    let taken = sqlx::query(
        "UPDATE audit_sequencer SET holder = $1, expires_at = $2
         WHERE id = 1 AND (holder = $1 OR holder IS NULL OR expires_at < $3)",
    )
    .bind(holder)
    .bind(now + lease_ms)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(taken)
}

/// Gives the lease up (a replica shutting down), so another takes over at once.
pub async fn release_lease(db: &Db, holder: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    tx.changes_no_standing();
    sqlx::query(
        "UPDATE audit_sequencer SET holder = NULL, expires_at = 0 WHERE id = 1 AND holder = $1",
    )
    .bind(holder)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Integrates up to `max_entries` pending entries into the tree, in arrival order, if
/// `holder` holds the lease (renewing it for `lease_ms`): their leaf indexes, the new tree
/// hashes, the tree's new size and root (only from the size read, so no second writer can
/// fork it) and a checkpoint signed with `signer`, all in one transaction. With nothing
/// pending, makes sure the current tree has a signed checkpoint.
pub async fn integrate(
    db: &Db,
    holder: &str,
    signer: &LogSigner,
    max_entries: usize,
    lease_ms: i64,
) -> Result<Integrated, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    tx.changes_no_standing();
    let now = now_ms();
    let held =
        sqlx::query("UPDATE audit_sequencer SET expires_at = $1 WHERE id = 1 AND holder = $2")
            .bind(now + lease_ms)
            .bind(holder)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if held != 1 {
        return Ok(Integrated::NotLeader);
    }
    let head = read_head(&mut tx).await?;
    check_head_was_signed(&mut tx, signer, head).await?;
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE leaf_index IS NULL ORDER BY seq LIMIT $1"
    ))
    .bind(to_i64(max_entries as u64))
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        store_checkpoint(&mut tx, signer, head).await?;
        tx.commit().await?;
        return Ok(Integrated::Nothing);
    }
    let entries: Vec<LogEntry> = rows.into_iter().map(LogEntry::from).collect();
    let leaves: Vec<Hash> = entries.iter().map(LogEntry::leaf_hash).collect();

    let mut hashes = Hashes::new();
    for (level, n, hash) in read_hashes(&mut tx, &right_edge(head.size)).await? {
        hashes.insert(level, n, hash);
    }
    let added = match hashes.append(head.size, &leaves).map_err(corrupt)? {
        Needs::Done(added) => added,
        Needs::Hashes(missing) => {
            return Err(corrupt(format!("stored hashes {missing:?} are missing")))
        }
    };
    let size = head.size + leaves.len() as u64;
    let root = complete(hashes.root(size)).map_err(corrupt)?;

    for chunk in crate::db::row_chunks(&added) {
        let sql = format!(
            "INSERT INTO audit_tree_hashes (level, n, hash) VALUES {}",
            crate::db::value_rows(chunk.len(), 3, "")
        );
        let mut insert = sqlx::query(&sql);
        for (level, n, hash) in chunk {
            insert = insert
                .bind(i64::from(*level))
                .bind(to_i64(*n))
                .bind(hex::encode(hash.0));
        }
        insert.execute(&mut *tx).await?;
    }
    let mut chunk_start = 0;
    for chunk in crate::db::row_chunks(&entries) {
        // One statement per chunk, rows found through the primary key (`seq IN (…)`),
        // each given its index by the CASE.
        let cases: Vec<String> = (0..chunk.len())
            .map(|i| format!("WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
            .collect();
        let places: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", 2 * i + 1))
            .collect();
        let sql = format!(
            "UPDATE audit_log SET leaf_index = CASE seq {} END
             WHERE seq IN ({}) AND leaf_index IS NULL",
            cases.join(" "),
            places.join(", ")
        );
        let mut update = sqlx::query(&sql);
        for (offset, entry) in chunk.iter().enumerate() {
            let index = head.size + (chunk_start + offset) as u64;
            update = update.bind(entry.seq).bind(to_i64(index));
        }
        let updated = update.execute(&mut *tx).await?.rows_affected();
        if updated != chunk.len() as u64 {
            return Err(corrupt("a pending entry was sequenced by someone else"));
        }
        chunk_start += chunk.len();
    }
    let moved =
        sqlx::query("UPDATE audit_tree SET size = $1, root_hash = $2 WHERE id = 1 AND size = $3")
            .bind(to_i64(size))
            .bind(hex::encode(root.0))
            .bind(to_i64(head.size))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        return Err(corrupt("the tree moved under this sequencer"));
    }
    store_checkpoint(&mut tx, signer, TreeHead { size, root }).await?;
    tx.commit().await?;
    Ok(Integrated::Batch {
        size,
        entries: entries.len(),
        oldest_at: entries.iter().map(|e| e.occurred_at).min().unwrap_or(now),
    })
}

/// Refuses to extend a tree whose head is not the one this log last signed: every batch
/// signs its head, so a head without its checkpoint, or with another root than the signed
/// one, was written by someone else (a history rewritten in the database). The sequencer
/// then signs nothing more until an operator looks.
async fn check_head_was_signed(
    conn: &mut AnyConnection,
    signer: &LogSigner,
    head: TreeHead,
) -> Result<(), sqlx::Error> {
    if head.size == 0 {
        return Ok(());
    }
    let signed = note_at(conn, head.size).await?.and_then(|note| {
        crate::ledger::note::open_checkpoint(note.as_bytes(), signer.vkey(), &[]).ok()
    });
    match signed {
        Some(signed) if signed.size == head.size && signed.root == head.root => Ok(()),
        _ => Err(corrupt(format!(
            "the tree's head (size {}) is not one this log signed; refusing to sign on top of it",
            head.size
        ))),
    }
}

async fn read_head(conn: &mut AnyConnection) -> Result<TreeHead, sqlx::Error> {
    let (size, root): (i64, String) =
        sqlx::query_as("SELECT size, root_hash FROM audit_tree WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    Ok(TreeHead {
        size: u64::try_from(size).map_err(|_| corrupt("a negative size"))?,
        root: parse_hash(&root)?,
    })
}

async fn store_checkpoint(
    conn: &mut AnyConnection,
    signer: &LogSigner,
    head: TreeHead,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log_checkpoints (size, root_hash, note, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(to_i64(head.size))
    .bind(hex::encode(head.root.0))
    .bind(signer.sign(head.size, head.root))
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored hashes among `wanted`, as `(level, n, hash)`.
async fn read_hashes(
    conn: &mut AnyConnection,
    wanted: &[(u8, u64)],
) -> Result<Vec<PlacedHash>, sqlx::Error> {
    let mut found = Vec::with_capacity(wanted.len());
    for chunk in crate::db::row_chunks(wanted) {
        let clauses: Vec<String> = (0..chunk.len())
            .map(|i| format!("(level = ${} AND n = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT level, n, hash FROM audit_tree_hashes WHERE {}",
            clauses.join(" OR ")
        );
        let mut query = sqlx::query_as::<_, (i64, i64, String)>(&sql);
        for (level, n) in chunk {
            query = query.bind(i64::from(*level)).bind(to_i64(*n));
        }
        for (level, n, hash) in query.fetch_all(&mut *conn).await? {
            let level = u8::try_from(level).map_err(|_| corrupt("a level over 255"))?;
            let n = u64::try_from(n).map_err(|_| corrupt("a negative position"))?;
            found.push((level, n, parse_hash(&hash)?));
        }
    }
    Ok(found)
}

/// The tree's size and root now.
pub async fn head(db: &Db) -> Result<TreeHead, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    read_head(&mut conn).await
}

/// Runs `compute` over the stored tree, loading the hashes it asks for until it is done.
pub async fn with_tree<T>(
    db: &Db,
    compute: impl Fn(&Hashes) -> Result<Needs<T>, tlog_tiles::Error>,
) -> Result<T, sqlx::Error> {
    let mut hashes = Hashes::new();
    let mut conn = db.pool.acquire().await?;
    // Each round loads at least one more level of what the proof needs; 64 bounds it.
    for _ in 0..64 {
        match compute(&hashes).map_err(corrupt)? {
            Needs::Done(value) => return Ok(value),
            Needs::Hashes(missing) => {
                let found = read_hashes(&mut conn, &missing).await?;
                if found.is_empty() {
                    return Err(corrupt(format!("stored hashes {missing:?} are missing")));
                }
                for (level, n, hash) in found {
                    hashes.insert(level, n, hash);
                }
            }
        }
    }
    Err(corrupt(
        "a proof needed more rounds than the tree has levels",
    ))
}

/// `count` hashes of tree level `level` from hash `from`; fewer when the tree has fewer.
pub async fn hash_range(
    db: &Db,
    level: u8,
    from: u64,
    count: u64,
) -> Result<Vec<Hash>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT hash FROM audit_tree_hashes WHERE level = $1 AND n >= $2 AND n < $3 ORDER BY n",
    )
    .bind(i64::from(level))
    .bind(to_i64(from))
    .bind(to_i64(from.saturating_add(count)))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|(hash,)| parse_hash(hash)).collect()
}

/// `count` entries from leaf `from`, in leaf order; fewer when the tree has fewer.
pub async fn entry_range(db: &Db, from: u64, count: u64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log
         WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index"
    ))
    .bind(to_i64(from))
    .bind(to_i64(from.saturating_add(count)))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(LogEntry::from).collect())
}

/// The entry with this id.
pub async fn entry(db: &Db, id: &str) -> Result<Option<LogEntry>, sqlx::Error> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(LogEntry::from))
}

/// The newest entry of `kind` by `actor`.
pub async fn latest_of(db: &Db, actor: &str, kind: &str) -> Result<Option<LogEntry>, sqlx::Error> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE actor = $1 AND kind = $2 ORDER BY seq DESC LIMIT 1"
    ))
    .bind(actor)
    .bind(kind)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(LogEntry::from))
}

/// The entry at leaf `index`.
pub async fn entry_at(db: &Db, index: u64) -> Result<Option<LogEntry>, sqlx::Error> {
    Ok(entry_range(db, index, 1).await?.pop())
}

/// The newest signed checkpoint (size and note), with nothing added.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<(u64, String)>, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT size, note FROM audit_log_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(size, note)| (u64::try_from(size).unwrap_or_default(), note)))
}

/// Every signed checkpoint, smallest first, as `(size, note)`.
pub async fn all_checkpoints(db: &Db) -> Result<Vec<(u64, String)>, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT size, note FROM audit_log_checkpoints ORDER BY size")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(size, note)| (u64::try_from(size).unwrap_or_default(), note))
        .collect())
}

/// The signed checkpoint of size `size`, if one was signed.
pub async fn checkpoint_at(db: &Db, size: u64) -> Result<Option<String>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    note_at(&mut conn, size).await
}

async fn note_at(conn: &mut AnyConnection, size: u64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT note FROM audit_log_checkpoints WHERE size = $1")
        .bind(to_i64(size))
        .fetch_optional(conn)
        .await
}

/// The cosignature lines collected for the checkpoint of size `size` (the first 50: a
/// signed note holds at most 100 signatures).
pub async fn cosignatures(db: &Db, size: u64) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT signature FROM audit_cosignatures WHERE size = $1 ORDER BY witness")
            .bind(to_i64(size))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|(line,)| line).collect())
}

/// Records `witness`'s cosignature line for the checkpoint of size `size` (the newest one
/// of a witness for a size replaces the one before).
pub async fn add_cosignature(
    db: &Db,
    size: u64,
    witness: &str,
    line: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    tx.changes_no_standing();
    sqlx::query("DELETE FROM audit_cosignatures WHERE size = $1 AND witness = $2")
        .bind(to_i64(size))
        .bind(witness)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO audit_cosignatures (size, witness, signature, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(to_i64(size))
    .bind(witness)
    .bind(line)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Whether the sequencer has anything to do: an entry pending, or a tree without its
/// signed checkpoint. A read, so an idle sequencer takes no write lock.
pub async fn has_work(db: &Db) -> Result<bool, sqlx::Error> {
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM audit_log WHERE leaf_index IS NULL LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    if pending.is_some() {
        return Ok(true);
    }
    let size = head(db).await?.size;
    Ok(checkpoint_at(db, size).await?.is_none())
}

/// How many entries wait for the sequencer.
pub async fn pending_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE leaf_index IS NULL")
        .fetch_one(&db.pool)
        .await
}
