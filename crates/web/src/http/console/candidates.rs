//! 考生: search within the admin's scope, a candidate's file (ID number masked unless revealed, an audited
//! action), and the actions an authority takes on it, each with a reason.

use super::dashboard::identity_state_name;
use super::{AdminCtx, Who, beijing_day_start};
use crate::flows::FlowError;
use crate::flows::console::{Action, candidate};
use crate::http::api::education::{EducationItem, item};
use crate::http::pages::{Chrome, FormErrors};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::id_number::IdNumber;
use serde::Deserialize;
use store::console::CandidateFilter;

/// The most rows a search shows; narrower filters find the rest.
const SEARCH_LIMIT: i64 = 100;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchQuery {
    pub id_number: String,
    pub name: String,
    pub username: String,
    pub from: String,
    pub to: String,
    pub state: String,
}

pub struct Row {
    pub id: String,
    pub username: String,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub site: String,
    pub state: String,
    pub registered: String,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "console/candidates.html")]
struct SearchPage {
    c: Chrome,
    who: Who,
    query: SearchQuery,
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str)>,
    limit: i64,
}

fn filter_of(query: &SearchQuery) -> CandidateFilter {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty() && s.chars().count() <= 64);
    CandidateFilter {
        id_number_lookup: text(&query.id_number).map(|n| IdNumber::lookup_form(&n)),
        name: text(&query.name),
        username: text(&query.username),
        registered_from: beijing_day_start(&query.from),
        registered_to: beijing_day_start(&query.to).map(|day| day + 86400),
        identity_state: Some(query.state.clone()).filter(|s| matches!(s.as_str(), "pending" | "passed" | "failed" | "manual")),
    }
}

pub async fn search(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<SearchQuery>) -> Response {
    let lang = ctx.lang();
    let filter = filter_of(&query);
    let found = match state.store.search_candidates(&ctx.admin.scope, &filter, SEARCH_LIMIT).await {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let rows = found
        .into_iter()
        .map(|r| Row {
            state: identity_state_name(&r.identity_state, lang).to_owned(),
            id_type: state.id_type_name(&r.id_type, lang),
            registered: beijing_time(r.created_at),
            site: r.site_code.unwrap_or_default(),
            id: r.id,
            username: r.username,
            name: r.name,
            id_number: r.id_number_masked,
            locked: r.locked,
        })
        .collect();
    let states = ["pending", "passed", "failed", "manual"].into_iter().map(|s| (s, identity_state_name(s, lang))).collect();
    let page = SearchPage { c: ctx.chrome("考生查询", "Find candidates"), who: ctx.who(), query, rows, states, limit: SEARCH_LIMIT };
    ctx.render(StatusCode::OK, page)
}

pub struct EventRow {
    pub at: String,
    pub method: String,
    pub outcome: String,
    pub ip: String,
}

/// The correction form, prefilled with what the admin typed (or the current values).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct IdentityForm {
    pub csrf_token: String,
    pub name: String,
    pub name_uses_pinyin: Option<String>,
    pub id_type: String,
    pub id_number: String,
    pub reason: String,
}

/// What a page shows after an action, besides the file itself.
#[derive(Default)]
pub struct Outcome {
    pub notice: Option<String>,
    pub revealed: Option<String>,
    pub reset_code: Option<(String, String)>,
    pub errors: FormErrors,
    /// Which form the errors belong to.
    pub form: &'static str,
    pub identity: Option<IdentityForm>,
}

#[derive(Template)]
#[template(path = "console/candidate.html")]
struct DetailPage {
    c: Chrome,
    who: Who,
    id: String,
    username: String,
    name: String,
    id_type: String,
    id_number: String,
    site: String,
    registered: String,
    locked: bool,
    identity_state: String,
    identity_code: String,
    identity_request: String,
    manual: bool,
    has_photo: bool,
    education: Vec<EducationItem>,
    wechat: Option<String>,
    history: Vec<EventRow>,
    outcome: Outcome,
    identity_form: IdentityForm,
    id_types: Vec<(String, String)>,
    errors: FormErrors,
}

async fn render_detail(state: &AppState, ctx: AdminCtx, account_id: &str, mut outcome: Outcome, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let found = match candidate(state, &ctx.admin, account_id).await {
        Ok(found) => found,
        Err(error) => return ctx.fail(error),
    };
    let account = &found.account;
    let store = &state.store;
    let (check, photo, education, wechat, events) = match tokio::try_join!(
        store.identity_check(&account.id),
        store.photo(&account.id),
        store.education_records(&account.id),
        store.wechat_binding(&account.id),
        store.login_events(&account.id, 20),
    ) {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let identity_state = check.as_ref().map(|c| c.state.clone()).unwrap_or_else(|| "pending".into());
    let identity_form = outcome.identity.clone().unwrap_or_else(|| IdentityForm {
        name: account.name.as_str().to_owned(),
        name_uses_pinyin: account.name_uses_pinyin.then(|| "on".to_owned()),
        id_type: account.id_number.id_type().code().to_owned(),
        ..IdentityForm::default()
    });
    let errors = std::mem::take(&mut outcome.errors);
    let page = DetailPage {
        c: ctx.chrome("考生档案", "Candidate file"),
        who: ctx.who(),
        id: account.id.clone(),
        username: account.username.as_str().to_owned(),
        name: account.name.as_str().to_owned(),
        id_type: state.id_type_name(account.id_number.id_type().code(), lang),
        id_number: outcome.revealed.clone().unwrap_or_else(|| domain::id_number::mask_id_number(account.id_number.as_str())),
        site: found.site_code.clone().unwrap_or_default(),
        registered: beijing_time(account.created_at),
        locked: found.locked_at.is_some(),
        manual: identity_state == "manual",
        identity_state: identity_state_name(&identity_state, lang).to_owned(),
        identity_code: check.as_ref().and_then(|c| c.result_code.clone()).unwrap_or_default(),
        identity_request: check.as_ref().and_then(|c| c.request_id.clone()).unwrap_or_default(),
        has_photo: photo.is_some(),
        education: education.into_iter().map(|r| item(r, lang)).collect(),
        wechat: wechat.map(|(_, bound_at)| beijing_time(bound_at)),
        history: events
            .into_iter()
            .map(|e| EventRow {
                at: beijing_time(e.at),
                method: crate::http::pages::security::method_name(&e.method, lang),
                outcome: crate::http::pages::security::outcome_name(&e.outcome, lang),
                ip: e.client_ip.unwrap_or_default(),
            })
            .collect(),
        outcome,
        identity_form,
        id_types: state.id_type_options(lang),
        errors,
    };
    ctx.render(status, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

fn notice(done: &str, lang: crate::i18n::Lang) -> Option<String> {
    let text = match done {
        "lock" => lang.pick("账号已锁定，考生的所有登录已退出。", "The account is locked and all its sessions ended."),
        "unlock" => lang.pick("账号已解锁。", "The account is unlocked."),
        "lift-login-lock" => lang.pick("已解除因多次输错密码造成的锁定。", "The lock after wrong passwords is lifted."),
        "unbind-wechat" => lang.pick("已解除微信绑定。", "WeChat is unbound."),
        "settle" => lang.pick("核验结果已登记。", "The verification result is recorded."),
        "rerun" => lang.pick("已重新提交实名核验。", "The identity check runs again."),
        "correct" => lang.pick("注册信息已更正，系统将重新核验。", "The identity is corrected and will be checked again."),
        _ => return None,
    };
    Some(text.to_owned())
}

pub async fn detail(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Query(query): Query<DetailQuery>) -> Response {
    let outcome = Outcome { notice: notice(&query.done, ctx.lang()), ..Outcome::default() };
    render_detail(&state, ctx, &id, outcome, StatusCode::OK).await
}

pub async fn photo(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, headers: HeaderMap) -> Response {
    match candidate(&state, &ctx.admin, &id).await {
        Ok(found) => crate::http::api::photo::photo_response(&state, &found.account.id, ctx.lang(), &headers).await,
        Err(error) => error_status(error),
    }
}

fn error_status(error: FlowError) -> Response {
    match error {
        FlowError::NotFound => StatusCode::NOT_FOUND.into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    csrf_token: String,
    reason: String,
    outcome: String,
}

/// The actions that change the candidate's account and return to the file with a notice.
enum Change {
    Lock,
    Unlock,
    LiftLoginLock,
    UnbindWechat,
    SettleIdentity(String),
    RerunIdentity,
}

impl Change {
    /// The form it comes from (and the notice after it).
    fn form(&self) -> &'static str {
        match self {
            Change::Lock => "lock",
            Change::Unlock => "unlock",
            Change::LiftLoginLock => "lift-login-lock",
            Change::UnbindWechat => "unbind-wechat",
            Change::SettleIdentity(_) => "settle",
            Change::RerunIdentity => "rerun",
        }
    }

    async fn run(&self, action: &Action<'_>) -> Result<(), FlowError> {
        match self {
            Change::Lock => action.lock().await.map(drop),
            Change::Unlock => action.unlock().await.map(drop),
            Change::LiftLoginLock => action.lift_brute_force_lock().await,
            Change::UnbindWechat => action.unbind_wechat().await.map(drop),
            Change::SettleIdentity(outcome) => action.settle_identity(outcome).await,
            Change::RerunIdentity => action.rerun_identity().await,
        }
    }
}

/// Runs a change from a form with a reason: on success back to the file with a notice, a refused reason shown
/// on the form it came from.
async fn act(state: AppState, ctx: AdminCtx, id: String, form: ReasonForm, change: Change) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let client = ctx.page.client.clone();
    let action = Action { state: &state, admin: &ctx.admin, client: &client, account_id: &id, reason: &form.reason };
    let result = change.run(&action).await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/candidates/{}?done={}", domain::percent::encode(&id), change.form())).into_response(),
        Err(error) => refused(&state, ctx, &id, change.form(), error).await,
    }
}

async fn refused(state: &AppState, ctx: AdminCtx, id: &str, which: &'static str, error: FlowError) -> Response {
    let lang = ctx.lang();
    let (status, errors) = match error {
        FlowError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        FlowError::Conflict(error) => (StatusCode::CONFLICT, FormErrors::from(&error.into(), lang)),
        other => return ctx.fail(other),
    };
    render_detail(state, ctx, id, Outcome { errors, form: which, ..Outcome::default() }, status).await
}

pub async fn reveal(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let client = ctx.page.client.clone();
    let action = Action { state: &state, admin: &ctx.admin, client: &client, account_id: &id, reason: &form.reason };
    match action.reveal_id_number().await {
        Ok(full) => render_detail(&state, ctx, &id, Outcome { revealed: Some(full), ..Outcome::default() }, StatusCode::OK).await,
        Err(error) => refused(&state, ctx, &id, "reveal", error).await,
    }
}

pub async fn lock(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    act(state, ctx, id, form, Change::Lock).await
}

pub async fn unlock(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    act(state, ctx, id, form, Change::Unlock).await
}

pub async fn lift_login_lock(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    act(state, ctx, id, form, Change::LiftLoginLock).await
}

pub async fn unbind_wechat(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    act(state, ctx, id, form, Change::UnbindWechat).await
}

pub async fn settle_identity(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    let outcome = form.outcome.clone();
    act(state, ctx, id, form, Change::SettleIdentity(outcome)).await
}

pub async fn rerun_identity(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    act(state, ctx, id, form, Change::RerunIdentity).await
}

/// The code is shown on the page, once: it is not kept anywhere it could be read again.
pub async fn reset_code(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<ReasonForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let client = ctx.page.client.clone();
    let action = Action { state: &state, admin: &ctx.admin, client: &client, account_id: &id, reason: &form.reason };
    match action.issue_reset_code().await {
        Ok((code, expires_at)) => {
            let outcome = Outcome { reset_code: Some((code, beijing_time(expires_at))), ..Outcome::default() };
            render_detail(&state, ctx, &id, outcome, StatusCode::OK).await
        }
        Err(error) => refused(&state, ctx, &id, "reset-code", error).await,
    }
}

pub async fn correct_identity(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<IdentityForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let client = ctx.page.client.clone();
    let action = Action { state: &state, admin: &ctx.admin, client: &client, account_id: &id, reason: &form.reason };
    let result = action.correct_identity(&form.name, form.name_uses_pinyin.is_some(), &form.id_type, &form.id_number).await;
    let lang = ctx.lang();
    match result {
        Ok(()) => Redirect::to(&format!("/admin/candidates/{}?done=correct", domain::percent::encode(&id))).into_response(),
        Err(FlowError::Invalid(errors)) => {
            let outcome = Outcome { errors: FormErrors::from(&errors, lang), form: "correct", identity: Some(form), ..Outcome::default() };
            render_detail(&state, ctx, &id, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(FlowError::Conflict(error)) => {
            let outcome = Outcome { errors: FormErrors::from(&error.into(), lang), form: "correct", identity: Some(form), ..Outcome::default() };
            render_detail(&state, ctx, &id, outcome, StatusCode::CONFLICT).await
        }
        Err(other) => ctx.fail(other),
    }
}
