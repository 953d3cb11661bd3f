//! The candidate's login history (登录记录): logins and failed attempts on their account, newest first.

use crate::{Store, StoreResult, on_db};

pub struct NewLoginEvent<'a> {
    pub account_id: &'a str,
    pub method: &'a str,
    /// `ok`, `wrong_secret` or `locked`.
    pub outcome: &'a str,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginEvent {
    pub at: i64,
    pub method: String,
    pub outcome: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A live session as its owner sees it; `token_hash` identifies it for revoking (it cannot be turned back
/// into the token).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionInfo {
    pub token_hash: String,
    pub channel: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// User agents are stored shortened: enough to recognise a device, not a fingerprint.
pub(crate) const MAX_USER_AGENT_CHARS: usize = 200;

/// The insert of one event, ready to execute on a pool or inside a transaction of either database.
macro_rules! insert_login_event {
    ($event:expr) => {
        sqlx::query(
            "INSERT INTO login_events (id, account_id, at, method, outcome, client_ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($crate::accounts::new_id())
        .bind($event.account_id)
        .bind($event.at)
        .bind($event.method)
        .bind($event.outcome)
        .bind($event.client_ip)
        .bind($event.user_agent.map(|ua: &str| ua.chars().take($crate::login_events::MAX_USER_AGENT_CHARS).collect::<String>()))
    };
}
pub(crate) use insert_login_event;

impl Store {
    pub async fn record_login_event(&self, event: &NewLoginEvent<'_>) -> StoreResult<()> {
        on_db!(&self.db, pool => insert_login_event!(event).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The latest `limit` events of the account, newest first.
    pub async fn login_events(&self, account_id: &str, limit: i64) -> StoreResult<Vec<LoginEvent>> {
        const SQL: &str = "SELECT at, method, outcome, client_ip, user_agent FROM login_events \
             WHERE account_id = $1 ORDER BY at DESC, id LIMIT $2";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LoginEvent>(SQL).bind(account_id).bind(limit).fetch_all(pool).await)?)
    }

    /// Forgets events older than `before` (security.md keeps login records six months).
    pub async fn purge_login_events(&self, before: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM login_events WHERE at < $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(before).execute(pool).await.map(|r| r.rows_affected()))?)
    }

    /// The account's live sessions, most recently active first.
    pub async fn live_sessions(&self, account_id: &str, now: i64) -> StoreResult<Vec<SessionInfo>> {
        const SQL: &str = "SELECT token_hash, channel, created_at, last_seen_at, client_ip, user_agent FROM sessions \
             WHERE account_id = $1 AND absolute_expires_at > $2 AND last_seen_at + idle_timeout_secs > $2 \
             ORDER BY last_seen_at DESC, token_hash";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, SessionInfo>(SQL).bind(account_id).bind(now).fetch_all(pool).await)?)
    }

    /// Ends one of the account's sessions; `false` when it is not theirs or already over.
    pub async fn end_session_of(&self, account_id: &str, token_hash: &str) -> StoreResult<bool> {
        const SQL: &str = "DELETE FROM sessions WHERE account_id = $1 AND token_hash = $2";
        let done = on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(token_hash).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}
