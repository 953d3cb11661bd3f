use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::education::{add_from_chsi, add_manual};
use crate::i18n::Lang;
use crate::sessions::{ApiCaller, Client};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::education::{EducationInput, MAX_RECORDS};
use serde::{Deserialize, Serialize};
use store::education::StoredEducation;

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct EducationBody {
    /// `secondary_vocational`, `junior_college`, `bachelor`, `second_bachelor`, `master`, `doctor` or `other`.
    pub level: String,
    pub school: String,
    pub major: String,
    /// `YYYY-MM`
    pub enrolled_on: String,
    /// `YYYY-MM`, not in the future.
    pub graduated_on: String,
    /// 学历证书编号 (optional): 18 digits (17 before 2002), checked against level and graduation year.
    pub diploma_number: String,
    /// `bachelor`, `master`, `doctor`, or empty.
    pub degree: String,
    /// 学位证书编号 (optional): 16 characters (17 with the "C" prefix).
    pub degree_number: String,
}

impl From<EducationBody> for EducationInput {
    fn from(body: EducationBody) -> Self {
        let EducationBody { level, school, major, enrolled_on, graduated_on, diploma_number, degree, degree_number } = body;
        EducationInput { level, school, major, enrolled_on, graduated_on, diploma_number, degree, degree_number }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EducationItem {
    pub id: String,
    pub position: i64,
    pub level: String,
    pub level_name: String,
    pub school: String,
    pub major: String,
    pub enrolled_on: String,
    pub graduated_on: String,
    pub diploma_number: Option<String>,
    pub degree: Option<String>,
    pub degree_number: Option<String>,
    /// `manual` or `chsi`.
    pub source: String,
    /// `unverified` (未核验), `verified` (核验通过), `failed` (核验未通过) or `manual_review` (需人工核查).
    pub verification: String,
    pub verification_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EducationList {
    pub records: Vec<EducationItem>,
    /// At most this many records; saved records cannot be deleted.
    pub max_records: usize,
}

pub fn item(stored: StoredEducation, lang: Lang) -> EducationItem {
    let r = stored.record;
    EducationItem {
        id: stored.id,
        position: stored.position,
        level: r.level.code().into(),
        level_name: lang.pick(r.level.name_zh(), r.level.name_en()).into(),
        school: r.school,
        major: r.major,
        enrolled_on: r.enrolled_on.to_iso(),
        graduated_on: r.graduated_on.to_iso(),
        diploma_number: r.diploma_number,
        degree: r.degree.map(|d| d.code().into()),
        degree_number: r.degree_number,
        source: stored.source,
        verification: stored.verification.code().into(),
        verification_name: lang.pick(stored.verification.name_zh(), stored.verification.name_en()).into(),
    }
}

/// The candidate's education records, in the order they were added.
#[utoipa::path(get, path = "/api/v1/me/education", tag = "education", security(("bearer" = [])),
    responses((status = 200, body = EducationList), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, client: Client, caller: ApiCaller) -> Result<Json<EducationList>, ApiError> {
    let records = state.store.education_records(&caller.session.account_id).await?;
    Ok(Json(EducationList { records: records.into_iter().map(|r| item(r, client.lang)).collect(), max_records: MAX_RECORDS }))
}

/// Adds a record by manual entry (status 未核验). Saved records cannot be deleted; add a corrected one instead.
#[utoipa::path(post, path = "/api/v1/me/education", tag = "education", security(("bearer" = [])), request_body = EducationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 visible ASCII characters; a retry with the same key and body within 24 h returns the first response")),
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used before with a different body (`idempotency.key_reused`)", body = ErrorBody),
        (status = 201, body = EducationItem),
        (status = 400, description = "Invalid input; `field` names the request field", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "Already 5 records (`education.limit_reached`)", body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    client: Client,
    caller: ApiCaller,
    ApiJson(body): ApiJson<EducationBody>,
) -> Result<(StatusCode, Json<EducationItem>), ApiError> {
    let stored = add_manual(&state, &caller.session.account_id, &body.into()).await.map_err(|e| e.into_api(client.lang))?;
    Ok((StatusCode::CREATED, Json(item(stored, client.lang))))
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ChsiBody {
    /// The 在线验证码 of the candidate's CHSI online verification report (12–16 of 0-9/A-Z).
    pub code: String,
}

/// Adds a record from the candidate's CHSI online verification report (status 核验通过). The report must be
/// theirs (same name), for 专科 or above, graduated 2001 or later.
#[utoipa::path(post, path = "/api/v1/me/education/chsi", tag = "education", security(("bearer" = [])), request_body = ChsiBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 visible ASCII characters; a retry with the same key and body within 24 h returns the first response")),
    responses(
        (status = 415, description = "The body is not JSON (`request.unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used before with a different body (`idempotency.key_reused`)", body = ErrorBody),
        (status = 201, body = EducationItem),
        (status = 400, description = "Code malformed, invalid, expired or closed; report not the candidate's or not eligible", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "Already 5 records, or this report was already added", body = ErrorBody),
        (status = 503, description = "CHSI unreachable or asking for a captcha; retry later", body = ErrorBody)))]
pub async fn add_chsi(
    State(state): State<AppState>,
    client: Client,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ChsiBody>,
) -> Result<(StatusCode, Json<EducationItem>), ApiError> {
    let stored = add_from_chsi(&state, &caller.session.account_id, &body.code).await.map_err(|e| e.into_api(client.lang))?;
    Ok((StatusCode::CREATED, Json(item(stored, client.lang))))
}
