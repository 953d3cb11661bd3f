//! The candidate's sessions and login history through the API (the mini-program's 登录设备与记录).

use crate::error::{ApiError, ErrorBody};
use crate::flows::security::{describe_device, end_own_session, overview};
use crate::sessions::{ApiCaller, Client};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Pass to `DELETE /api/v1/me/sessions/{id}` to end it.
    pub id: String,
    /// `web`, `api` or `miniprogram`.
    pub channel: String,
    /// Browser and system, as far as the user agent tells.
    pub device: String,
    pub client_ip: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session this request is made with.
    pub current: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginEventView {
    /// Unix seconds.
    pub at: i64,
    /// `password`, `registration`, `wechat_scan`, `wechat_web`, `wechat_miniprogram`, `passkey`, `passkey_added`, `passkey_removed`, `security_answer`, `password_reset` or `face_check`.
    pub method: String,
    /// `ok`, `wrong_secret`, `locked` or `refused` (a passkey whose signature did not verify).
    pub outcome: String,
    pub client_ip: Option<String>,
    pub device: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecurityView {
    pub sessions: Vec<SessionView>,
    /// The latest 50 logins and failed attempts, newest first.
    pub history: Vec<LoginEventView>,
}

/// Where the candidate is logged in, and their recent logins and failed attempts.
#[utoipa::path(get, path = "/api/v1/me/security", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = SecurityView), (status = 401, body = ErrorBody)))]
pub async fn security(State(state): State<AppState>, caller: ApiCaller, client: Client) -> Result<Json<SecurityView>, ApiError> {
    let found = overview(&state, &caller.session.account_id).await.map_err(|e| e.into_api(client.lang))?;
    let sessions = found
        .sessions
        .into_iter()
        .map(|s| SessionView {
            current: s.token_hash == caller.token_hash,
            device: describe_device(s.user_agent.as_deref()),
            channel: s.channel,
            client_ip: s.client_ip,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            id: s.token_hash,
        })
        .collect();
    let history = found
        .history
        .into_iter()
        .map(|e| LoginEventView { device: describe_device(e.user_agent.as_deref()), at: e.at, method: e.method, outcome: e.outcome, client_ip: e.client_ip })
        .collect();
    Ok(Json(SecurityView { sessions, history }))
}

/// Ends one of the candidate's sessions (this one too, which is logging out).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "A session id from `GET /api/v1/me/security`")),
    responses((status = 204, description = "Ended"), (status = 401, body = ErrorBody),
        (status = 404, description = "No live session of yours with this id (`session.not_found`)", body = ErrorBody)))]
pub async fn end_session(State(state): State<AppState>, caller: ApiCaller, client: Client, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    match end_own_session(&state, &caller.session.account_id, &id).await.map_err(|e| e.into_api(client.lang))? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::new(StatusCode::NOT_FOUND, "session.not_found").in_lang(client.lang)),
    }
}
