-- Passkeys (通行密钥: WebAuthn discoverable credentials) a candidate logs in with instead of a password.

-- The WebAuthn user handle of each account that has registered a passkey: random bytes (base64url) the
-- authenticator keeps with the credential and gives back at login, so a discoverable login finds the account
-- without a username. It says nothing about the person.
CREATE TABLE passkey_users (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    user_handle     TEXT NOT NULL UNIQUE
);

-- One row per passkey. The public key and the authenticator's state are webauthn_rp's binary encodings
-- (base64): static_state (public key, extensions) never changes; dynamic_state (signature counter, user
-- verification, backup state) is updated by every login.
CREATE TABLE passkeys (
    credential_id   TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    static_state    TEXT NOT NULL,
    dynamic_state   TEXT NOT NULL,
    transports      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX passkeys_account ON passkeys (account_id, created_at);

-- Ceremonies under way (a challenge sent, an answer awaited), kept in the database so that any node can
-- finish what another started; each is taken once, before it expires.
CREATE TABLE webauthn_ceremonies (
    challenge       TEXT PRIMARY KEY,
    -- register | login
    purpose         TEXT NOT NULL,
    -- Who is adding a passkey (NULL for a login: nobody is known yet).
    account_id      TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    server_state    TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expiry ON webauthn_ceremonies (expires_at);
