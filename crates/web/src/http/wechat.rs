//! `/wechat/callback`: the official account's server URL (shared/protocols.md §1.2–1.5). Every request must
//! carry a valid signature and a fresh timestamp; encrypted pushes must also carry a valid msg_signature and be
//! addressed to our appid. Replies go back in the mode the push came in, within WeChat's 5 seconds.

use crate::flows::wechat::on_push;
use crate::state::{AppState, now};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use integrations::wechat::{MessageMode, Push, signature, signature_matches, xml};
use serde::Deserialize;

/// Requests whose timestamp is further from now than this are refused: a captured push cannot be replayed.
const MAX_CLOCK_SKEW_SECS: i64 = 300;

pub fn router() -> Router<AppState> {
    Router::new().route("/wechat/callback", get(verify_url).post(receive))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallbackQuery {
    signature: String,
    timestamp: String,
    nonce: String,
    echostr: String,
    encrypt_type: String,
    msg_signature: String,
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// Checks `signature` and the timestamp's freshness; the answer to refuse with otherwise.
fn check_request(state: &AppState, query: &CallbackQuery) -> Result<(), Response> {
    let Some(wechat) = &state.wechat else { return Err(plain(StatusCode::NOT_FOUND, "wechat is not configured")) };
    let expected = signature(&[&wechat.token, &query.timestamp, &query.nonce]);
    if !signature_matches(&expected, &query.signature) {
        tracing::warn!("wechat callback with a bad signature");
        return Err(plain(StatusCode::FORBIDDEN, "invalid signature"));
    }
    match query.timestamp.parse::<i64>() {
        Ok(ts) if (now() - ts).abs() <= MAX_CLOCK_SKEW_SECS => Ok(()),
        _ => {
            tracing::warn!("wechat callback with a stale or missing timestamp");
            Err(plain(StatusCode::FORBIDDEN, "stale timestamp"))
        }
    }
}

/// The server-URL check when the address is configured in the 公众号 console: echo `echostr` if signed.
async fn verify_url(State(state): State<AppState>, Query(query): Query<CallbackQuery>) -> Response {
    if let Err(refusal) = check_request(&state, &query) {
        return refusal;
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], query.echostr).into_response()
}

async fn receive(State(state): State<AppState>, Query(query): Query<CallbackQuery>, body: String) -> Response {
    if let Err(refusal) = check_request(&state, &query) {
        return refusal;
    }
    let wechat = state.wechat.as_ref().expect("checked above");
    let Ok(envelope) = xml::parse(&body) else { return plain(StatusCode::BAD_REQUEST, "not a wechat message") };
    let encrypted = query.encrypt_type.eq_ignore_ascii_case("aes");
    let fields = if encrypted {
        let (Some(crypto), Some(encrypt)) = (&wechat.crypto, envelope.get("Encrypt")) else {
            return plain(StatusCode::BAD_REQUEST, "encrypted push without a key or an Encrypt element");
        };
        let expected = signature(&[&wechat.token, &query.timestamp, &query.nonce, encrypt]);
        if !signature_matches(&expected, &query.msg_signature) {
            tracing::warn!("wechat push with a bad msg_signature");
            return plain(StatusCode::FORBIDDEN, "invalid msg_signature");
        }
        let inner = match crypto.decrypt(encrypt) {
            Ok(inner) => inner,
            Err(integrations::wechat::CryptoError::WrongAppId) => {
                tracing::warn!("wechat push encrypted for another appid");
                return plain(StatusCode::FORBIDDEN, "wrong appid");
            }
            Err(_) => return plain(StatusCode::BAD_REQUEST, "cannot decrypt"),
        };
        match xml::parse(&inner) {
            Ok(fields) => fields,
            Err(_) => return plain(StatusCode::BAD_REQUEST, "not a wechat message"),
        }
    } else if wechat.mode == MessageMode::Safe {
        return plain(StatusCode::FORBIDDEN, "plaintext pushes are refused in safe mode");
    } else {
        envelope
    };
    let Ok(push) = Push::from_fields(&fields) else { return plain(StatusCode::BAD_REQUEST, "not a wechat message") };

    let reply = match on_push(&state, &push).await {
        Ok(reply) => reply,
        // Not acknowledged, so WeChat retries; the push was not marked as handled.
        Err(error) => return error.into_api(crate::i18n::Lang::Zh).into_response(),
    };
    let Some(text) = reply else { return plain(StatusCode::OK, "success") };
    let reply_xml = xml::text_reply(&push, &text, now());
    let body = match (&wechat.crypto, encrypted) {
        (Some(crypto), true) => {
            let encrypt = crypto.encrypt(&reply_xml);
            let msg_signature = signature(&[&wechat.token, &query.timestamp, &query.nonce, &encrypt]);
            xml::encrypted_reply(&encrypt, &msg_signature, &query.timestamp, &query.nonce)
        }
        _ => reply_xml,
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}
