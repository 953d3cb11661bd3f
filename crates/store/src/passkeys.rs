//! Passkeys (WebAuthn credentials) and the ceremonies that create and use them. The credentials' contents are
//! opaque here (the web layer's WebAuthn library encodes and checks them); this module keeps them, one account's
//! apart from another's, and hands each ceremony out once.

use crate::{Store, StoreError, StoreResult, on_db, unique_violation};

/// A passkey as the account page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeySummary {
    pub credential_id: String,
    pub name: String,
    /// The transports the authenticator named (webauthn_rp's encoding), to hint browsers when excluding it.
    pub transports: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What a login with a passkey needs: whose it is and its keys.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPasskey {
    pub account_id: String,
    pub user_handle: String,
    pub static_state: String,
    pub dynamic_state: String,
}

pub struct NewPasskey<'a> {
    pub credential_id: &'a str,
    pub account_id: &'a str,
    pub name: &'a str,
    pub static_state: &'a str,
    pub dynamic_state: &'a str,
    pub transports: i64,
    pub now: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum AddPasskeyError {
    #[error("the account already holds the most passkeys allowed")]
    LimitReached,
    #[error("this credential is already registered")]
    AlreadyRegistered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A ceremony taken for finishing: the account that started it (registrations) and the library's state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Ceremony {
    pub account_id: Option<String>,
    pub server_state: String,
}

impl Store {
    /// The account's WebAuthn user handle, made from `fresh` the first time (whoever races, one wins).
    pub async fn passkey_user_handle(&self, account_id: &str, fresh: &str) -> StoreResult<String> {
        const INSERT: &str = "INSERT INTO passkey_users (account_id, user_handle) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING";
        const SELECT: &str = "SELECT user_handle FROM passkey_users WHERE account_id = $1";
        on_db!(&self.db, pool => sqlx::query(INSERT).bind(account_id).bind(fresh).execute(pool).await.map(|_| ()))?;
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SELECT).bind(account_id).fetch_one(pool).await)?)
    }

    /// The account's passkeys, oldest first.
    pub async fn passkeys(&self, account_id: &str) -> StoreResult<Vec<PasskeySummary>> {
        const SQL: &str = "SELECT credential_id, name, transports, created_at, last_used_at FROM passkeys \
             WHERE account_id = $1 ORDER BY created_at, credential_id";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, PasskeySummary>(SQL).bind(account_id).fetch_all(pool).await)?)
    }

    /// Adds a passkey unless the account already holds `max` of them, in one conditional statement.
    pub async fn add_passkey(&self, new: &NewPasskey<'_>, max: usize) -> Result<(), AddPasskeyError> {
        const SQL: &str = "INSERT INTO passkeys (credential_id, account_id, name, static_state, dynamic_state, transports, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 FROM passkey_users WHERE account_id = $2 \
             AND (SELECT COUNT(*) FROM passkeys WHERE account_id = $2) < $8";
        let inserted = on_db!(&self.db, pool => sqlx::query(SQL)
            .bind(new.credential_id)
            .bind(new.account_id)
            .bind(new.name)
            .bind(new.static_state)
            .bind(new.dynamic_state)
            .bind(new.transports)
            .bind(new.now)
            .bind(max as i64)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match inserted {
            Ok(0) => Err(AddPasskeyError::LimitReached),
            Ok(_) => Ok(()),
            Err(error) if unique_violation(&error).is_some() => Err(AddPasskeyError::AlreadyRegistered),
            Err(error) => Err(StoreError::from(error).into()),
        }
    }

    /// Removes one of the account's passkeys: its name, or `None` when the account has none with that id.
    pub async fn remove_passkey(&self, account_id: &str, credential_id: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "DELETE FROM passkeys WHERE account_id = $1 AND credential_id = $2 RETURNING name";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(account_id).bind(credential_id).fetch_optional(pool).await)?)
    }

    /// The passkey with this credential id, with its owner's user handle.
    pub async fn passkey_for_login(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        const SQL: &str = "SELECT p.account_id, u.user_handle, p.static_state, p.dynamic_state FROM passkeys p \
             JOIN passkey_users u ON u.account_id = p.account_id WHERE p.credential_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, StoredPasskey>(SQL).bind(credential_id).fetch_optional(pool).await)?)
    }

    /// Records a login with the passkey: its new authenticator state, and when.
    pub async fn passkey_used(&self, credential_id: &str, dynamic_state: &str, now: i64) -> StoreResult<()> {
        const SQL: &str = "UPDATE passkeys SET dynamic_state = $2, last_used_at = $3 WHERE credential_id = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(credential_id).bind(dynamic_state).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn create_webauthn_ceremony(&self, challenge: &str, purpose: &str, account_id: Option<&str>, server_state: &str, expires_at: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO webauthn_ceremonies (challenge, purpose, account_id, server_state, expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(challenge).bind(purpose).bind(account_id).bind(server_state).bind(expires_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Takes the live ceremony for this challenge and purpose, once: whoever answers second finds nothing.
    pub async fn take_webauthn_ceremony(&self, challenge: &str, purpose: &str, now: i64) -> StoreResult<Option<Ceremony>> {
        const SQL: &str = "DELETE FROM webauthn_ceremonies WHERE challenge = $1 AND purpose = $2 AND expires_at > $3 \
             RETURNING account_id, server_state";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Ceremony>(SQL).bind(challenge).bind(purpose).bind(now).fetch_optional(pool).await)?)
    }

    pub async fn purge_webauthn_ceremonies(&self, now: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM webauthn_ceremonies WHERE expires_at <= $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(now).execute(pool).await.map(|r| r.rows_affected()))?)
    }
}
