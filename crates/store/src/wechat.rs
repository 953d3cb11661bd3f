//! What the official account's callback remembers: pushes already handled and who follows the account.

use crate::{Store, StoreError, StoreResult, on_db, unique_violation};

/// A one-time QR scene.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WechatScene {
    pub scene: String,
    pub purpose: String,
    pub account_id: Option<String>,
    pub qr_url: String,
    pub expires_at: i64,
    pub scanned_by: Option<String>,
    pub outcome: Option<String>,
    /// For login codes: SHA-256 (hex) of the secret the requesting browser holds.
    pub browser_hash: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("this WeChat is bound to another candidate")]
    OpenidTaken,
    #[error("this candidate is bound to another WeChat")]
    AccountBound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

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

    /// Forgets pushes older than `before` (WeChat's retries come within seconds) and QR scenes that expired
    /// before it.
    pub async fn purge_wechat_pushes(&self, before: i64) -> StoreResult<u64> {
        const PUSHES: &str = "DELETE FROM wechat_pushes WHERE received_at < $1";
        const SCENES: &str = "DELETE FROM wechat_scenes WHERE expires_at < $1";
        let pushes = on_db!(&self.db, pool => sqlx::query(PUSHES).bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
        let scenes = on_db!(&self.db, pool => sqlx::query(SCENES).bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(pushes + scenes)
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

    pub async fn create_wechat_scene(&self, scene: &WechatScene) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO wechat_scenes (scene, purpose, account_id, qr_url, expires_at, browser_hash) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        on_db!(&self.db, pool => sqlx::query(SQL)
            .bind(&scene.scene)
            .bind(&scene.purpose)
            .bind(&scene.account_id)
            .bind(&scene.qr_url)
            .bind(scene.expires_at)
            .bind(&scene.browser_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn wechat_scene(&self, scene: &str) -> StoreResult<Option<WechatScene>> {
        const SQL: &str = "SELECT scene, purpose, account_id, qr_url, expires_at, scanned_by, outcome, browser_hash \
             FROM wechat_scenes WHERE scene = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, WechatScene>(SQL).bind(scene).fetch_optional(pool).await)?)
    }

    /// Claims a scene for the user who scanned it, in one conditional statement: only the first scan, and only
    /// before it expires. `false` when it was used or has expired.
    pub async fn claim_wechat_scene(&self, scene: &str, openid: &str, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE wechat_scenes SET scanned_by = $2, scanned_at = $3 \
             WHERE scene = $1 AND scanned_by IS NULL AND expires_at > $3";
        let done = on_db!(&self.db, pool => sqlx::query(SQL).bind(scene).bind(openid).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn set_wechat_scene_outcome(&self, scene: &str, outcome: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE wechat_scenes SET outcome = $2 WHERE scene = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(scene).bind(outcome).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Binds `openid` to the candidate. Binding the same pair again is not an error; the unique constraints
    /// settle races between two scans.
    pub async fn bind_wechat(&self, account_id: &str, openid: &str, now: i64) -> Result<(), BindError> {
        const SQL: &str = "INSERT INTO wechat_bindings (account_id, openid, bound_at) VALUES ($1, $2, $3)";
        let inserted = on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(openid).bind(now).execute(pool).await.map(|_| ()));
        match inserted {
            Ok(()) => Ok(()),
            Err(error) => match unique_violation(&error) {
                Some(_) => match self.wechat_binding(account_id).await? {
                    Some((bound, _)) if bound == openid => Ok(()),
                    Some(_) => Err(BindError::AccountBound),
                    None => Err(BindError::OpenidTaken),
                },
                None => Err(StoreError::from(error).into()),
            },
        }
    }

    /// The candidate's bound openid and when it was bound.
    pub async fn wechat_binding(&self, account_id: &str) -> StoreResult<Option<(String, i64)>> {
        const SQL: &str = "SELECT openid, bound_at FROM wechat_bindings WHERE account_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, (String, i64)>(SQL).bind(account_id).fetch_optional(pool).await)?)
    }

    /// Removes the candidate's binding and returns the openid that was bound, if any.
    pub async fn unbind_wechat(&self, account_id: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "DELETE FROM wechat_bindings WHERE account_id = $1 RETURNING openid";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(account_id).fetch_optional(pool).await)?)
    }

    /// Records the unionid of a bound openid (learnt after binding, from the official account's user info).
    pub async fn set_wechat_unionid(&self, openid: &str, unionid: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE wechat_bindings SET unionid = $2 WHERE openid = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(openid).bind(unionid).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Bound openids whose unionid is not known yet (at most `limit`).
    pub async fn wechat_bindings_without_unionid(&self, limit: i64) -> StoreResult<Vec<String>> {
        const SQL: &str = "SELECT openid FROM wechat_bindings WHERE unionid IS NULL ORDER BY bound_at LIMIT $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(limit).fetch_all(pool).await)?)
    }

    /// The candidate whose bound WeChat has this unionid (website and mini-program logins).
    pub async fn account_of_wechat_unionid(&self, unionid: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT account_id FROM wechat_bindings WHERE unionid = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(unionid).fetch_optional(pool).await)?)
    }

    /// The candidate a WeChat is bound to.
    pub async fn account_of_wechat(&self, openid: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT account_id FROM wechat_bindings WHERE openid = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(openid).fetch_optional(pool).await)?)
    }

    /// A login code was scanned by a bound WeChat: the candidate it will log in.
    pub async fn ready_wechat_login(&self, scene: &str, account_id: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE wechat_scenes SET account_id = $2, outcome = 'ready' WHERE scene = $1 AND purpose = 'login'";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(scene).bind(account_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Turns a ready login code into its candidate, once, and only for the browser that asked for the code.
    pub async fn consume_wechat_login(&self, scene: &str, browser_hash: &str, now: i64) -> StoreResult<Option<String>> {
        const SQL: &str = "UPDATE wechat_scenes SET outcome = 'consumed' \
             WHERE scene = $1 AND purpose = 'login' AND outcome = 'ready' AND browser_hash = $2 AND expires_at > $3 \
             RETURNING account_id";
        let found: Option<Option<String>> =
            on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(scene).bind(browser_hash).bind(now).fetch_optional(pool).await)?;
        Ok(found.flatten())
    }
}
