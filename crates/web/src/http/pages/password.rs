//! 修改密码: the current password, the new one twice. Afterwards only this browser stays logged in.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::password::{PasswordChange, change_password};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    errors: FormErrors,
    changed: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    changed: Option<String>,
}

pub async fn page(ctx: PageCtx, Query(query): Query<PageQuery>) -> Response {
    if ctx.session.0.is_none() {
        return Redirect::to("/login").into_response();
    }
    let c = ctx.chrome("修改密码", "Change password");
    ctx.render(StatusCode::OK, PasswordPage { c, errors: FormErrors::default(), changed: query.changed.is_some() })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

/// Passwords are never sent back into the form: after a refusal the candidate types them again.
pub async fn change(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<PasswordForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, token_hash)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    let refused = |ctx: PageCtx, status: StatusCode, errors: FormErrors| {
        let c = ctx.chrome("修改密码", "Change password");
        ctx.render(status, PasswordPage { c, errors, changed: false })
    };
    if !ctx.csrf_ok(&form.csrf_token) {
        return refused(ctx, StatusCode::FORBIDDEN, FormErrors::general("csrf.invalid", lang));
    }
    let change = PasswordChange { current: &form.current_password, new: &form.new_password, confirm: &form.new_password_confirm };
    match change_password(&state, &session.account_id, &token_hash, &change, &ctx.client).await {
        Ok(_) => Redirect::to("/me/password?changed=1").into_response(),
        Err(FlowError::Invalid(errors)) => refused(ctx, StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang)),
        Err(FlowError::Busy) => refused(ctx, StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang)),
        Err(locked @ FlowError::Locked { .. }) => {
            let errors = FormErrors::refusal(locked, lang);
            refused(ctx, StatusCode::TOO_MANY_REQUESTS, errors)
        }
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}
