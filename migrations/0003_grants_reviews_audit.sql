-- Grants (what an allow decision hands out), their per-blob download counts, the
-- compliance review queue and the audit events of decisions, grants and blob requests.
CREATE TABLE grants (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id),
    licensee_kind      TEXT NOT NULL,
    licensee_country   TEXT NOT NULL,
    attestation_id     TEXT NOT NULL REFERENCES attestations (id),
    model_id           TEXT NOT NULL REFERENCES models (id),
    revision_digest    TEXT NOT NULL REFERENCES revisions (digest),
    license_id         TEXT NOT NULL,
    action             TEXT NOT NULL,
    downloads_per_blob BIGINT NOT NULL,
    decision_event_id  TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX grants_by_user ON grants (user_id, revision_digest, expires_at);

-- Fresh downloads per grant and blob, and the bytes of resumed ranges: resumes do not
-- count as downloads, but their bytes never exceed `downloads_per_blob` times the size.
CREATE TABLE grant_downloads (
    grant_id       TEXT NOT NULL REFERENCES grants (id),
    sha256         TEXT NOT NULL,
    fresh_count    BIGINT NOT NULL,
    resumed_bytes  BIGINT NOT NULL,
    PRIMARY KEY (grant_id, sha256)
);

-- A review is keyed by the user, the attestation they declared and the model: a new
-- declaration needs a new review.
CREATE TABLE review_cases (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    attestation_id  TEXT NOT NULL REFERENCES attestations (id),
    model_id        TEXT NOT NULL REFERENCES models (id),
    state           TEXT NOT NULL,
    inputs          TEXT NOT NULL,
    reasons         TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT,
    note            TEXT
);
CREATE INDEX review_cases_by_subject ON review_cases (user_id, model_id, attestation_id, opened_at);
CREATE INDEX review_cases_by_state ON review_cases (state, opened_at);
CREATE UNIQUE INDEX review_cases_one_open ON review_cases (user_id, attestation_id, model_id) WHERE state = 'open';

-- The audit log: one hash chain. `hash` = SHA-256(canonical bytes of the event || the
-- previous event's hash), see src/audit/chain.rs and the README; `audit_head` holds the
-- newest (seq, hash) and is locked by each append, so appends form one chain even with
-- several processes on one database.
CREATE TABLE audit_events (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    occurred_at  BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    actor        TEXT,
    subject      TEXT,
    outcome      TEXT,
    request_id      TEXT,
    -- In the chain: the keyed hash of the client IP. Beside it: the plaintext, erased after
    -- the retention period (audit.ip_retention_days) without touching the chain.
    client_ip_hash  TEXT,
    client_ip       TEXT,
    data         TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
CREATE INDEX audit_events_by_kind ON audit_events (kind, seq);
CREATE INDEX audit_events_by_actor ON audit_events (actor, seq);

CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Signed checkpoints: the chain's size and head hash at a time, signed with the audit key.
CREATE TABLE audit_checkpoints (
    size             BIGINT PRIMARY KEY,
    head_hash        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    key_fingerprint  TEXT NOT NULL,
    signature        TEXT NOT NULL
);
