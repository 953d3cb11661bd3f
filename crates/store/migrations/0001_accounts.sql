-- Identity document types offered at registration: reference data, not code (domain.md §2).
CREATE TABLE id_types (
    code        TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    sort_order  INTEGER NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);

INSERT INTO id_types (code, name_zh, name_en, sort_order) VALUES
    ('resident_id', '居民身份证', 'Resident identity card', 1),
    ('hmt_residence_permit', '港澳台居民居住证', 'Residence permit for Hong Kong, Macao and Taiwan residents', 2),
    ('hk_macao_permit', '港澳居民来往内地通行证', 'Mainland travel permit for Hong Kong and Macao residents', 3),
    ('taiwan_permit', '台湾居民来往大陆通行证', 'Mainland travel permit for Taiwan residents', 4),
    ('passport', '护照', 'Passport', 5),
    ('foreign_permanent_resident_id', '外国人永久居留身份证', 'Foreign permanent resident ID card', 6),
    ('military_officer_id', '军官证', 'Military officer ID', 7);

CREATE TABLE accounts (
    id                      TEXT PRIMARY KEY,
    username                TEXT NOT NULL UNIQUE,
    password_hash           TEXT NOT NULL,
    name                    TEXT NOT NULL,
    name_uses_pinyin        BOOLEAN NOT NULL,
    id_type                 TEXT NOT NULL REFERENCES id_types (code),
    -- AES-256-GCM (nonce || ciphertext || tag), bound to the row id; key id kept for rotation.
    id_number_ciphertext    BYTEA NOT NULL,
    id_number_key_id        TEXT NOT NULL,
    -- keyed HMAC-SHA256 of the canonical number: uniqueness and lookup without decryption.
    id_number_blind_index   TEXT NOT NULL,
    security_question       TEXT NOT NULL,
    security_answer_hash    TEXT NOT NULL,
    notice_accepted_at      BIGINT NOT NULL,
    privacy_accepted_at     BIGINT NOT NULL,
    privacy_policy_version  TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    CONSTRAINT accounts_id_document_unique UNIQUE (id_type, id_number_blind_index)
);

CREATE INDEX accounts_id_number_lookup ON accounts (id_number_blind_index);

CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel             TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    last_seen_at        BIGINT NOT NULL,
    idle_timeout_secs   BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    client_ip           TEXT,
    user_agent          TEXT
);

CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (absolute_expires_at);
