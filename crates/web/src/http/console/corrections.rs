//! 修改申请: the queue of candidates' requests to correct their identity, filed with 考点 in the admin's
//! scope; a request's page shows old and new values and the scan, and the admin approves or rejects with a reason.

use super::{AdminCtx, Who};
use crate::flows::FlowError;
use crate::flows::corrections::{approve as approve_request, attachment as request_attachment, in_scope, reject as reject_request};
use crate::http::pages::{Chrome, FormErrors};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct QueueRow {
    pub id: String,
    pub username: String,
    pub new_name: String,
    pub site: String,
    pub filed: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "console/corrections.html")]
struct QueuePage {
    c: Chrome,
    who: Who,
    state: String,
    rows: Vec<QueueRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    state: String,
}

pub async fn queue(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<QueueQuery>) -> Response {
    let wanted = match query.state.as_str() {
        "approved" | "rejected" => query.state.clone(),
        _ => "pending".to_owned(),
    };
    let found = match state.store.correction_queue(&ctx.admin.scope, &wanted, 200).await {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let rows = found
        .into_iter()
        .map(|r| QueueRow { id: r.id, username: r.username, new_name: r.identity.name.as_str().to_owned(), site: r.site_code, filed: beijing_time(r.created_at), reason: r.reason })
        .collect();
    let page = QueuePage { c: ctx.chrome("注册信息修改申请", "Correction requests"), who: ctx.who(), state: wanted, rows };
    ctx.render(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "console/correction.html")]
struct RequestPage {
    c: Chrome,
    who: Who,
    id: String,
    account_id: String,
    username: String,
    pending: bool,
    state: String,
    decision_reason: String,
    old_name: String,
    old_id_type: String,
    old_id_number: String,
    new_name: String,
    new_id_type: String,
    new_id_number: String,
    reason: String,
    filed: String,
    attachment_is_pdf: bool,
    errors: FormErrors,
    which: &'static str,
}

async fn render(state: &AppState, ctx: AdminCtx, id: &str, errors: FormErrors, which: &'static str, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let request = match in_scope(state, &ctx.admin, id).await {
        Ok(found) => found,
        Err(error) => return ctx.fail(error),
    };
    let current = match crate::flows::console::candidate(state, &ctx.admin, &request.account_id).await {
        Ok(found) => found.account,
        Err(error) => return ctx.fail(error),
    };
    let mask = domain::id_number::mask_id_number;
    let page = RequestPage {
        c: ctx.chrome("修改申请", "Correction request"),
        who: ctx.who(),
        id: request.id.clone(),
        account_id: request.account_id.clone(),
        username: request.username.clone(),
        pending: request.state == "pending",
        state: match request.state.as_str() {
            "approved" => lang.pick("已通过", "Approved"),
            "rejected" => lang.pick("未通过", "Rejected"),
            _ => lang.pick("待处理", "Waiting"),
        }
        .to_owned(),
        decision_reason: request.decision_reason.clone().unwrap_or_default(),
        old_name: current.name.as_str().to_owned(),
        old_id_type: state.id_type_name(current.id_number.id_type().code(), lang),
        old_id_number: mask(current.id_number.as_str()),
        new_name: request.identity.name.as_str().to_owned(),
        new_id_type: state.id_type_name(request.identity.id_number.id_type().code(), lang),
        // In full: checking the new number against the scan is the point of the review.
        new_id_number: request.identity.id_number.as_str().to_owned(),
        reason: request.reason.clone(),
        filed: beijing_time(request.created_at),
        attachment_is_pdf: request.attachment_type == "application/pdf",
        errors,
        which,
    };
    ctx.render(status, page)
}

pub async fn detail(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>) -> Response {
    render(&state, ctx, &id, FormErrors::default(), "", StatusCode::OK).await
}

/// The scan, served only to admins whose scope covers the request; never cached.
pub async fn attachment(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>) -> Response {
    match request_attachment(&state, &ctx.admin, &id).await {
        Ok((bytes, mime)) => super::inline_document(bytes, &mime),
        Err(FlowError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ctx.fail(error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf_token: String,
    reason: String,
}

async fn decided(state: AppState, ctx: AdminCtx, id: String, which: &'static str, result: Result<(), FlowError>) -> Response {
    let lang = ctx.lang();
    match result {
        Ok(()) => Redirect::to(&format!("/admin/corrections/{}", domain::percent::encode(&id))).into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, &id, FormErrors::from(&errors, lang), which, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Conflict(error)) => render(&state, ctx, &id, FormErrors::general(error.code, lang), which, StatusCode::CONFLICT).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, &id, FormErrors::general(code, lang), which, StatusCode::CONFLICT).await,
        Err(other) => ctx.fail(other),
    }
}

pub async fn approve(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<DecisionForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let result = approve_request(&state, &ctx.admin, &ctx.page.client, &id, &form.reason).await;
    decided(state, ctx, id, "approve", result).await
}

pub async fn reject(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<DecisionForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let result = reject_request(&state, &ctx.admin, &ctx.page.client, &id, &form.reason).await;
    decided(state, ctx, id, "reject", result).await
}
