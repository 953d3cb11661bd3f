//! 忘记密码 through the API (the mini-program): the same three steps as the pages.

use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::recovery::{answer, question_for, reset};
use crate::sessions::Client;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct QuestionBody {
    /// Username or ID number.
    pub login: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub question: String,
}

/// The security question for a username or ID number (an identifier that names no account gets a question too,
/// so the answer does not reveal who is registered).
#[utoipa::path(post, path = "/api/v1/password-recovery/question", tag = "accounts", request_body = QuestionBody,
    responses((status = 200, body = QuestionView),
        (status = 400, description = "No identifier, or one too long", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody)))]
pub async fn question(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<QuestionBody>) -> Result<Json<QuestionView>, ApiError> {
    let question = question_for(&state, &body.login).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(QuestionView { question }))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerBody {
    pub login: String,
    /// Compared after normalisation (trim, NFKC, case-fold).
    pub answer: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResetCodeView {
    /// One-time code for `POST /api/v1/password-recovery/reset`.
    pub reset_token: String,
    /// Unix seconds (15 minutes from now).
    pub expires_at: i64,
}

/// Answers the security question: a right answer gives a one-time reset code, and the bound WeChat is told.
/// Wrong answers count toward the same lock as wrong passwords.
#[utoipa::path(post, path = "/api/v1/password-recovery/answer", tag = "accounts", request_body = AnswerBody,
    responses((status = 200, body = ResetCodeView),
        (status = 400, description = "A wrong answer (`recovery.answer_wrong`) or a malformed one", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 429, description = "Too many wrong answers or passwords: locked until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn check_answer(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<AnswerBody>) -> Result<Json<ResetCodeView>, ApiError> {
    let code = answer(&state, &body.login, &body.answer, &client).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(ResetCodeView { reset_token: code.code, expires_at: code.expires_at }))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ResetBody {
    pub reset_token: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// Sets a new password with a reset code (once): every session of the account ends and its lock is lifted.
#[utoipa::path(post, path = "/api/v1/password-recovery/reset", tag = "accounts", request_body = ResetBody,
    responses((status = 204, description = "The password is reset"),
        (status = 400, description = "An invalid or used code (`recovery.code_invalid`), or a password the policy refuses", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 503, description = "Busy; retry after the Retry-After header", body = ErrorBody)))]
pub async fn set_password(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<ResetBody>) -> Result<StatusCode, ApiError> {
    reset(&state, &body.reset_token, &body.new_password, &body.new_password_confirm, &client).await.map_err(|e| e.into_api(client.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
