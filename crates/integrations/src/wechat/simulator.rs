//! A stand-in for api.weixin.qq.com speaking the same endpoints and error conventions (shared/protocols.md
//! §1.1, §1.6, §2): stable_token and token, qrcode/create, sns/oauth2/access_token, sns/userinfo,
//! sns/jscode2session and message/template/send. Tests and the demo play the user's side through its methods
//! (a user consents to OAuth, a mini-program calls wx.login); the "phone" page comes with the binding flow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// How long the simulator's access tokens live (WeChat: 7200 s).
pub const TOKEN_LIFETIME_SECS: i64 = 7200;

#[derive(Debug, Clone, PartialEq)]
pub struct SentTemplate {
    pub openid: String,
    pub template_id: String,
    pub data: Value,
}

#[derive(Default)]
struct Inner {
    /// The current access_token and when it expires. A superseded token gets 40001 at once (WeChat allows a
    /// few minutes' grace), which is the case a client must cope with.
    token: Option<(String, i64)>,
    tickets: HashMap<String, String>,
    /// Tickets in the order they were issued, for the phone page.
    ticket_order: Vec<String>,
    oauth_codes: HashMap<String, String>,
    used_codes: Vec<String>,
    oauth_tokens: HashMap<String, String>,
    js_codes: HashMap<String, String>,
    nicknames: HashMap<String, String>,
    templates: Vec<SentTemplate>,
    /// The clock the simulator reads (seconds); tests move it to expire tokens.
    clock_offset: i64,
}

/// One simulated account (appid + secret) and its users.
#[derive(Clone)]
pub struct WechatSimulator {
    appid: String,
    secret: String,
    inner: Arc<Mutex<Inner>>,
    phone: Arc<Mutex<super::phone::PhoneState>>,
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system provides randomness");
    hex::encode(buffer)
}

fn error(errcode: i64, errmsg: &str) -> Json<Value> {
    Json(json!({"errcode": errcode, "errmsg": format!("{errmsg} rid: {}", &random_hex(12))}))
}

impl WechatSimulator {
    pub fn new(appid: &str, secret: &str) -> WechatSimulator {
        WechatSimulator { appid: appid.to_owned(), secret: secret.to_owned(), inner: Arc::default(), phone: Arc::default() }
    }

    /// Where the phone page delivers pushes (kaowu's callback).
    pub fn set_callback(&self, target: super::phone::CallbackTarget) {
        self.phone.lock().expect("phone lock").target = Some(target);
    }

    pub(super) fn phone(&self) -> Arc<Mutex<super::phone::PhoneState>> {
        Arc::clone(&self.phone)
    }

    /// The last QR codes issued (ticket, scene), newest first.
    pub fn recent_tickets(&self) -> Vec<(String, String)> {
        let inner = self.lock();
        inner.ticket_order.iter().rev().take(5).filter_map(|t| inner.tickets.get(t).map(|s| (t.clone(), s.clone()))).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("simulator lock")
    }

    fn now(&self) -> i64 {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        secs + self.lock().clock_offset
    }

    /// Moves the simulator's clock forward (expires tokens without waiting).
    pub fn advance_clock(&self, secs: i64) {
        self.lock().clock_offset += secs;
    }

    /// A user who consented on the OAuth page: the code the browser brings back.
    pub fn consent(&self, openid: &str, nickname: &str) -> String {
        let code = random_hex(16);
        let mut inner = self.lock();
        inner.nicknames.insert(openid.to_owned(), nickname.to_owned());
        inner.oauth_codes.insert(code.clone(), openid.to_owned());
        code
    }

    /// A mini-program's `wx.login()` for `openid`: the code it sends to its server.
    pub fn wx_login(&self, openid: &str) -> String {
        let code = random_hex(16);
        self.lock().js_codes.insert(code.clone(), openid.to_owned());
        code
    }

    /// The scene a QR ticket was created for.
    pub fn scene_of(&self, ticket: &str) -> Option<String> {
        self.lock().tickets.get(ticket).cloned()
    }

    pub fn sent_templates(&self) -> Vec<SentTemplate> {
        self.lock().templates.clone()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/cgi-bin/token", get(token))
            .route("/cgi-bin/stable_token", post(stable_token))
            .route("/cgi-bin/qrcode/create", post(create_qr))
            .route("/sns/oauth2/access_token", get(oauth_access_token))
            .route("/sns/userinfo", get(user_info))
            .route("/sns/jscode2session", get(jscode2session))
            .route("/cgi-bin/message/template/send", post(send_template))
            .with_state(self.clone())
            .merge(super::phone::router(self.clone()))
    }

    fn credentials_error(&self, appid: &str, secret: &str) -> Option<Json<Value>> {
        if appid != self.appid {
            Some(error(40013, "invalid appid"))
        } else if secret != self.secret {
            Some(error(40125, "invalid appsecret"))
        } else {
            None
        }
    }

    fn issue_token(&self, force_refresh: bool) -> Json<Value> {
        let now = self.now();
        let mut inner = self.lock();
        let current = inner.token.clone().filter(|(_, expires)| *expires > now && !force_refresh);
        let (token, expires) = current.unwrap_or_else(|| {
            let fresh = (random_hex(32), now + TOKEN_LIFETIME_SECS);
            inner.token = Some(fresh.clone());
            fresh
        });
        Json(json!({"access_token": token, "expires_in": expires - now}))
    }

    fn token_error(&self, access_token: &str) -> Option<Json<Value>> {
        let now = self.now();
        match &self.lock().token {
            Some((token, expires)) if token == access_token && *expires > now => None,
            Some((token, _)) if token == access_token => Some(error(42001, "access_token expired")),
            _ => Some(error(40001, "invalid credential, access_token is invalid or not latest")),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Params {
    grant_type: String,
    appid: String,
    secret: String,
    code: String,
    js_code: String,
    access_token: String,
    openid: String,
}

async fn token(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    if q.grant_type != "client_credential" {
        return error(40002, "invalid grant_type");
    }
    sim.credentials_error(&q.appid, &q.secret).unwrap_or_else(|| sim.issue_token(true))
}

async fn stable_token(State(sim): State<WechatSimulator>, Json(body): Json<Value>) -> Json<Value> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    if text("grant_type") != "client_credential" {
        return error(40002, "invalid grant_type");
    }
    let force = body.get("force_refresh").and_then(Value::as_bool).unwrap_or(false);
    sim.credentials_error(&text("appid"), &text("secret")).unwrap_or_else(|| sim.issue_token(force))
}

async fn create_qr(State(sim): State<WechatSimulator>, Query(q): Query<Params>, Json(body): Json<Value>) -> Json<Value> {
    if let Some(refusal) = sim.token_error(&q.access_token) {
        return refusal;
    }
    let action = body.get("action_name").and_then(Value::as_str).unwrap_or_default();
    let scene = &body["action_info"]["scene"];
    let scene = match action {
        "QR_STR_SCENE" | "QR_LIMIT_STR_SCENE" => scene.get("scene_str").and_then(Value::as_str).map(str::to_owned),
        "QR_SCENE" | "QR_LIMIT_SCENE" => scene.get("scene_id").and_then(Value::as_i64).map(|id| id.to_string()),
        _ => None,
    };
    let Some(scene) = scene.filter(|s| !s.is_empty() && s.chars().count() <= 64) else {
        return error(40053, "invalid action info");
    };
    let expire = body.get("expire_seconds").and_then(Value::as_i64).unwrap_or(30).clamp(1, 2_592_000);
    let ticket = format!("gQ{}", random_hex(24));
    {
        let mut inner = sim.lock();
        inner.tickets.insert(ticket.clone(), scene);
        inner.ticket_order.push(ticket.clone());
    }
    let url = format!("http://weixin.qq.com/q/{}", &ticket[2..20]);
    if action.starts_with("QR_LIMIT") {
        Json(json!({"ticket": ticket, "url": url}))
    } else {
        Json(json!({"ticket": ticket, "expire_seconds": expire, "url": url}))
    }
}

async fn oauth_access_token(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    if q.code.is_empty() {
        return error(41008, "missing code");
    }
    if let Some(refusal) = sim.credentials_error(&q.appid, &q.secret) {
        return refusal;
    }
    let mut inner = sim.lock();
    if inner.used_codes.contains(&q.code) {
        return error(40163, "code been used");
    }
    let Some(openid) = inner.oauth_codes.remove(&q.code) else { return error(40029, "invalid code") };
    inner.used_codes.push(q.code);
    let access_token = random_hex(24);
    inner.oauth_tokens.insert(access_token.clone(), openid.clone());
    Json(json!({"access_token": access_token, "expires_in": 7200, "refresh_token": random_hex(24), "openid": openid, "scope": "snsapi_login"}))
}

async fn user_info(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    let inner = sim.lock();
    match inner.oauth_tokens.get(&q.access_token) {
        Some(openid) if *openid == q.openid => {
            let nickname = inner.nicknames.get(openid).cloned().unwrap_or_default();
            Json(json!({"openid": openid, "nickname": nickname, "sex": 0, "province": "", "city": "", "country": "CN", "headimgurl": "", "privilege": []}))
        }
        Some(_) => error(40003, "invalid openid"),
        None => error(40001, "invalid credential, access_token is invalid or not latest"),
    }
}

async fn jscode2session(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    if let Some(refusal) = sim.credentials_error(&q.appid, &q.secret) {
        return refusal;
    }
    match sim.lock().js_codes.remove(&q.js_code) {
        Some(openid) => {
            let mut key = [0u8; 16];
            getrandom::fill(&mut key).expect("randomness");
            use base64::Engine;
            Json(json!({"openid": openid, "session_key": base64::engine::general_purpose::STANDARD.encode(key)}))
        }
        None => error(40029, "invalid code"),
    }
}

async fn send_template(State(sim): State<WechatSimulator>, Query(q): Query<Params>, Json(body): Json<Value>) -> Json<Value> {
    if let Some(refusal) = sim.token_error(&q.access_token) {
        return refusal;
    }
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (openid, template_id) = (text("touser"), text("template_id"));
    if !openid.starts_with('o') {
        return error(40003, "invalid openid");
    }
    if template_id.is_empty() {
        return error(40037, "invalid template_id");
    }
    let mut inner = sim.lock();
    inner.templates.push(SentTemplate { openid, template_id, data: body.get("data").cloned().unwrap_or(Value::Null) });
    let msgid = 200_000_000 + inner.templates.len() as i64;
    Json(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
}
