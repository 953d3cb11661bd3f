//! JSON bodies that never turn bad input into a 5xx: wrong content type, broken syntax, wrong field types and
//! oversized bodies each get their own 4xx code, with the offending field's path where there is one.

use crate::error::ApiError;
use crate::sessions::request_lang;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// API request bodies above this are refused before parsing.
pub const MAX_JSON_BODY: usize = 16 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, ApiError> {
        let lang = request_lang(request.headers());
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "request.unsupported_media_type").in_lang(lang));
        }
        let body = axum::body::to_bytes(request.into_body(), MAX_JSON_BODY)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").in_lang(lang))?;
        parse(&body).map(ApiJson).map_err(|e| e.in_lang(lang))
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let code = if inner.is_data() { "request.field_type" } else { "request.malformed" };
        let mut api = ApiError::new(StatusCode::BAD_REQUEST, code);
        if inner.is_data() && path != "." {
            api.errors[0].field = path;
        }
        api
    })
}
