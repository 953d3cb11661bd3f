-- Login QR codes belong to the browser that asked for them: only it (holding the secret behind this hash in a
-- cookie) can turn a scan into a session.
ALTER TABLE wechat_scenes ADD COLUMN browser_hash TEXT;
