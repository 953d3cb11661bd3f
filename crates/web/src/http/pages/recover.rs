//! 忘记密码: the identifier, then the security question, then a new password — each step a plain form, the
//! reset code carried in the page (never in an address).

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::recovery::{answer, question_for, reset, site_to_contact};
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
    /// Name and resident ID number for the face check.
    Face { name: String, id_number: String },
    Answer { question: String },
    NewPassword { code: String },
    /// The code a 考点 handed out, typed by the candidate, with the new password.
    AuthorityCode { code: String },
}

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverPage {
    c: Chrome,
    step: Step,
    login: String,
    errors: FormErrors,
    /// On the question step: the 考点 to go to if the question cannot be answered.
    site: Option<store::regions::Site>,
}

fn render(ctx: PageCtx, status: StatusCode, step: Step, login: String, errors: FormErrors) -> Response {
    render_with_site(ctx, status, step, login, errors, None)
}

fn render_with_site(ctx: PageCtx, status: StatusCode, step: Step, login: String, errors: FormErrors, site: Option<store::regions::Site>) -> Response {
    let c = ctx.chrome("找回密码", "Reset your password");
    ctx.render(status, RecoverPage { c, step, login, errors, site })
}

/// A refusal shown on the current step: field errors beside their fields, the rest above the form.
fn refusal(ctx: PageCtx, step: Step, login: String, error: FlowError) -> Response {
    refusal_with_site(ctx, step, login, error, None)
}

fn refusal_with_site(ctx: PageCtx, step: Step, login: String, error: FlowError, site: Option<store::regions::Site>) -> Response {
    let lang = ctx.lang;
    let (status, errors) = match error {
        FlowError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        FlowError::Busy => (StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang)),
        locked @ FlowError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, FormErrors::refusal(locked, lang)),
        other => return super::error_page(lang, other.into_api(lang)),
    };
    render_with_site(ctx, status, step, login, errors, site)
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
    /// Present when the code was typed (a 考点's code) rather than carried by the page.
    typed_code: Option<String>,
}

pub async fn identify(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, Step::Identify, form.login, errors);
    }
    match tokio::try_join!(question_for(&state, &form.login), site_to_contact(&state, &form.login)) {
        Ok((question, site)) => render_with_site(ctx, StatusCode::OK, Step::Answer { question }, form.login.trim().to_owned(), FormErrors::default(), site),
        Err(error) => refusal(ctx, Step::Identify, form.login, error),
    }
}

pub async fn check_answer(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    let (question, site) = match tokio::try_join!(question_for(&state, &form.login), site_to_contact(&state, &form.login)) {
        Ok(found) => found,
        Err(error) => return refusal(ctx, Step::Identify, form.login, error),
    };
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, Step::Answer { question }, form.login, errors);
    }
    match answer(&state, &form.login, &form.answer, &ctx.client).await {
        Ok(code) => render(ctx, StatusCode::OK, Step::NewPassword { code: code.code }, form.login, FormErrors::default()),
        Err(error) => refusal_with_site(ctx, Step::Answer { question }, form.login, error, site),
    }
}

/// 使用考点发放的重置码: the candidate came to the 考点 with their ID document and was given a code.
pub async fn code_page(ctx: PageCtx) -> Response {
    if ctx.session.0.is_some() {
        return Redirect::to("/me/password").into_response();
    }
    render(ctx, StatusCode::OK, Step::AuthorityCode { code: String::new() }, String::new(), FormErrors::default())
}

/// The cookie holding the secret that ties a face check to the browser that started it.
const FACE_COOKIE: &str = "kaowu_face";
const FACE_PATH: &str = "/recover/face";

pub async fn face_page(ctx: PageCtx) -> Response {
    if ctx.session.0.is_some() {
        return Redirect::to("/me/password").into_response();
    }
    render(ctx, StatusCode::OK, Step::Face { name: String::new(), id_number: String::new() }, String::new(), FormErrors::default())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FaceForm {
    csrf_token: String,
    name: String,
    id_number: String,
}

/// Starts the face check and sends the browser to FaceID's page.
pub async fn start_face(State(state): State<AppState>, ctx: PageCtx, headers: axum::http::HeaderMap, Form(form): Form<FaceForm>) -> Response {
    let step = Step::Face { name: form.name.clone(), id_number: form.id_number.clone() };
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, step, String::new(), errors);
    }
    let Some(origin) = super::wechat_website::public_origin(&state, &headers, ctx.secure_cookies) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let secret = hex::encode(store::pii::random_bytes::<32>());
    let return_to = format!("{origin}{FACE_PATH}/done");
    match crate::flows::face_recovery::start(&state, &form.name, &form.id_number, &return_to, &crate::sessions::browser_secret_hash(&secret), &ctx.client).await {
        Ok(face_page) => {
            let cookie = axum_extra::extract::cookie::Cookie::build((FACE_COOKIE, secret))
                .path(FACE_PATH)
                .http_only(true)
                .same_site(axum_extra::extract::cookie::SameSite::Lax)
                .secure(ctx.secure_cookies)
                .build();
            (ctx.jar.add(cookie), Redirect::to(&face_page)).into_response()
        }
        Err(FlowError::Upstream(code)) => {
            let errors = FormErrors::general(code, ctx.lang);
            render(ctx, StatusCode::SERVICE_UNAVAILABLE, step, String::new(), errors)
        }
        Err(error) => refusal(ctx, step, String::new(), error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FaceReturn {
    token: String,
}

/// FaceID sends the browser back here: a pass gives the new-password step.
pub async fn face_done(State(state): State<AppState>, ctx: PageCtx, axum::extract::Query(back): axum::extract::Query<FaceReturn>) -> Response {
    let secret = ctx.jar.get(FACE_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let jar = ctx.jar.clone().remove(axum_extra::extract::cookie::Cookie::build(FACE_COOKIE).path(FACE_PATH));
    let ctx = PageCtx { jar, ..ctx };
    let step = Step::Face { name: String::new(), id_number: String::new() };
    if secret.is_empty() || back.token.is_empty() || back.token.len() > 128 {
        let errors = FormErrors::general("recovery.face_expired", ctx.lang);
        return render(ctx, StatusCode::BAD_REQUEST, step, String::new(), errors);
    }
    match crate::flows::face_recovery::finish(&state, &back.token, &crate::sessions::browser_secret_hash(&secret), &ctx.client).await {
        Ok(code) => render(ctx, StatusCode::OK, Step::NewPassword { code: code.code }, String::new(), FormErrors::default()),
        Err(FlowError::Invalid(errors)) => {
            let errors = FormErrors::general(errors.0.first().map(|e| e.code).unwrap_or("recovery.face_failed"), ctx.lang);
            render(ctx, StatusCode::UNPROCESSABLE_ENTITY, step, String::new(), errors)
        }
        Err(FlowError::Upstream(code)) => {
            let errors = FormErrors::general(code, ctx.lang);
            render(ctx, StatusCode::SERVICE_UNAVAILABLE, step, String::new(), errors)
        }
        Err(error) => refusal(ctx, step, String::new(), error),
    }
}

pub async fn set_password(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RecoverForm>) -> Response {
    let typed = form.typed_code.is_some();
    let step = if typed { Step::AuthorityCode { code: form.reset_token.clone() } } else { Step::NewPassword { code: form.reset_token.clone() } };
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, step, form.login, errors);
    }
    match reset(&state, &form.reset_token, &form.new_password, &form.new_password_confirm, &ctx.client).await {
        Ok(()) => Redirect::to("/login?reset=1").into_response(),
        Err(FlowError::Invalid(errors)) if typed => {
            let errors = FormErrors::from(&errors, ctx.lang);
            render(ctx, StatusCode::UNPROCESSABLE_ENTITY, step, form.login, errors)
        }
        Err(FlowError::Invalid(errors)) if errors.0.iter().any(|e| e.field == "reset_token") => {
            // The code is spent or has expired: start again.
            let errors = FormErrors::from(&errors, ctx.lang);
            render(ctx, StatusCode::UNPROCESSABLE_ENTITY, Step::Identify, form.login, errors)
        }
        Err(error) => refusal(ctx, step, form.login, error),
    }
}
