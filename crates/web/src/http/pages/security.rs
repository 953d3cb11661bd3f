//! 登录设备与记录: where the candidate is logged in (ending any session) and how they logged in lately.

use super::{Chrome, PageCtx};
use crate::flows::security::{describe_device, end_own_session, overview};
use crate::i18n::Lang;
use crate::sessions::SESSION_COOKIE;
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

struct SessionRow {
    id: String,
    device: String,
    channel: String,
    ip: String,
    started: String,
    last_seen: String,
    current: bool,
}

struct EventRow {
    at: String,
    method: String,
    outcome: String,
    ok: bool,
    ip: String,
    device: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    c: Chrome,
    sessions: Vec<SessionRow>,
    history: Vec<EventRow>,
}

fn channel_name(channel: &str, lang: Lang) -> String {
    match channel {
        "web" => lang.pick("网页", "Web"),
        "miniprogram" => lang.pick("小程序", "Mini-program"),
        _ => lang.pick("应用接口", "API"),
    }
    .to_owned()
}

pub(crate) fn method_name(method: &str, lang: Lang) -> String {
    match method {
        "password" => lang.pick("密码", "Password"),
        "registration" => lang.pick("注册后自动登录", "After registering"),
        "wechat_scan" => lang.pick("微信扫码", "WeChat scan"),
        "wechat_web" => lang.pick("微信网页授权", "WeChat login page"),
        "wechat_miniprogram" => lang.pick("微信小程序", "WeChat mini-program"),
        "security_answer" => lang.pick("安全问题（找回密码）", "Security question (password reset)"),
        "password_reset" => lang.pick("重置密码", "Password reset"),
        "face_check" => lang.pick("人脸识别（找回密码）", "Face check (password reset)"),
        "passkey" => lang.pick("通行密钥", "Passkey"),
        "passkey_added" => lang.pick("添加通行密钥", "Passkey added"),
        "passkey_removed" => lang.pick("删除通行密钥", "Passkey removed"),
        other => other,
    }
    .to_owned()
}

pub(crate) fn outcome_name(outcome: &str, lang: Lang) -> String {
    match outcome {
        "ok" => lang.pick("成功", "Succeeded"),
        "locked" => lang.pick("已锁定，被拒绝", "Refused: locked"),
        "refused" => lang.pick("验证未通过", "Not verified"),
        _ => lang.pick("密码错误", "Wrong password"),
    }
    .to_owned()
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let lang = ctx.lang;
    let Some((session, current_hash)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let found = match overview(&state, &session.account_id).await {
        Ok(found) => found,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    let sessions = found
        .sessions
        .into_iter()
        .map(|s| SessionRow {
            current: s.token_hash == *current_hash,
            device: describe_device(s.user_agent.as_deref()),
            channel: channel_name(&s.channel, lang),
            ip: s.client_ip.unwrap_or_default(),
            started: beijing_time(s.created_at),
            last_seen: beijing_time(s.last_seen_at),
            id: s.token_hash,
        })
        .collect();
    let history = found
        .history
        .into_iter()
        .map(|e| EventRow {
            at: beijing_time(e.at),
            method: method_name(&e.method, lang),
            ok: e.outcome == "ok",
            outcome: outcome_name(&e.outcome, lang),
            ip: e.client_ip.unwrap_or_default(),
            device: describe_device(e.user_agent.as_deref()),
        })
        .collect();
    let c = ctx.chrome("登录设备与记录", "Devices and logins");
    ctx.render(StatusCode::OK, SecurityPage { c, sessions, history })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndSessionForm {
    csrf_token: String,
    session: String,
}

/// Ends one of the candidate's sessions; ending this browser's own is logging out.
pub async fn end_session(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<EndSessionForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, current_hash)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        return super::error_page(lang, crate::error::ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    if let Err(error) = end_own_session(&state, &session.account_id, &form.session).await {
        return super::error_page(lang, error.into_api(lang));
    }
    if form.session == current_hash {
        let jar = ctx.jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
        return (jar, Redirect::to("/login?bye=1")).into_response();
    }
    Redirect::to("/me/security").into_response()
}
