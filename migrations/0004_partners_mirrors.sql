-- Partners (mirror operators) upstream, and a mirror's own record of what it synced and
-- shipped. Times are unix milliseconds.

-- A partner is a `partner` account whose attestation states its principal place of
-- business; this row adds the contact and who created it.
CREATE TABLE partners (
    user_id     TEXT PRIMARY KEY REFERENCES users (id),
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT,
    -- The last event of the partner mirror's audit chain received upstream: the next
    -- shipment must continue it (sequence number + 1, previous hash, recomputed hash).
    shipped_seq   BIGINT NOT NULL DEFAULT 0,
    shipped_hash  TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
);
CREATE UNIQUE INDEX partners_by_name ON partners (name);

-- Upstream: the audit events mirrors shipped, by the mirror's event id, so a batch sent
-- twice is recorded once.
CREATE TABLE mirror_events (
    partner_id      TEXT NOT NULL REFERENCES users (id),
    event_id        TEXT NOT NULL,
    upstream_event  TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    PRIMARY KEY (partner_id, event_id)
);

-- Upstream: the last snapshot version issued; each snapshot takes a larger one (at least
-- its issue time in milliseconds), whichever replica issues it.
CREATE TABLE mirror_snapshot_version (
    id       BIGINT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO mirror_snapshot_version (id, version) VALUES (1, 0);

-- On a mirror: every snapshot accepted from upstream (the signed envelope as received);
-- the one with the highest version is what the mirror serves.
CREATE TABLE mirror_snapshots (
    version      BIGINT PRIMARY KEY,
    upstream     TEXT NOT NULL,
    envelope     TEXT NOT NULL,
    accepted_at  BIGINT NOT NULL
);

-- On a mirror: the audit outbox is the mirror's own chain; this is how far upstream has
-- acknowledged it.
CREATE TABLE mirror_outbox (
    id           BIGINT PRIMARY KEY,
    shipped_seq  BIGINT NOT NULL
);
INSERT INTO mirror_outbox (id, shipped_seq) VALUES (1, 0);

-- On a mirror: a model upstream no longer lets this partner distribute (absent from the
-- newest snapshot) stays recorded but is no longer served.
ALTER TABLE models ADD COLUMN withdrawn_at BIGINT;
