-- The candidate's one-inch registration photo. The JPEG itself lives in object storage under `object_key`
-- (local directory or S3); this row says which object is current and whether it may still be replaced.
CREATE TABLE photos (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    object_key      TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    byte_size       BIGINT NOT NULL,
    source_width    BIGINT NOT NULL,
    source_height   BIGINT NOT NULL,
    uploaded_at     BIGINT NOT NULL,
    -- Set when the first exam application is submitted; from then on only an exam authority changes it.
    locked_at       BIGINT
);
