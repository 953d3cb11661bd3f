-- The unionid names a person across the apps of one open-platform account (official account, website app,
-- mini-program); each app gives them another openid. Website and mini-program logins find the binding by it.
ALTER TABLE wechat_bindings ADD COLUMN unionid TEXT;
CREATE UNIQUE INDEX wechat_bindings_unionid_unique ON wechat_bindings (unionid);
