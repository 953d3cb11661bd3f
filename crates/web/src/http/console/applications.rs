//! 报名审核: the queue of applications in the admin's scope (filtered by state, level, specialty, eligibility and
//! date, with its count), a box for the 报名号 typed or scanned at the 考点, one application with everything
//! needed to decide, the decisions themselves, and approving a filtered set after confirming its count.

use super::{AdminCtx, Who, beijing_day_start};
use crate::flows::FlowError;
use crate::flows::reviews::{self as flow, BulkOutcome, MAX_BULK};
use crate::http::api::education::{EducationItem, item};
use crate::http::pages::applications::{EventRow, FileRow, Summary, file_rows, history, state_name, summary, title_of};
use crate::http::pages::{Chrome, FormErrors};
use crate::i18n::Lang;
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::application::{ApplicationState, Transition};
use domain::exam_plan::ExamPlan;
use serde::Deserialize;
use store::reviews::ReviewFilter;

/// The most lines the queue shows; the count covers all of them, and a narrower filter finds the rest.
const QUEUE_LIMIT: i64 = 200;

/// The queue's filter as typed in the page (and carried by the bulk form).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct QueueQuery {
    pub state: String,
    pub level: String,
    pub specialty: String,
    pub eligible: String,
    pub from: String,
    pub to: String,
    pub done: String,
    pub approved: usize,
    pub skipped: usize,
}

impl QueueQuery {
    fn filter(&self, exam_year: i64) -> ReviewFilter {
        let keep = |value: &str, max: usize| if value.len() <= max && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') { value.to_owned() } else { String::new() };
        ReviewFilter {
            exam_year,
            state: if ApplicationState::from_code(&self.state).is_some() { self.state.clone() } else { String::new() },
            level: keep(&self.level, 32),
            specialty: keep(&self.specialty, 32),
            eligible: if matches!(self.eligible.as_str(), "yes" | "no") { self.eligible.clone() } else { String::new() },
            from: beijing_day_start(&self.from),
            to: beijing_day_start(&self.to).map(|day| day + 86400),
        }
    }

    /// The filter as a query string, to come back to the same queue.
    fn query_string(&self) -> String {
        let pairs = [("state", &self.state), ("level", &self.level), ("specialty", &self.specialty), ("eligible", &self.eligible), ("from", &self.from), ("to", &self.to)];
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", domain::percent::encode(v))).collect::<Vec<_>>().join("&")
    }
}

pub struct QueueRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub title: String,
    pub site: String,
    pub submitted: String,
    pub state: String,
    pub state_code: String,
    pub eligible: bool,
}

#[derive(Template)]
#[template(path = "console/applications.html")]
struct QueuePage {
    c: Chrome,
    who: Who,
    exam_year: i64,
    query: QueueQuery,
    states: Vec<(&'static str, &'static str)>,
    levels: Vec<(String, String)>,
    specialties: Vec<(String, String)>,
    count: i64,
    rows: Vec<QueueRow>,
    limit: i64,
    bulk_possible: bool,
    max_bulk: i64,
    notice: Option<String>,
    errors: FormErrors,
    number: String,
}

/// The exam year the queue shows: the newest plan's (applications of older years stay reachable by number).
async fn newest_plan(state: &AppState) -> Result<Option<ExamPlan>, FlowError> {
    let Some(year) = state.store.latest_exam_year().await? else { return Ok(None) };
    Ok(state.store.plan(year).await?.map(|stored| stored.plan))
}

async fn render_queue(state: &AppState, ctx: AdminCtx, query: QueueQuery, errors: FormErrors, number: String, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let plan = match newest_plan(state).await {
        Ok(plan) => plan,
        Err(error) => return ctx.fail(error),
    };
    let exam_year = plan.as_ref().map(|p| i64::from(p.exam_year)).unwrap_or(0);
    let filter = query.filter(exam_year);
    let scope = &ctx.admin.scope;
    let (count, found) = match tokio::try_join!(state.store.count_review_queue(scope, &filter), state.store.review_queue(scope, &filter, QUEUE_LIMIT)) {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let rows = found
        .into_iter()
        .map(|line| {
            let application = line.application;
            QueueRow {
                title: plan.as_ref().map(|p| title_of(&application, p)).unwrap_or_default(),
                state: state_name(&application, lang),
                state_code: application.state.clone(),
                submitted: application.submitted_at.map(beijing_time).unwrap_or_default(),
                eligible: application.eligible,
                site: application.site_code.clone(),
                number: application.number,
                id: application.id,
                name: line.candidate_name,
            }
        })
        .collect();
    let mut levels: Vec<(String, String)> = Vec::new();
    let mut specialties = Vec::new();
    if let Some(plan) = &plan {
        for exam in &plan.exams {
            for level in &exam.levels {
                if !levels.iter().any(|(code, _)| code == &level.code) {
                    levels.push((level.code.clone(), level.name.clone()));
                }
            }
        }
        specialties = plan.specialties.iter().map(|s| (s.code.clone(), format!("{} {}", s.code, s.name))).collect();
    }
    let notice = match query.done.as_str() {
        "bulk" => Some(match lang {
            Lang::Zh => format!("已批量通过 {} 份报名{}。", query.approved, if query.skipped > 0 { format!("；{} 份期间已变化，未处理", query.skipped) } else { String::new() }),
            Lang::En => format!("Approved {} applications{}.", query.approved, if query.skipped > 0 { format!("; {} changed meanwhile and were left", query.skipped) } else { String::new() }),
        }),
        _ => None,
    };
    let page = QueuePage {
        c: ctx.chrome("报名审核", "Application review"),
        who: ctx.who(),
        exam_year,
        bulk_possible: ApplicationState::from_code(&filter.state).is_some_and(|s| s.allows(Transition::Approve)) && count > 0,
        states: ApplicationState::ALL.iter().filter(|s| **s != ApplicationState::Draft).map(|s| (s.code(), lang.pick(s.name_zh(), s.name_en()))).collect(),
        levels,
        specialties,
        count,
        rows,
        limit: QUEUE_LIMIT,
        max_bulk: MAX_BULK,
        notice,
        errors,
        number,
        query,
    };
    ctx.render(status, page)
}

pub async fn queue(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<QueueQuery>) -> Response {
    render_queue(&state, ctx, query, FormErrors::default(), String::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupQuery {
    number: String,
}

/// The 报名号 typed (or scanned from the 申请表's QR code) at the 考点: straight to that application.
pub async fn lookup(State(state): State<AppState>, ctx: AdminCtx, Query(lookup): Query<LookupQuery>) -> Response {
    let lang = ctx.lang();
    match flow::find_by_number(&state, &ctx.admin, &lookup.number).await {
        Ok(id) => Redirect::to(&format!("/admin/applications/{}", domain::percent::encode(&id))).into_response(),
        Err(FlowError::NotFound) => {
            let errors = FormErrors { messages: vec![("number".into(), lang.pick("您负责的范围内没有这个报名号。", "No application with this number in your area.").into())] };
            render_queue(&state, ctx, QueueQuery::default(), errors, lookup.number, StatusCode::NOT_FOUND).await
        }
        Err(FlowError::Invalid(errors)) => render_queue(&state, ctx, QueueQuery::default(), FormErrors::from(&errors, lang), lookup.number, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(error) => ctx.fail(error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BulkForm {
    csrf_token: String,
    #[serde(flatten)]
    query: QueueQuery,
    confirmed_count: String,
    note: String,
}

/// Approves the filtered set after the admin confirmed the count shown; a changed set comes back with the new count.
pub async fn bulk_approve(State(state): State<AppState>, ctx: AdminCtx, Form(form): Form<BulkForm>) -> Response {
    let lang = ctx.lang();
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let exam_year = match newest_plan(&state).await {
        Ok(plan) => plan.map(|p| i64::from(p.exam_year)).unwrap_or(0),
        Err(error) => return ctx.fail(error),
    };
    let confirmed = form.confirmed_count.trim().parse::<i64>().unwrap_or(-1);
    let result = flow::bulk_approve(&state, &ctx.admin, &ctx.page.client, &form.query.filter(exam_year), confirmed, &form.note).await;
    match result {
        Ok(BulkOutcome { approved, skipped }) => {
            let back = form.query.query_string();
            Redirect::to(&format!("/admin/applications?{back}{}done=bulk&approved={approved}&skipped={skipped}", if back.is_empty() { "" } else { "&" })).into_response()
        }
        Err(FlowError::Invalid(errors)) => render_queue(&state, ctx, form.query, FormErrors::from(&errors, lang), String::new(), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Conflict(error)) => render_queue(&state, ctx, form.query, FormErrors::from(&error.into(), lang), String::new(), StatusCode::CONFLICT).await,
        Err(FlowError::Refused(code)) => render_queue(&state, ctx, form.query, FormErrors::general(code, lang), String::new(), StatusCode::FORBIDDEN).await,
        Err(error) => ctx.fail(error),
    }
}

#[derive(Template)]
#[template(path = "console/application.html")]
struct DetailPage {
    c: Chrome,
    who: Who,
    id: String,
    account_id: String,
    summary: Summary,
    name: String,
    username: String,
    id_type: String,
    id_number: String,
    identity_state: String,
    photo_confirmed: bool,
    education: Vec<EducationItem>,
    files: Vec<FileRow>,
    history: Vec<EventRow>,
    can_start: bool,
    can_decide: bool,
    errors: FormErrors,
    which: String,
    notice: Option<String>,
}

async fn render_detail(state: &AppState, ctx: AdminCtx, id: &str, errors: FormErrors, which: &str, notice: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let line = match flow::in_scope(state, &ctx.admin, id).await {
        Ok(line) => line,
        Err(error) => return ctx.fail(error),
    };
    let application = &line.application;
    let store = &state.store;
    let (stored, account, check, education, files, events) = match tokio::try_join!(
        store.plan(application.exam_year as u16),
        store.account(&application.account_id),
        store.identity_check(&application.account_id),
        store.education_records(&application.account_id),
        store.application_files(id),
        store.application_events(id),
    ) {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let (Some(stored), Some(account)) = (stored, account) else { return ctx.fail(FlowError::NotFound) };
    let app_state = application.state();
    let identity_state = check.map(|c| c.state).unwrap_or_else(|| "pending".into());
    let page = DetailPage {
        c: ctx.chrome("报名审核", "Application review"),
        who: ctx.who(),
        id: application.id.clone(),
        account_id: application.account_id.clone(),
        summary: summary(application, &stored.plan, lang),
        name: account.name.as_str().to_owned(),
        username: account.username.as_str().to_owned(),
        id_type: state.id_type_name(account.id_number.id_type().code(), lang),
        id_number: domain::id_number::mask_id_number(account.id_number.as_str()),
        identity_state: super::dashboard::identity_state_name(&identity_state, lang).to_owned(),
        photo_confirmed: application.photo_confirmed,
        education: education.into_iter().map(|r| item(r, lang)).collect(),
        files: file_rows(files),
        history: history(events, lang),
        can_start: app_state.allows(Transition::StartReview),
        can_decide: app_state.allows(Transition::Approve),
        errors,
        which: which.to_owned(),
        notice,
    };
    ctx.render(status, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

pub async fn detail(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Query(query): Query<DetailQuery>) -> Response {
    let lang = ctx.lang();
    let notice = match query.done.as_str() {
        "start_review" => Some(lang.pick("已开始审核；考生不能再撤回。", "Review started; the candidate can no longer withdraw.")),
        "approve" => Some(lang.pick("已审核通过，考生已收到通知。", "Approved; the candidate has been told.")),
        "reject" => Some(lang.pick("已审核不通过，考生已收到通知。", "Rejected; the candidate has been told.")),
        "ask_for_more" => Some(lang.pick("已退回补充材料，考生已收到通知。", "Sent back for more; the candidate has been told.")),
        _ => None,
    };
    render_detail(&state, ctx, &id, FormErrors::default(), "", notice.map(str::to_owned), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf_token: String,
    reason: String,
}

/// The buttons of the review: start, approve, reject, ask for more.
pub async fn decide(State(state): State<AppState>, ctx: AdminCtx, Path((id, action)): Path<(String, String)>, Form(form): Form<DecisionForm>) -> Response {
    let lang = ctx.lang();
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let transition = match action.as_str() {
        "start" => Transition::StartReview,
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        "more" => Transition::AskForMore,
        _ => return ctx.fail(FlowError::NotFound),
    };
    match flow::decide(&state, &ctx.admin, &ctx.page.client, &id, transition, &form.reason).await {
        Ok(()) => Redirect::to(&format!("/admin/applications/{}?done={}", domain::percent::encode(&id), transition.code())).into_response(),
        Err(FlowError::Invalid(errors)) => render_detail(&state, ctx, &id, FormErrors::from(&errors, lang), &action, None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render_detail(&state, ctx, &id, FormErrors::general(code, lang), &action, None, StatusCode::CONFLICT).await,
        Err(error) => ctx.fail(error),
    }
}

/// The candidate's photo, for an admin whose scope covers the application (the 考点 applied to may differ from
/// the candidate's 所在考点); never cached.
pub async fn photo(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, headers: HeaderMap) -> Response {
    match flow::in_scope(&state, &ctx.admin, &id).await {
        Ok(line) => crate::http::api::photo::photo_response(&state, &line.application.account_id, ctx.lang(), &headers).await,
        Err(FlowError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ctx.fail(error),
    }
}

/// A supporting file, opened in the browser.
pub async fn file(State(state): State<AppState>, ctx: AdminCtx, Path((id, file_id)): Path<(String, String)>) -> Response {
    match flow::file(&state, &ctx.admin, &id, &file_id).await {
        Ok((bytes, mime)) => super::inline_document(bytes, &mime),
        Err(FlowError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ctx.fail(error),
    }
}
