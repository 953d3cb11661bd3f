-- The official account's callback: pushes already handled (WeChat retries up to three times; a retry must not
-- act twice), and who follows the account (subscribe / unsubscribe), ordered by the push's CreateTime so a late
-- retry cannot undo a newer change.
CREATE TABLE wechat_pushes (
    dedup_key       TEXT PRIMARY KEY,
    received_at     BIGINT NOT NULL
);
CREATE INDEX wechat_pushes_received_at ON wechat_pushes (received_at);

CREATE TABLE wechat_followers (
    openid          TEXT PRIMARY KEY,
    following       BOOLEAN NOT NULL,
    -- CreateTime of the push that set `following`.
    changed_at      BIGINT NOT NULL
);
