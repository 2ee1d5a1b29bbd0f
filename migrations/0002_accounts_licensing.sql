-- Accounts, sessions, API tokens, attestations (kept as history), license versions and
-- acceptances. Booleans are BIGINT 0/1 so both backends read them the same way.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    disabled_at    BIGINT
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    client_ip   TEXT,
    user_agent  TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE attestations (
    id                         TEXT PRIMARY KEY,
    user_id                    TEXT NOT NULL REFERENCES users (id),
    legal_name                 TEXT NOT NULL,
    domicile_country           TEXT NOT NULL,
    on_behalf_of_organisation  BIGINT NOT NULL,
    organisation_name          TEXT,
    organisation_country       TEXT,
    created_at                 BIGINT NOT NULL
);
CREATE INDEX attestations_by_user ON attestations (user_id, created_at);

CREATE TABLE license_versions (
    license_id    TEXT NOT NULL,
    version       TEXT NOT NULL,
    digest        TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    modalities    TEXT NOT NULL,
    license_text  TEXT NOT NULL,
    aup_text      TEXT NOT NULL,
    notice        TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT,
    PRIMARY KEY (license_id, version)
);

CREATE TABLE acceptances (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    license_id      TEXT NOT NULL,
    version         TEXT NOT NULL,
    digest          TEXT NOT NULL,
    attestation_id  TEXT NOT NULL REFERENCES attestations (id),
    attestation     TEXT NOT NULL,
    accepted_at     BIGINT NOT NULL,
    client_ip       TEXT,
    geo_country     TEXT,
    user_agent      TEXT,
    revoked_at      BIGINT,
    revoked_by      TEXT,
    revoke_reason   TEXT
);
CREATE INDEX acceptances_by_license ON acceptances (license_id, version, accepted_at);
CREATE INDEX acceptances_by_user ON acceptances (user_id, license_id);
