//! `Idempotency-Key` on API writes (design.md §2): a retry with the same key and body gets the first answer
//! again instead of doing the work twice, so a phone on a bad network can resend a registration safely.

use super::json::MAX_JSON_BODY;
use crate::error::ApiError;
use crate::sessions::request_lang;
use crate::state::{AppState, now};
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use store::idempotency::Claim;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 128;

pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    let lang = request_lang(request.headers());
    let key = match key.to_str() {
        Ok(key) if (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => key.to_string(),
        _ => return ApiError::new(StatusCode::BAD_REQUEST, "idempotency.key_invalid").in_lang(lang).into_response(),
    };
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_default();
    // Keys belong to their caller: with a session, two candidates who happen to pick the same key never see
    // each other's answers.
    let caller = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| format!(" caller:{}", &hex::encode(Sha256::digest(value.as_bytes()))[..32]))
        .unwrap_or_default();
    let scope = format!("{} {path}{caller}", request.method());
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_JSON_BODY).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").in_lang(lang).into_response();
    };
    let request_hash = hex::encode(Sha256::digest(&bytes));
    match state.store.claim_idempotent(&scope, &key, &request_hash, now()).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Mismatch) => {
            return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency.key_reused").in_lang(lang).into_response();
        }
        Ok(Claim::InProgress) => {
            let mut error = ApiError::new(StatusCode::CONFLICT, "idempotency.in_progress").in_lang(lang);
            error.retry_after_secs = Some(1);
            return error.into_response();
        }
        Ok(Claim::Done { status, body }) => return replay(status, body),
        Err(error) => return ApiError::from(error).in_lang(lang).into_response(),
    }

    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let status = parts.status;
    // Busy or broken: the work did not happen, so the key is free for the retry.
    let outcome = if status.is_server_error() {
        state.store.release_idempotent(&scope, &key).await
    } else {
        state.store.finish_idempotent(&scope, &key, status.as_u16(), &String::from_utf8_lossy(&body)).await
    };
    if let Err(error) = outcome {
        tracing::warn!(error = %error, "recording an idempotent result failed");
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
