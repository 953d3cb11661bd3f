//! The simulated open.weixin.qq.com website login (shared/protocols.md §2.1): `connect/qrconnect` checks the
//! request as WeChat does and shows a waiting page in place of WeChat's QR code; when the person decides on the
//! phone page, the waiting page sends the browser back to `redirect_uri` with `code` and `state` (only `state`
//! when they refused). The waiting page reloads itself: no script, so kaowu's Content-Security-Policy holds.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::html_escape as escape;
use super::simulator::WechatSimulator;

pub(super) fn router(sim: WechatSimulator) -> Router {
    Router::new().route("/connect/qrconnect", get(qrconnect)).route("/connect/qrconnect/wait", get(wait)).with_state(sim)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConnectQuery {
    appid: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: Option<String>,
}

fn refusal(message: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>微信登录（模拟）</title></head>\
         <body><main><h1>微信登录（模拟）</h1><p role=\"alert\">{}</p></main></body></html>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

async fn qrconnect(State(sim): State<WechatSimulator>, Query(q): Query<ConnectQuery>) -> Response {
    if q.response_type != "code" {
        return refusal("response_type 参数错误");
    }
    if q.scope != "snsapi_login" {
        return refusal("Scope 参数错误或没有 Scope 权限");
    }
    let redirect_ok = reqwest::Url::parse(&q.redirect_uri).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
    if !redirect_ok {
        return refusal("redirect_uri 参数错误");
    }
    if q.state.as_ref().is_some_and(|state| state.len() > 128) {
        return refusal("state 参数过长");
    }
    match sim.start_web_login(&q.appid, &q.redirect_uri, q.state) {
        // Relative to …/connect/qrconnect, so it works wherever the simulator is mounted.
        Some(uuid) => Redirect::to(&format!("qrconnect/wait?uuid={uuid}")).into_response(),
        None => refusal("AppID 参数错误"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WaitQuery {
    uuid: String,
}

async fn wait(State(sim): State<WechatSimulator>, Query(q): Query<WaitQuery>) -> Response {
    let Some(login) = sim.web_login(&q.uuid) else { return refusal("二维码已失效，请返回网站重新发起登录") };
    match login.decision {
        None => {
            let page = format!(
                "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"refresh\" content=\"1; url=wait?uuid={}\">\
                 <title>微信登录（模拟）</title></head><body><main><h1>微信登录（模拟）</h1>\
                 <p>请使用微信扫描二维码登录。</p><p>模拟器中没有真的二维码：请打开<a href=\"../../phone\">模拟微信</a>，\
                 在“网站登录请求”中确认编号 <strong data-testid=\"web-login-uuid\">{}</strong>。</p></main></body></html>",
                escape(&login.uuid),
                escape(&login.uuid[..8])
            );
            Html(page).into_response()
        }
        Some(code) => {
            let Ok(mut back) = reqwest::Url::parse(&login.redirect_uri) else { return refusal("redirect_uri 参数错误") };
            {
                let mut query = back.query_pairs_mut();
                if let Some(code) = &code {
                    query.append_pair("code", code);
                }
                if let Some(state) = &login.state {
                    query.append_pair("state", state);
                }
            }
            Redirect::to(back.as_str()).into_response()
        }
    }
}
