//! 失败任务: background jobs (identity checks) that failed too often and stopped, about candidates within the
//! scope; an admin puts one back in the queue, with a reason.

use super::{AdminCtx, Who};
use crate::flows::FlowError;
use crate::flows::console::Action;
use crate::http::pages::Chrome;
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct JobItem {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub attempts: i64,
    pub last_error: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "console/jobs.html")]
struct JobsPage {
    c: Chrome,
    who: Who,
    jobs: Vec<JobItem>,
    errors: crate::http::pages::FormErrors,
}

async fn render(state: &AppState, ctx: AdminCtx, errors: crate::http::pages::FormErrors, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let jobs = match state.store.dead_jobs_in_scope(&ctx.admin.scope, 200).await {
        Ok(jobs) => jobs,
        Err(error) => return ctx.fail(error.into()),
    };
    let jobs = jobs
        .into_iter()
        .map(|j| JobItem {
            kind: if j.kind == store::identity::IDENTITY_CHECK_JOB { lang.pick("实名核验", "Identity check").to_owned() } else { j.kind },
            id: j.id,
            subject: j.subject,
            attempts: j.attempts,
            last_error: j.last_error.unwrap_or_default(),
            updated: beijing_time(j.updated_at),
        })
        .collect();
    let page = JobsPage { c: ctx.chrome("失败任务", "Failed jobs"), who: ctx.who(), jobs, errors };
    ctx.render(status, page)
}

pub async fn page(State(state): State<AppState>, ctx: AdminCtx) -> Response {
    render(&state, ctx, Default::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetryForm {
    csrf_token: String,
    subject: String,
    reason: String,
}

pub async fn retry(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<RetryForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let client = ctx.page.client.clone();
    let action = Action { state: &state, admin: &ctx.admin, client: &client, account_id: &form.subject, reason: &form.reason };
    let lang = ctx.lang();
    match action.retry_job(&id).await {
        Ok(true) => Redirect::to("/admin/jobs").into_response(),
        Ok(false) => ctx.fail(FlowError::NotFound),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, crate::http::pages::FormErrors::from(&errors, lang), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(other) => ctx.fail(other),
    }
}
