//! Admin accounts of the authorities' console and their sessions. An admin's scope (role and region) comes
//! with every session lookup, so no console query can run without it.

use crate::audit::{AuditEntry, audited, in_scope};
use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::admin::Scope;
use domain::totp::TotpSecret;

/// An admin as the console knows them after login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub scope: Scope,
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    province_code: Option<String>,
    site_code: Option<String>,
}

impl AdminRow {
    fn into_admin(self) -> StoreResult<Admin> {
        let scope = Scope::from_parts(&self.role, self.province_code.as_deref(), self.site_code.as_deref())
            .ok_or_else(|| StoreError::Corrupt(format!("admin {} has role {:?} without its region", self.id, self.role)))?;
        Ok(Admin { id: self.id, username: self.username, display_name: self.display_name, scope })
    }
}

/// What a password login needs.
#[derive(Debug, Clone)]
pub struct AdminLogin {
    pub admin: Admin,
    pub password_hash: String,
    pub totp_enrolled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminSummary {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub province_code: Option<String>,
    pub site_code: Option<String>,
    pub totp_enrolled: bool,
    pub created_at: i64,
}

pub struct NewAdmin<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub scope: &'a Scope,
    pub created_by: Option<&'a str>,
    pub now: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    #[error("an admin with this username exists")]
    UsernameTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A console session: who, and whether the second factor was given in it.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub admin: Admin,
    pub token_hash: String,
    pub second_factor_done: bool,
    pub totp_enrolled: bool,
    /// A secret shown for enrolment in this session, sealed.
    pub enrol_secret: Option<TotpSecret>,
}

pub struct NewAdminSession<'a> {
    pub token_hash: &'a str,
    pub admin_id: &'a str,
    pub now: i64,
    pub idle_timeout_secs: i64,
    pub absolute_expires_at: i64,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

fn totp_context(admin_id: &str) -> String {
    format!("admins.totp:{admin_id}")
}

fn enrol_context(token_hash: &str) -> String {
    format!("admin_sessions.enrol:{token_hash}")
}

impl Store {
    /// Creates an admin; with `audit`, the creation is recorded in the same transaction.
    pub async fn create_admin(&self, new: &NewAdmin<'_>, audit: Option<&AuditEntry>) -> Result<String, CreateAdminError> {
        const SQL: &str = "INSERT INTO admins (id, username, display_name, password_hash, role, province_code, site_code, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        let id = crate::accounts::new_id();
        let (role, province, site) = (new.scope.role(), new.scope.province(), new.scope.site());
        let result = match audit {
            Some(entry) => audited!(self, entry, tx => {
                sqlx::query(SQL).bind(&id).bind(new.username).bind(new.display_name).bind(new.password_hash).bind(role).bind(province)
                    .bind(site).bind(new.created_by).bind(new.now).execute(&mut *tx).await?;
            }),
            None => on_db!(&self.db, pool => sqlx::query(SQL).bind(&id).bind(new.username).bind(new.display_name).bind(new.password_hash)
                .bind(role).bind(province).bind(site).bind(new.created_by).bind(new.now).execute(pool).await.map(|_| ())),
        };
        match result {
            Ok(()) => Ok(id),
            Err(error) if unique_violation(&error).is_some() => Err(CreateAdminError::UsernameTaken),
            Err(error) => Err(StoreError::from(error).into()),
        }
    }

    /// The enabled admin with this username (exact, lower-case), for a password login.
    pub async fn admin_for_login(&self, username: &str) -> StoreResult<Option<AdminLogin>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            admin: AdminRow,
            password_hash: String,
            totp_enrolled: bool,
        }
        const SQL: &str = "SELECT id, username, display_name, role, province_code, site_code, password_hash, \
             totp_ciphertext IS NOT NULL AS totp_enrolled FROM admins WHERE username = $1 AND disabled_at IS NULL";
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(SQL).bind(username).fetch_optional(pool).await)?;
        row.map(|r| Ok(AdminLogin { admin: r.admin.into_admin()?, password_hash: r.password_hash, totp_enrolled: r.totp_enrolled })).transpose()
    }

    /// The admin's TOTP secret and the last step a code of it was accepted for.
    pub async fn admin_totp(&self, admin_id: &str) -> StoreResult<Option<(TotpSecret, i64)>> {
        const SQL: &str = "SELECT totp_ciphertext, totp_key_id, totp_last_step FROM admins WHERE id = $1 AND totp_ciphertext IS NOT NULL";
        let row: Option<(Vec<u8>, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(SQL).bind(admin_id).fetch_optional(pool).await)?;
        let Some((sealed, key_id, last_step)) = row else { return Ok(None) };
        let text = self.vault().open(&sealed, &key_id, &totp_context(admin_id))?;
        let secret = TotpSecret::from_base32(&text).ok_or_else(|| StoreError::Corrupt("stored TOTP secret".into()))?;
        Ok(Some((secret, last_step)))
    }

    /// Stores the admin's TOTP secret, the step of the code that confirmed it counting as used.
    pub async fn enrol_totp(&self, admin_id: &str, secret: &TotpSecret, step: i64) -> StoreResult<()> {
        let (sealed, key_id) = self.vault().seal(&secret.to_base32(), &totp_context(admin_id));
        const SQL: &str = "UPDATE admins SET totp_ciphertext = $2, totp_key_id = $3, totp_last_step = $4 WHERE id = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(admin_id).bind(&sealed).bind(&key_id).bind(step).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Uses up TOTP step `step`: false when it (or a later one) was already used — the same code twice, even
    /// in parallel, opens the console once.
    pub async fn use_totp_step(&self, admin_id: &str, step: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE admins SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2";
        let changed = on_db!(&self.db, pool => sqlx::query(SQL).bind(admin_id).bind(step).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }

    /// Admins whose region lies within `scope` (a national admin sees everyone).
    pub async fn admins_in_scope(&self, scope: &Scope) -> StoreResult<Vec<AdminSummary>> {
        const SQL: &str = concat!(
            "SELECT username, display_name, role, province_code, site_code, totp_ciphertext IS NOT NULL AS totp_enrolled, created_at \
             FROM admins WHERE disabled_at IS NULL AND ",
            in_scope!("province_code", "site_code"),
            " ORDER BY role, province_code, site_code, username"
        );
        let (kind, code) = scope.filter();
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, AdminSummary>(SQL).bind(kind).bind(code).fetch_all(pool).await)?)
    }

    pub async fn create_admin_session(&self, new: &NewAdminSession<'_>) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO admin_sessions (token_hash, admin_id, created_at, last_seen_at, idle_timeout_secs, \
             absolute_expires_at, client_ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6, $7)";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(new.token_hash).bind(new.admin_id).bind(new.now).bind(new.idle_timeout_secs)
            .bind(new.absolute_expires_at).bind(new.client_ip).bind(new.user_agent).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The live console session for a token hash (its activity time refreshed), with its admin.
    pub async fn active_admin_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<AdminSession>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            admin: AdminRow,
            second_factor_at: Option<i64>,
            totp_enrolled: bool,
            enrol_ciphertext: Option<Vec<u8>>,
        }
        const TOUCH: &str = "UPDATE admin_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at + idle_timeout_secs > $2 \
             AND absolute_expires_at > $2";
        const SQL: &str = "SELECT d.id, d.username, d.display_name, d.role, d.province_code, d.site_code, s.second_factor_at, \
             d.totp_ciphertext IS NOT NULL AS totp_enrolled, s.enrol_ciphertext FROM admin_sessions s JOIN admins d ON d.id = s.admin_id \
             WHERE s.token_hash = $1 AND d.disabled_at IS NULL";
        let touched = on_db!(&self.db, pool => sqlx::query(TOUCH).bind(token_hash).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        if touched == 0 {
            return Ok(None);
        }
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(SQL).bind(token_hash).fetch_optional(pool).await)?;
        let Some(row) = row else { return Ok(None) };
        let enrol_secret = match row.enrol_ciphertext {
            // Sealed under the key current when it was shown; after a key rotation the admin simply starts again.
            Some(sealed) => self.vault().open(&sealed, self.vault().current_key_id(), &enrol_context(token_hash)).ok().and_then(|t| TotpSecret::from_base32(&t)),
            None => None,
        };
        Ok(Some(AdminSession {
            admin: row.admin.into_admin()?,
            token_hash: token_hash.to_owned(),
            second_factor_done: row.second_factor_at.is_some(),
            totp_enrolled: row.totp_enrolled,
            enrol_secret,
        }))
    }

    /// Keeps a freshly generated secret in the session until the admin confirms a code from it.
    pub async fn set_enrol_secret(&self, token_hash: &str, secret: &TotpSecret) -> StoreResult<()> {
        let (sealed, _) = self.vault().seal(&secret.to_base32(), &enrol_context(token_hash));
        const SQL: &str = "UPDATE admin_sessions SET enrol_ciphertext = $2 WHERE token_hash = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).bind(&sealed).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The second factor was given: the session opens the console.
    pub async fn complete_admin_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        const SQL: &str = "UPDATE admin_sessions SET second_factor_at = $2, enrol_ciphertext = NULL WHERE token_hash = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn end_admin_session(&self, token_hash: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM admin_sessions WHERE token_hash = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn purge_admin_sessions(&self, now: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM admin_sessions WHERE absolute_expires_at <= $1 OR last_seen_at + idle_timeout_secs <= $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(now).execute(pool).await.map(|r| r.rows_affected()))?)
    }
}
