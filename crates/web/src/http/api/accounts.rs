use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::registration;
use crate::sessions::{ApiCaller, Client, start_session};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::registration::{IdentityConfirmation, Registration, RegistrationInput, check_double_entry};
use serde::{Deserialize, Serialize};

/// The second entry of name, ID type and ID number (double entry).
#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ConfirmBody {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct CreateAccountBody {
    /// Login name: 4–32 characters, a letter first, then letters, digits or "_".
    pub username: String,
    /// ≥ 8 characters, 3 of 4 classes, not common, not containing the ID number, birth date or username.
    pub password: String,
    /// As on the ID document; rare characters and "·" allowed.
    pub name: String,
    /// One of the codes from `GET /api/v1/id-types`.
    pub id_type: String,
    pub id_number: String,
    pub security_question: String,
    pub security_answer: String,
    /// True when a character of the name could not be entered and pinyin stands in for it.
    pub name_uses_pinyin: bool,
    /// The candidate read and accepted the 特别提示.
    pub accept_notice: bool,
    /// The candidate consents to the processing of sensitive personal information (PIPL).
    pub accept_privacy: bool,
    pub confirm: ConfirmBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountCreated {
    pub account_id: String,
    /// Bearer token of a session for the new account.
    pub token: String,
}

/// Registers a candidate account and logs it in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = CreateAccountBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 visible ASCII characters; a retry with the same key and body within 24 h returns the first response (marked `Idempotent-Replayed: true`)")),
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used before with a different body (`idempotency.key_reused`)", body = ErrorBody),
        (status = 201, description = "Account created, session started", body = AccountCreated),
        (status = 400, description = "Invalid input; `field` names the request field", body = ErrorBody),
        (status = 409, description = "Username or ID document already registered", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<CreateAccountBody>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let input = RegistrationInput {
        username: body.username,
        password: body.password,
        password_confirmation: None,
        name: body.name,
        name_uses_pinyin: body.name_uses_pinyin,
        id_type: body.id_type,
        id_number: body.id_number,
        security_question: body.security_question,
        security_answer: body.security_answer,
        accept_notice: body.accept_notice,
        accept_privacy: body.accept_privacy,
    };
    let confirm = IdentityConfirmation { name: body.confirm.name, id_type: body.confirm.id_type, id_number: body.confirm.id_number };
    let fail = |e: crate::flows::FlowError| e.into_api(client.lang);
    let registration = Registration::parse(&input).map_err(|e| fail(e.into()))?;
    check_double_entry(&registration.identity, &confirm).map_err(|e| fail(e.into()))?;
    registration::ensure_available(&state, &registration).await.map_err(fail)?;
    let pending = registration::hash_secrets(&state, &registration).await.map_err(fail)?;
    let account_id = registration::create_account(&state, &pending).await.map_err(fail)?;
    let session = start_session(&state, &account_id, "api", crate::flows::login::LoginMethod::Registration, &client).await?;
    Ok((StatusCode::CREATED, Json(AccountCreated { account_id, token: session.token })))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub account_id: String,
    pub username: String,
    /// The name as stored (NFC, "·" normalised).
    pub name: String,
    pub name_uses_pinyin: bool,
    pub id_type: String,
    pub id_type_name: String,
    /// e.g. 110105********002X; the full number is never sent.
    pub id_number_masked: String,
    /// Unix seconds.
    pub created_at: i64,
    /// What is still to do before an exam application.
    pub checklist: Vec<ChecklistItem>,
    /// 实名核验 of name and ID number: `pending` (待核验), `passed` (核验通过), `failed` (核验不通过) or
    /// `manual` (需人工核查 by the exam site).
    pub identity_verification: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    /// `photo`, `education`, `wechat` or `identity` (passed the identity check).
    pub step: String,
    pub done: bool,
}

/// The logged-in candidate.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No valid session", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, client: Client, caller: ApiCaller) -> Result<Json<Me>, ApiError> {
    let account = state
        .store
        .account(&caller.session.account_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("auth.required").in_lang(client.lang))?;
    let checklist = crate::http::pages::me::checklist(&state, &account.id).await?;
    let identity_verification = crate::http::pages::me::identity_state(&state, &account.id).await?;
    Ok(Json(Me {
        id_type_name: state.id_type_name(account.id_number.id_type().code(), client.lang),
        account_id: account.id,
        username: account.username.as_str().to_string(),
        name: account.name.as_str().to_string(),
        name_uses_pinyin: account.name_uses_pinyin,
        id_type: account.id_number.id_type().code().to_string(),
        id_number_masked: account.id_number.masked(),
        created_at: account.created_at,
        checklist: checklist.into_iter().map(|(step, done)| ChecklistItem { step: step.to_string(), done }).collect(),
        identity_verification,
    }))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// Under the same policy as at registration.
    pub new_password: String,
    /// The new password again.
    pub new_password_confirm: String,
}

/// Changes the password. Every other session of the account ends (this token stays valid) and the bound
/// WeChat receives a security notice.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = ChangePasswordBody, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body returns the first response")),
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 204, description = "Changed; other sessions ended"),
        (status = 401, body = ErrorBody),
        (status = 429, description = "Too many wrong passwords: locked until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 400, description = "Wrong current password (`password.current_wrong`) or a new password the policy refuses; every problem listed", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: ApiCaller,
    client: Client,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    let change = crate::flows::password::PasswordChange { current: &body.current_password, new: &body.new_password, confirm: &body.new_password_confirm };
    crate::flows::password::change_password(&state, &caller.session.account_id, &caller.token_hash, &change, &client)
        .await
        .map_err(|e| e.into_api(client.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ChangeQuestionBody {
    /// The current password: the proof of identity this change needs (counted like a login).
    pub password: String,
    /// 4–50 characters.
    pub security_question: String,
    /// 2–50 characters; compared after normalisation (trim, NFKC, case-fold).
    pub security_answer: String,
}

/// Replaces the security question and answer; the bound WeChat receives a security notice.
#[utoipa::path(put, path = "/api/v1/me/security-question", tag = "accounts", request_body = ChangeQuestionBody, security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A question or answer the rules refuse; every problem listed", body = ErrorBody),
        (status = 401, description = "No session, or a wrong password (`password.current_wrong`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords: locked until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn change_security_question(
    State(state): State<AppState>,
    caller: ApiCaller,
    client: Client,
    ApiJson(body): ApiJson<ChangeQuestionBody>,
) -> Result<StatusCode, ApiError> {
    let account_id = &caller.session.account_id;
    let confirmed = crate::flows::login::confirm_password(&state, account_id, &body.password, &client).await.map_err(|e| e.into_api(client.lang))?;
    if !confirmed {
        return Err(ApiError::unauthorized("password.current_wrong").in_lang(client.lang));
    }
    crate::flows::password::change_security_question(&state, account_id, &body.security_question, &body.security_answer)
        .await
        .map_err(|e| e.into_api(client.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
