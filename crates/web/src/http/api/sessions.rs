use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::login::{LoginMethod, authenticate};
use crate::sessions::{ApiCaller, Client, start_password_session, start_session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct LoginBody {
    /// Username or ID number.
    pub login: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// Unix seconds; extended by activity up to the absolute limit.
    pub expires_at: i64,
}

/// Logs in with a password.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = LoginBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 visible ASCII characters; a retry with the same key and body within 24 h returns the first response (marked `Idempotent-Replayed: true`)")),
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used before with a different body (`idempotency.key_reused`)", body = ErrorBody),
        (status = 201, body = SessionCreated),
        (status = 400, description = "Missing fields", body = ErrorBody),
        (status = 401, description = "Wrong credentials (never says which part)", body = ErrorBody),
        (status = 429, description = "Too many wrong attempts for this account or address: locked, even for the right password, until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 409, description = "The same Idempotency-Key is still being processed (`idempotency.in_progress`)", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let verified = authenticate(&state, &body.login, &body.password, &client).await.map_err(|e| e.into_api(client.lang))?;
    let session = start_password_session(&state, verified, "api", &client).await?;
    Ok((StatusCode::CREATED, Json(SessionCreated { token: session.token, expires_at: session.expires_at })))
}

/// A new session whose token the caller sends as `Authorization: Bearer …`.
pub(super) async fn bearer_session(
    state: &AppState,
    account_id: &str,
    channel: &str,
    method: LoginMethod,
    client: &Client,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let session = start_session(state, account_id, channel, method, client).await?;
    Ok((StatusCode::CREATED, Json(SessionCreated { token: session.token, expires_at: session.expires_at })))
}

/// Logs out: ends the session of the bearer token.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses((status = 204, description = "Session ended"), (status = 401, body = ErrorBody)))]
pub async fn end_session(State(state): State<AppState>, caller: ApiCaller) -> Result<StatusCode, ApiError> {
    state.store.end_session(&caller.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct MiniProgramLoginBody {
    /// The code from the mini-program's `wx.login()`.
    pub code: String,
}

/// Logs in from the mini-program: its `wx.login()` code, exchanged with WeChat (jscode2session), opens the
/// candidate whose bound WeChat it is. WeChat's session_key never leaves the server.
#[utoipa::path(post, path = "/api/v1/sessions/wechat-miniprogram", tag = "sessions", request_body = MiniProgramLoginBody,
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 201, body = SessionCreated),
        (status = 400, description = "No code, or WeChat says it is invalid or used (`wechat.code_required`, `wechat.code_invalid`)", body = ErrorBody),
        (status = 403, description = "The WeChat is bound to no candidate (`wechat.not_bound`)", body = ErrorBody),
        (status = 503, description = "WeChat cannot be reached, or no mini-program is configured (`wechat.unavailable`, `wechat.not_configured`)", body = ErrorBody)))]
pub async fn create_mini_program_session(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<MiniProgramLoginBody>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let account_id = crate::flows::wechat_login::login_by_mini_program_code(&state, &body.code).await.map_err(|e| e.into_api(client.lang))?;
    bearer_session(&state, &account_id, "miniprogram", LoginMethod::WechatMiniProgram, &client).await
}
