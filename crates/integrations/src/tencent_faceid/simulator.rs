//! A stand-in for faceid.tencentcloudapi.com: checks every request's TC3 signature (and its timestamp) as
//! Tencent does, answers IdCardVerification from a registry of simulated people, and runs the DetectAuth flow
//! with a page where a tester passes or fails the face check. Plain HTML forms: kaowu's CSP holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::client::{SERVICE, VERSION};
use super::tc3::{Authorization, Signing, utc_date};
use crate::html_escape as escape;

/// Requests signed further than this from the simulator's clock are refused (Tencent: 5 minutes).
const MAX_SKEW_SECS: i64 = 300;

#[derive(Debug, Clone)]
struct Detection {
    name: String,
    id_card: String,
    redirect_url: String,
    /// `None` while the person has not finished; then passed or not.
    passed: Option<bool>,
}

#[derive(Default)]
struct Inner {
    /// ID number → the name the authority's registry holds.
    people: HashMap<String, String>,
    /// Verdicts to give to the next two-factor checks instead of the registry's (outages, limits).
    scripted: Vec<String>,
    detections: HashMap<String, Detection>,
    checks: u64,
}

#[derive(Clone)]
pub struct FaceIdSimulator {
    secret_id: String,
    secret_key: String,
    /// Where the simulator is mounted (e.g. `/sim/faceid`), for the verification page's address.
    mount: String,
    inner: Arc<Mutex<Inner>>,
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("randomness");
    let h = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn error(code: &str, message: &str) -> Json<Value> {
    Json(json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id()}}))
}


impl FaceIdSimulator {
    pub fn new(secret_id: &str, secret_key: &str, mount: &str) -> FaceIdSimulator {
        FaceIdSimulator { secret_id: secret_id.to_owned(), secret_key: secret_key.to_owned(), mount: mount.trim_end_matches('/').to_owned(), inner: Arc::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("simulator lock")
    }

    /// Puts a person into the simulated national registry: their ID number then matches only this name.
    /// ID numbers not in the registry match any valid name (the demo's candidates are invented).
    pub fn register_person(&self, id_card: &str, name: &str) {
        self.lock().people.insert(id_card.to_uppercase(), name.to_owned());
    }

    /// The next two-factor checks answer these verdicts (e.g. "-4" while the registry is down), in order.
    pub fn script_verdicts(&self, verdicts: &[&str]) {
        self.lock().scripted.extend(verdicts.iter().map(|v| (*v).to_owned()));
    }

    /// How many two-factor checks were answered.
    pub fn checks(&self) -> u64 {
        self.lock().checks
    }

    /// The tester's decision on a face verification (what the page's buttons do).
    pub fn decide(&self, biz_token: &str, passed: bool) -> Option<String> {
        let mut inner = self.lock();
        let detection = inner.detections.get_mut(biz_token)?;
        detection.passed = Some(passed);
        Some(detection.redirect_url.clone())
    }

    pub fn router(&self) -> Router {
        Router::new().route("/", post(api)).route("/verify", get(verify_page).post(verify_decision)).with_state(self.clone())
    }

    /// Checks the TC3 signature as Tencent does: rebuilt from the headers `SignedHeaders` names.
    fn authenticate(&self, headers: &HeaderMap, payload: &[u8]) -> Result<(), Json<Value>> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let Some(auth) = Authorization::parse(&header("authorization")) else {
            return Err(error("AuthFailure.InvalidAuthorization", "Authorization 格式不正确"));
        };
        let Ok(timestamp) = header("x-tc-timestamp").parse::<i64>() else {
            return Err(error("MissingParameter", "缺少 X-TC-Timestamp"));
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        if (now - timestamp).abs() > MAX_SKEW_SECS {
            return Err(error("AuthFailure.SignatureExpire", "签名过期"));
        }
        if auth.secret_id != self.secret_id {
            return Err(error("AuthFailure.SecretIdNotFound", "密钥不存在"));
        }
        if auth.service != SERVICE || auth.date != utc_date(timestamp) || !auth.signed_headers.iter().any(|h| h == "host") {
            return Err(error("AuthFailure.SignatureFailure", "签名范围不正确"));
        }
        let values: Vec<(String, String)> = auth
            .signed_headers
            .iter()
            .map(|name| {
                let value = header(name);
                let value = if name == "x-tc-action" { value.to_ascii_lowercase() } else { value };
                (name.clone(), value)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (_, expected) = Signing { secret_key: &self.secret_key, service: SERVICE, timestamp, headers: &pairs, payload }.sign();
        if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
            Ok(())
        } else {
            Err(error("AuthFailure.SignatureFailure", "请求签名验证失败"))
        }
    }

    fn id_card_verification(&self, body: &Value) -> Json<Value> {
        let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
        let (id_card, name) = (text("IdCard").to_uppercase(), text("Name"));
        let mut inner = self.lock();
        inner.checks += 1;
        let (result, description) = if !inner.scripted.is_empty() {
            let verdict = inner.scripted.remove(0);
            let description = match verdict.as_str() {
                "-4" => "证件库服务异常",
                "-6" => "权威比对系统升级中，请稍后再试",
                "-7" => "认证次数超过当日限制",
                "-1" => "姓名和身份证号不一致",
                _ => "姓名和身份证号一致",
            };
            (verdict, description)
        } else if !valid_resident_id(&id_card) {
            ("-2".to_owned(), "非法身份证号（长度、校验位等不正确）")
        } else if name.is_empty() || name.chars().count() > 30 || name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
            ("-3".to_owned(), "非法姓名（长度、格式等不正确）")
        } else {
            match inner.people.get(&id_card) {
                Some(known) if *known != name => ("-1".to_owned(), "姓名和身份证号不一致"),
                _ => ("0".to_owned(), "姓名和身份证号一致"),
            }
        };
        Json(json!({"Response": {"Result": result, "Description": description, "RequestId": request_id()}}))
    }

    fn detect_auth(&self, headers: &HeaderMap, body: &Value) -> Json<Value> {
        let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let redirect_ok = reqwest::Url::parse(&text("RedirectUrl")).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if text("RuleId").is_empty() || !redirect_ok {
            return error("InvalidParameter", "RuleId 或 RedirectUrl 不正确");
        }
        if !valid_resident_id(&text("IdCard").to_uppercase()) || text("Name").is_empty() {
            return error("InvalidParameterValue", "身份证号或姓名不正确");
        }
        let token = request_id().to_uppercase();
        let detection = Detection { name: text("Name"), id_card: text("IdCard").to_uppercase(), redirect_url: text("RedirectUrl"), passed: None };
        self.lock().detections.insert(token.clone(), detection);
        let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
        let url = format!("http://{host}{}/verify?token={token}", self.mount);
        Json(json!({"Response": {"Url": url, "BizToken": token, "RequestId": request_id()}}))
    }

    fn get_detect_info(&self, body: &Value) -> Json<Value> {
        let token = body.get("BizToken").and_then(Value::as_str).unwrap_or_default();
        let Some(found) = self.lock().detections.get(token).cloned() else {
            return error("InvalidParameterValue.BizTokenIllegal", "BizToken 不合法");
        };
        let text = match found.passed {
            None => json!({"ErrCode": null, "ErrMsg": "未完成验证", "IdCard": found.id_card, "Name": found.name}),
            Some(true) => json!({"ErrCode": 0, "ErrMsg": "成功", "IdCard": found.id_card, "Name": found.name, "LiveStatus": 0, "LiveMsg": "成功", "Comparestatus": 0, "Comparemsg": "成功", "Sim": "93.41"}),
            Some(false) => json!({"ErrCode": 1007, "ErrMsg": "比对相似度未达到通过标准", "IdCard": found.id_card, "Name": found.name, "LiveStatus": 0, "LiveMsg": "成功", "Comparestatus": 1007, "Comparemsg": "比对不通过", "Sim": "32.05"}),
        };
        Json(json!({"Response": {"Text": text, "RequestId": request_id()}}))
    }
}

fn valid_resident_id(id: &str) -> bool {
    id.len() == 18 && id[..17].bytes().all(|b| b.is_ascii_digit()) && domain::id_number::gb11643_check_char(&id[..17]) == id[17..].chars().next()
}

async fn api(State(sim): State<FaceIdSimulator>, headers: HeaderMap, payload: axum::body::Bytes) -> Json<Value> {
    if let Err(refusal) = sim.authenticate(&headers, &payload) {
        return refusal;
    }
    if headers.get("x-tc-version").and_then(|v| v.to_str().ok()) != Some(VERSION) {
        return error("InvalidParameterValue", "X-TC-Version 不正确");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&payload) else { return error("InvalidParameter", "请求体不是 JSON") };
    match headers.get("x-tc-action").and_then(|v| v.to_str().ok()).unwrap_or_default() {
        "IdCardVerification" => sim.id_card_verification(&body),
        "DetectAuth" => sim.detect_auth(&headers, &body),
        "GetDetectInfoEnhanced" => sim.get_detect_info(&body),
        _ => error("InvalidAction", "接口不存在"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

async fn verify_page(State(sim): State<FaceIdSimulator>, Query(q): Query<TokenQuery>) -> Response {
    let Some(found) = sim.lock().detections.get(&q.token).cloned() else {
        return (axum::http::StatusCode::NOT_FOUND, Html("<!doctype html><title>人脸核身（模拟）</title><p>链接无效或已过期。</p>".to_owned())).into_response();
    };
    let masked: String = found.id_card.chars().enumerate().map(|(i, c)| if (6..14).contains(&i) { '*' } else { c }).collect();
    let token = escape(&q.token);
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>人脸核身（模拟）</title></head><body><main><h1>人脸核身（模拟）</h1>\
         <p>正在核验：{} {}</p><p>模拟器不采集任何影像：由测试人员选择核验结果。</p>\
         <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\" name=\"result\" value=\"pass\">核验通过</button> \
         <button type=\"submit\" name=\"result\" value=\"fail\">核验不通过</button></form></main></body></html>",
        escape(&found.name),
        escape(&masked)
    ))
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecisionForm {
    token: String,
    result: String,
}

async fn verify_decision(State(sim): State<FaceIdSimulator>, Form(form): Form<DecisionForm>) -> Response {
    match sim.decide(&form.token, form.result == "pass") {
        Some(redirect) => {
            let mut back = match reqwest::Url::parse(&redirect) {
                Ok(url) => url,
                Err(_) => return (axum::http::StatusCode::BAD_REQUEST, "RedirectUrl 不正确").into_response(),
            };
            back.query_pairs_mut().append_pair("token", &form.token);
            Redirect::to(back.as_str()).into_response()
        }
        None => (axum::http::StatusCode::NOT_FOUND, "链接无效或已过期").into_response(),
    }
}
