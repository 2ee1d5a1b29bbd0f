-- The audit trail becomes a transparency log: an RFC 6962 Merkle tree over the entries,
-- served as C2SP tlog-tiles with signed-note checkpoints (src/ledger/, src/db/audit.rs).
--
-- `audit_log` holds every event. An audited action inserts its row in its own
-- transaction with `leaf_index` NULL: that is the durable pending queue. The sequencer
-- assigns leaf indexes in batches and stores the tree's new hashes and a signed
-- checkpoint in one transaction. `seq` is the order of arrival (the search cursor).
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    leaf_index      BIGINT UNIQUE,
    id              TEXT NOT NULL UNIQUE,
    occurred_at     BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    actor           TEXT,
    subject         TEXT,
    outcome         TEXT,
    request_id      TEXT,
    client_ip_hash  TEXT,
    -- Beside the log, not in the tree: the plaintext client IP, erased after the retention
    -- period (audit.ip_retention_days).
    client_ip       TEXT,
    data            TEXT NOT NULL,
    -- Events carried over from the hash chain of releases up to 0006: their chain links,
    -- so an old export still verifies; the tree commits to `legacy_hash`.
    legacy_seq        BIGINT,
    legacy_prev_hash  TEXT,
    legacy_hash       TEXT
);
CREATE INDEX audit_log_pending ON audit_log (seq) WHERE leaf_index IS NULL;
CREATE INDEX audit_log_by_time ON audit_log (occurred_at);
CREATE INDEX audit_log_by_kind ON audit_log (kind, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);

-- The chain's events, re-sequenced in chain order: the sequencer integrates them first.
INSERT INTO audit_log (seq, leaf_index, id, occurred_at, kind, actor, subject, outcome,
                       request_id, client_ip_hash, client_ip, data,
                       legacy_seq, legacy_prev_hash, legacy_hash)
SELECT seq, NULL, id, occurred_at, kind, actor, subject, outcome,
       request_id, client_ip_hash, client_ip, data, seq, prev_hash, hash
FROM audit_events;
DROP TABLE audit_events;
-- The chain's signed checkpoints stay (`audit_checkpoints`, served at
-- /v1/audit/checkpoints) for exports made before this release; its head is frozen.

-- The tree's hashes: hash `n` of level `level` covers leaves n*2^level .. (n+1)*2^level.
-- Level 0 holds the leaf hashes. Hex.
CREATE TABLE audit_tree_hashes (
    level  BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (level, n)
);

-- The tree's current size and root; the sequencer moves it forward only from the size it
-- read (compare-and-set), so two sequencers can never write two histories.
CREATE TABLE audit_tree (
    id         BIGINT PRIMARY KEY,
    size       BIGINT NOT NULL,
    root_hash  TEXT NOT NULL
);
INSERT INTO audit_tree (id, size, root_hash)
VALUES (1, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- Every signed checkpoint (C2SP signed note), one per integrated batch.
CREATE TABLE audit_log_checkpoints (
    size        BIGINT PRIMARY KEY,
    root_hash   TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Witness cosignatures collected for a checkpoint (a C2SP signature line each).
CREATE TABLE audit_cosignatures (
    size        BIGINT NOT NULL,
    witness     TEXT NOT NULL,
    signature   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (size, witness)
);

-- The sequencer's lease: one replica sequences; another takes over when it expires.
CREATE TABLE audit_sequencer (
    id          BIGINT PRIMARY KEY,
    holder      TEXT,
    expires_at  BIGINT NOT NULL
);
INSERT INTO audit_sequencer (id, holder, expires_at) VALUES (1, NULL, 0);

-- A mirror (as a witness): the newest upstream checkpoint it verified and cosigned.
CREATE TABLE witnessed_checkpoints (
    origin      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    root_hash   TEXT NOT NULL,
    note        TEXT NOT NULL,
    checked_at  BIGINT NOT NULL
);

-- Personal data beside the log (src/ledger/personal.rs): each data subject's salt, from
-- which (with keys/audit-pseudonym.key) the key sealing its personal fields is derived;
-- erasure sets it to NULL (crypto-shredding). The sealed fields of each entry.
CREATE TABLE audit_subjects (
    subject     TEXT PRIMARY KEY,
    salt        TEXT,
    created_at  BIGINT NOT NULL,
    erased_at   BIGINT
);
CREATE TABLE audit_personal (
    entry_id  TEXT PRIMARY KEY,
    subject   TEXT NOT NULL,
    sealed    TEXT NOT NULL
);
CREATE INDEX audit_personal_by_subject ON audit_personal (subject);
