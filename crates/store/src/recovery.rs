//! Password recovery: who an identifier names and their security question, and one-time reset codes.

use crate::{Store, StoreResult, on_db};

/// The account an identifier names, with what recovery needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecoverySubject {
    pub id: String,
    pub security_question: String,
    pub security_answer_hash: String,
}

impl Store {
    /// The account with this username, or else with this ID number (the same lookup as login).
    pub async fn recovery_subject(&self, username: &str, id_number_lookup: &str) -> StoreResult<Option<RecoverySubject>> {
        const SQL: &str = crate::accounts::accounts_by_identifier!("id, security_question, security_answer_hash", "1");
        let blind_index = self.vault().blind_index(id_number_lookup);
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, RecoverySubject>(SQL).bind(username).bind(&blind_index).fetch_optional(pool).await)?)
    }

    pub async fn create_password_reset(&self, token_hash: &str, account_id: &str, method: &str, expires_at: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO password_resets (token_hash, account_id, method, expires_at) VALUES ($1, $2, $3, $4)";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).bind(account_id).bind(method).bind(expires_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The account and method of a live reset code, without using it up.
    pub async fn password_reset(&self, token_hash: &str, now: i64) -> StoreResult<Option<(String, String)>> {
        const SQL: &str = "SELECT account_id, method FROM password_resets WHERE token_hash = $1 AND expires_at > $2";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, (String, String)>(SQL).bind(token_hash).bind(now).fetch_optional(pool).await)?)
    }

    /// Uses a reset code up: its account, once, while it is live.
    pub async fn consume_password_reset(&self, token_hash: &str, now: i64) -> StoreResult<Option<String>> {
        const SQL: &str = "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING account_id";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(token_hash).bind(now).fetch_optional(pool).await)?)
    }

    /// Voids every reset code of the account (its password just changed).
    pub async fn delete_password_resets(&self, account_id: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM password_resets WHERE account_id = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn purge_password_resets(&self, now: i64) -> StoreResult<u64> {
        const RESETS: &str = "DELETE FROM password_resets WHERE expires_at <= $1";
        const FACES: &str = "DELETE FROM face_verifications WHERE expires_at <= $1";
        let resets = on_db!(&self.db, pool => sqlx::query(RESETS).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        let faces = on_db!(&self.db, pool => sqlx::query(FACES).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(resets + faces)
    }

    /// A keyed digest of a typed identity (ID number in its lookup form, and name): comparable, not readable.
    pub fn identity_digest(&self, id_number_lookup: &str, name: &str) -> String {
        self.vault().blind_index(&format!("face-identity:{id_number_lookup}|{name}"))
    }

    /// Records a face check started for `identity_digest`, to be finished only by `browser_hash` (a browser's
    /// secret, or a WeChat user's openid) before `expires_at`; `out_seq_no` is kept for WeChat's checks.
    pub async fn create_face_verification(&self, biz_token: &str, browser_hash: &str, identity_digest: &str, out_seq_no: Option<&str>, expires_at: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO face_verifications (biz_token, browser_hash, identity_digest, out_seq_no, expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(biz_token).bind(browser_hash).bind(identity_digest).bind(out_seq_no).bind(expires_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Takes a face verification for its result, once, and only for the browser (or WeChat user) that
    /// started it: the digest of the identity it was started for, and the out_seq_no of a WeChat check.
    pub async fn take_face_verification(&self, biz_token: &str, browser_hash: &str, now: i64) -> StoreResult<Option<(String, Option<String>)>> {
        const SQL: &str = "DELETE FROM face_verifications WHERE biz_token = $1 AND browser_hash = $2 AND expires_at > $3 \
             RETURNING identity_digest, out_seq_no";
        Ok(on_db!(&self.db, pool => sqlx::query_as(SQL).bind(biz_token).bind(browser_hash).bind(now).fetch_optional(pool).await)?)
    }
}
