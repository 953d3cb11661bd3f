-- Face verifications started for password recovery: the BizToken FaceID gave, the browser that started it (a
-- hash of a secret in its cookie), and a keyed digest of the identity typed — never the ID number itself. The
-- result is fetched once, when the browser comes back; no image ever reaches kaowu.
CREATE TABLE face_verifications (
    biz_token        TEXT PRIMARY KEY,
    browser_hash     TEXT NOT NULL,
    identity_digest  TEXT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX face_verifications_expiry ON face_verifications (expires_at);
