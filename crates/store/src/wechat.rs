//! What the official account's callback remembers: pushes already handled and who follows the account.

use crate::{Store, StoreResult, on_db};

impl Store {
    /// Records a push by its de-duplication key; `false` when it was handled before (a WeChat retry).
    #[tracing::instrument(skip(self))]
    pub async fn first_sight_of_wechat_push(&self, dedup_key: &str, now: i64) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO wechat_pushes (dedup_key, received_at) VALUES ($1, $2) ON CONFLICT (dedup_key) DO NOTHING";
        let inserted = on_db!(&self.db, pool => sqlx::query(SQL).bind(dedup_key).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(inserted == 1)
    }

    /// Forgets one push, so its retry is handled (the first attempt failed half-way).
    pub async fn forget_wechat_push(&self, dedup_key: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM wechat_pushes WHERE dedup_key = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(dedup_key).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Forgets pushes older than `before` (WeChat's retries come within seconds).
    pub async fn purge_wechat_pushes(&self, before: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM wechat_pushes WHERE received_at < $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(before).execute(pool).await.map(|r| r.rows_affected()))?)
    }

    /// Sets whether `openid` follows the account, unless a newer push already said otherwise.
    #[tracing::instrument(skip(self))]
    pub async fn set_wechat_following(&self, openid: &str, following: bool, create_time: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO wechat_followers (openid, following, changed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (openid) DO UPDATE SET following = excluded.following, changed_at = excluded.changed_at \
             WHERE wechat_followers.changed_at <= excluded.changed_at";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(openid).bind(following).bind(create_time).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn wechat_following(&self, openid: &str) -> StoreResult<Option<bool>> {
        const SQL: &str = "SELECT following FROM wechat_followers WHERE openid = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(openid).fetch_optional(pool).await)?)
    }

    /// The stored access_token of `appid` and when it expires.
    pub async fn wechat_access_token(&self, appid: &str) -> StoreResult<Option<(String, i64)>> {
        const SQL: &str = "SELECT access_token, expires_at FROM wechat_access_tokens WHERE appid = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, (String, i64)>(SQL).bind(appid).fetch_optional(pool).await)?)
    }

    pub async fn save_wechat_access_token(&self, appid: &str, access_token: &str, expires_at: i64, now: i64) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO wechat_access_tokens (appid, access_token, expires_at, fetched_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (appid) DO UPDATE SET access_token = excluded.access_token, expires_at = excluded.expires_at, \
             fetched_at = excluded.fetched_at";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(appid).bind(access_token).bind(expires_at).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
