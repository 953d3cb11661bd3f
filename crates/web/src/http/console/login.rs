//! /admin/login → /admin/totp: password, then the authenticator's code (or, the first time, adding one).

use super::{ADMIN_COOKIE, ADMIN_PATH, HalfOpen, admin_cookie};
use crate::flows::FlowError;
use crate::flows::admin_login::{TOTP_ISSUER, check_code, check_password, enrolment_secret};
use crate::http::pages::{Chrome, FormErrors, PageCtx, error_page};
use crate::sessions::token_hash;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

pub enum LoginStep {
    Password,
    /// First login: the secret to add, as text and as a QR code (SVG).
    Enrol { secret: String, qr_svg: String },
    Code,
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    c: Chrome,
    step: LoginStep,
    login: String,
    errors: FormErrors,
}

fn render(ctx: PageCtx, status: StatusCode, step: LoginStep, login: String, errors: FormErrors) -> Response {
    let c = ctx.chrome("考务管理登录", "Console sign-in");
    ctx.render(status, LoginPage { c, step, login, errors })
}

/// Field errors and locks on the form; anything else as the error page.
fn refused(ctx: PageCtx, step: LoginStep, login: String, error: FlowError) -> Response {
    let lang = ctx.lang;
    let (status, errors) = match error {
        FlowError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        FlowError::InvalidCredentials => (StatusCode::UNAUTHORIZED, FormErrors::general("login.invalid_credentials", lang)),
        FlowError::Busy => (StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang)),
        locked @ FlowError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, FormErrors::refusal(locked, lang)),
        other => return error_page(lang, other.into_api(lang)),
    };
    render(ctx, status, step, login, errors)
}

pub async fn page(ctx: PageCtx) -> Response {
    render(ctx, StatusCode::OK, LoginStep::Password, String::new(), FormErrors::default())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    csrf_token: String,
    login: String,
    password: String,
}

pub async fn password(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<PasswordForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", ctx.lang);
        return render(ctx, StatusCode::FORBIDDEN, LoginStep::Password, form.login, errors);
    }
    match check_password(&state, &form.login, &form.password, &ctx.client).await {
        Ok(accepted) => {
            let jar = ctx.jar.add(admin_cookie(accepted.token, ctx.secure_cookies));
            (jar, Redirect::to("/admin/totp")).into_response()
        }
        Err(error) => refused(ctx, LoginStep::Password, form.login, error),
    }
}

/// The second step: a code, or (no authenticator yet) the secret to add first.
async fn second_step(state: &AppState, half: &HalfOpen) -> Result<LoginStep, FlowError> {
    if half.session.totp_enrolled {
        return Ok(LoginStep::Code);
    }
    let secret = enrolment_secret(state, &half.session).await?;
    let uri = secret.provisioning_uri(TOTP_ISSUER, &half.session.admin.username);
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    // The SVG comes from our own encoder; drop its XML prolog so it can sit inside the page.
    let qr_svg = qr_svg.find("<svg").map(|at| qr_svg[at..].to_owned()).unwrap_or_default();
    let grouped = secret.to_base32().as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect::<Vec<_>>().join(" ");
    Ok(LoginStep::Enrol { secret: grouped, qr_svg })
}

pub async fn totp_page(State(state): State<AppState>, half: HalfOpen) -> Response {
    match second_step(&state, &half).await {
        Ok(step) => render(half.page, StatusCode::OK, step, String::new(), FormErrors::default()),
        Err(error) => error_page(half.page.lang, error.into_api(half.page.lang)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    csrf_token: String,
    code: String,
}

pub async fn totp(State(state): State<AppState>, half: HalfOpen, Form(form): Form<CodeForm>) -> Response {
    let step = match second_step(&state, &half).await {
        Ok(step) => step,
        Err(error) => return error_page(half.page.lang, error.into_api(half.page.lang)),
    };
    if !half.page.csrf_ok(&form.csrf_token) {
        let errors = FormErrors::general("csrf.invalid", half.page.lang);
        return render(half.page, StatusCode::FORBIDDEN, step, String::new(), errors);
    }
    match check_code(&state, &half.session, &form.code, &half.page.client).await {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(error) => refused(half.page, step, String::new(), error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf_token: String,
}

pub async fn logout(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<LogoutForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return error_page(ctx.lang, crate::error::ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    if let Some(token) = ctx.jar.get(ADMIN_COOKIE).map(|c| c.value().to_owned()) {
        if let Err(error) = state.store.end_admin_session(&token_hash(&token)).await {
            return error_page(ctx.lang, error.into());
        }
    }
    let jar = ctx.jar.remove(Cookie::build(ADMIN_COOKIE).path(ADMIN_PATH));
    (jar, Redirect::to("/admin/login")).into_response()
}
