//! Everything HTTP: each area exposes `router()`; this module adds the layers every request passes through.

pub mod api;
mod assets;
mod console;
mod ops;
pub mod pages;
mod wechat;

use crate::error::ApiError;
use crate::sessions::request_lang;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Bodies above this are refused (413) before any handler runs; JSON bodies have a tighter limit of their own.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

pub fn router(state: AppState) -> Router {
    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ));

    Router::new()
        .merge(pages::router(&state))
        .merge(console::router())
        .merge(api::router(state.clone()))
        .merge(ops::router())
        .merge(wechat::router())
        .merge(assets::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(crate::observability::record_metrics))
        .layer(middleware::map_response(explain_bare_errors))
        .layer(security_headers)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
                            let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                            // The path only: query strings may carry search terms, never log them.
                            tracing::info_span!("request", request_id = %request_id, method = %request.method(), path = %request.uri().path())
                        })
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                        .on_failure(log_server_failure),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| ApiError::internal("handler panicked").into_response()))
                .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(30)))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .with_state(state)
}

/// 5xx answers are errors worth an ERROR line — except 503, which is the deliberate answer to overload and would
/// otherwise flood the log exactly when the service is busiest.
fn log_server_failure(failure: ServerErrorsFailureClass, latency: Duration, _span: &tracing::Span) {
    match failure {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {}
        other => tracing::error!(classification = %other, latency_ms = latency.as_millis() as u64, "response failed"),
    }
}

async fn not_found(request: Request) -> Response {
    answer_error(&request, ApiError::new(StatusCode::NOT_FOUND, "request.not_found"))
}

async fn method_not_allowed(request: Request) -> Response {
    answer_error(&request, ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "request.method_not_allowed"))
}

/// A page for a browser outside the API, JSON for everyone else.
fn answer_error(request: &Request, error: ApiError) -> Response {
    let lang = request_lang(request.headers());
    let wants_page = !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page { pages::error_page(lang, error) } else { error.in_lang(lang).into_response() }
}

/// Framework rejections (a form that does not parse, a body over the limit, a timeout) come back as plain
/// text; give them the same `{code, message}` shape as every other error.
async fn explain_bare_errors(response: Response) -> Response {
    let status = response.status();
    let is_json_or_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json_or_html {
        return response;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "request.too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "request.unsupported_media_type",
        StatusCode::GATEWAY_TIMEOUT | StatusCode::REQUEST_TIMEOUT => "request.timeout",
        StatusCode::NOT_FOUND => "request.not_found",
        StatusCode::METHOD_NOT_ALLOWED => "request.method_not_allowed",
        s if s.is_client_error() => "request.malformed",
        _ => "internal",
    };
    let mut rebuilt = ApiError::new(status, code).into_response();
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rebuilt.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rebuilt
}
