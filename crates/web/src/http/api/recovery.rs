//! 忘记密码 through the API (the mini-program): the same three steps as the pages.

use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::face_recovery::{finish_wechat, start_wechat};
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

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct WechatFaceStartBody {
    /// A fresh code from the mini-program's `wx.login()`: the WeChat user whose face is checked.
    pub code: String,
    /// The name as registered.
    pub name: String,
    /// The resident ID number (居民身份证) registered with.
    pub id_number: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WechatFaceCheckView {
    /// Pass to `wx.requestFacialVerify({verifyId})`, then to `…/wechat-face/finish`.
    pub verify_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// 忘记密码 by WeChat 人脸核身 (mini-program, resident ID card holders): starts a face check of this WeChat user
/// against the authority's photo of the person named. Starts count toward the same lock as wrong secrets.
#[utoipa::path(post, path = "/api/v1/password-recovery/wechat-face/start", tag = "accounts", request_body = WechatFaceStartBody,
    responses((status = 200, body = WechatFaceCheckView),
        (status = 400, description = "A malformed name or resident ID number, or a WeChat code that is missing, invalid or used (`wechat.code_required`, `wechat.code_invalid`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 429, description = "Too many starts or wrong secrets: locked until Retry-After (`login.locked`)", body = ErrorBody),
        (status = 503, description = "WeChat cannot be reached or no mini-program is configured (`wechat.unavailable`, `wechat.not_configured`)", body = ErrorBody)))]
pub async fn start_wechat_face(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<WechatFaceStartBody>) -> Result<Json<WechatFaceCheckView>, ApiError> {
    let check = start_wechat(&state, &body.code, &body.name, &body.id_number, &client).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(WechatFaceCheckView { verify_id: check.verify_id, expires_at: check.expires_at }))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct WechatFaceFinishBody {
    /// A fresh `wx.login()` code of the same WeChat user.
    pub code: String,
    pub verify_id: String,
    /// The same name and resident ID number as at the start.
    pub name: String,
    pub id_number: String,
}

/// After `wx.requestFacialVerify` finished: WeChat's verdict, and for a pass (`verify_ret` 10000) a reset code
/// for `POST /api/v1/password-recovery/reset`. The bound WeChat is told.
#[utoipa::path(post, path = "/api/v1/password-recovery/wechat-face/finish", tag = "accounts", request_body = WechatFaceFinishBody,
    responses((status = 200, body = ResetCodeView),
        (status = 400, description = "Not passed (`recovery.face_failed`), expired, used, another user's or another person's check (`recovery.face_expired`), no account for that resident ID and name (`recovery.face_no_account`), or a bad code", body = ErrorBody),
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 503, description = "WeChat cannot be reached or no mini-program is configured (`wechat.unavailable`, `wechat.not_configured`)", body = ErrorBody)))]
pub async fn finish_wechat_face(State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<WechatFaceFinishBody>) -> Result<Json<ResetCodeView>, ApiError> {
    let code = finish_wechat(&state, &body.code, &body.verify_id, &body.name, &body.id_number, &client).await.map_err(|e| e.into_api(client.lang))?;
    Ok(Json(ResetCodeView { reset_token: code.code, expires_at: code.expires_at }))
}
