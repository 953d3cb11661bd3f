-- Failed secret checks (passwords, security answers, reset codes) per account and per client address
-- (security.md). A check in flight is counted (pending) before the secret is checked, in one conditional
-- statement, and only while failures + pending stay under the limit, so parallel attempts cannot slip past it;
-- the failure that reaches the limit locks.
CREATE TABLE login_throttle (
    throttle_key    TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    pending         BIGINT NOT NULL,
    -- The last time a check began: pending checks older than a minute were lost with their node.
    pending_since   BIGINT NOT NULL,
    window_started  BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL,
    -- The key's rule (accounts and addresses differ), kept with it so one statement serves several keys.
    max_failures    BIGINT NOT NULL,
    window_secs     BIGINT NOT NULL,
    lock_secs       BIGINT NOT NULL
);

-- What the candidate sees under 登录记录: every login and failed attempt on their account.
CREATE TABLE login_events (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    -- password | wechat_scan | wechat_web | wechat_miniprogram | passkey | reset
    method          TEXT NOT NULL,
    -- ok | wrong_secret | locked
    outcome         TEXT NOT NULL,
    client_ip       TEXT,
    user_agent      TEXT
);
CREATE INDEX login_events_account ON login_events (account_id, at);

-- When the session's owner last proved who they are by a secret (a password login, or the password again; a
-- WeChat scan proves only the phone): sensitive changes need this within the last 15 minutes (security.md).
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
