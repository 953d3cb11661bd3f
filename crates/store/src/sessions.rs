//! Server-side sessions (security.md): only a hash of the token is stored; idle and absolute expiry are checked
//! in the query, so an expired session is never returned, whichever node asks.

use crate::{Store, StoreResult, on_db};

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account_id: &'a str,
    /// "web" (cookie) or "api" (bearer token).
    pub channel: &'a str,
    pub now: i64,
    pub idle_timeout_secs: i64,
    pub absolute_expires_at: i64,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// The login itself proved who the person is by a secret (a password), so sensitive changes need no
    /// second prompt for a while. A WeChat scan proves only the phone.
    pub proven_by_secret: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveSession {
    pub account_id: String,
    pub channel: String,
    pub last_seen_at: i64,
    pub idle_timeout_secs: i64,
    pub absolute_expires_at: i64,
    /// When the owner last proved who they are in this session (logging in counts).
    pub reauthenticated_at: i64,
}

impl ActiveSession {
    /// When the session ends if nothing more happens: the earlier of idle and absolute expiry.
    pub fn expires_at(&self) -> i64 {
        (self.last_seen_at + self.idle_timeout_secs).min(self.absolute_expires_at)
    }
}

/// Activity is recorded at most this often, so reading pages does not turn into a write per request.
pub const TOUCH_GRANULARITY_SECS: i64 = 30;
/// Records activity; never moves it backwards (a late touch from a batch loses to a newer one).
pub(crate) const TOUCH: &str = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2";

impl Store {
    /// Creates the session, records the login in the account's history and gives back the lockout counter's
    /// places the login's check held, in one transaction (one commit).
    #[tracing::instrument(skip_all, fields(channel = new.channel))]
    pub async fn create_session(
        &self,
        new: &NewSession<'_>,
        login: &crate::login_events::NewLoginEvent<'_>,
        release: &crate::throttle::Release<'_>,
    ) -> StoreResult<()> {
        let release_sql = crate::throttle::release_sql(release.keys.len(), release.forget.len());
        const SQL: &str = "INSERT INTO sessions (token_hash, account_id, channel, created_at, last_seen_at, \
             idle_timeout_secs, absolute_expires_at, client_ip, user_agent, reauthenticated_at) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9)";
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
                .bind(new.token_hash)
                .bind(new.account_id)
                .bind(new.channel)
                .bind(new.now)
                .bind(new.idle_timeout_secs)
                .bind(new.absolute_expires_at)
                .bind(new.client_ip)
                .bind(new.user_agent)
                .bind(new.proven_by_secret.then_some(new.now))
                .execute(&mut *tx)
                .await?;
            crate::login_events::insert_login_event!(login).execute(&mut *tx).await?;
            if !release.keys.is_empty() {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(release_sql.as_str()));
                for key in release.keys.iter().chain(&release.forget) {
                    query = query.bind(*key);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// The live session for a token hash, with its activity time refreshed.
    #[tracing::instrument(skip_all)]
    pub async fn active_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<ActiveSession>> {
        const SQL: &str = "SELECT account_id, channel, last_seen_at, idle_timeout_secs, absolute_expires_at, \
             COALESCE(reauthenticated_at, 0) AS reauthenticated_at FROM sessions \
             WHERE token_hash = $1 AND absolute_expires_at > $2 AND last_seen_at + idle_timeout_secs > $2";
        let session = on_db!(&self.db, pool => sqlx::query_as::<_, ActiveSession>(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        let Some(mut session) = session else { return Ok(None) };
        if now - session.last_seen_at >= TOUCH_GRANULARITY_SECS {
            self.touch_session(token_hash, now).await?;
            session.last_seen_at = now;
        }
        Ok(Some(session))
    }

    /// The owner proved who they are again in this session.
    #[tracing::instrument(skip_all)]
    pub async fn mark_reauthenticated(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        const SQL: &str = "UPDATE sessions SET reauthenticated_at = $2 WHERE token_hash = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn end_session(&self, token_hash: &str) -> StoreResult<bool> {
        const SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";
        let done = on_db!(&self.db, pool => sqlx::query(SQL).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Ends every session of the account (after its password was reset).
    #[tracing::instrument(skip_all)]
    pub async fn end_all_sessions(&self, account_id: &str) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE account_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).execute(pool).await.map(|r| r.rows_affected()))?)
    }

    /// Ends every session of the account but the one whose token hash is `keep` (after a password change).
    #[tracing::instrument(skip_all)]
    pub async fn end_other_sessions(&self, account_id: &str, keep: &str) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(keep).execute(pool).await.map(|r| r.rows_affected()))?)
    }

    /// Deletes sessions past either expiry; run periodically so the table does not grow without bound.
    #[tracing::instrument(skip_all)]
    pub async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE absolute_expires_at <= $1 OR last_seen_at + idle_timeout_secs <= $1";
        let done = on_db!(&self.db, pool => sqlx::query(SQL).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
