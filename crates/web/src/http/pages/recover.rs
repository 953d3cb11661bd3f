//! 忘记密码: the identifier, then the security question, then a new password — each step a plain form, the
//! reset code carried in the page (never in an address).

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::recovery::{answer, question_for, reset};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Which step the page shows.
enum Step {
    Identify,
    Answer { question: String },
    NewPassword { code: String },
}

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverPage {
    c: Chrome,
    step: Step,
    login: String,
    errors: FormErrors,
}

fn render(ctx: PageCtx, status: StatusCode, step: Step, login: String, errors: FormErrors) -> Response {
    let c = ctx.chrome("找回密码", "Reset your password");
    ctx.render(status, RecoverPage { c, step, login, errors })
}

/// A refusal shown on the current step: field errors beside their fields, the rest above the form.
fn refusal(ctx: PageCtx, step: Step, login: String, error: FlowError) -> Response {
    let lang = ctx.lang;
    let (status, errors) = match error {
        FlowError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        FlowError::Busy => (StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang)),
        locked @ FlowError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, FormErrors { messages: vec![(String::new(), locked.into_api(lang).message())] }),
        other => return super::error_page(lang, other.into_api(lang)),
    };
    render(ctx, status, step, login, errors)
}

pub async fn page(ctx: PageCtx) -> Response {
    if ctx.session.0.is_some() {
        return Redirect::to("/me/password").into_response();
    }
    render(ctx, StatusCode::OK, Step::Identify, String::new(), FormErrors::default())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecoverForm {
    csrf_token: String,
    login: String,
    answer: String,
    reset_token: String,
    new_password: String,
    new_password_confirm: String,
}

pub async fn identify(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, Step::Identify, form.login, errors);
    }
    match question_for(&state, &form.login).await {
        Ok(question) => render(ctx, StatusCode::OK, Step::Answer { question }, form.login.trim().to_owned(), FormErrors::default()),
        Err(error) => refusal(ctx, Step::Identify, form.login, error),
    }
}

pub async fn check_answer(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    let question = match question_for(&state, &form.login).await {
        Ok(question) => question,
        Err(error) => return refusal(ctx, Step::Identify, form.login, error),
    };
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, Step::Answer { question }, form.login, errors);
    }
    match answer(&state, &form.login, &form.answer, &ctx.client).await {
        Ok(code) => render(ctx, StatusCode::OK, Step::NewPassword { code: code.code }, form.login, FormErrors::default()),
        Err(error) => refusal(ctx, Step::Answer { question }, form.login, error),
    }
}

pub async fn set_password(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    let step = Step::NewPassword { code: form.reset_token.clone() };
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, step, form.login, errors);
    }
    match reset(&state, &form.reset_token, &form.new_password, &form.new_password_confirm, &ctx.client).await {
        Ok(()) => Redirect::to("/login?reset=1").into_response(),
        Err(FlowError::Invalid(errors)) if errors.0.iter().any(|e| e.field == "reset_token") => {
            // The code is spent or has expired: start again.
            let errors = FormErrors::from(&errors, ctx.lang);
            render(ctx, StatusCode::UNPROCESSABLE_ENTITY, Step::Identify, form.login, errors)
        }
        Err(error) => refusal(ctx, step, form.login, error),
    }
}
