-- Proven email addresses: an account's address counts as verified once a link mailed to
-- it was followed. Accounts that existed before this migration are taken as verified
-- (they were created before addresses were proven); new sign-ups start unverified.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- One row per verification link sent; only the SHA-256 of the link's token is kept. A link
-- sent for a sign-up carries the password chosen there: following it sets that password (so
-- whoever signed up with an address before its owner did loses the account to the owner).
CREATE TABLE email_verifications (
    token_hash     TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    email          TEXT NOT NULL,
    password_hash  TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX email_verifications_by_user ON email_verifications (user_id);
