//! The WeChat server API kaowu calls (shared/protocols.md §1.1, §1.6, §2): the account's access_token (stable
//! variant), temporary parametric QR codes, the website OAuth code exchange and user info, the mini-program's
//! jscode2session, and template messages. WeChat answers errors as HTTP 200 with `{"errcode", "errmsg"}`.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WechatApiError {
    #[error("WeChat error {errcode}: {errmsg}")]
    Api { errcode: i64, errmsg: String },
    #[error("WeChat unreachable or answering unexpectedly: {0}")]
    Unavailable(String),
}

impl WechatApiError {
    /// 40001 / 40014 / 42001: the access_token is invalid, not the latest or expired; fetch a new one and retry.
    pub fn is_stale_token(&self) -> bool {
        matches!(self, WechatApiError::Api { errcode: 40001 | 40014 | 42001, .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    pub expires_in: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QrTicket {
    pub ticket: String,
    #[serde(default)]
    pub expire_seconds: Option<i64>,
    /// What the QR image encodes; kaowu renders it itself.
    pub url: String,
}

/// The mini-program session; `session_key` must never leave the server.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct MiniProgramSession {
    pub openid: String,
    pub session_key: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

impl std::fmt::Debug for MiniProgramSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniProgramSession").field("openid", &self.openid).field("unionid", &self.unionid).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthToken {
    pub access_token: String,
    pub expires_in: i64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    pub openid: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub unionid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    pub openid: String,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default)]
    pub headimgurl: Option<String>,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// A user of the official account (`cgi-bin/user/info`): whether they follow it, and the unionid that names
/// them in the other apps of the same open-platform account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FollowerInfo {
    pub openid: String,
    pub subscribe: i64,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// The client for one official account / website app / mini-program (appid + secret).
#[derive(Clone)]
pub struct WechatApi {
    http: reqwest::Client,
    base: String,
    appid: String,
    secret: String,
}

impl std::fmt::Debug for WechatApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatApi").field("base", &self.base).field("appid", &self.appid).finish_non_exhaustive()
    }
}

/// WeChat's answers are small; anything bigger is not one.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

impl WechatApi {
    /// `base` is `https://api.weixin.qq.com` in production, the simulator's address in the demo and tests.
    pub fn new(base: &str, appid: &str, secret: &str) -> WechatApi {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client with static settings");
        WechatApi { http, base: base.trim_end_matches('/').to_owned(), appid: appid.to_owned(), secret: secret.to_owned() }
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// `POST /cgi-bin/stable_token`: the same token while it is valid, unless `force_refresh`.
    pub async fn stable_token(&self, force_refresh: bool) -> Result<AccessToken, WechatApiError> {
        let body = json!({"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": force_refresh});
        self.call(self.http.post(format!("{}/cgi-bin/stable_token", self.base)).json(&body)).await
    }

    /// `POST /cgi-bin/qrcode/create`: a temporary QR_STR_SCENE code for `scene` (1–64 characters).
    pub async fn create_temporary_qr(&self, access_token: &str, scene: &str, expire_seconds: i64) -> Result<QrTicket, WechatApiError> {
        let body = json!({"expire_seconds": expire_seconds, "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}});
        let request = self.http.post(format!("{}/cgi-bin/qrcode/create", self.base)).query(&[("access_token", access_token)]).json(&body);
        self.call(request).await
    }

    /// `GET /cgi-bin/user/info`: the official account's view of one of its users.
    pub async fn follower_info(&self, access_token: &str, openid: &str) -> Result<FollowerInfo, WechatApiError> {
        let query = [("access_token", access_token), ("openid", openid), ("lang", "zh_CN")];
        self.call(self.http.get(format!("{}/cgi-bin/user/info", self.base)).query(&query)).await
    }

    /// Where to send the browser for a website login (`open.weixin.qq.com/connect/qrconnect`, or the simulator
    /// at `open_base`): WeChat shows its QR code there and comes back to `redirect_uri` with `code` and `state`.
    pub fn qrconnect_url(&self, open_base: &str, redirect_uri: &str, state: &str) -> String {
        let query: String = [("appid", self.appid.as_str()), ("redirect_uri", redirect_uri), ("response_type", "code"), ("scope", "snsapi_login"), ("state", state)]
            .iter()
            .map(|(key, value)| format!("{key}={}", domain::percent::encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        format!("{}/connect/qrconnect?{query}#wechat_redirect", open_base.trim_end_matches('/'))
    }

    /// `GET /sns/oauth2/access_token`: the website login's code exchanged for the user's openid.
    pub async fn oauth_access_token(&self, code: &str) -> Result<OAuthToken, WechatApiError> {
        let query = [("appid", self.appid.as_str()), ("secret", &self.secret), ("code", code), ("grant_type", "authorization_code")];
        self.call(self.http.get(format!("{}/sns/oauth2/access_token", self.base)).query(&query)).await
    }

    /// `GET /sns/userinfo` with an OAuth access token.
    pub async fn user_info(&self, oauth_access_token: &str, openid: &str) -> Result<UserInfo, WechatApiError> {
        let query = [("access_token", oauth_access_token), ("openid", openid), ("lang", "zh_CN")];
        self.call(self.http.get(format!("{}/sns/userinfo", self.base)).query(&query)).await
    }

    /// `GET /sns/jscode2session`: the mini-program's `wx.login()` code exchanged for openid and session_key.
    pub async fn jscode2session(&self, js_code: &str) -> Result<MiniProgramSession, WechatApiError> {
        let query = [("appid", self.appid.as_str()), ("secret", &self.secret), ("js_code", js_code), ("grant_type", "authorization_code")];
        self.call(self.http.get(format!("{}/sns/jscode2session", self.base)).query(&query)).await
    }

    /// `POST /cgi-bin/message/template/send`; returns the message id.
    pub async fn send_template(&self, access_token: &str, openid: &str, template_id: &str, data: Value) -> Result<i64, WechatApiError> {
        #[derive(Deserialize)]
        struct Sent {
            msgid: i64,
        }
        let body = json!({"touser": openid, "template_id": template_id, "data": data});
        let request = self.http.post(format!("{}/cgi-bin/message/template/send", self.base)).query(&[("access_token", access_token)]).json(&body);
        self.call::<Sent>(request).await.map(|sent| sent.msgid)
    }

    /// A POST to `path` with the access_token in the query, as the server API takes it.
    pub(super) fn post_with_token(&self, path: &str, access_token: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).query(&[("access_token", access_token)])
    }

    pub(super) async fn call<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, WechatApiError> {
        let unavailable = |e: &dyn std::fmt::Display| WechatApiError::Unavailable(e.to_string());
        let response = request.send().await.map_err(|e| unavailable(&e))?;
        if !response.status().is_success() {
            return Err(WechatApiError::Unavailable(format!("HTTP {}", response.status())));
        }
        if response.content_length().is_some_and(|n| n as usize > MAX_ANSWER_BYTES) {
            return Err(WechatApiError::Unavailable("answer too large".into()));
        }
        let bytes = response.bytes().await.map_err(|e| unavailable(&e))?;
        if bytes.len() > MAX_ANSWER_BYTES {
            return Err(WechatApiError::Unavailable("answer too large".into()));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| unavailable(&e))?;
        match value.get("errcode").and_then(Value::as_i64) {
            Some(errcode) if errcode != 0 => {
                let errmsg = value.get("errmsg").and_then(Value::as_str).unwrap_or_default().to_owned();
                Err(WechatApiError::Api { errcode, errmsg })
            }
            _ => serde_json::from_value(value).map_err(|e| unavailable(&e)),
        }
    }
}
