//! 学历学位信息: the records saved so far and the form to add one (manual entry).

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::education::{add_from_chsi, add_manual};
use crate::http::api::education::{EducationItem, item};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::education::{Degree, EducationInput, EducationLevel, MAX_RECORDS};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct EducationForm {
    pub csrf_token: String,
    #[serde(flatten)]
    pub record: EducationInput,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChsiForm {
    pub csrf_token: String,
    pub code: String,
}

#[derive(Template)]
#[template(path = "education.html")]
struct EducationPage {
    c: Chrome,
    chsi_code: String,
    chsi_errors: FormErrors,
    records: Vec<EducationItem>,
    form: EducationForm,
    errors: FormErrors,
    added: bool,
    can_add: bool,
    max_records: usize,
    levels: Vec<(&'static str, &'static str)>,
    degrees: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EducationQuery {
    added: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<EducationQuery>) -> Response {
    render(&state, ctx, Forms::default(), query.added.is_some(), StatusCode::OK).await
}

/// The two forms of the page, as last submitted, with their errors.
#[derive(Default)]
struct Forms {
    manual: EducationForm,
    manual_errors: FormErrors,
    chsi: ChsiForm,
    chsi_errors: FormErrors,
}

pub async fn add_chsi(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<ChsiForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let failed = |form: ChsiForm, errors: FormErrors| Forms { chsi: form, chsi_errors: errors, ..Forms::default() };
    if !ctx.csrf_ok(&form.csrf_token) {
        let forms = failed(form, FormErrors::general("csrf.invalid", lang));
        return render(&state, ctx, forms, false, StatusCode::FORBIDDEN).await;
    }
    match add_from_chsi(&state, &session.account_id, &form.code).await {
        Ok(_) => Redirect::to("/me/education?added=1").into_response(),
        Err(FlowError::Invalid(errors)) => {
            let forms = failed(form, FormErrors::from(&errors, lang));
            render(&state, ctx, forms, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(FlowError::Conflict(error)) => {
            let forms = failed(form, FormErrors::from(&error.into(), lang));
            render(&state, ctx, forms, false, StatusCode::CONFLICT).await
        }
        Err(FlowError::Upstream(code)) => {
            let forms = failed(form, FormErrors::general(code, lang));
            render(&state, ctx, forms, false, StatusCode::SERVICE_UNAVAILABLE).await
        }
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}

pub async fn add(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<EducationForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        let forms = Forms { manual: form, manual_errors: FormErrors::general("csrf.invalid", lang), ..Forms::default() };
        return render(&state, ctx, forms, false, StatusCode::FORBIDDEN).await;
    }
    match add_manual(&state, &session.account_id, &form.record).await {
        Ok(_) => Redirect::to("/me/education?added=1").into_response(),
        Err(FlowError::Invalid(errors)) => {
            let forms = Forms { manual: form, manual_errors: FormErrors::from(&errors, lang), ..Forms::default() };
            render(&state, ctx, forms, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(FlowError::Conflict(error)) => {
            let forms = Forms { manual: form, manual_errors: FormErrors::general(error.code, lang), ..Forms::default() };
            render(&state, ctx, forms, false, StatusCode::CONFLICT).await
        }
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}

async fn render(state: &AppState, ctx: PageCtx, forms: Forms, added: bool, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let records = match state.store.education_records(&session.account_id).await {
        Ok(records) => records,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let records: Vec<EducationItem> = records.into_iter().map(|r| item(r, lang)).collect();
    let page = EducationPage {
        c: ctx.chrome("学历学位信息", "Education and degrees"),
        can_add: records.len() < MAX_RECORDS,
        records,
        form: forms.manual,
        errors: forms.manual_errors,
        chsi_code: forms.chsi.code,
        chsi_errors: forms.chsi_errors,
        added,
        max_records: MAX_RECORDS,
        levels: EducationLevel::ALL.iter().map(|l| (l.code(), lang.pick(l.name_zh(), l.name_en()))).collect(),
        degrees: Degree::ALL.iter().map(|d| (d.code(), lang.pick(d.name_zh(), d.name_en()))).collect(),
    };
    ctx.render(status, page)
}
