//! SQL for the Merkle tree of the audit log: the sequencer's lease and its batches (leaf
//! indexes, the tree's new hashes, a compare-and-set of the tree's size and root, and the
//! signed checkpoint, in one transaction), and the reads that tiles, proofs and
//! checkpoints are served from.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let lease_holder: Option<String> =
        sqlx::query_scalar("SELECT holder FROM audit_sequencer WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
    if lease_holder.as_deref() != Some(holder) {
        return Ok(Integrated::NotLeader);
    }
    move_hashes_into_chunks(db).await?;
    // Whatever only reads (the pending entries and their leaf hashes, the new tree hashes,
    // the signatures) is done before the write turn: blob requests waiting for SQLite's one
    // writer then wait only for the writes. The transaction checks the tree did not move.
    let plan = plan_batch(db, signer, max_entries).await?;
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
    if read_head(&mut tx).await? != plan.head {
        return Err(corrupt("the tree moved under this sequencer"));
    }
    let Some(batch) = plan.batch else {
        store_checkpoint(&mut tx, plan.head, &plan.note).await?;
        tx.commit().await?;
        return Ok(Integrated::Nothing);
    };
    write_chunks(&mut tx, &batch.chunks).await?;
    assign_leaf_indexes(&mut tx, &batch.seqs, plan.head.size).await?;
    let moved =
        sqlx::query("UPDATE audit_tree SET size = $1, root_hash = $2 WHERE id = 1 AND size = $3")
            .bind(to_i64(batch.head.size))
            .bind(hex::encode(batch.head.root.0))
            .bind(to_i64(plan.head.size))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        return Err(corrupt("the tree moved under this sequencer"));
    }
    store_checkpoint(&mut tx, batch.head, &plan.note).await?;
    tx.commit().await?;
    Ok(Integrated::Batch {
        size: batch.head.size,
        entries: batch.seqs.len(),
        oldest_at: batch.oldest_at.unwrap_or(now),
    })
}

/// What a sequencer round will write, worked out from reads alone.
struct Plan {
    /// The tree it extends.
    head: TreeHead,
    batch: Option<Batch>,
    /// The signed checkpoint of the tree the round leaves (`head` when nothing is pending).
    note: String,
}

struct Batch {
    /// The arrival numbers of the entries, in the order they get leaf indexes.
    seqs: Vec<i64>,
    oldest_at: Option<i64>,
    /// The rows of hashes, as they will be.
    chunks: Vec<PlacedChunk>,
    /// The tree after the batch.
    head: TreeHead,
}

/// Plans the integration of up to `max_entries` pending entries (in arrival order) into the
/// tree as it is now, after checking that this log signed its head.
async fn plan_batch(db: &Db, signer: &LogSigner, max_entries: usize) -> Result<Plan, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let head = read_head(&mut conn).await?;
    check_head_was_signed(&mut conn, signer, head).await?;
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE leaf_index IS NULL ORDER BY seq LIMIT $1"
    ))
    .bind(to_i64(max_entries as u64))
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Plan {
            head,
            batch: None,
            note: signer.sign(head.size, head.root),
        });
    }
    let entries: Vec<LogEntry> = rows.into_iter().map(LogEntry::from).collect();
    let leaves: Vec<Hash> = entries.iter().map(LogEntry::leaf_hash).collect();

    // The rows the new hashes go into; they hold the right edge the append reads.
    let mut open = read_chunks(&mut conn, &open_chunks(head.size)).await?;
    let mut hashes = Hashes::new();
    for (level, n) in right_edge(head.size) {
        if let Some(hash) = stored_hash(&open, level, n) {
            hashes.insert(level, n, hash);
        }
    }
    // The stored right edge must be the signed tree's: an altered hash there would
    // otherwise make a root that no earlier checkpoint is consistent with (a fork).
    if hashes.root(head.size).map_err(corrupt)? != Needs::Done(head.root) {
        return Err(corrupt(
            "the stored right edge does not give the signed root; refusing to extend it",
        ));
    }
    let added = match hashes.append(head.size, &leaves).map_err(corrupt)? {
        Needs::Done(added) => added,
        Needs::Hashes(missing) => {
            return Err(corrupt(format!("stored hashes {missing:?} are missing")))
        }
    };
    let size = head.size + leaves.len() as u64;
    let root = complete(hashes.root(size)).map_err(corrupt)?;
    Ok(Plan {
        head,
        note: signer.sign(size, root),
        batch: Some(Batch {
            seqs: entries.iter().map(|e| e.seq).collect(),
            oldest_at: entries.iter().map(|e| e.occurred_at).min(),
            chunks: extend_chunks(&mut open, &added)?,
            head: TreeHead { size, root },
        }),
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
    head: TreeHead,
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log_checkpoints (size, root_hash, note, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(to_i64(head.size))
    .bind(hex::encode(head.root.0))
    .bind(note)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Hashes per row of `audit_tree_chunks`: row `chunk` of a level holds its hashes
/// `chunk * CHUNK ..`, hex, concatenated (a level's last row may hold fewer).
const CHUNK: u64 = 32;

/// One stored row of hashes: the hex of its hashes, in order.
#[derive(Debug, Default, Clone)]
struct Chunk(String);

/// A row of hashes with its place, `(level, chunk)`.
type PlacedChunk = ((u8, u64), Chunk);

impl Chunk {
    fn len(&self) -> u64 {
        (self.0.len() / 64) as u64
    }

    /// Its `i`th hash, when it holds that many.
    fn get(&self, i: u64) -> Option<Hash> {
        let at = usize::try_from(i).ok()?.checked_mul(64)?;
        parse_hash(self.0.get(at..at + 64)?).ok()
    }
}

/// The rows that hold the hashes at `positions` (`(level, n)`), each once, in order.
fn rows_holding(positions: impl Iterator<Item = (u8, u64)>) -> Vec<(u8, u64)> {
    let rows: BTreeSet<(u8, u64)> = positions.map(|(level, n)| (level, n / CHUNK)).collect();
    rows.into_iter().collect()
}

/// Hash `n` of level `level`, when `rows` hold it.
fn stored_hash(rows: &HashMap<(u8, u64), Chunk>, level: u8, n: u64) -> Option<Hash> {
    rows.get(&(level, n / CHUNK))?.get(n % CHUNK)
}

/// The rows a tree of `size` leaves appends its next hashes to: the last row of each level
/// that is not full. They hold every hash of the right edge.
fn open_chunks(size: u64) -> Vec<(u8, u64)> {
    (0..64u8)
        .map(|level| (level, size >> level))
        .filter(|(_, width)| *width % CHUNK != 0)
        .map(|(level, width)| (level, width / CHUNK))
        .collect()
}

/// The stored rows among `keys` (`(level, chunk)`).
async fn read_chunks(
    conn: &mut AnyConnection,
    keys: &[(u8, u64)],
) -> Result<HashMap<(u8, u64), Chunk>, sqlx::Error> {
    let mut found = HashMap::with_capacity(keys.len());
    for part in crate::db::row_chunks(keys) {
        let clauses: Vec<String> = (0..part.len())
            .map(|i| format!("(level = ${} AND chunk = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT level, chunk, hashes FROM audit_tree_chunks WHERE {}",
            clauses.join(" OR ")
        );
        let mut query = sqlx::query_as::<_, (i64, i64, String)>(&sql);
        for (level, chunk) in part {
            query = query.bind(i64::from(*level)).bind(to_i64(*chunk));
        }
        for (level, chunk, hashes) in query.fetch_all(&mut *conn).await? {
            let level = u8::try_from(level).map_err(|_| corrupt("a level over 255"))?;
            let chunk = u64::try_from(chunk).map_err(|_| corrupt("a negative position"))?;
            if hashes.len() % 64 != 0 || !hashes.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(corrupt("a stored row of hashes is not hex"));
            }
            found.insert((level, chunk), Chunk(hashes));
        }
    }
    Ok(found)
}

/// The rows of hashes once `added` (a batch's new hashes) are in: the open rows `open`
/// (`open_chunks`) extended, and new ones. Each level's new hashes must follow on from what
/// its row holds (or be the very hash it holds there already).
fn extend_chunks(
    open: &mut HashMap<(u8, u64), Chunk>,
    added: &[PlacedHash],
) -> Result<Vec<PlacedChunk>, sqlx::Error> {
    let mut changed: BTreeMap<(u8, u64), Chunk> = BTreeMap::new();
    for (level, n, hash) in added {
        let key = (*level, n / CHUNK);
        let chunk = changed
            .entry(key)
            .or_insert_with(|| open.remove(&key).unwrap_or_default());
        match chunk.len().cmp(&(n % CHUNK)) {
            Ordering::Equal => chunk.0.push_str(&hex::encode(hash.0)),
            // Moved before (rows of an earlier release, moved again): the same hash only.
            Ordering::Greater if chunk.get(n % CHUNK) == Some(*hash) => {}
            _ => {
                return Err(corrupt(format!(
                    "hash {n} of level {level} does not follow on from the {} stored before it",
                    chunk.len()
                )))
            }
        }
    }
    Ok(changed.into_iter().collect())
}

/// Stores `rows` of hashes, replacing those there.
async fn write_chunks(conn: &mut AnyConnection, rows: &[PlacedChunk]) -> Result<(), sqlx::Error> {
    for part in crate::db::row_chunks(rows) {
        let sql = format!(
            "INSERT INTO audit_tree_chunks (level, chunk, hashes) VALUES {}
             ON CONFLICT (level, chunk) DO UPDATE SET hashes = excluded.hashes",
            crate::db::value_rows(part.len(), 3, "")
        );
        let mut upsert = sqlx::query(&sql);
        for ((level, chunk), hashes) in part {
            upsert = upsert
                .bind(i64::from(*level))
                .bind(to_i64(*chunk))
                .bind(hashes.0.as_str());
        }
        upsert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Gives the pending `entries` (in arrival order) the leaf indexes from `first`: one
/// statement when their arrival numbers have no gap (always on SQLite, mostly on
/// PostgreSQL), else one per chunk of rows.
async fn assign_leaf_indexes(
    conn: &mut AnyConnection,
    seqs: &[i64],
    first: u64,
) -> Result<(), sqlx::Error> {
    let (Some(&low), Some(&high)) = (seqs.first(), seqs.last()) else {
        return Ok(());
    };
    let sequenced_by_someone_else = || corrupt("a pending entry was sequenced by someone else");
    let gapless = seqs.windows(2).all(|pair| pair[1] == pair[0] + 1);
    if gapless {
        // Arrival numbers are unique, so every row in the range is one of `entries`.
        let updated = sqlx::query(
            "UPDATE audit_log SET leaf_index = seq + $1
             WHERE seq >= $2 AND seq <= $3 AND leaf_index IS NULL",
        )
        .bind(to_i64(first) - low)
        .bind(low)
        .bind(high)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if updated != seqs.len() as u64 {
            return Err(sequenced_by_someone_else());
        }
        return Ok(());
    }
    let mut chunk_start = 0;
    for chunk in crate::db::row_chunks(seqs) {
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
        for (offset, seq) in chunk.iter().enumerate() {
            let index = first + (chunk_start + offset) as u64;
            update = update.bind(*seq).bind(to_i64(index));
        }
        let updated = update.execute(&mut *conn).await?.rows_affected();
        if updated != chunk.len() as u64 {
            return Err(sequenced_by_someone_else());
        }
        chunk_start += chunk.len();
    }
    Ok(())
}

/// The stored hashes among `wanted`, as `(level, n, hash)`.
async fn read_hashes(
    conn: &mut AnyConnection,
    wanted: &[(u8, u64)],
) -> Result<Vec<PlacedHash>, sqlx::Error> {
    let rows = read_chunks(conn, &rows_holding(wanted.iter().copied())).await?;
    Ok(wanted
        .iter()
        .filter_map(|&(level, n)| Some((level, n, stored_hash(&rows, level, n)?)))
        .collect())
}

/// Moves the hashes of releases that stored one row per hash (`audit_tree_hashes`) into
/// rows of `CHUNK` (`audit_tree_chunks`): at start, and before every sequencer round while
/// any are left (a replica of the earlier release may still have written some during a
/// rolling upgrade; it can no longer extend the tree once its right edge is gone). A read
/// when there are none. Rows go in position order, a bounded number per transaction, each
/// merged into what was moved before it, so a move cut short goes on where it stopped, and
/// two replicas moving at once take turns on the rows (`DELETE … RETURNING`).
pub(crate) async fn move_hashes_into_chunks(db: &Db) -> Result<(), sqlx::Error> {
    const ROWS_PER_MOVE: i64 = 4096;
    loop {
        let any: Option<i64> = sqlx::query_scalar("SELECT level FROM audit_tree_hashes LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
        if any.is_none() {
            return Ok(());
        }
        let mut tx = db.begin_write().await?;
        tx.changes_no_standing();
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "DELETE FROM audit_tree_hashes WHERE (level, n) IN
               (SELECT level, n FROM audit_tree_hashes ORDER BY level, n LIMIT $1)
             RETURNING level, n, hash",
        )
        .bind(ROWS_PER_MOVE)
        .fetch_all(&mut *tx)
        .await?;
        let mut moved = Vec::with_capacity(rows.len());
        for (level, n, hash) in rows {
            let level = u8::try_from(level).map_err(|_| corrupt("a level over 255"))?;
            let n = u64::try_from(n).map_err(|_| corrupt("a negative position"))?;
            moved.push((level, n, parse_hash(&hash)?));
        }
        moved.sort_unstable_by_key(|(level, n, _)| (*level, *n));
        let holding = rows_holding(moved.iter().map(|&(level, n, _)| (level, n)));
        let mut stored = read_chunks(&mut tx, &holding).await?;
        write_chunks(&mut tx, &extend_chunks(&mut stored, &moved)?).await?;
        tx.commit().await?;
    }
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
    let Some(last) = from.saturating_add(count).checked_sub(1) else {
        return Ok(Vec::new());
    };
    let mut conn = db.pool.acquire().await?;
    let rows = read_chunks(&mut conn, &rows_holding((from..=last).map(|n| (level, n)))).await?;
    Ok((from..=last)
        .map_while(|n| stored_hash(&rows, level, n))
        .collect())
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
