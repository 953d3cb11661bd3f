//! Logging in with WeChat outside the official account: the open-platform website login (qrconnect → code →
//! sns/oauth2/access_token) and the mini-program (wx.login → code → jscode2session). Each app knows the person
//! by another openid; the unionid is the same in all of them, so a binding made through the official account is
//! found by the unionid the official account reported for that follower.

use std::time::Duration;

use super::FlowError;
use crate::state::AppState;
use integrations::wechat::{WechatApi, WechatApiError};

/// WeChat codes are short; anything longer is not one.
const MAX_CODE_CHARS: usize = 128;

/// How long binding waits for the new follower's unionid before leaving it to housekeeping: the callback must
/// answer WeChat within 5 s.
const UNIONID_WAIT: Duration = Duration::from_secs(2);

/// The candidate a website-login code (from the qrconnect redirect) opens.
pub async fn login_by_website_code(state: &AppState, code: &str) -> Result<String, FlowError> {
    let api = state.wechat_website.as_ref().ok_or(FlowError::Upstream("wechat.not_configured"))?;
    let code = checked_code(code)?;
    let answer = api.oauth_access_token(code).await.map_err(code_error)?;
    account_of(state, answer.unionid.as_deref()).await
}

/// The candidate a mini-program's `wx.login()` code opens. The session_key WeChat returns stays here: it is
/// dropped with the answer, never stored or sent on.
pub async fn login_by_mini_program_code(state: &AppState, code: &str) -> Result<String, FlowError> {
    let session = mini_program_session(state, code).await?;
    account_of(state, session.unionid.as_deref()).await
}

/// Who a mini-program's `wx.login()` code belongs to (its openid in the mini-program, and its unionid).
pub async fn mini_program_session(state: &AppState, code: &str) -> Result<integrations::wechat::MiniProgramSession, FlowError> {
    let api = state.wechat_mini_program.as_ref().ok_or(FlowError::Upstream("wechat.not_configured"))?;
    let code = checked_code(code)?;
    api.jscode2session(code).await.map_err(code_error)
}

fn checked_code(code: &str) -> Result<&str, FlowError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(domain::FieldError::new("code", "wechat.code_required").into());
    }
    if code.chars().count() > MAX_CODE_CHARS || !code.chars().all(|c| c.is_ascii_graphic()) {
        return Err(domain::FieldError::new("code", "wechat.code_invalid").into());
    }
    Ok(code)
}

/// 40029 invalid, 40163 used, 41008 missing: the code is no good (the user should start again); the rest means
/// WeChat cannot answer now.
fn code_error(error: WechatApiError) -> FlowError {
    match error {
        WechatApiError::Api { errcode: 40029 | 40163 | 41008, .. } => domain::FieldError::new("code", "wechat.code_invalid").into(),
        other => {
            tracing::warn!(error = %other, "WeChat login call failed");
            FlowError::Upstream("wechat.unavailable")
        }
    }
}

async fn account_of(state: &AppState, unionid: Option<&str>) -> Result<String, FlowError> {
    let Some(unionid) = unionid else {
        // The app is not under the official account's open-platform account: nobody can be recognised.
        tracing::warn!("WeChat login answer without unionid: bind the apps to one open-platform account");
        return Err(FlowError::Refused("wechat.not_bound"));
    };
    match state.store.account_of_wechat_unionid(unionid).await? {
        Some(account_id) => {
            metrics::counter!("kaowu_logins_total", "outcome" => "ok").increment(1);
            Ok(account_id)
        }
        None => Err(FlowError::Refused("wechat.not_bound")),
    }
}

/// Asks the official account for a bound follower's unionid and records it, waiting at most `UNIONID_WAIT`.
/// Failure is logged only: housekeeping asks again.
pub async fn learn_unionid(state: &AppState, openid: &str) {
    let asked = state.with_wechat_token(|api: WechatApi, token| {
        let openid = openid.to_owned();
        async move { api.follower_info(&token, &openid).await }
    });
    match tokio::time::timeout(UNIONID_WAIT, asked).await {
        Ok(Ok(info)) => match info.unionid {
            Some(unionid) => {
                if let Err(error) = state.store.set_wechat_unionid(openid, &unionid).await {
                    tracing::warn!(%error, "unionid not stored");
                }
            }
            None => tracing::warn!("the official account reports no unionid: bind it to an open-platform account"),
        },
        Ok(Err(error)) => tracing::warn!(?error, "unionid not fetched"),
        Err(_) => tracing::warn!("unionid not fetched in time"),
    }
}

/// Fills in unionids that could not be fetched when their binding was made.
pub async fn learn_missing_unionids(state: &AppState) {
    if state.wechat_api.is_none() {
        return;
    }
    match state.store.wechat_bindings_without_unionid(100).await {
        Ok(openids) => {
            for openid in openids {
                learn_unionid(state, &openid).await;
            }
        }
        Err(error) => tracing::warn!(%error, "bindings without unionid not listed"),
    }
}
