-- One-time password-reset codes, given after the candidate proved who they are (the security answer; face
-- verification and the authority's reset come later). Only a hash is kept; a code works once, briefly.
CREATE TABLE password_resets (
    token_hash      TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- security_answer | face | authority
    method          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX password_resets_expiry ON password_resets (expires_at);
