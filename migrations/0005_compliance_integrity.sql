-- Compliance integrity: download allowances per account and blob (across grants, actions
-- and revisions), grants bound to the acceptance and the location their decision saw, and
-- review cases bound to the user and model rather than to one declaration row.

-- Bytes served per account and blob (whichever revisions hold it) within a window
-- (`grants.ttl_secs` long, from the first counted byte): fresh and resumed bytes share one
-- budget of `downloads_per_blob` times the blob's size; bytes reserved for a response that
-- the client did not take are given back when it ends.
CREATE TABLE download_allowances (
    user_id            TEXT NOT NULL REFERENCES users (id),
    sha256             TEXT NOT NULL,
    window_started_at  BIGINT NOT NULL,
    fresh_count        BIGINT NOT NULL,
    served_bytes       BIGINT NOT NULL,
    PRIMARY KEY (user_id, sha256)
);

-- The acceptance an allow was decided on: the grant stops once it is no longer the
-- licensee's acceptance of the current version. NULL (grants from before) counts as stale.
ALTER TABLE grants ADD COLUMN acceptance_id TEXT;
-- 1 when the decision saw no location signal and no approval: a blob request from a
-- location that would send the licensee to review is refused (`location-changed`).
ALTER TABLE grants ADD COLUMN location_bound BIGINT NOT NULL DEFAULT 0;

-- At most one open case per user and model, whatever the declaration: older open
-- duplicates become `superseded` (kept, never decided).
UPDATE review_cases SET state = 'superseded'
WHERE state = 'open' AND id <> (
    SELECT r2.id FROM review_cases r2
    WHERE r2.user_id = review_cases.user_id AND r2.model_id = review_cases.model_id
      AND r2.state = 'open'
    ORDER BY r2.opened_at DESC, r2.id DESC LIMIT 1);
DROP INDEX review_cases_one_open;
CREATE UNIQUE INDEX review_cases_one_open_per_model ON review_cases (user_id, model_id) WHERE state = 'open';
CREATE INDEX review_cases_by_user_model ON review_cases (user_id, model_id, opened_at);
