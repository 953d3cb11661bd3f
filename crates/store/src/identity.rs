//! 实名核验 states of accounts: what the national two-factor check said of the name and ID number.

use crate::{Store, StoreResult, on_db};

/// The kind of job that runs an account's identity check.
pub const IDENTITY_CHECK_JOB: &str = "identity_check";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityCheck {
    /// pending | passed | failed | manual
    pub state: String,
    pub result_code: Option<String>,
    pub request_id: Option<String>,
    pub updated_at: i64,
}

impl Store {
    /// The account's identity check; `None` for accounts made before checks existed (treated as pending).
    pub async fn identity_check(&self, account_id: &str) -> StoreResult<Option<IdentityCheck>> {
        const SQL: &str = "SELECT state, result_code, request_id, updated_at FROM identity_checks WHERE account_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, IdentityCheck>(SQL).bind(account_id).fetch_optional(pool).await)?)
    }

    /// Records what the check said.
    pub async fn set_identity_check(&self, account_id: &str, state: &str, result_code: Option<&str>, request_id: Option<&str>, now: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO identity_checks (account_id, state, result_code, request_id, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account_id) DO UPDATE SET state = $2, result_code = $3, request_id = $4, updated_at = $5";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(state).bind(result_code).bind(request_id).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
