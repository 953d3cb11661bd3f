-- One WeChat (openid) per candidate and one candidate per WeChat (domain.md §1).
CREATE TABLE wechat_bindings (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    openid          TEXT NOT NULL,
    bound_at        BIGINT NOT NULL,
    CONSTRAINT wechat_bindings_openid_unique UNIQUE (openid)
);

-- One-time parametric QR scenes (bind now, log in later): claimed by the first scan before it expires, once.
CREATE TABLE wechat_scenes (
    scene           TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,
    account_id      TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    qr_url          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    scanned_by      TEXT,
    scanned_at      BIGINT,
    -- bound | taken | account_bound
    outcome         TEXT
);
