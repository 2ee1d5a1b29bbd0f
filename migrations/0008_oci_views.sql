-- The OCI views of each revision (issue 24): the manifests the registry serves (a ModelPack
-- artifact, a modelcar image and the signature referrer), kept as the exact bytes their
-- digests are taken over, and the blobs those manifests name beyond the revision's files.
-- Everything here is derived from the revision (its manifest, signature and files) and
-- never changes once recorded. Digests are hex; times are unix milliseconds.
CREATE TABLE oci_manifests (
    digest           TEXT PRIMARY KEY,
    revision_digest  TEXT NOT NULL REFERENCES revisions (digest),
    -- `modelpack`, `modelcar` or `signature`.
    view             TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    artifact_type    TEXT,
    -- The manifest this one refers to (the referrers API), hex.
    subject_digest   TEXT,
    body             TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX oci_manifests_by_revision ON oci_manifests (revision_digest, view);
CREATE INDEX oci_manifests_by_subject ON oci_manifests (subject_digest);

-- Every blob a revision's OCI manifests name: `file` (a stored file, served as is),
-- `inline` (a config or signature document, kept in `body`) or `tar` (a modelcar layer:
-- the stored file `source_sha256` of `source_size` bytes at `path`, framed as a one-file
-- tar and streamed).
CREATE TABLE oci_blobs (
    revision_digest  TEXT NOT NULL REFERENCES revisions (digest),
    digest           TEXT NOT NULL,
    size             BIGINT NOT NULL,
    kind             TEXT NOT NULL,
    source_sha256    TEXT,
    source_size      BIGINT,
    path             TEXT,
    body             TEXT,
    PRIMARY KEY (revision_digest, digest)
);
CREATE INDEX oci_blobs_by_digest ON oci_blobs (digest);
