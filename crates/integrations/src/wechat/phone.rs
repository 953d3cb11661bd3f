//! The simulator's "phone": a page where a tester plays a WeChat user. It lists the simulated users and the QR
//! codes the simulated API has issued; "扫一扫" sends kaowu's callback the push WeChat would send (SCAN for a
//! follower, subscribe with `qrscene_` otherwise), signed and, in safe or compatible mode, encrypted, and shows
//! WeChat's view of the reply. Plain HTML forms: it works under kaowu's strict Content-Security-Policy.

use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::simulator::WechatSimulator;
use super::{MessageCrypto, MessageMode, signature, xml};
use crate::html_escape as escape;

/// Where the simulated WeChat delivers pushes: kaowu's callback and its keys.
#[derive(Clone)]
pub struct CallbackTarget {
    pub url: String,
    pub token: String,
    pub mode: MessageMode,
    pub crypto: Option<MessageCrypto>,
    /// The account's original id (gh_…), the pushes' ToUserName.
    pub original_id: String,
}

/// The simulated users (openid, nickname), and who follows the account.
pub const USERS: [(&str, &str); 3] = [("oSIMUSER0000000000000000001", "张三"), ("oSIMUSER0000000000000000002", "阿依古丽"), ("oSIMUSER0000000000000000003", "买买提")];

#[derive(Default)]
pub(super) struct PhoneState {
    pub target: Option<CallbackTarget>,
    pub following: Vec<String>,
    /// The last thing WeChat showed the user (kaowu's reply), per openid.
    pub last_reply: Vec<(String, String)>,
    /// The last mini-program login code made for each user (for testers to send to kaowu by hand).
    pub mini_codes: Vec<(String, String)>,
    pub clock: i64,
}

pub(super) fn router(sim: WechatSimulator) -> Router {
    Router::new()
        .route("/phone", get(page))
        .route("/phone/scan", post(scan))
        .route("/phone/unfollow", post(unfollow))
        .route("/phone/web-login", post(web_login))
        .route("/phone/wx-login", post(wx_login))
        .route("/phone/face", post(face_check))
        .with_state(sim)
}


async fn page(State(sim): State<WechatSimulator>) -> Html<String> {
    let tickets = sim.recent_tickets();
    let web_logins = sim.waiting_web_logins();
    let mini_program = sim.mini_program_appid().is_some();
    let phone = sim.phone();
    let state = phone.lock().expect("phone lock");
    let mut html = String::from(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>模拟微信（测试用）</title></head><body><main><h1>模拟微信（测试用）</h1>\
         <p>这里扮演考生的手机微信：选择一个模拟用户，对考生管理平台页面上的二维码“扫一扫”。</p>",
    );
    if state.target.is_none() {
        html.push_str("<p role=\"alert\">未配置回调地址：模拟器无法向考生管理平台发送事件。</p>");
    }
    for (openid, nickname) in USERS {
        let follows = state.following.iter().any(|f| f == openid);
        html.push_str(&format!(
            "<section aria-labelledby=\"u-{openid}\"><h2 id=\"u-{openid}\">{} <small>{}</small></h2>",
            escape(nickname),
            if follows { "已关注公众号" } else { "未关注公众号" }
        ));
        if let Some((_, code)) = state.mini_codes.iter().rev().find(|(o, _)| o == openid) {
            html.push_str(&format!(
                "<p>小程序 wx.login() 凭证（一次有效）：<code data-testid=\"mini-code-{openid}\">{}</code><br>\
                 发送到 POST /api/v1/sessions/wechat-miniprogram {{\"code\": \"…\"}} 即可登录已绑定的考生账号。</p>",
                escape(code)
            ));
        }
        if mini_program {
            html.push_str(&format!(
                "<form method=\"post\" action=\"/sim/wechat/phone/wx-login\"><input type=\"hidden\" name=\"openid\" value=\"{openid}\">\
                 <button type=\"submit\">{}打开小程序（wx.login）</button></form>",
                escape(nickname)
            ));
        }
        if let Some((_, reply)) = state.last_reply.iter().rev().find(|(o, _)| o == openid) {
            html.push_str(&format!("<p data-testid=\"reply-{openid}\">公众号回复：{}</p>", escape(reply)));
        }
        if tickets.is_empty() {
            html.push_str("<p>还没有二维码。</p>");
        }
        for (ticket, scene) in &tickets {
            let what = if scene.starts_with("bind:") { "绑定二维码" } else if scene.starts_with("login:") { "登录二维码" } else if scene.starts_with("follow:") { "关注二维码" } else { "二维码" };
            html.push_str(&format!(
                "<form method=\"post\" action=\"/sim/wechat/phone/scan\"><input type=\"hidden\" name=\"openid\" value=\"{openid}\">\
                 <input type=\"hidden\" name=\"ticket\" value=\"{}\"><button type=\"submit\">{}扫一扫{}（{}）</button></form>",
                escape(ticket),
                escape(nickname),
                what,
                escape(&scene.chars().take(14).collect::<String>())
            ));
        }
        for login in web_logins.iter().rev().take(3) {
            let short = escape(&login.uuid[..8]);
            html.push_str(&format!(
                "<form method=\"post\" action=\"/sim/wechat/phone/web-login\"><input type=\"hidden\" name=\"openid\" value=\"{openid}\">\
                 <input type=\"hidden\" name=\"uuid\" value=\"{}\"><p>网站登录请求 {short}：</p>\
                 <button type=\"submit\" name=\"decision\" value=\"allow\">{}确认登录网站（{short}）</button> \
                 <button type=\"submit\" name=\"decision\" value=\"deny\">{}拒绝（{short}）</button></form>",
                escape(&login.uuid),
                escape(nickname),
                escape(nickname)
            ));
        }
        if follows {
            html.push_str(&format!(
                "<form method=\"post\" action=\"/sim/wechat/phone/unfollow\"><input type=\"hidden\" name=\"openid\" value=\"{openid}\">\
                 <button type=\"submit\">{}取消关注</button></form>",
                escape(nickname)
            ));
        }
        html.push_str("</section>");
    }
    let face_checks = sim.pending_face_checks();
    if !face_checks.is_empty() {
        html.push_str("<section aria-labelledby=\"face-title\"><h2 id=\"face-title\">人脸核身（小程序 wx.requestFacialVerify）</h2>");
        for check in face_checks.iter().take(5) {
            let nickname = USERS.iter().find(|(openid, _)| sim.openid_in(&check.appid, openid) == check.openid).map(|(_, n)| *n).unwrap_or("微信用户");
            let short = escape(&check.verify_id[..8]);
            html.push_str(&format!(
                "<form method=\"post\" action=\"/sim/wechat/phone/face\"><input type=\"hidden\" name=\"verify_id\" value=\"{}\">\
                 <p>{} 正在核验 {} 的身份（{short}）：</p>\
                 <button type=\"submit\" name=\"verdict\" value=\"pass\">核验通过（{short}）</button> \
                 <button type=\"submit\" name=\"verdict\" value=\"fail\">本人未通过（{short}）</button></form>",
                escape(&check.verify_id),
                escape(nickname),
                escape(&check.masked_name)
            ));
        }
        html.push_str("</section>");
    }
    html.push_str("</main></body></html>");
    Html(html)
}

#[derive(Deserialize)]
struct ScanForm {
    openid: String,
    ticket: String,
}

async fn scan(State(sim): State<WechatSimulator>, Form(form): Form<ScanForm>) -> Redirect {
    let Some(scene) = sim.scene_of(&form.ticket) else { return Redirect::to("/sim/wechat/phone") };
    let follows = sim.phone().lock().expect("phone lock").following.contains(&form.openid);
    let (event, key) = if follows { ("SCAN", scene) } else { ("subscribe", format!("qrscene_{scene}")) };
    deliver(&sim, &form.openid, event, Some((&key, &form.ticket))).await;
    if !follows {
        sim.phone().lock().expect("phone lock").following.push(form.openid.clone());
    }
    Redirect::to("/sim/wechat/phone")
}

#[derive(Deserialize)]
struct WebLoginForm {
    openid: String,
    uuid: String,
    decision: String,
}

/// The person confirms (or refuses) a website login they scanned on the qrconnect page.
async fn web_login(State(sim): State<WechatSimulator>, Form(form): Form<WebLoginForm>) -> Redirect {
    let nickname = USERS.iter().find(|(openid, _)| *openid == form.openid).map(|(_, name)| *name).unwrap_or("微信用户");
    sim.decide_web_login(&form.uuid, &form.openid, nickname, form.decision == "allow");
    Redirect::to("/sim/wechat/phone")
}

/// The person opens the mini-program: `wx.login()` gives a one-time code, shown for the tester to use.
async fn wx_login(State(sim): State<WechatSimulator>, Form(form): Form<UnfollowForm>) -> Redirect {
    if let Some(appid) = sim.mini_program_appid() {
        let code = sim.wx_login(&appid, &form.openid);
        sim.phone().lock().expect("phone lock").mini_codes.push((form.openid, code));
    }
    Redirect::to("/sim/wechat/phone")
}

#[derive(Deserialize)]
struct FaceForm {
    verify_id: String,
    verdict: String,
}

/// The person finishes the face check in WeChat: passed (10000), or not (90011, the capture did not match).
async fn face_check(State(sim): State<WechatSimulator>, Form(form): Form<FaceForm>) -> Redirect {
    let verify_ret = if form.verdict == "pass" { super::face::VERIFY_PASSED } else { 90011 };
    sim.finish_face_check(&form.verify_id, verify_ret);
    Redirect::to("/sim/wechat/phone")
}

#[derive(Deserialize)]
struct UnfollowForm {
    openid: String,
}

async fn unfollow(State(sim): State<WechatSimulator>, Form(form): Form<UnfollowForm>) -> Redirect {
    deliver(&sim, &form.openid, "unsubscribe", None).await;
    sim.phone().lock().expect("phone lock").following.retain(|f| *f != form.openid);
    Redirect::to("/sim/wechat/phone")
}

/// Sends one event push to kaowu's callback as WeChat would, and keeps the text of kaowu's reply.
async fn deliver(sim: &WechatSimulator, openid: &str, event: &str, key_and_ticket: Option<(&str, &str)>) {
    let (target, create_time) = {
        let phone = sim.phone();
        let mut state = phone.lock().expect("phone lock");
        let Some(target) = state.target.clone() else { return };
        // Every push a distinct CreateTime, as WeChat's de-duplication key depends on it.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        state.clock = state.clock.max(now) + 1;
        (target, state.clock)
    };
    let extra = key_and_ticket
        .map(|(key, ticket)| format!("<EventKey><![CDATA[{key}]]></EventKey><Ticket><![CDATA[{ticket}]]></Ticket>"))
        .unwrap_or_default();
    let plain = format!(
        "<xml><ToUserName><![CDATA[{}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{extra}</xml>",
        target.original_id
    );
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
    let nonce = format!("{}", create_time % 1_000_000_007);
    let mut query = vec![("signature", signature(&[&target.token, &timestamp, &nonce])), ("timestamp", timestamp.clone()), ("nonce", nonce.clone())];
    let body = match (&target.crypto, target.mode) {
        (Some(crypto), MessageMode::Safe | MessageMode::Compatible) => {
            let encrypt = crypto.encrypt(&plain);
            query.push(("encrypt_type", "aes".into()));
            query.push(("msg_signature", signature(&[&target.token, &timestamp, &nonce, &encrypt])));
            format!("<xml><ToUserName><![CDATA[{}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", target.original_id)
        }
        _ => plain,
    };
    let reply = match reqwest::Client::new().post(&target.url).query(&query).body(body).send().await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(error) => format!("（发送失败：{error}）"),
    };
    let text = reply_text(&target, &reply).unwrap_or_else(|| if reply == "success" || reply.is_empty() { "（无回复）".into() } else { reply.clone() });
    sim.phone().lock().expect("phone lock").last_reply.push((openid.to_owned(), text));
}

/// The text WeChat would show for a passive reply (decrypted when encrypted).
fn reply_text(target: &CallbackTarget, reply: &str) -> Option<String> {
    let fields = xml::parse(reply).ok()?;
    let fields = match (fields.get("Encrypt"), &target.crypto) {
        (Some(encrypt), Some(crypto)) => xml::parse(&crypto.decrypt(encrypt).ok()?).ok()?,
        _ => fields,
    };
    fields.get("Content").map(str::to_owned)
}
