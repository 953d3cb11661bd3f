//! 修改安全问题: after a recent proof of identity (security.md), a new question and answer.

use super::register::{chosen_question, is_custom_question};
use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::password::change_security_question;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::security_question::SUGGESTED_QUESTIONS;
use serde::Deserialize;

const PATH: &str = "/me/security-question";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuestionForm {
    csrf_token: String,
    security_question_choice: String,
    security_question_custom: String,
    security_answer: String,
}

#[derive(Template)]
#[template(path = "security_question.html")]
struct QuestionPage {
    c: Chrome,
    form: QuestionForm,
    errors: FormErrors,
    questions: Vec<&'static str>,
    custom_question: bool,
    changed: bool,
}

impl QuestionPage {
    fn is_chosen(&self, question: &str) -> bool {
        !self.custom_question && self.form.security_question_choice == question
    }
}

fn render(ctx: PageCtx, status: StatusCode, form: QuestionForm, errors: FormErrors, changed: bool) -> Response {
    let custom_question = is_custom_question(&form.security_question_choice, &form.security_question_custom);
    let c = ctx.chrome("修改安全问题", "Change the security question");
    ctx.render(status, QuestionPage { c, form, errors, questions: SUGGESTED_QUESTIONS.to_vec(), custom_question, changed })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    changed: Option<String>,
}

pub async fn page(ctx: PageCtx, Query(query): Query<PageQuery>) -> Response {
    match &ctx.session.0 {
        None => Redirect::to("/login").into_response(),
        Some((session, _)) if !super::reauth::is_fresh(session) => super::reauth::confirm_first(PATH),
        Some(_) => render(ctx, StatusCode::OK, QuestionForm::default(), FormErrors::default(), query.changed.is_some()),
    }
}

pub async fn change(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<QuestionForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !super::reauth::is_fresh(&session) {
        return super::reauth::confirm_first(PATH);
    }
    if !ctx.csrf_ok(&form.csrf_token) {
        return render(ctx, StatusCode::FORBIDDEN, form, FormErrors::general("csrf.invalid", lang), false);
    }
    let question = chosen_question(&form.security_question_choice, &form.security_question_custom);
    match change_security_question(&state, &session.account_id, &question, &form.security_answer).await {
        Ok(()) => Redirect::to(&format!("{PATH}?changed=1")).into_response(),
        Err(FlowError::Invalid(errors)) => render(ctx, StatusCode::UNPROCESSABLE_ENTITY, form, FormErrors::from(&errors, lang), false),
        Err(FlowError::Busy) => render(ctx, StatusCode::SERVICE_UNAVAILABLE, form, FormErrors::general("service.busy", lang), false),
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}
