-- Models, their published revisions (signed manifests), the files of each revision and
-- the content-addressed blobs they point at. Times are unix milliseconds.
CREATE TABLE models (
    id          TEXT PRIMARY KEY,
    org         TEXT NOT NULL,
    name        TEXT NOT NULL,
    modality    TEXT NOT NULL,
    license_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE revisions (
    digest        TEXT PRIMARY KEY,
    model_id      TEXT NOT NULL REFERENCES models (id),
    manifest      TEXT NOT NULL,
    signature     TEXT NOT NULL,
    total_size    BIGINT NOT NULL,
    file_count    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    published_at  BIGINT NOT NULL
);
CREATE INDEX revisions_by_model ON revisions (model_id, published_at);

CREATE TABLE revision_files (
    revision_digest  TEXT NOT NULL REFERENCES revisions (digest),
    path             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (revision_digest, path)
);
CREATE INDEX revision_files_by_blob ON revision_files (sha256);
