//! The registration photo over the API: upload an original (raw JPEG/PNG or multipart), get the processed
//! one-inch photo back. Only the owner's session reaches it; there is no public URL.

use crate::error::{ApiError, ErrorBody};
use crate::flows::photo::{current_photo, replace_photo};
use crate::i18n::Lang;
use crate::sessions::{ApiCaller, Client};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::photos::StoredPhoto;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PhotoInfo {
    /// Unix seconds.
    pub uploaded_at: i64,
    /// SHA-256 of the processed JPEG (hex); changes whenever the photo does.
    pub sha256: String,
    pub byte_size: i64,
    /// The processed photo is always 295 × 413 (25 × 35 mm).
    pub width: u32,
    pub height: u32,
    /// The original's size, after EXIF orientation.
    pub source_width: i64,
    pub source_height: i64,
    /// True once an exam application has been submitted: only the exam authority can change it then.
    pub locked: bool,
}

pub fn info(state: &AppState, photo: StoredPhoto) -> PhotoInfo {
    PhotoInfo {
        uploaded_at: photo.uploaded_at,
        sha256: photo.sha256,
        byte_size: photo.byte_size,
        width: state.photo_spec.output_width,
        height: state.photo_spec.output_height,
        source_width: photo.source_width,
        source_height: photo.source_height,
        locked: photo.locked_at.is_some(),
    }
}

/// Uploads an original photo. kaowu checks it (JPEG or PNG by content, size, one frontal face, white
/// background, exposure, sharpness), crops it to the one-inch frame and keeps the 295 × 413 JPEG, replacing the
/// previous photo — until the first exam application locks it.
#[utoipa::path(put, path = "/api/v1/me/photo", tag = "photo", security(("bearer" = [])),
    request_body(description = "The original as `image/jpeg` or `image/png` (judged by content), or `multipart/form-data` with the file in the field `photo`; at most 10 MB",
        content(("image/jpeg"), ("image/png"), ("multipart/form-data"))),
    responses(
        (status = 200, description = "The photo passed and is now the candidate's", body = PhotoInfo),
        (status = 400, description = "A check failed; `code` names it (`photo.no_face`, `photo.several_faces`, `photo.background`, `photo.too_small`, `photo.file_too_small`, `photo.format`, `photo.corrupt`, `photo.too_dark`, `photo.blurred`, `photo.upload_too_large`, …)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "The photo is locked (`photo.locked`)", body = ErrorBody),
        (status = 413, description = "Larger than this exam year's spec allows (`photo.upload_too_large`)", body = ErrorBody),
        (status = 503, description = "Too many photos being processed, or storage unavailable; retry", body = ErrorBody)))]
pub async fn upload(State(state): State<AppState>, client: Client, caller: ApiCaller, request: Request) -> Result<Json<PhotoInfo>, ApiError> {
    let upload = read_upload(&state, request).await.map_err(|e| e.in_lang(client.lang))?;
    let stored = replace_photo(&state, &caller.session.account_id, upload.bytes)
        .await
        .map_err(|e| e.into_flow().into_api(client.lang))?;
    Ok(Json(info(&state, stored)))
}

/// The processed photo record, without the image.
#[utoipa::path(get, path = "/api/v1/me/photo/info", tag = "photo", security(("bearer" = [])),
    responses((status = 200, body = PhotoInfo), (status = 401, body = ErrorBody), (status = 404, description = "No photo yet (`photo.not_found`)", body = ErrorBody)))]
pub async fn photo_info(State(state): State<AppState>, client: Client, caller: ApiCaller) -> Result<Json<PhotoInfo>, ApiError> {
    match state.store.photo(&caller.session.account_id).await? {
        Some(photo) => Ok(Json(info(&state, photo))),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "photo.not_found").in_lang(client.lang)),
    }
}

/// The processed one-inch photo (295 × 413 JPEG), for its owner only; never cached by shared caches.
#[utoipa::path(get, path = "/api/v1/me/photo", tag = "photo", security(("bearer" = [])),
    responses(
        (status = 200, description = "The JPEG", content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No photo yet (`photo.not_found`)", body = ErrorBody)))]
pub async fn download(State(state): State<AppState>, client: Client, caller: ApiCaller, headers: HeaderMap) -> Response {
    photo_response(&state, &caller.session.account_id, client.lang, &headers).await
}

/// The JPEG as an HTTP response with the headers a private image needs; shared with the pages.
pub async fn photo_response(state: &AppState, account_id: &str, lang: Lang, request_headers: &HeaderMap) -> Response {
    let (photo, jpeg) = match current_photo(state, account_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return ApiError::new(StatusCode::NOT_FOUND, "photo.not_found").in_lang(lang).into_response(),
        Err(error) => return error.into_api(lang).into_response(),
    };
    let etag = format!("\"{}\"", photo.sha256);
    let mut response = if request_headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, Body::from(jpeg)).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    // "一寸报名照片.jpg", the name CPTA's tool gives the file.
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"photo.jpg\"; filename*=UTF-8''%E4%B8%80%E5%AF%B8%E6%8A%A5%E5%90%8D%E7%85%A7%E7%89%87.jpg"),
    );
    response
}

/// An upload as received: the file, and (from page forms) the CSRF token.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub csrf_token: String,
}

/// Reads the upload from a raw body or the `photo` field of a multipart form, never more than the spec's cap
/// (checked while reading, so an oversized body is not buffered whole).
pub async fn read_upload(state: &AppState, request: Request) -> Result<Upload, ApiError> {
    let limit = state.photo_spec.max_upload_bytes;
    let too_large = || ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, domain::FieldError::new("photo", "photo.upload_too_large"));
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return match read_limited(request.into_body(), limit).await {
            Some(bytes) => Ok(Upload { bytes, csrf_token: String::new() }),
            None => Err(too_large()),
        };
    }
    let bad_form = || ApiError::field(StatusCode::BAD_REQUEST, domain::FieldError::new("photo", "photo.required"));
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| bad_form())?;
    let mut upload = Upload { bytes: Vec::new(), csrf_token: String::new() };
    while let Some(mut field) = multipart.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "photo" { limit } else { 256 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| too_large())? {
            if bytes.len() + chunk.len() > cap {
                return Err(if name == "photo" { too_large() } else { bad_form() });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "photo" => upload.bytes = bytes,
            "csrf_token" => upload.csrf_token = String::from_utf8(bytes).unwrap_or_default(),
            _ => {}
        }
    }
    Ok(upload)
}

/// The body if it is at most `limit` bytes. A larger one is read on and thrown away up to twice the limit, so
/// a phone that sent a too-large photo receives the 413 and its Chinese message instead of a broken
/// connection; beyond that the connection is dropped.
async fn read_limited(mut body: axum::body::Body, limit: usize) -> Option<Vec<u8>> {
    use http_body_util::BodyExt;
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len();
        if seen > limit.saturating_mul(2) {
            return None;
        }
        if seen <= limit {
            bytes.extend_from_slice(&data);
        }
    }
    (seen <= limit).then_some(bytes)
}
