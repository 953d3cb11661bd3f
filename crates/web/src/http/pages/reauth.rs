//! 身份确认: the password again before a sensitive change (binding or unbinding WeChat, and what issue 5 adds),
//! when the session's last proof is older than 15 minutes (security.md). Counted like a login.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::login::confirm_password;
use crate::state::{AppState, now};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::sessions::ActiveSession;

/// Whether the session's owner proved who they are recently enough for a sensitive change.
pub fn is_fresh(session: &ActiveSession) -> bool {
    domain::reauthentication::is_recent(session.reauthenticated_at, now())
}

/// Where to send a stale session first: the confirmation page, coming back to `next` afterwards.
pub fn confirm_first(next: &str) -> Response {
    Redirect::to(&format!("/me/reauth?next={}", domain::percent::encode(next))).into_response()
}

/// Only this site's own candidate pages are places to come back to (no open redirect).
fn safe_next(next: &str) -> &str {
    let own_page = next.starts_with("/me") && !next.contains('\\') && next.len() <= 200 && next.bytes().all(|b| b.is_ascii_graphic());
    if own_page { next } else { "/me" }
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    c: Chrome,
    next: String,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReauthQuery {
    next: String,
}

pub async fn page(ctx: PageCtx, Query(query): Query<ReauthQuery>) -> Response {
    if ctx.session.0.is_none() {
        return Redirect::to("/login").into_response();
    }
    let c = ctx.chrome("身份确认", "Confirm it is you");
    ctx.render(StatusCode::OK, ReauthPage { c, next: safe_next(&query.next).to_owned(), errors: FormErrors::default() })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReauthForm {
    csrf_token: String,
    password: String,
    next: String,
}

pub async fn confirm(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<ReauthForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, token_hash)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    let next = safe_next(&form.next).to_owned();
    let refused = |ctx: PageCtx, status: StatusCode, errors: FormErrors, next: String| {
        let c = ctx.chrome("身份确认", "Confirm it is you");
        ctx.render(status, ReauthPage { c, next, errors })
    };
    if !ctx.csrf_ok(&form.csrf_token) {
        return refused(ctx, StatusCode::FORBIDDEN, FormErrors::general("csrf.invalid", lang), next);
    }
    match confirm_password(&state, &session.account_id, &form.password, &ctx.client).await {
        Ok(true) => match state.store.mark_reauthenticated(&token_hash, now()).await {
            Ok(()) => Redirect::to(&next).into_response(),
            Err(error) => super::error_page(lang, error.into()),
        },
        Ok(false) => {
            let errors = FormErrors { messages: vec![("password".to_owned(), crate::i18n::error_message("password.current_wrong", None, lang))] };
            refused(ctx, StatusCode::UNPROCESSABLE_ENTITY, errors, next)
        }
        Err(FlowError::Busy) => refused(ctx, StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang), next),
        Err(locked @ FlowError::Locked { .. }) => {
            let errors = FormErrors::refusal(locked, lang);
            refused(ctx, StatusCode::TOO_MANY_REQUESTS, errors, next)
        }
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}
