-- The official account's access_token, kept centrally so every node uses the same one (protocols.md §1.1:
-- fetching a new one invalidates the old after a short grace period).
CREATE TABLE wechat_access_tokens (
    appid           TEXT PRIMARY KEY,
    access_token    TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    fetched_at      BIGINT NOT NULL
);
