//! Registration pages: 特别提示 and privacy consent → the form → the double-entry step → 个人信息管理.

use super::{Chrome, FormErrors, PageCtx, cookie};
use crate::flows::{FlowError, registration};
use crate::sessions::{SESSION_COOKIE, start_session};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::registration::{IdentityConfirmation, Registration, RegistrationInput, check_consent, check_double_entry};
use domain::security_question::SUGGESTED_QUESTIONS;
use serde::Deserialize;

pub const CUSTOM_QUESTION: &str = "custom";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConsentQuery {
    pub accept_notice: Option<String>,
    pub accept_privacy: Option<String>,
}

#[derive(Template)]
#[template(path = "register_notice.html")]
struct NoticePage {
    c: Chrome,
    errors: FormErrors,
}

pub async fn notice(ctx: PageCtx) -> Response {
    let c = ctx.chrome("注册须知", "Before you register");
    ctx.render(StatusCode::OK, NoticePage { c, errors: FormErrors::default() })
}

/// The form, once both the notice and the privacy rules are accepted.
pub async fn form(State(state): State<AppState>, ctx: PageCtx, Query(consent): Query<ConsentQuery>) -> Response {
    if let Err(errors) = check_consent(consent.accept_notice.is_some(), consent.accept_privacy.is_some()) {
        let c = ctx.chrome("注册须知", "Before you register");
        let errors = FormErrors::from(&errors, ctx.lang);
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, NoticePage { c, errors });
    }
    let data = RegisterFormData { accept_notice: Some("on".into()), accept_privacy: Some("on".into()), ..Default::default() };
    render_form(&state, ctx, data, FormErrors::default(), StatusCode::OK)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RegisterFormData {
    pub csrf_token: String,
    pub username: String,
    pub password: String,
    pub password_confirmation: String,
    pub name: String,
    pub name_uses_pinyin: Option<String>,
    pub id_type: String,
    pub id_number: String,
    pub security_question_choice: String,
    pub security_question_custom: String,
    pub security_answer: String,
    pub accept_notice: Option<String>,
    pub accept_privacy: Option<String>,
}

/// The question a form means: the one chosen from the list, or the candidate's own.
pub fn chosen_question(choice: &str, custom: &str) -> String {
    if choice == CUSTOM_QUESTION || choice.is_empty() { custom.to_owned() } else { choice.to_owned() }
}

/// Whether the form shows the candidate's own question (chosen, or typed while the choice is not in the list).
pub fn is_custom_question(choice: &str, custom: &str) -> bool {
    choice == CUSTOM_QUESTION || (!custom.is_empty() && !SUGGESTED_QUESTIONS.contains(&choice))
}

impl RegisterFormData {
    fn to_input(&self) -> RegistrationInput {
        let question = chosen_question(&self.security_question_choice, &self.security_question_custom);
        RegistrationInput {
            username: self.username.clone(),
            password: self.password.clone(),
            password_confirmation: Some(self.password_confirmation.clone()),
            name: self.name.clone(),
            name_uses_pinyin: self.name_uses_pinyin.is_some(),
            id_type: self.id_type.clone(),
            id_number: self.id_number.clone(),
            security_question: question,
            security_answer: self.security_answer.clone(),
            accept_notice: self.accept_notice.is_some(),
            accept_privacy: self.accept_privacy.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "register_form.html")]
struct FormPage {
    c: Chrome,
    form: RegisterFormData,
    errors: FormErrors,
    id_types: Vec<(String, String)>,
    questions: Vec<&'static str>,
    custom_question: bool,
}

impl FormPage {
    fn is_chosen(&self, question: &str) -> bool {
        !self.custom_question && self.form.security_question_choice == question
    }
}

fn render_form(state: &AppState, ctx: PageCtx, form: RegisterFormData, errors: FormErrors, status: StatusCode) -> Response {
    let id_types = state.id_type_options(ctx.lang);
    let custom_question = is_custom_question(&form.security_question_choice, &form.security_question_custom);
    let c = ctx.chrome("注册账号", "Create an account");
    ctx.render(status, FormPage { c, form, errors, id_types, questions: SUGGESTED_QUESTIONS.to_vec(), custom_question })
}

/// Step 1: check everything, refuse duplicates, hash the secrets and move on to the double entry.
pub async fn submit(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RegisterFormData>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render_form(&state, ctx, form, errors, StatusCode::FORBIDDEN);
    }
    let registration = match Registration::parse(&form.to_input()) {
        Ok(registration) => registration,
        Err(errors) => {
            let errors = FormErrors::from(&errors, ctx.lang);
            return render_form(&state, ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let prepared = match registration::ensure_available(&state, &registration).await {
        Ok(()) => registration::hash_secrets(&state, &registration).await,
        Err(error) => Err(error),
    };
    match prepared {
        Ok(pending) => {
            let sealed = registration::seal(&state, &pending);
            render_confirm(ctx, sealed, ConfirmFormData::default(), FormErrors::default(), StatusCode::OK, &state)
        }
        Err(error) => form_failure(&state, ctx, form, error),
    }
}

fn form_failure(state: &AppState, ctx: PageCtx, form: RegisterFormData, error: FlowError) -> Response {
    let lang = ctx.lang;
    let (status, errors) = match error {
        FlowError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        FlowError::Conflict(error) => (StatusCode::CONFLICT, FormErrors::from(&error.into(), lang)),
        FlowError::Busy => (StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang)),
        other => return super::error_page(lang, other.into_api(lang)),
    };
    let mut response = render_form(state, ctx, form, errors, status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(1));
    }
    response
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ConfirmFormData {
    pub csrf_token: String,
    pub sealed: String,
    pub confirm_name: String,
    pub confirm_id_type: String,
    pub confirm_id_number: String,
}

#[derive(Template)]
#[template(path = "register_confirm.html")]
struct ConfirmPage {
    c: Chrome,
    sealed: String,
    form: ConfirmFormData,
    errors: FormErrors,
    id_types: Vec<(String, String)>,
}

fn render_confirm(ctx: PageCtx, sealed: String, form: ConfirmFormData, errors: FormErrors, status: StatusCode, state: &AppState) -> Response {
    let id_types = state.id_type_options(ctx.lang);
    let c = ctx.chrome("确认注册信息", "Confirm your details");
    ctx.render(status, ConfirmPage { c, sealed, form, errors, id_types })
}

/// Step 2: the second entry must match the first; then the account exists and the candidate is logged in.
pub async fn confirm(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<ConfirmFormData>) -> Response {
    let lang = ctx.lang;
    let Some((pending, identity)) = registration::unseal(&state, &form.sealed).and_then(|p| p.identity().map(|i| (p, i))) else {
        return render_form(&state, ctx, RegisterFormData::default(), FormErrors::general("registration.expired", lang), StatusCode::UNPROCESSABLE_ENTITY);
    };
    if registration::is_expired(&state, &pending) {
        return render_form(&state, ctx, refill(&pending), FormErrors::general("registration.expired", lang), StatusCode::UNPROCESSABLE_ENTITY);
    }
    if !ctx.csrf_ok(&form.csrf_token) {
        let sealed = form.sealed.clone();
        return render_confirm(ctx, sealed, form, FormErrors::general("csrf.invalid", lang), StatusCode::FORBIDDEN, &state);
    }
    let second = IdentityConfirmation {
        name: form.confirm_name.clone(),
        id_type: form.confirm_id_type.clone(),
        id_number: form.confirm_id_number.clone(),
    };
    if let Err(errors) = check_double_entry(&identity, &second) {
        let sealed = form.sealed.clone();
        return render_confirm(ctx, sealed, form, FormErrors::from(&errors, lang), StatusCode::UNPROCESSABLE_ENTITY, &state);
    }
    let account_id = match registration::create_account(&state, &pending).await {
        Ok(account_id) => account_id,
        Err(error) => return form_failure(&state, ctx, refill(&pending), error),
    };
    match start_session(&state, &account_id, "web", crate::flows::login::LoginMethod::Registration, &ctx.client).await {
        Ok(session) => {
            let jar = ctx.jar.add(cookie(SESSION_COOKIE, session.token, ctx.secure_cookies));
            (jar, Redirect::to("/me?welcome=1")).into_response()
        }
        Err(error) => super::error_page(lang, error),
    }
}

/// The form as first submitted, minus the secrets (which only exist hashed by now).
fn refill(pending: &registration::PendingAccount) -> RegisterFormData {
    let listed = SUGGESTED_QUESTIONS.contains(&pending.security_question.as_str());
    RegisterFormData {
        username: pending.username.clone(),
        name: pending.name.clone(),
        name_uses_pinyin: pending.name_uses_pinyin.then(|| "on".into()),
        id_type: pending.id_type.clone(),
        id_number: pending.id_number.clone(),
        security_question_choice: if listed { pending.security_question.clone() } else { CUSTOM_QUESTION.into() },
        security_question_custom: if listed { String::new() } else { pending.security_question.clone() },
        accept_notice: Some("on".into()),
        accept_privacy: Some("on".into()),
        ..Default::default()
    }
}
