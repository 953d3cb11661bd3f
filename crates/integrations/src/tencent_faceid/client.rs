//! The Tencent Cloud FaceID API kaowu calls (shared/protocols.md §6.2): the two-factor identity check
//! (IdCardVerification) and the face-verification flow (DetectAuth → the candidate's browser → 
//! GetDetectInfoEnhanced). Every request is TC3-signed; errors come as `Response.Error`.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::tc3::{Authorization, Signing, utc_date};

pub const SERVICE: &str = "faceid";
pub const VERSION: &str = "2018-03-01";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceIdError {
    /// Tencent answered with `Response.Error` (e.g. `AuthFailure.SignatureFailure`).
    #[error("FaceID error {code}: {message}")]
    Api { code: String, message: String },
    #[error("FaceID unreachable or answering unexpectedly: {0}")]
    Unavailable(String),
}

/// The national two-factor check's verdict (`Result`): `0` match, `-1` mismatch, `-2` invalid ID number,
/// `-3` invalid name, `-4` registry unavailable, `-5` no such ID number, `-6` upgrade in progress, `-7` daily
/// limit reached.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdCardVerdict {
    #[serde(rename = "Result")]
    pub result: String,
    #[serde(rename = "Description", default)]
    pub description: String,
    #[serde(rename = "RequestId", default)]
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DetectAuthStarted {
    /// Where the candidate's browser goes to be verified.
    #[serde(rename = "Url")]
    pub url: String,
    #[serde(rename = "BizToken")]
    pub biz_token: String,
    #[serde(rename = "RequestId", default)]
    pub request_id: String,
}

/// What a face verification found. Biometric data (`BestFrame`, video) is never requested.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectResult {
    /// `0` = the whole check passed.
    pub err_code: Option<i64>,
    pub err_msg: String,
    pub id_card: String,
    pub name: String,
    /// Similarity with the authority's photo, 0–100.
    pub sim: Option<f64>,
    pub request_id: String,
}

#[derive(Clone)]
pub struct FaceIdApi {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    secret_id: String,
    secret_key: String,
}

impl std::fmt::Debug for FaceIdApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceIdApi").field("endpoint", &self.endpoint).field("secret_id", &self.secret_id).finish_non_exhaustive()
    }
}

impl FaceIdApi {
    /// `endpoint` is `https://faceid.tencentcloudapi.com` in production, the simulator's address otherwise.
    pub fn new(endpoint: &str, secret_id: &str, secret_key: &str) -> FaceIdApi {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client with static settings");
        // Tencent's API lives at `POST /`; a simulator mounted under a path is addressed by that path.
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let has_path = reqwest::Url::parse(&endpoint).is_ok_and(|url| url.path() != "/");
        let endpoint = if has_path { endpoint } else { format!("{endpoint}/") };
        let host = reqwest::Url::parse(&endpoint)
            .ok()
            .and_then(|url| url.host_str().map(|h| match url.port() { Some(port) => format!("{h}:{port}"), None => h.to_owned() }))
            .unwrap_or_default();
        FaceIdApi { http, endpoint, host, secret_id: secret_id.to_owned(), secret_key: secret_key.to_owned() }
    }

    /// `IdCardVerification`: does this name go with this ID number?
    pub async fn id_card_verification(&self, name: &str, id_card: &str) -> Result<IdCardVerdict, FaceIdError> {
        self.call("IdCardVerification", json!({"IdCard": id_card, "Name": name})).await
    }

    /// `DetectAuth`: starts a face verification of this person; the browser goes to the returned URL and comes
    /// back to `redirect_url`.
    pub async fn detect_auth(&self, rule_id: &str, id_card: &str, name: &str, redirect_url: &str) -> Result<DetectAuthStarted, FaceIdError> {
        self.call("DetectAuth", json!({"RuleId": rule_id, "IdCard": id_card, "Name": name, "RedirectUrl": redirect_url})).await
    }

    /// `GetDetectInfoEnhanced` with `InfoType` 0 (the text result only).
    pub async fn get_detect_info(&self, biz_token: &str, rule_id: &str) -> Result<DetectResult, FaceIdError> {
        let answer: Value = self.call("GetDetectInfoEnhanced", json!({"BizToken": biz_token, "RuleId": rule_id, "InfoType": "0"})).await?;
        let text = &answer["Text"];
        let string = |key: &str| text.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(DetectResult {
            err_code: text.get("ErrCode").and_then(Value::as_i64),
            err_msg: string("ErrMsg"),
            id_card: string("IdCard"),
            name: string("Name"),
            sim: text.get("Sim").and_then(|s| s.as_str().and_then(|s| s.parse().ok()).or_else(|| s.as_f64())),
            request_id: answer.get("RequestId").and_then(Value::as_str).unwrap_or_default().to_owned(),
        })
    }

    async fn call<T: DeserializeOwned>(&self, action: &str, body: Value) -> Result<T, FaceIdError> {
        let unavailable = |e: &dyn std::fmt::Display| FaceIdError::Unavailable(e.to_string());
        let payload = serde_json::to_vec(&body).expect("JSON values serialise");
        let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let action_lower = action.to_ascii_lowercase();
        let headers = [("content-type", CONTENT_TYPE), ("host", self.host.as_str()), ("x-tc-action", action_lower.as_str())];
        let (signed_headers, signature) = Signing { secret_key: &self.secret_key, service: SERVICE, timestamp, headers: &headers, payload: &payload }.sign();
        let authorization = Authorization::header(&self.secret_id, &utc_date(timestamp), SERVICE, &signed_headers, &signature);
        let response = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", CONTENT_TYPE)
            .header("Host", &self.host)
            .header("X-TC-Action", action)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("Authorization", authorization)
            .body(payload)
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        if !response.status().is_success() {
            return Err(FaceIdError::Unavailable(format!("HTTP {}", response.status())));
        }
        let bytes = response.bytes().await.map_err(|e| unavailable(&e))?;
        if bytes.len() > MAX_ANSWER_BYTES {
            return Err(FaceIdError::Unavailable("answer too large".into()));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| unavailable(&e))?;
        let answer = value.get("Response").cloned().ok_or_else(|| FaceIdError::Unavailable("no Response".into()))?;
        if let Some(error) = answer.get("Error") {
            let text = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            return Err(FaceIdError::Api { code: text("Code"), message: text("Message") });
        }
        serde_json::from_value(answer).map_err(|e| unavailable(&e))
    }
}
