//! Passkeys through the API (the mini-program and native apps): the same WebAuthn ceremonies as the pages, as
//! JSON. Options come back as `PublicKeyCredentialCreationOptionsJSON` / `PublicKeyCredentialRequestOptionsJSON`
//! and answers go in as the credential's JSON (`RegistrationResponseJSON` / `AuthenticationResponseJSON`).

use super::json::ApiJson;
use super::sessions::{SessionCreated, bearer_session};
use crate::error::{ApiError, ErrorBody};
use crate::flows::login::{LoginMethod, confirm_password};
use crate::flows::passkeys;
use crate::sessions::{ApiCaller, Client};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PasskeyView {
    /// The credential id (base64url); pass to `DELETE /api/v1/me/passkeys/{id}` to remove it.
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<store::passkeys::PasskeySummary> for PasskeyView {
    fn from(p: store::passkeys::PasskeySummary) -> Self {
        PasskeyView { id: p.credential_id, name: p.name, created_at: p.created_at, last_used_at: p.last_used_at }
    }
}

/// The account's passkeys, oldest first.
#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "passkeys", security(("bearer" = [])),
    responses((status = 200, body = Vec<PasskeyView>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Vec<PasskeyView>>, ApiError> {
    let stored = state.store.passkeys(&caller.session.account_id).await?;
    Ok(Json(stored.into_iter().map(PasskeyView::from).collect()))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct RegistrationOptionsBody {
    /// The current password: adding a passkey is a sensitive change (counted like a login).
    pub password: String,
}

/// Starts adding a passkey: the options for the platform's WebAuthn call (valid 5 minutes, once).
#[utoipa::path(post, path = "/api/v1/me/passkeys/registration-options", tag = "passkeys", request_body = RegistrationOptionsBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "PublicKeyCredentialCreationOptionsJSON", body = Object),
        (status = 400, description = "A malformed body", body = ErrorBody),
        (status = 401, description = "No session, or a wrong password (`password.current_wrong`)", body = ErrorBody),
        (status = 403, description = "The account holds 10 passkeys already (`passkey.limit`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords: locked until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn registration_options(
    State(state): State<AppState>,
    caller: ApiCaller,
    client: Client,
    ApiJson(body): ApiJson<RegistrationOptionsBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let account_id = &caller.session.account_id;
    if !confirm_password(&state, account_id, &body.password, &client).await.map_err(|e| e.into_api(client.lang))? {
        return Err(ApiError::unauthorized("password.current_wrong").in_lang(client.lang));
    }
    let options = passkeys::start_registration(&state, account_id).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(options))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewPasskeyBody {
    /// 1–30 characters, e.g. "我的手机".
    #[serde(default)]
    pub name: String,
    /// The new credential as RegistrationResponseJSON (`PublicKeyCredential.toJSON()` in a browser).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// Finishes adding a passkey; the bound WeChat is told.
#[utoipa::path(post, path = "/api/v1/me/passkeys", tag = "passkeys", request_body = NewPasskeyBody, security(("bearer" = [])),
    responses(
        (status = 201, body = PasskeyView),
        (status = 400, description = "A name the rules refuse, an unreadable or unverifiable answer (`passkey.response_invalid`, `passkey.verification_failed`), or an expired ceremony (`passkey.ceremony_expired`)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The account holds 10 passkeys already (`passkey.limit`)", body = ErrorBody),
        (status = 409, description = "This credential is registered already (`passkey.already_registered`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    caller: ApiCaller,
    client: Client,
    ApiJson(body): ApiJson<NewPasskeyBody>,
) -> Result<(StatusCode, Json<PasskeyView>), ApiError> {
    let added = passkeys::finish_registration(&state, &caller.session.account_id, &body.name, &body.credential, &client).await.map_err(|e| e.into_api(client.lang))?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// Removes a passkey: it can no longer log in. The bound WeChat is told.
#[utoipa::path(delete, path = "/api/v1/me/passkeys/{id}", tag = "passkeys", security(("bearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /api/v1/me/passkeys`")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody),
        (status = 404, description = "No passkey of yours with this id (`passkey.not_found`)", body = ErrorBody)))]
pub async fn remove(State(state): State<AppState>, caller: ApiCaller, client: Client, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    match passkeys::remove(&state, &caller.session.account_id, &id, &client).await.map_err(|e| e.into_api(client.lang))? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::new(StatusCode::NOT_FOUND, "passkey.not_found").in_lang(client.lang)),
    }
}

/// Starts a passkey login: options for a discoverable credential (no username), valid 5 minutes, once.
#[utoipa::path(post, path = "/api/v1/sessions/passkey/options", tag = "sessions",
    responses((status = 200, description = "PublicKeyCredentialRequestOptionsJSON", body = Object)))]
pub async fn login_options(State(state): State<AppState>, client: Client) -> Result<Json<serde_json::Value>, ApiError> {
    let options = passkeys::start_login(&state).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(options))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub struct PasskeyLoginBody {
    /// The assertion as AuthenticationResponseJSON (`PublicKeyCredential.toJSON()` in a browser).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// Logs in with a passkey: the account whose passkey signed the challenge gets a bearer session.
#[utoipa::path(post, path = "/api/v1/sessions/passkey", tag = "sessions", request_body = PasskeyLoginBody,
    responses(
        (status = 201, body = SessionCreated),
        (status = 400, description = "An unreadable answer (`passkey.response_invalid`) or an expired ceremony (`passkey.ceremony_expired`)", body = ErrorBody),
        (status = 403, description = "No such passkey here (removed, or another site's), or its signature does not verify (`passkey.unknown`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody)))]
pub async fn login(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<PasskeyLoginBody>) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let account_id = passkeys::finish_login(&state, &body.credential, &client).await.map_err(|e| e.into_api(client.lang))?;
    bearer_session(&state, &account_id, "api", LoginMethod::Passkey, &client).await
}
