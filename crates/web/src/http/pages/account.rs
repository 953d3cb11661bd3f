//! Login and logout pages.

use super::{Chrome, FormErrors, PageCtx, cookie};
use crate::flows::FlowError;
use crate::flows::login::authenticate;
use crate::sessions::{SESSION_COOKIE, start_password_session};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub csrf_token: String,
    pub login: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    login: String,
    errors: FormErrors,
    logged_out: bool,
    reset: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    bye: Option<String>,
    reset: Option<String>,
}

pub async fn login_page(ctx: PageCtx, Query(query): Query<LoginQuery>) -> Response {
    if ctx.session.0.is_some() {
        return Redirect::to("/me").into_response();
    }
    let c = ctx.chrome("登录", "Log in");
    let page = LoginPage { c, login: String::new(), errors: FormErrors::default(), logged_out: query.bye.is_some(), reset: query.reset.is_some() };
    ctx.render(StatusCode::OK, page)
}

pub async fn login(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<LoginForm>) -> Response {
    let lang = ctx.lang;
    let failed = |ctx: PageCtx, status: StatusCode, code: &str, login: String| {
        let c = ctx.chrome("登录", "Log in");
        let errors = FormErrors::general(code, lang);
        let mut response = ctx.render(status, LoginPage { c, login, errors, logged_out: false, reset: false });
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(1));
        }
        response
    };
    if !ctx.csrf_ok(&form.csrf_token) {
        return failed(ctx, StatusCode::FORBIDDEN, "csrf.invalid", form.login);
    }
    match authenticate(&state, &form.login, &form.password, &ctx.client).await {
        Ok(verified) => match start_password_session(&state, verified, "web", &ctx.client).await {
            Ok(session) => {
                if let Some((_, old)) = &ctx.session.0 {
                    let _ = state.store.end_session(old).await;
                }
                let jar = ctx.jar.add(cookie(SESSION_COOKIE, session.token, ctx.secure_cookies));
                (jar, Redirect::to("/me")).into_response()
            }
            Err(error) if error.status.is_client_error() => failed(ctx, error.status, error.code(), form.login),
            Err(error) => super::error_page(lang, error),
        },
        Err(FlowError::Invalid(_)) => failed(ctx, StatusCode::UNPROCESSABLE_ENTITY, "login.required", form.login),
        Err(FlowError::InvalidCredentials) => failed(ctx, StatusCode::UNAUTHORIZED, "login.invalid_credentials", form.login),
        Err(FlowError::Busy) => failed(ctx, StatusCode::SERVICE_UNAVAILABLE, "service.busy", form.login),
        Err(locked @ FlowError::Locked { .. }) => {
            let c = ctx.chrome("登录", "Log in");
            let errors = FormErrors::refusal(locked, lang);
            ctx.render(StatusCode::TOO_MANY_REQUESTS, LoginPage { c, login: form.login, errors, logged_out: false, reset: false })
        }
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    pub csrf_token: String,
}

pub async fn logout(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<LogoutForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return super::error_page(ctx.lang, crate::error::ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    if let Some((_, token_hash)) = &ctx.session.0 {
        if let Err(error) = state.store.end_session(token_hash).await {
            return super::error_page(ctx.lang, error.into());
        }
    }
    let jar = ctx.jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/login?bye=1")).into_response()
}
