//! Exam applications (报名) for the mini-program: this year's plan, the candidate's applications, and the
//! same steps as the pages — start, edit, confirm the photo, add files, submit, withdraw.

use super::json::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::flows::applications as flow;
use crate::i18n::Lang;
use crate::sessions::{ApiCaller, Client};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::application::ApplicationInput;
use domain::exam_plan::{ExamPlan, WindowKind, format_shanghai};
use serde::{Deserialize, Serialize};
use store::applications::Application;

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct ApplicationBody {
    /// An exam code of the plan (`health_title`, `nurse`); ignored when editing.
    pub exam: String,
    /// 考区 code, e.g. `11`.
    pub province: String,
    /// 考点 code in that province, e.g. `1101`.
    pub site: String,
    /// Specialty code; it decides the level.
    pub specialty: String,
    /// 工作单位, at most 60 characters.
    pub work_unit: String,
    /// 参加工作时间, `YYYY-MM`.
    pub started_work: String,
    /// Education level code; one of the candidate's records.
    pub highest_education: String,
    /// Level code of a qualification already held, or empty.
    pub held_title: String,
    /// Its certificate number (required with `held_title`).
    pub title_certificate_number: String,
}

impl From<ApplicationBody> for ApplicationInput {
    fn from(b: ApplicationBody) -> Self {
        ApplicationInput {
            exam: b.exam,
            province: b.province,
            site: b.site,
            specialty: b.specialty,
            work_unit: b.work_unit,
            started_work: b.started_work,
            highest_education: b.highest_education,
            held_title: b.held_title,
            title_certificate_number: b.title_certificate_number,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SubjectItem {
    pub code: String,
    pub name: String,
    /// Fee in fen (分).
    pub fee_fen: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventItem {
    pub at: i64,
    /// `candidate` or `admin`
    pub actor_kind: String,
    pub actor_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FileItem {
    pub id: String,
    pub content_type: String,
    pub bytes: i64,
    pub uploaded_at: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationItem {
    pub id: String,
    /// 报名号
    pub number: String,
    pub exam_year: i64,
    pub exam: String,
    pub exam_name: String,
    pub province: String,
    pub site: String,
    pub site_name: String,
    pub level: String,
    pub level_name: String,
    pub specialty: String,
    pub specialty_name: String,
    pub subjects: Vec<SubjectItem>,
    pub work_unit: String,
    pub started_work: String,
    pub highest_education: String,
    pub held_title: Option<String>,
    pub title_certificate_number: Option<String>,
    pub photo_confirmed: bool,
    pub eligible: bool,
    /// `eligible`, `eligible.no_rules`, `ineligible.work_years`, …
    pub eligibility_code: String,
    /// The explanation in the caller's language.
    pub eligibility: String,
    /// `draft`, `submitted`, `under_review`, `approved`, `rejected`, `needs_supplement` or `withdrawn`.
    pub state: String,
    pub state_name: String,
    /// Why it was rejected or what more is needed.
    pub decision_reason: Option<String>,
    pub editable: bool,
    /// What still stands before it can be submitted (error codes); empty when ready or not editable.
    pub missing: Vec<String>,
    /// The province's application window, Beijing time.
    pub application_window: Option<String>,
    /// `none`, `optional` or `required`, and what the files are.
    pub supporting_files: String,
    pub supporting_files_note: String,
    pub files: Vec<FileItem>,
    pub history: Vec<EventItem>,
}

/// An application as the candidate reads it, names taken from its year's plan.
pub async fn item(state: &AppState, application: Application, plan: &ExamPlan, lang: Lang) -> Result<ApplicationItem, ApiError> {
    let api = |e: crate::flows::FlowError| e.into_api(lang);
    let app_state = application.state();
    let missing = if app_state.editable() { flow::missing_for_submission(state, &application, plan).await.map_err(api)?.into_iter().map(String::from).collect() } else { Vec::new() };
    let files = state.store.application_files(&application.id).await?;
    let history = state.store.application_events(&application.id).await?;
    let exam = plan.exam(&application.exam_code);
    let province = plan.province(&application.province_code);
    let subjects = application
        .subject_codes()
        .into_iter()
        .map(|code| SubjectItem {
            name: exam.and_then(|e| e.subjects.iter().find(|s| s.code == code)).map(|s| s.name.clone()).unwrap_or_default(),
            fee_fen: plan.fee(&application.province_code, &application.exam_code, &application.level_code, &code),
            code,
        })
        .collect();
    Ok(ApplicationItem {
        exam_name: exam.map(|e| e.name.clone()).unwrap_or_default(),
        site_name: plan.sites.iter().find(|s| s.code == application.site_code).map(|s| s.name.clone()).unwrap_or_default(),
        level_name: plan.level_name(&application.exam_code, &application.level_code).unwrap_or_default().to_owned(),
        specialty_name: plan.specialty(&application.specialty_code).map(|s| s.name.clone()).unwrap_or_default(),
        subjects,
        eligibility: lang.pick(&application.eligibility_zh, &application.eligibility_en).to_owned(),
        state_name: lang.pick(app_state.name_zh(), app_state.name_en()).to_owned(),
        editable: app_state.editable(),
        missing,
        application_window: plan.window(&application.province_code, WindowKind::Application).map(|w| format!("{} – {}", format_shanghai(w.opens_at), format_shanghai(w.closes_at))),
        supporting_files: province.map(|p| p.supporting_files.code()).unwrap_or("none").to_owned(),
        supporting_files_note: province.map(|p| p.supporting_files_note.clone()).unwrap_or_default(),
        files: files.into_iter().map(|f| FileItem { id: f.id, content_type: f.content_type, bytes: f.bytes, uploaded_at: f.uploaded_at }).collect(),
        history: history
            .into_iter()
            .map(|e| EventItem { at: e.at, actor_kind: e.actor_kind, actor_name: e.actor_name, from_state: e.from_state, to_state: e.to_state, reason: e.reason })
            .collect(),
        id: application.id,
        number: application.number,
        exam_year: application.exam_year,
        exam: application.exam_code,
        province: application.province_code,
        site: application.site_code,
        level: application.level_code,
        specialty: application.specialty_code,
        work_unit: application.work_unit,
        started_work: application.started_work,
        highest_education: application.highest_education,
        held_title: application.held_title,
        title_certificate_number: application.title_certificate,
        photo_confirmed: application.photo_confirmed,
        eligible: application.eligible,
        eligibility_code: application.eligibility_code,
        state: application.state,
        decision_reason: application.decision_reason,
    })
}

async fn answer(state: &AppState, account_id: &str, id: &str, lang: Lang) -> Result<Json<ApplicationItem>, ApiError> {
    let (application, plan) = flow::own(state, account_id, id).await.map_err(|e| e.into_api(lang))?;
    Ok(Json(item(state, application, &plan.plan, lang).await?))
}

/// This year's exam plan: exams with levels and subjects, specialties, 考区 and 考点, windows (Unix seconds),
/// fees (fen) and the eligibility rules.
#[utoipa::path(get, path = "/api/v1/exam-plan", tag = "applications",
    responses((status = 200, description = "The plan", body = Object), (status = 403, description = "No plan yet (`application.no_plan`)", body = ErrorBody)))]
pub async fn plan(State(state): State<AppState>, client: Client) -> Result<Json<ExamPlan>, ApiError> {
    Ok(Json(flow::current_plan(&state).await.map_err(|e| e.into_api(client.lang))?.plan))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<ApplicationItem>,
    /// Steps not yet done before applying (`photo`, `education`, `wechat`, `identity`).
    pub checklist_missing: Vec<String>,
}

/// The candidate's applications, newest exam year first, and what is still missing before applying.
#[utoipa::path(get, path = "/api/v1/me/applications", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationList), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, client: Client, caller: ApiCaller) -> Result<Json<ApplicationList>, ApiError> {
    let account_id = &caller.session.account_id;
    let checklist = flow::checklist(&state, account_id).await.map_err(|e| e.into_api(client.lang))?;
    let mut applications = Vec::new();
    for application in state.store.applications_of(account_id).await? {
        let Some(plan) = state.store.plan(application.exam_year as u16).await? else { continue };
        applications.push(item(&state, application, &plan.plan, client.lang).await?);
    }
    Ok(Json(ApplicationList { applications, checklist_missing: checklist.into_iter().filter(|(_, done)| !done).map(|(step, _)| step.to_owned()).collect() }))
}

/// Starts an application (a draft) for this year's plan. Needs the checklist complete and the province's
/// application window open; one application per exam and year.
#[utoipa::path(post, path = "/api/v1/me/applications", tag = "applications", security(("bearer" = [])), request_body = ApplicationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 visible ASCII characters; a retry with the same key and body within 24 h returns the first response")),
    responses(
        (status = 201, body = ApplicationItem),
        (status = 400, description = "Invalid choice or detail; `field` names it", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`application.checklist_incomplete`, `application.window_closed`, `application.no_plan`", body = ErrorBody),
        (status = 409, description = "Already applied for this exam this year (`application.already_applied`)", body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, client: Client, caller: ApiCaller, ApiJson(body): ApiJson<ApplicationBody>) -> Result<(StatusCode, Json<ApplicationItem>), ApiError> {
    let account_id = &caller.session.account_id;
    let application = flow::start(&state, account_id, &body.into()).await.map_err(|e| e.into_api(client.lang))?;
    let Json(item) = answer(&state, account_id, &application.id, client.lang).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One of the candidate's applications with its files and history.
#[utoipa::path(get, path = "/api/v1/me/applications/{id}", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ApplicationItem>, ApiError> {
    answer(&state, &caller.session.account_id, &id, client.lang).await
}

/// Replaces the details of an editable application (draft, withdrawn, or asked for more) within its window.
#[utoipa::path(put, path = "/api/v1/me/applications/{id}", tag = "applications", security(("bearer" = [])), request_body = ApplicationBody,
    responses((status = 200, body = ApplicationItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`application.not_editable`, `application.window_closed`", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>, ApiJson(body): ApiJson<ApplicationBody>) -> Result<Json<ApplicationItem>, ApiError> {
    let account_id = &caller.session.account_id;
    flow::edit(&state, account_id, &id, &body.into()).await.map_err(|e| e.into_api(client.lang))?;
    answer(&state, account_id, &id, client.lang).await
}

/// Confirms the photo on file is the one this application uses (asked again after every edit).
#[utoipa::path(post, path = "/api/v1/me/applications/{id}/photo-confirmation", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn confirm_photo(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ApplicationItem>, ApiError> {
    let account_id = &caller.session.account_id;
    flow::confirm_photo(&state, account_id, &id).await.map_err(|e| e.into_api(client.lang))?;
    answer(&state, account_id, &id, client.lang).await
}

/// Adds a supporting file: the body is the PDF or JPEG itself (at most 2 MB, at most 5 files).
#[utoipa::path(post, path = "/api/v1/me/applications/{id}/files", tag = "applications", security(("bearer" = [])),
    request_body(description = "The file itself, judged by content (PDF or JPEG); at most 2 MB",
        content(("application/pdf"), ("image/jpeg"), ("application/octet-stream"))),
    responses((status = 201, body = ApplicationItem), (status = 400, description = "Empty, too large, not PDF/JPEG, or too many", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_file(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>, body: Bytes) -> Result<(StatusCode, Json<ApplicationItem>), ApiError> {
    let account_id = &caller.session.account_id;
    flow::add_file(&state, account_id, &id, body.to_vec()).await.map_err(|e| e.into_api(client.lang))?;
    Ok((StatusCode::CREATED, answer(&state, account_id, &id, client.lang).await?))
}

/// Removes a supporting file from an editable application.
#[utoipa::path(delete, path = "/api/v1/me/applications/{id}/files/{file_id}", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_file(State(state): State<AppState>, client: Client, caller: ApiCaller, Path((id, file_id)): Path<(String, String)>) -> Result<Json<ApplicationItem>, ApiError> {
    let account_id = &caller.session.account_id;
    flow::remove_file(&state, account_id, &id, &file_id).await.map_err(|e| e.into_api(client.lang))?;
    answer(&state, account_id, &id, client.lang).await
}

/// Submits for review (photo confirmed, eligible, files where the province asks, checklist complete).
#[utoipa::path(post, path = "/api/v1/me/applications/{id}/submission", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationItem), (status = 401, body = ErrorBody),
        (status = 403, description = "What is missing or why not now (`application.photo_not_confirmed`, `application.not_eligible`, `application.window_closed`, …)", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn submit(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ApplicationItem>, ApiError> {
    let account_id = &caller.session.account_id;
    flow::submit(&state, account_id, &id).await.map_err(|e| e.into_api(client.lang))?;
    answer(&state, account_id, &id, client.lang).await
}

/// Withdraws a submitted application before review starts, to change it and submit again in the window.
#[utoipa::path(post, path = "/api/v1/me/applications/{id}/withdrawal", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = ApplicationItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ApplicationItem>, ApiError> {
    let account_id = &caller.session.account_id;
    flow::withdraw(&state, account_id, &id).await.map_err(|e| e.into_api(client.lang))?;
    answer(&state, account_id, &id, client.lang).await
}

/// The printable 报名申请表 (PDF), once submitted: the details, the photo, and a signed QR code for the 考点.
#[utoipa::path(get, path = "/api/v1/me/applications/{id}/form.pdf", tag = "applications", security(("bearer" = [])),
    responses((status = 200, description = "The form", content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorBody),
        (status = 403, description = "Not submitted yet (`application.form_not_ready`)", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, description = "Cannot be drawn now", body = ErrorBody)))]
pub async fn form_pdf(State(state): State<AppState>, client: Client, caller: ApiCaller, Path(id): Path<String>) -> Response {
    crate::http::pages::applications::form_pdf_response(&state, &caller.session.account_id, &id, client.lang).await
}
