//! Our own CSS and JavaScript, compiled into the binary (nothing from a CDN, nothing fetched at run time), and
//! the rare-character web font. Only these static assets are compressed: pages that echo form input next to a
//! CSRF token are not, so compression cannot leak the token (BREACH).

use crate::error::ApiError;
use crate::rare_font::RareFont;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::OnceLock;
use tower_http::compression::CompressionLayer;

const APP_CSS: &str = include_str!("../../static/app.css");
const REGISTER_JS: &str = include_str!("../../static/register.js");
const PHOTO_JS: &str = include_str!("../../static/photo.js");
const WECHAT_JS: &str = include_str!("../../static/wechat.js");
const QUESTION_JS: &str = include_str!("../../static/question.js");
const PASSKEY_JS: &str = include_str!("../../static/passkey.js");
const APPLICATION_JS: &str = include_str!("../../static/application.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/assets/register.js", get(|| async { asset("text/javascript; charset=utf-8", REGISTER_JS) }))
        .route("/assets/photo.js", get(|| async { asset("text/javascript; charset=utf-8", PHOTO_JS) }))
        .route("/assets/wechat.js", get(|| async { asset("text/javascript; charset=utf-8", WECHAT_JS) }))
        .route("/assets/question.js", get(|| async { asset("text/javascript; charset=utf-8", QUESTION_JS) }))
        .route("/assets/passkey.js", get(|| async { asset("text/javascript; charset=utf-8", PASSKEY_JS) }))
        .route("/assets/application.js", get(|| async { asset("text/javascript; charset=utf-8", APPLICATION_JS) }))
        .route("/assets/rare-font.css", get(rare_font_css))
        .route("/assets/fonts/rare/{block}", get(rare_font_block))
        .route("/assets/fonts/rare-set.ttf", get(rare_font_set))
        .layer(CompressionLayer::new())
}

async fn rare_font_css(State(state): State<AppState>) -> impl IntoResponse {
    static CSS: OnceLock<String> = OnceLock::new();
    let css = if state.rare_font.is_some() { CSS.get_or_init(RareFont::stylesheet).as_str() } else { "" };
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")], css.to_string())
}

/// `/assets/fonts/rare/2A600.ttf`: the block of rare characters starting at U+2A600.
async fn rare_font_block(State(state): State<AppState>, Path(block): Path<String>) -> Response {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "request.not_found").into_response();
    let Some(first) = block.strip_suffix(".ttf").and_then(|hex| u32::from_str_radix(hex, 16).ok()) else {
        return not_found();
    };
    // Cutting a block parses a large font: keep it off the async workers.
    let cut = tokio::task::spawn_blocking(move || state.rare_font.as_ref().and_then(|font| font.block(first))).await.ok().flatten();
    match cut {
        Some(bytes) => (
            [(header::CONTENT_TYPE, "font/ttf"), (header::CACHE_CONTROL, "public, max-age=2592000, immutable")],
            bytes.as_ref().clone(),
        )
            .into_response(),
        None => not_found(),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RareSetQuery {
    /// Code points in hexadecimal, joined by "-" (e.g. `2A6A5-4DAE`).
    c: String,
}

/// `/assets/fonts/rare-set.ttf?c=2A6A5-4DAE`: one font with exactly these rare characters, for the picker.
async fn rare_font_set(State(state): State<AppState>, axum::extract::Query(query): axum::extract::Query<RareSetQuery>) -> Response {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "request.not_found").into_response();
    if query.c.len() > crate::rare_font::MAX_SET * 6 {
        return not_found();
    }
    let chars: Option<Vec<char>> = query.c.split('-').map(|hex| u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)).collect();
    let Some(chars) = chars else { return not_found() };
    let cut = tokio::task::spawn_blocking(move || state.rare_font.as_ref().and_then(|font| font.set(&chars))).await.ok().flatten();
    match cut {
        // The address names the content, so shared caches may keep it.
        Some(bytes) => ([(header::CONTENT_TYPE, "font/ttf"), (header::CACHE_CONTROL, "public, max-age=2592000, immutable")], bytes).into_response(),
        None => not_found(),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
