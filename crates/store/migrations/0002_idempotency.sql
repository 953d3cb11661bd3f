-- Results of API writes by Idempotency-Key, so a client on a bad network can resend safely (kept 24 h).
CREATE TABLE idempotency_keys (
    scope               TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_hash        TEXT NOT NULL,
    -- 0 while the first request is still running.
    status              BIGINT NOT NULL,
    -- The response body, AES-GCM sealed: it may hold a session token.
    response_ciphertext BYTEA,
    response_key_id     TEXT,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
