-- Education and degree records (at most 5 per candidate; the candidate cannot delete them).
CREATE TABLE education_records (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 1..5: the record's place; unique per account, so two concurrent additions cannot both take the 5th.
    position            BIGINT NOT NULL CHECK (position BETWEEN 1 AND 5),
    level               TEXT NOT NULL,
    school              TEXT NOT NULL,
    major               TEXT NOT NULL,
    enrolled_on         TEXT NOT NULL,
    graduated_on        TEXT NOT NULL,
    diploma_number      TEXT,
    degree              TEXT,
    degree_number       TEXT,
    -- manual | chsi
    source              TEXT NOT NULL,
    -- unverified | verified | failed | manual_review
    verification        TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    CONSTRAINT education_records_position_unique UNIQUE (account_id, position)
);
