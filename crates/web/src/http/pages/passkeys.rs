//! 通行密钥: the account page's list of passkeys (after a recent proof of identity), adding one by the
//! browser's WebAuthn prompt and removing one; and "使用通行密钥登录" on the login page. The ceremonies run in
//! `passkey.js`, which posts JSON here with the page's CSRF token in a header.

use super::{Chrome, PageCtx, cookie};
use crate::error::ApiError;
use crate::flows::FlowError;
use crate::flows::login::LoginMethod;
use crate::flows::passkeys;
use crate::sessions::{SESSION_COOKIE, start_session};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;

const PATH: &str = "/me/passkeys";
const CSRF_HEADER: &str = "x-csrf-token";

struct PasskeyRow {
    id: String,
    name: String,
    added: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "passkeys.html")]
struct PasskeysPage {
    c: Chrome,
    passkeys: Vec<PasskeyRow>,
    can_add: bool,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    added: Option<String>,
    removed: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<PageQuery>) -> Response {
    let lang = ctx.lang;
    let session = match &ctx.session.0 {
        None => return Redirect::to("/login").into_response(),
        Some((session, _)) if !super::reauth::is_fresh(session) => return super::reauth::confirm_first(PATH),
        Some((session, _)) => session.clone(),
    };
    let stored = match state.store.passkeys(&session.account_id).await {
        Ok(stored) => stored,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let never = lang.pick("从未使用", "Never");
    let passkeys: Vec<PasskeyRow> = stored
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.credential_id,
            name: p.name,
            added: beijing_time(p.created_at),
            last_used: p.last_used_at.map(beijing_time).unwrap_or_else(|| never.to_owned()),
        })
        .collect();
    let notice = if query.added.is_some() {
        Some(lang.pick("通行密钥已添加，下次可在登录页点“使用通行密钥登录”。", "The passkey is added: next time, choose “Log in with a passkey” on the login page."))
    } else if query.removed.is_some() {
        Some(lang.pick("通行密钥已删除，它不能再登录。", "The passkey is removed and can no longer log in."))
    } else {
        None
    };
    let can_add = passkeys.len() < domain::passkey::MAX_PER_ACCOUNT;
    let c = ctx.chrome("通行密钥", "Passkeys");
    ctx.render(StatusCode::OK, PasskeysPage { c, passkeys, can_add, notice })
}

/// The checks every JSON call from the page makes: the CSRF header, and for changes to the account a session
/// whose owner proved who they are within 15 minutes.
fn csrf_checked(ctx: &PageCtx, headers: &HeaderMap) -> Result<(), Response> {
    let submitted = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ctx.csrf_ok(submitted) { Ok(()) } else { Err(ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid").in_lang(ctx.lang).into_response()) }
}

fn fresh_account(ctx: &PageCtx, headers: &HeaderMap) -> Result<String, Response> {
    csrf_checked(ctx, headers)?;
    match &ctx.session.0 {
        None => Err(ApiError::unauthorized("auth.required").in_lang(ctx.lang).into_response()),
        Some((session, _)) if !super::reauth::is_fresh(session) => Err(ApiError::new(StatusCode::FORBIDDEN, "reauth.required").in_lang(ctx.lang).into_response()),
        Some((session, _)) => Ok(session.account_id.clone()),
    }
}

fn flow_error(error: FlowError, lang: crate::i18n::Lang) -> Response {
    error.into_api(lang).into_response()
}

pub async fn registration_options(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Response {
    let account_id = match fresh_account(&ctx, &headers) {
        Ok(account_id) => account_id,
        Err(refused) => return refused,
    };
    match passkeys::start_registration(&state, &account_id).await {
        Ok(options) => Json(options).into_response(),
        Err(error) => flow_error(error, ctx.lang),
    }
}

#[derive(Deserialize)]
pub struct NewPasskeyBody {
    #[serde(default)]
    name: String,
    credential: serde_json::Value,
}

pub async fn register(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap, body: crate::http::api::json::ApiJson<NewPasskeyBody>) -> Response {
    let account_id = match fresh_account(&ctx, &headers) {
        Ok(account_id) => account_id,
        Err(refused) => return refused,
    };
    match passkeys::finish_registration(&state, &account_id, &body.0.name, &body.0.credential, &ctx.client).await {
        Ok(_) => Json(serde_json::json!({ "next": format!("{PATH}?added=1") })).into_response(),
        Err(error) => flow_error(error, ctx.lang),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    csrf_token: String,
    credential_id: String,
}

pub async fn remove(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<RemoveForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !super::reauth::is_fresh(&session) {
        return super::reauth::confirm_first(PATH);
    }
    if !ctx.csrf_ok(&form.csrf_token) {
        return super::error_page(lang, ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    match passkeys::remove(&state, &session.account_id, &form.credential_id, &ctx.client).await {
        Ok(_) => Redirect::to(&format!("{PATH}?removed=1")).into_response(),
        Err(error) => super::error_page(lang, error.into_api(lang)),
    }
}

pub async fn login_options(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Response {
    if let Err(refused) = csrf_checked(&ctx, &headers) {
        return refused;
    }
    match passkeys::start_login(&state).await {
        Ok(options) => Json(options).into_response(),
        Err(error) => flow_error(error, ctx.lang),
    }
}

#[derive(Deserialize)]
pub struct PasskeyLoginBody {
    credential: serde_json::Value,
}

/// A passkey answered the login challenge: a session for its account, replacing any this browser had.
pub async fn login(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap, body: crate::http::api::json::ApiJson<PasskeyLoginBody>) -> Response {
    if let Err(refused) = csrf_checked(&ctx, &headers) {
        return refused;
    }
    let account_id = match passkeys::finish_login(&state, &body.0.credential, &ctx.client).await {
        Ok(account_id) => account_id,
        Err(error) => return flow_error(error, ctx.lang),
    };
    match start_session(&state, &account_id, "web", LoginMethod::Passkey, &ctx.client).await {
        Ok(session) => {
            if let Some((_, old)) = &ctx.session.0 {
                let _ = state.store.end_session(old).await;
            }
            let jar = ctx.jar.add(cookie(SESSION_COOKIE, session.token, ctx.secure_cookies));
            (jar, Json(serde_json::json!({ "next": "/me" }))).into_response()
        }
        Err(error) => error.in_lang(ctx.lang).into_response(),
    }
}
