//! Calling the WeChat API with the official account's access_token, kept in the database so all nodes share
//! one. The stable_token endpoint returns the same token to every caller while it is valid, so nodes that
//! refresh at the same moment agree without a lock; a forced refresh happens only when WeChat calls the token
//! it just handed out stale.

use crate::flows::FlowError;
use crate::state::{AppState, now};
use integrations::wechat::{WechatApi, WechatApiError};

/// Tokens are renewed this long before they expire, so none is used in its last minutes.
const RENEW_BEFORE_SECS: i64 = 300;

impl AppState {
    fn wechat_client(&self) -> Result<&WechatApi, FlowError> {
        self.wechat_api.as_ref().ok_or(FlowError::Upstream("wechat.not_configured"))
    }

    /// A valid access_token of the official account.
    pub async fn wechat_access_token(&self) -> Result<String, FlowError> {
        self.app_access_token(self.wechat_client()?).await
    }

    /// A valid access_token of `api`'s app: the stored one, or a fresh one (stored for the other nodes).
    async fn app_access_token(&self, api: &WechatApi) -> Result<String, FlowError> {
        if let Some((token, expires_at)) = self.store.wechat_access_token(api.appid()).await? {
            if expires_at - now() > RENEW_BEFORE_SECS {
                return Ok(token);
            }
        }
        self.fetch_app_access_token(api, false).await
    }

    async fn fetch_app_access_token(&self, api: &WechatApi, force_refresh: bool) -> Result<String, FlowError> {
        let fresh = api.stable_token(force_refresh).await.map_err(unavailable)?;
        let now = now();
        self.store.save_wechat_access_token(api.appid(), &fresh.access_token, now + fresh.expires_in, now).await?;
        Ok(fresh.access_token)
    }

    /// Runs `call` with the official account's access_token (see `with_app_token`).
    pub async fn with_wechat_token<T, F, Fut>(&self, call: F) -> Result<T, FlowError>
    where
        F: Fn(WechatApi, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, WechatApiError>>,
    {
        self.with_app_token(self.wechat_client()?.clone(), call).await
    }

    /// Runs `call` with the mini-program's own access_token (人脸核身 is the mini-program's API).
    pub async fn with_mini_program_token<T, F, Fut>(&self, call: F) -> Result<T, FlowError>
    where
        F: Fn(WechatApi, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, WechatApiError>>,
    {
        let api = self.wechat_mini_program.clone().ok_or(FlowError::Upstream("wechat.not_configured"))?;
        self.with_app_token(api, call).await
    }

    /// Runs `call` with `api`'s access_token; when WeChat says the token is invalid or expired (40001, 40014,
    /// 42001), fetches the current one — forcing a new one if WeChat still hands out the stale token — and
    /// runs `call` once more.
    async fn with_app_token<T, F, Fut>(&self, api: WechatApi, call: F) -> Result<T, FlowError>
    where
        F: Fn(WechatApi, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, WechatApiError>>,
    {
        let token = self.app_access_token(&api).await?;
        match call(api.clone(), token.clone()).await {
            Err(error) if error.is_stale_token() => {
                tracing::info!(%error, "the stored WeChat access_token is stale; fetching the current one");
                let mut fresh = self.fetch_app_access_token(&api, false).await?;
                if fresh == token {
                    fresh = self.fetch_app_access_token(&api, true).await?;
                }
                call(api, fresh).await.map_err(unavailable)
            }
            other => other.map_err(unavailable),
        }
    }
}

fn unavailable(error: WechatApiError) -> FlowError {
    tracing::warn!(%error, "WeChat API call failed");
    FlowError::Upstream("wechat.unavailable")
}
