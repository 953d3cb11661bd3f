//! 公告 in the console: what the admin's area shows candidates, a form to publish (national and province admins)
//! and a way to withdraw a notice, each audited.

use super::{AdminCtx, Who};
use crate::flows::FlowError;
use crate::flows::announcements::{may_publish, publish as publish_notice, withdraw as withdraw_notice};
use crate::http::pages::{Chrome, FormErrors};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::admin::Scope;
use domain::announcement::AnnouncementInput;
use serde::Deserialize;

pub struct Row {
    pub id: String,
    pub exam_year: i64,
    pub region: String,
    pub title: String,
    pub body: String,
    pub published: String,
    pub published_by: String,
    pub withdrawn: Option<String>,
    pub may_withdraw: bool,
}

#[derive(Template)]
#[template(path = "console/announcements.html")]
struct ListPage {
    c: Chrome,
    who: Who,
    rows: Vec<Row>,
    may_publish: bool,
    national: bool,
    provinces: Vec<(String, String)>,
    form: AnnouncementInput,
    errors: FormErrors,
    notice: Option<String>,
}

async fn render(state: &AppState, ctx: AdminCtx, form: AnnouncementInput, errors: FormErrors, notice: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let (found, provinces) = match tokio::try_join!(state.store.announcements_in_scope(&ctx.admin.scope, 100), state.store.provinces()) {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let province_name = |code: &str| provinces.iter().find(|p| p.code == code).map(|p| lang.pick(&p.name_zh, &p.name_en).to_owned()).unwrap_or_else(|| code.to_owned());
    let scope = &ctx.admin.scope;
    let rows = found
        .into_iter()
        .map(|a| Row {
            may_withdraw: a.withdrawn_at.is_none()
                && match scope {
                    Scope::National => true,
                    Scope::Province { province } => a.province_code.as_deref() == Some(province.as_str()),
                    Scope::Site { .. } => false,
                },
            region: a.province_code.as_deref().map(province_name).unwrap_or_else(|| lang.pick("全国", "Nationwide").to_owned()),
            id: a.id,
            exam_year: a.exam_year,
            title: a.title,
            body: a.body,
            published: beijing_time(a.published_at),
            published_by: a.published_by,
            withdrawn: a.withdrawn_at.map(beijing_time),
        })
        .collect();
    let page = ListPage {
        c: ctx.chrome("公告", "Notices"),
        who: ctx.who(),
        rows,
        may_publish: may_publish(&ctx.admin),
        national: matches!(scope, Scope::National),
        provinces: provinces.iter().map(|p| (p.code.clone(), lang.pick(&p.name_zh, &p.name_en).to_owned())).collect(),
        form,
        errors,
        notice,
    };
    ctx.render(status, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    done: String,
}

pub async fn list(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<ListQuery>) -> Response {
    let lang = ctx.lang();
    let notice = match query.done.as_str() {
        "published" => Some(lang.pick("公告已发布，相关考生在首页即可看到。", "Published; the candidates it addresses see it on their home page.").to_owned()),
        "withdrawn" => Some(lang.pick("公告已撤下。", "The notice is withdrawn.").to_owned()),
        _ => None,
    };
    let year = state.store.latest_exam_year().await.ok().flatten().map(|y| y.to_string()).unwrap_or_default();
    render(&state, ctx, AnnouncementInput { exam_year: year, ..Default::default() }, FormErrors::default(), notice, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    csrf_token: String,
    #[serde(flatten)]
    input: AnnouncementInput,
}

pub async fn publish(State(state): State<AppState>, ctx: AdminCtx, Form(form): Form<PublishForm>) -> Response {
    let lang = ctx.lang();
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    match publish_notice(&state, &ctx.admin, &ctx.page.client, &form.input).await {
        Ok(_) => Redirect::to("/admin/announcements?done=published").into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, form.input, FormErrors::from(&errors, lang), None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, form.input, FormErrors::general(code, lang), None, StatusCode::FORBIDDEN).await,
        Err(error) => ctx.fail(error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    csrf_token: String,
    reason: String,
}

pub async fn withdraw(State(state): State<AppState>, ctx: AdminCtx, Path(id): Path<String>, Form(form): Form<WithdrawForm>) -> Response {
    let lang = ctx.lang();
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    match withdraw_notice(&state, &ctx.admin, &ctx.page.client, &id, &form.reason).await {
        Ok(()) => Redirect::to("/admin/announcements?done=withdrawn").into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, AnnouncementInput::default(), FormErrors::from(&errors, lang), None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, AnnouncementInput::default(), FormErrors::general(code, lang), None, StatusCode::CONFLICT).await,
        Err(error) => ctx.fail(error),
    }
}
