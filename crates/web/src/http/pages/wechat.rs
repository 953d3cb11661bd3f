//! 微信绑定与关注: the binding QR code (one-time, rendered by kaowu), which turns into "已绑定" by itself once
//! scanned — the page asks the server every two seconds — and the follow state.

use super::{Chrome, PageCtx};
use crate::flows::FlowError;
use crate::flows::wechat::{
    ACCOUNT_BOUND, LOGIN_NOT_BOUND, OPENID_TAKEN, SCENE_UNUSABLE, bound_and_following, start_binding, start_follow, start_login, unbind,
};
use crate::sessions::{SESSION_COOKIE, start_session};
use axum_extra::extract::cookie::{Cookie, SameSite};
use crate::state::{AppState, now};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "wechat.html")]
struct WechatPage {
    c: Chrome,
    bound: bool,
    following: bool,
    /// The binding code, when not bound yet: its scene and the QR as inline SVG.
    scene: Option<String>,
    qr_svg: String,
    error: Option<String>,
    unbound: bool,
    unbind_error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    unbound: Option<String>,
}

/// Binding and unbinding are sensitive changes: the page asks for the password first when the last proof is
/// older than 15 minutes.
pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<PageQuery>) -> Response {
    match &ctx.session.0 {
        Some((session, _)) if !super::reauth::is_fresh(session) => super::reauth::confirm_first("/me/wechat"),
        _ => render(&state, ctx, query.unbound.is_some(), None, StatusCode::OK).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnbindForm {
    csrf_token: String,
}

/// Unbinding needs a recent proof of identity; afterwards the WeChat step is open until a WeChat is bound again.
pub async fn unbind_wechat(State(state): State<AppState>, ctx: PageCtx, axum::Form(form): axum::Form<UnbindForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        let message = crate::i18n::error_message("csrf.invalid", None, lang);
        return render(&state, ctx, false, Some(message), StatusCode::FORBIDDEN).await;
    }
    if !super::reauth::is_fresh(session) {
        return super::reauth::confirm_first("/me/wechat");
    }
    match unbind(&state, &session.account_id).await {
        Ok(()) => Redirect::to("/me/wechat?unbound=1").into_response(),
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}

async fn render(state: &AppState, ctx: PageCtx, unbound: bool, unbind_error: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let account_id = session.account_id.clone();
    let (bound, following) = match bound_and_following(state, &account_id).await {
        Ok(state) => state,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    // Not bound: the binding code (a scan by someone not following follows too). Bound but not following: a
    // code that follows the account.
    let (mut scene, mut qr_svg, mut error) = (None, String::new(), None);
    if !(bound && following) {
        let started = if bound { start_follow(state, &account_id).await } else { start_binding(state, &account_id).await };
        match started {
            Ok(created) => {
                qr_svg = qr_svg_for(&created.qr_url);
                scene = Some(created.scene);
            }
            Err(FlowError::Upstream(code)) => error = Some(crate::i18n::error_message(code, None, lang)),
            Err(other) => return super::error_page(lang, other.into_api(lang)),
        }
    }
    let c = ctx.chrome("微信绑定与关注", "WeChat binding");
    ctx.render(status, WechatPage { c, bound, following, scene, qr_svg, error, unbound, unbind_error })
}

/// The QR code for `url`, as an SVG element to place in the page (no script, no external resource).
fn qr_svg_for(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    scene: String,
}

#[derive(Serialize)]
pub struct BindingStatus {
    /// `waiting`, `bound`, `following` (a follow code), `taken`, `account_bound` or `expired`.
    state: &'static str,
    message: String,
}

/// What became of the candidate's binding code; only the candidate who owns the code may ask.
pub async fn status(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<StatusQuery>) -> Response {
    let Some((session, _)) = &ctx.session.0 else { return StatusCode::UNAUTHORIZED.into_response() };
    let scene = match state.store.wechat_scene(&query.scene).await {
        Ok(Some(scene)) if scene.account_id.as_deref() == Some(session.account_id.as_str()) => scene,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return crate::error::ApiError::from(error).into_response(),
    };
    let zh_en = |zh: &str, en: &str| ctx.lang.pick(zh, en).to_owned();
    let answer = match scene.outcome.as_deref() {
        Some("bound") => BindingStatus { state: "bound", message: zh_en("已绑定", "Bound") },
        Some("following") => BindingStatus { state: "following", message: zh_en("已关注", "Following") },
        Some("taken") => BindingStatus { state: "taken", message: zh_en(OPENID_TAKEN, "This WeChat is bound to another candidate; one WeChat binds one candidate.") },
        Some(_) => BindingStatus { state: "account_bound", message: zh_en(ACCOUNT_BOUND, "This account is bound to another WeChat.") },
        None if scene.expires_at <= now() => BindingStatus { state: "expired", message: zh_en(SCENE_UNUSABLE, "The code has expired; reload the page for a new one.") },
        None => BindingStatus { state: "waiting", message: zh_en("等待扫码…", "Waiting for the scan…") },
    };
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

/// The cookie holding the secret that ties a login QR code to the browser showing it.
const LOGIN_SECRET_COOKIE: &str = "kaowu_wxlogin";

#[derive(Template)]
#[template(path = "login_wechat.html")]
struct LoginWechatPage {
    c: Chrome,
    scene: Option<String>,
    qr_svg: String,
    error: Option<String>,
    /// Whether the open-platform website login is offered too.
    website_login: bool,
}

/// 微信扫码登录: a one-time login code for this browser.
pub async fn login_page(State(state): State<AppState>, ctx: PageCtx) -> Response {
    if ctx.session.0.is_some() {
        return Redirect::to("/me").into_response();
    }
    render_login(&state, ctx, None, StatusCode::OK).await
}

/// The WeChat login page with a fresh one-time code, and `notice` when an earlier attempt came to nothing.
pub(super) async fn render_login(state: &AppState, ctx: PageCtx, notice: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let secret = hex::encode(store::pii::random_bytes::<32>());
    let (mut scene, mut qr_svg, mut error) = (None, String::new(), notice);
    match start_login(state, &crate::sessions::browser_secret_hash(&secret)).await {
        Ok(created) => {
            qr_svg = qr_svg_for(&created.qr_url);
            scene = Some(created.scene);
        }
        Err(FlowError::Upstream(code)) => error = Some(crate::i18n::error_message(code, None, lang)),
        Err(other) => return super::error_page(lang, other.into_api(lang)),
    }
    let cookie = Cookie::build((LOGIN_SECRET_COOKIE, secret))
        .path("/login/wechat")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(ctx.secure_cookies)
        .build();
    let c = ctx.chrome("微信扫码登录", "Log in with WeChat");
    let website_login = state.wechat_website.is_some();
    let ctx = PageCtx { jar: ctx.jar.clone().add(cookie), ..ctx };
    ctx.render(status, LoginWechatPage { c, scene, qr_svg, error, website_login })
}

#[derive(Serialize)]
pub struct LoginStatus {
    /// `waiting`, `done` (logged in: go to `redirect`), `not_bound` or `expired`.
    state: &'static str,
    message: String,
    redirect: Option<&'static str>,
}

/// Polled by the login page: once a bound WeChat has scanned this browser's code, logs the browser in.
pub async fn login_status(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<StatusQuery>) -> Response {
    let lang = ctx.lang;
    let Some(secret) = ctx.jar.get(LOGIN_SECRET_COOKIE).map(|c| c.value().to_owned()) else { return StatusCode::NOT_FOUND.into_response() };
    let browser_hash = crate::sessions::browser_secret_hash(&secret);
    let scene = match state.store.wechat_scene(&query.scene).await {
        Ok(Some(scene)) if scene.purpose == "login" && scene.browser_hash.as_deref() == Some(browser_hash.as_str()) => scene,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return crate::error::ApiError::from(error).into_response(),
    };
    let answer = |state: &'static str, zh: &str, en: &str| {
        let mut response = Json(LoginStatus { state, message: lang.pick(zh, en).to_owned(), redirect: None }).into_response();
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
        response
    };
    match scene.outcome.as_deref() {
        Some("ready") => {
            let account_id = match state.store.consume_wechat_login(&scene.scene, &browser_hash, now()).await {
                Ok(Some(account_id)) => account_id,
                Ok(None) => return answer("expired", SCENE_UNUSABLE, "The code has expired; reload the page."),
                Err(error) => return crate::error::ApiError::from(error).into_response(),
            };
            match start_session(&state, &account_id, "web", crate::flows::login::LoginMethod::WechatScan, &ctx.client).await {
                Ok(session) => {
                    let jar = ctx.jar.clone().add(super::cookie(SESSION_COOKIE, session.token, ctx.secure_cookies)).remove(Cookie::build(LOGIN_SECRET_COOKIE).path("/login/wechat"));
                    let body = LoginStatus { state: "done", message: lang.pick("登录成功", "Logged in").to_owned(), redirect: Some("/me") };
                    (jar, [(axum::http::header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
                }
                Err(error) => error.into_response(),
            }
        }
        Some("not_bound") => answer("not_bound", LOGIN_NOT_BOUND, "This WeChat is not bound to a candidate account. Log in with your password and bind it first."),
        Some(_) => answer("expired", SCENE_UNUSABLE, "The code has been used; reload the page."),
        None if scene.expires_at <= now() => answer("expired", SCENE_UNUSABLE, "The code has expired; reload the page."),
        None => answer("waiting", "等待扫码…", "Waiting for the scan…"),
    }
}
