//! The open-platform website login (网站应用微信登录, shared/protocols.md §2.1): kaowu sends the browser to
//! WeChat's qrconnect page with a one-time `state` it also keeps in a cookie; WeChat sends it back with a code.
//! Only a browser that holds the matching cookie gets further — a link with someone else's code and state
//! (login CSRF) does nothing — and only a WeChat bound to a candidate logs anybody in.

use super::PageCtx;
use super::wechat::render_login;
use crate::flows::FlowError;
use crate::flows::wechat_login::login_by_website_code;
use crate::sessions::{SESSION_COOKIE, start_session};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use subtle::ConstantTimeEq;

const STATE_COOKIE: &str = "kaowu_wxstate";
const COOKIE_PATH: &str = "/login/wechat";
/// WeChat's codes live about 10 minutes; a login not finished by then starts again.
const STATE_MAX_AGE_SECS: i64 = 600;
pub const CALLBACK_PATH: &str = "/login/wechat/callback";

/// Starts the website login: to WeChat's QR page, with a fresh `state`.
pub async fn start(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Response {
    let lang = ctx.lang;
    if ctx.session.0.is_some() {
        return Redirect::to("/me").into_response();
    }
    let (Some(api), Some(settings)) = (state.wechat_website.as_ref(), state.settings.wechat.as_ref()) else {
        let notice = crate::i18n::error_message("wechat.not_configured", None, lang);
        return render_login(&state, ctx, Some(notice), StatusCode::NOT_FOUND).await;
    };
    let Some(origin) = public_origin(&state, &headers, ctx.secure_cookies) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let csrf_state = hex::encode(store::pii::random_bytes::<16>());
    let target = api.qrconnect_url(&settings.open_base, &format!("{origin}{CALLBACK_PATH}"), &csrf_state);
    let cookie = Cookie::build((STATE_COOKIE, csrf_state))
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(ctx.secure_cookies)
        .max_age(time::Duration::seconds(STATE_MAX_AGE_SECS))
        .build();
    (ctx.jar.add(cookie), Redirect::to(&target)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: String,
}

/// WeChat sends the browser back here: with `code` when the person consented, without when they refused.
pub async fn callback(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<CallbackQuery>) -> Response {
    let lang = ctx.lang;
    let expected = ctx.jar.get(STATE_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let jar = ctx.jar.clone().remove(Cookie::build(STATE_COOKIE).path(COOKIE_PATH));
    let ctx = PageCtx { jar, ..ctx };
    let state_matches = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(query.state.as_bytes()));
    if !state_matches {
        tracing::warn!("website WeChat login with a state this browser did not start");
        let notice = crate::i18n::error_message("wechat.login_state", None, lang);
        return render_login(&state, ctx, Some(notice), StatusCode::BAD_REQUEST).await;
    }
    let Some(code) = query.code else {
        let notice = crate::i18n::error_message("wechat.login_refused", None, lang);
        return render_login(&state, ctx, Some(notice), StatusCode::OK).await;
    };
    let account_id = match login_by_website_code(&state, &code).await {
        Ok(account_id) => account_id,
        Err(FlowError::Invalid(errors)) => {
            let notice = errors.0.first().map(|e| crate::i18n::error_message(e.code, None, lang));
            return render_login(&state, ctx, notice, StatusCode::BAD_REQUEST).await;
        }
        Err(FlowError::Refused(code)) => {
            return render_login(&state, ctx, Some(crate::i18n::error_message(code, None, lang)), StatusCode::FORBIDDEN).await;
        }
        Err(FlowError::Upstream(code)) => {
            return render_login(&state, ctx, Some(crate::i18n::error_message(code, None, lang)), StatusCode::SERVICE_UNAVAILABLE).await;
        }
        Err(other) => return super::error_page(lang, other.into_api(lang)),
    };
    // A browser that was logged in as someone else leaves that session behind, not merely its cookie.
    if let Some((_, previous)) = &ctx.session.0 {
        if let Err(error) = state.store.end_session(previous).await {
            return super::error_page(lang, error.into());
        }
    }
    match start_session(&state, &account_id, "web", crate::flows::login::LoginMethod::WechatWebsite, &ctx.client).await {
        Ok(session) => {
            let jar = ctx.jar.add(super::cookie(SESSION_COOKIE, session.token, ctx.secure_cookies));
            (jar, Redirect::to("/me")).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// This site's address as browsers reach it: `public_url` when configured, else the request's Host (WeChat and
/// FaceID only send browsers back to addresses registered with them, so a forged Host goes nowhere).
pub(super) fn public_origin(state: &AppState, headers: &HeaderMap, secure: bool) -> Option<String> {
    if let Some(url) = &state.settings.public_url {
        return Some(url.clone());
    }
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let plausible = !host.is_empty() && host.len() <= 255 && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    plausible.then(|| format!("{}://{host}", if secure { "https" } else { "http" }))
}
