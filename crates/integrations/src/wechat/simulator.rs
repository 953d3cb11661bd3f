//! A stand-in for WeChat's servers speaking the same endpoints and error conventions (shared/protocols.md
//! §1.1, §1.6, §2): stable_token and token, qrcode/create and showqrcode, cgi-bin/user/info,
//! message/template/send for the official account; connect/qrconnect, sns/oauth2/access_token and sns/userinfo
//! for a website app; sns/jscode2session for a mini-program. As on WeChat, one person has a different openid in
//! every app and one unionid across them. Tests play the person's side through its methods (consent to a
//! website login, a mini-program's wx.login); testers use the "phone" page.

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
    /// Each app's current access_token and when it expires. A superseded token gets 40001 at once (WeChat
    /// allows a few minutes' grace), which is the case a client must cope with.
    tokens: HashMap<String, (String, i64)>,
    /// 人脸核身 checks by verify_id.
    face_checks: HashMap<String, FaceCheck>,
    tickets: HashMap<String, String>,
    /// Tickets in the order they were issued, for the phone page.
    ticket_order: Vec<String>,
    /// Website-login and mini-program codes: (appid, person) they stand for.
    oauth_codes: HashMap<String, (String, String)>,
    used_codes: Vec<String>,
    oauth_tokens: HashMap<String, (String, String)>,
    js_codes: HashMap<String, (String, String)>,
    nicknames: HashMap<String, String>,
    /// Website logins waiting on the qrconnect page, oldest first.
    web_logins: Vec<WebLogin>,
    templates: Vec<SentTemplate>,
    /// The clock the simulator reads (seconds); tests move it to expire tokens.
    clock_offset: i64,
}

/// A website login shown on the simulated qrconnect page until the person decides on the phone.
#[derive(Debug, Clone)]
pub struct WebLogin {
    pub uuid: String,
    pub appid: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    /// `None` while waiting; then the code (consent) or no code (refused).
    pub decision: Option<Option<String>>,
}

/// A 人脸核身 check the simulator handed out: for whom, and (once the person did it) the verdict.
#[derive(Debug, Clone)]
pub struct FaceCheck {
    pub verify_id: String,
    pub appid: String,
    pub out_seq_no: String,
    pub openid: String,
    /// The cert_hash of the person named at getverifyid; queryverifyinfo must prove the same.
    pub cert_hash: String,
    /// The name asked for, masked as WeChat's own page shows it (张*).
    pub masked_name: String,
    pub expires_at: i64,
    /// `None` until the person finishes `wx.requestFacialVerify`; then the verify_ret.
    pub verify_ret: Option<i64>,
}

/// What kind of WeChat app an appid belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    OfficialAccount,
    /// An open-platform 网站应用 (website QR login).
    Website,
    MiniProgram,
}

/// The simulated WeChat: one official account, optionally a website app and a mini-program, and their users.
/// A person is named by their openid in the official account.
#[derive(Clone)]
pub struct WechatSimulator {
    appid: String,
    apps: Arc<Mutex<HashMap<String, (String, AppKind)>>>,
    inner: Arc<Mutex<Inner>>,
    phone: Arc<Mutex<super::phone::PhoneState>>,
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system provides randomness");
    hex::encode(buffer)
}

fn digest_hex(text: &str) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(text.as_bytes()))
}

fn error(errcode: i64, errmsg: &str) -> Json<Value> {
    Json(json!({"errcode": errcode, "errmsg": format!("{errmsg} rid: {}", &random_hex(12))}))
}

impl WechatSimulator {
    /// The official account `appid`.
    pub fn new(appid: &str, secret: &str) -> WechatSimulator {
        let apps = HashMap::from([(appid.to_owned(), (secret.to_owned(), AppKind::OfficialAccount))]);
        WechatSimulator { appid: appid.to_owned(), apps: Arc::new(Mutex::new(apps)), inner: Arc::default(), phone: Arc::default() }
    }

    /// Registers another app under the same open-platform account (its users share unionids).
    pub fn with_app(self, kind: AppKind, appid: &str, secret: &str) -> WechatSimulator {
        self.apps.lock().expect("apps lock").insert(appid.to_owned(), (secret.to_owned(), kind));
        self
    }

    /// The appid of the registered mini-program, if any.
    pub fn mini_program_appid(&self) -> Option<String> {
        self.apps.lock().expect("apps lock").iter().find(|(_, (_, kind))| *kind == AppKind::MiniProgram).map(|(appid, _)| appid.clone())
    }

    fn app_kind(&self, appid: &str) -> Option<AppKind> {
        self.apps.lock().expect("apps lock").get(appid).map(|(_, kind)| *kind)
    }

    /// The openid `person` (their official-account openid) has in app `appid`.
    pub fn openid_in(&self, appid: &str, person: &str) -> String {
        if appid == self.appid { person.to_owned() } else { format!("o{}", &digest_hex(&format!("{appid}:{person}"))[..27]) }
    }

    /// The person's unionid, the same in every app of the open-platform account.
    pub fn unionid_of(person: &str) -> String {
        format!("oU{}", &digest_hex(&format!("union:{person}"))[..26])
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

    /// `person` consented to log in to website app `appid`: the code the browser brings back.
    pub fn consent(&self, appid: &str, person: &str, nickname: &str) -> String {
        let code = random_hex(16);
        let mut inner = self.lock();
        inner.nicknames.insert(person.to_owned(), nickname.to_owned());
        inner.oauth_codes.insert(code.clone(), (appid.to_owned(), person.to_owned()));
        code
    }

    /// A mini-program's `wx.login()` for `person`: the code it sends to its server.
    pub fn wx_login(&self, appid: &str, person: &str) -> String {
        let code = random_hex(16);
        self.lock().js_codes.insert(code.clone(), (appid.to_owned(), person.to_owned()));
        code
    }

    /// Website logins still waiting for a decision, oldest first.
    pub fn waiting_web_logins(&self) -> Vec<WebLogin> {
        self.lock().web_logins.iter().filter(|l| l.decision.is_none()).cloned().collect()
    }

    /// `person` scanned the qrconnect code `uuid` and consented (or refused); the waiting page then sends the
    /// browser back to the website.
    pub fn decide_web_login(&self, uuid: &str, person: &str, nickname: &str, consent: bool) -> bool {
        let Some(appid) = self.lock().web_logins.iter().find(|l| l.uuid == uuid && l.decision.is_none()).map(|l| l.appid.clone()) else {
            return false;
        };
        let code = consent.then(|| self.consent(&appid, person, nickname));
        let mut inner = self.lock();
        match inner.web_logins.iter_mut().find(|l| l.uuid == uuid) {
            Some(login) => {
                login.decision = Some(code);
                true
            }
            None => false,
        }
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
            .route("/cgi-bin/showqrcode", get(show_qr))
            .route("/cgi-bin/user/info", get(follower_info))
            .route("/sns/oauth2/access_token", get(oauth_access_token))
            .route("/sns/userinfo", get(user_info))
            .route("/sns/jscode2session", get(jscode2session))
            .route("/cgi-bin/message/template/send", post(send_template))
            .route("/cityservice/face/identify/getverifyid", post(face_verify_id))
            .route("/cityservice/face/identify/queryverifyinfo", post(face_verify_result))
            .with_state(self.clone())
            .merge(super::phone::router(self.clone()))
            .merge(super::qrconnect::router(self.clone()))
    }

    /// WeChat's answer when `appid` and `secret` do not name an app of kind `kind`.
    fn credentials_error(&self, appid: &str, secret: &str, kind: AppKind) -> Option<Json<Value>> {
        match self.apps.lock().expect("apps lock").get(appid) {
            Some((_, found)) if *found != kind => Some(error(40013, "invalid appid: not this kind of app")),
            Some((expected, _)) if expected != secret => Some(error(40125, "invalid appsecret")),
            Some(_) => None,
            None => Some(error(40013, "invalid appid")),
        }
    }

    /// Official accounts and mini-programs hold server access_tokens; website apps do not.
    fn token_app_error(&self, appid: &str, secret: &str) -> Option<Json<Value>> {
        let kind = match self.app_kind(appid) {
            Some(AppKind::MiniProgram) => AppKind::MiniProgram,
            _ => AppKind::OfficialAccount,
        };
        self.credentials_error(appid, secret, kind)
    }

    /// Starts a website login for the qrconnect page; `None` when `appid` is no website app.
    pub(super) fn start_web_login(&self, appid: &str, redirect_uri: &str, state: Option<String>) -> Option<String> {
        if self.app_kind(appid) != Some(AppKind::Website) {
            return None;
        }
        let uuid = random_hex(12);
        let mut inner = self.lock();
        // Only the latest few matter to a tester; keep memory bounded.
        if inner.web_logins.len() >= 50 {
            inner.web_logins.remove(0);
        }
        inner.web_logins.push(WebLogin { uuid: uuid.clone(), appid: appid.to_owned(), redirect_uri: redirect_uri.to_owned(), state, decision: None });
        Some(uuid)
    }

    pub(super) fn web_login(&self, uuid: &str) -> Option<WebLogin> {
        self.lock().web_logins.iter().find(|l| l.uuid == uuid).cloned()
    }

    /// The QR content of a ticket (what showqrcode draws).
    fn ticket_url(ticket: &str) -> String {
        format!("http://weixin.qq.com/q/{}", &ticket[2..20.min(ticket.len())])
    }

    fn issue_token(&self, appid: &str, force_refresh: bool) -> Json<Value> {
        let now = self.now();
        let mut inner = self.lock();
        let current = inner.tokens.get(appid).cloned().filter(|(_, expires)| *expires > now && !force_refresh);
        let (token, expires) = current.unwrap_or_else(|| {
            let fresh = (random_hex(32), now + TOKEN_LIFETIME_SECS);
            inner.tokens.insert(appid.to_owned(), fresh.clone());
            fresh
        });
        Json(json!({"access_token": token, "expires_in": expires - now}))
    }

    /// The app whose live access_token this is, or WeChat's refusal.
    fn token_owner(&self, access_token: &str) -> Result<String, Json<Value>> {
        let now = self.now();
        let inner = self.lock();
        match inner.tokens.iter().find(|(_, (token, _))| token == access_token) {
            Some((appid, (_, expires))) if *expires > now => Ok(appid.clone()),
            Some(_) => Err(error(42001, "access_token expired")),
            None => Err(error(40001, "invalid credential, access_token is invalid or not latest")),
        }
    }

    /// Refuses a token that is not the official account's live one.
    fn token_error(&self, access_token: &str) -> Option<Json<Value>> {
        match self.token_owner(access_token) {
            Ok(appid) if appid == self.appid => None,
            Ok(_) => Some(error(48001, "api unauthorized: not the official account")),
            Err(refusal) => Some(refusal),
        }
    }

    /// 人脸核身 checks handed out and not yet finished, newest first (for the phone page).
    pub fn pending_face_checks(&self) -> Vec<FaceCheck> {
        let now = self.now();
        let mut pending: Vec<FaceCheck> = self.lock().face_checks.values().filter(|c| c.verify_ret.is_none() && c.expires_at > now).cloned().collect();
        pending.sort_by_key(|c| std::cmp::Reverse(c.expires_at));
        pending
    }

    /// The person finished `wx.requestFacialVerify` with this verdict (10000 passed; 9xxxx did not). False
    /// when there is no such check.
    pub fn finish_face_check(&self, verify_id: &str, verify_ret: i64) -> bool {
        match self.lock().face_checks.get_mut(verify_id) {
            Some(check) => {
                check.verify_ret = Some(verify_ret);
                true
            }
            None => false,
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
    sim.token_app_error(&q.appid, &q.secret).unwrap_or_else(|| sim.issue_token(&q.appid, true))
}

async fn stable_token(State(sim): State<WechatSimulator>, Json(body): Json<Value>) -> Json<Value> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    if text("grant_type") != "client_credential" {
        return error(40002, "invalid grant_type");
    }
    let force = body.get("force_refresh").and_then(Value::as_bool).unwrap_or(false);
    sim.token_app_error(&text("appid"), &text("secret")).unwrap_or_else(|| sim.issue_token(&text("appid"), force))
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
    let url = WechatSimulator::ticket_url(&ticket);
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
    if let Some(refusal) = sim.credentials_error(&q.appid, &q.secret, AppKind::Website) {
        return refusal;
    }
    let mut inner = sim.lock();
    if inner.used_codes.contains(&q.code) {
        return error(40163, "code been used");
    }
    match inner.oauth_codes.get(&q.code) {
        Some((appid, _)) if *appid == q.appid => {}
        _ => return error(40029, "invalid code"),
    }
    let Some((appid, person)) = inner.oauth_codes.remove(&q.code) else { return error(40029, "invalid code") };
    inner.used_codes.push(q.code);
    let access_token = random_hex(24);
    inner.oauth_tokens.insert(access_token.clone(), (appid.clone(), person.clone()));
    drop(inner);
    Json(json!({
        "access_token": access_token, "expires_in": 7200, "refresh_token": random_hex(24),
        "openid": sim.openid_in(&appid, &person), "scope": "snsapi_login", "unionid": WechatSimulator::unionid_of(&person),
    }))
}

async fn user_info(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    let Some((appid, person)) = sim.lock().oauth_tokens.get(&q.access_token).cloned() else {
        return error(40001, "invalid credential, access_token is invalid or not latest");
    };
    if sim.openid_in(&appid, &person) != q.openid {
        return error(40003, "invalid openid");
    }
    let nickname = sim.lock().nicknames.get(&person).cloned().unwrap_or_default();
    Json(json!({
        "openid": q.openid, "nickname": nickname, "sex": 0, "province": "", "city": "", "country": "CN", "headimgurl": "",
        "privilege": [], "unionid": WechatSimulator::unionid_of(&person),
    }))
}

/// `GET /cgi-bin/user/info`: a user of the official account, with the unionid that links their other apps.
async fn follower_info(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    if let Some(refusal) = sim.token_error(&q.access_token) {
        return refusal;
    }
    if !q.openid.starts_with('o') {
        return error(40003, "invalid openid");
    }
    let following = sim.phone().lock().expect("phone lock").following.contains(&q.openid);
    let unionid = WechatSimulator::unionid_of(&q.openid);
    if following {
        let nickname = sim.lock().nicknames.get(&q.openid).cloned().unwrap_or_default();
        Json(json!({"subscribe": 1, "openid": q.openid, "nickname": nickname, "language": "zh_CN", "unionid": unionid}))
    } else {
        Json(json!({"subscribe": 0, "openid": q.openid, "unionid": unionid}))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TicketQuery {
    ticket: String,
}

/// `GET /cgi-bin/showqrcode?ticket=…` (mp.weixin.qq.com): the QR image of a ticket, no token needed.
async fn show_qr(State(sim): State<WechatSimulator>, Query(q): Query<TicketQuery>) -> axum::response::Response {
    use axum::response::IntoResponse;
    if sim.scene_of(&q.ticket).is_none() {
        return (axum::http::StatusCode::NOT_FOUND, "invalid ticket").into_response();
    }
    match super::qr_png(&WechatSimulator::ticket_url(&q.ticket)) {
        Some(png) => ([(axum::http::header::CONTENT_TYPE, "image/png")], png).into_response(),
        None => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "cannot draw").into_response(),
    }
}

async fn jscode2session(State(sim): State<WechatSimulator>, Query(q): Query<Params>) -> Json<Value> {
    if let Some(refusal) = sim.credentials_error(&q.appid, &q.secret, AppKind::MiniProgram) {
        return refusal;
    }
    let found = sim.lock().js_codes.remove(&q.js_code);
    match found {
        Some((appid, person)) if appid == q.appid => {
            let mut key = [0u8; 16];
            getrandom::fill(&mut key).expect("randomness");
            use base64::Engine;
            Json(json!({
                "openid": sim.openid_in(&appid, &person), "session_key": base64::engine::general_purpose::STANDARD.encode(key),
                "unionid": WechatSimulator::unionid_of(&person),
            }))
        }
        _ => error(40029, "invalid code"),
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

/// How long a verify_id can be used (WeChat: 3600 s).
const FACE_CHECK_SECS: i64 = 3600;

/// The mini-program's token, or WeChat's refusal (人脸核身 is a mini-program API).
fn mini_program_token(sim: &WechatSimulator, access_token: &str) -> Result<String, Json<Value>> {
    let appid = sim.token_owner(access_token)?;
    if sim.app_kind(&appid) == Some(AppKind::MiniProgram) { Ok(appid) } else { Err(error(48001, "api unauthorized")) }
}

fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| std::iter::once(first).chain(chars.map(|_| '*')).collect()).unwrap_or_default()
}

async fn face_verify_id(State(sim): State<WechatSimulator>, Query(q): Query<Params>, Json(body): Json<Value>) -> Json<Value> {
    let appid = match mini_program_token(&sim, &q.access_token) {
        Ok(appid) => appid,
        Err(refusal) => return refusal,
    };
    let text = |path: &[&str]| path.iter().try_fold(&body, |v, key| v.get(key)).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (out_seq_no, openid) = (text(&["out_seq_no"]), text(&["openid"]));
    let (cert_type, cert_name, cert_no) = (text(&["cert_info", "cert_type"]), text(&["cert_info", "cert_name"]), text(&["cert_info", "cert_no"]));
    if !super::face::valid_out_seq_no(&out_seq_no) {
        return error(40097, "invalid args: out_seq_no");
    }
    if cert_type != super::face::CERT_TYPE || cert_name.is_empty() || cert_no.len() != 18 {
        return error(40097, "invalid args: cert_info");
    }
    if !openid.starts_with('o') {
        return error(40003, "invalid openid");
    }
    let now = sim.now();
    let mut inner = sim.lock();
    if inner.face_checks.values().any(|c| c.appid == appid && c.out_seq_no == out_seq_no) {
        return error(40097, "invalid args: out_seq_no used before");
    }
    let verify_id = random_hex(16);
    let check = FaceCheck {
        verify_id: verify_id.clone(),
        appid,
        out_seq_no,
        openid,
        cert_hash: super::face::cert_hash(&cert_type, &cert_name, &cert_no),
        masked_name: masked_name(&cert_name),
        expires_at: now + FACE_CHECK_SECS,
        verify_ret: None,
    };
    inner.face_checks.insert(verify_id.clone(), check);
    Json(json!({"errcode": 0, "errmsg": "ok", "verify_id": verify_id, "expires_in": FACE_CHECK_SECS}))
}

async fn face_verify_result(State(sim): State<WechatSimulator>, Query(q): Query<Params>, Json(body): Json<Value>) -> Json<Value> {
    let appid = match mini_program_token(&sim, &q.access_token) {
        Ok(appid) => appid,
        Err(refusal) => return refusal,
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let found = sim.lock().face_checks.get(&text("verify_id")).cloned();
    let Some(check) = found.filter(|c| c.appid == appid) else { return error(40097, "invalid args: verify_id") };
    if check.out_seq_no != text("out_seq_no") || check.openid != text("openid") || check.cert_hash != text("cert_hash") {
        return error(40097, "invalid args: out_seq_no, openid or cert_hash do not match the verify_id");
    }
    // Not finished yet reads as the user having left the check (90002): never as a pass.
    Json(json!({"errcode": 0, "errmsg": "ok", "verify_ret": check.verify_ret.unwrap_or(90002)}))
}
