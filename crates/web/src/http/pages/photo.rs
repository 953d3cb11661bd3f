//! 报名照片: the requirements first, then the current photo and the upload form; a refused upload shows every
//! check the tool ran and which one failed.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::photo::{PhotoError, replace_photo};
use crate::http::api::photo::{photo_response, read_upload};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::photo::PhotoSpec;
use serde::Deserialize;

/// One line of the tool's report on a refused upload.
pub struct FindingRow {
    pub label: &'static str,
    pub passed: bool,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "photo.html")]
struct PhotoPage {
    c: Chrome,
    spec: PhotoSpec,
    max_upload_mb: usize,
    min_source_kb: usize,
    /// `Some(version)` when a photo is on file; the version busts the browser's cache after a replacement.
    photo_version: Option<String>,
    locked: bool,
    saved: bool,
    errors: FormErrors,
    findings: Vec<FindingRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PhotoQuery {
    saved: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<PhotoQuery>) -> Response {
    render(&state, ctx, query.saved.is_some(), FormErrors::default(), Vec::new(), StatusCode::OK).await
}

pub async fn upload(State(state): State<AppState>, ctx: PageCtx, request: Request) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let account_id = session.account_id.clone();
    let upload = match read_upload(&state, request).await {
        Ok(upload) => upload,
        Err(error) => {
            let errors = FormErrors::general(error.code(), lang);
            return render(&state, ctx, false, errors, Vec::new(), error.status).await;
        }
    };
    if !ctx.csrf_ok(&upload.csrf_token) {
        return render(&state, ctx, false, FormErrors::general("csrf.invalid", lang), Vec::new(), StatusCode::FORBIDDEN).await;
    }
    match replace_photo(&state, &account_id, upload.bytes).await {
        Ok(_) => Redirect::to("/me/photo?saved=1").into_response(),
        Err(PhotoError::Rejected(rejected)) => {
            let findings = rejected
                .findings
                .into_iter()
                .map(|f| FindingRow {
                    label: lang.pick(f.check.label_zh(), f.check.label_en()),
                    passed: f.passed,
                    // The tool's findings are written in Chinese, like its report on the command line.
                    detail: if lang == crate::i18n::Lang::Zh { f.detail } else { String::new() },
                })
                .collect();
            let errors = FormErrors::general(rejected.rejection.code(), lang);
            render(&state, ctx, false, errors, findings, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(PhotoError::Flow(FlowError::Invalid(errors))) => {
            render(&state, ctx, false, FormErrors::from(&errors, lang), Vec::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(PhotoError::Flow(FlowError::Conflict(error))) => {
            render(&state, ctx, false, FormErrors::general(error.code, lang), Vec::new(), StatusCode::CONFLICT).await
        }
        Err(PhotoError::Flow(FlowError::Busy)) => {
            render(&state, ctx, false, FormErrors::general("service.busy", lang), Vec::new(), StatusCode::SERVICE_UNAVAILABLE).await
        }
        Err(PhotoError::Flow(FlowError::Upstream(code))) => {
            render(&state, ctx, false, FormErrors::general(code, lang), Vec::new(), StatusCode::SERVICE_UNAVAILABLE).await
        }
        Err(PhotoError::Flow(other)) => super::error_page(lang, other.into_api(lang)),
    }
}

/// The photo itself, for the logged-in owner (the page's `<img>`).
pub async fn image(State(state): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Response {
    let Some((session, _)) = &ctx.session.0 else { return StatusCode::NOT_FOUND.into_response() };
    photo_response(&state, &session.account_id, ctx.lang, &headers).await
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    saved: bool,
    errors: FormErrors,
    findings: Vec<FindingRow>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let photo = match state.store.photo(&session.account_id).await {
        Ok(photo) => photo,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let spec = state.photo_spec.clone();
    let page = PhotoPage {
        c: ctx.chrome("报名照片", "Registration photo"),
        max_upload_mb: spec.max_upload_bytes / (1024 * 1024),
        min_source_kb: spec.min_source_bytes / 1024,
        spec,
        locked: photo.as_ref().is_some_and(|p| p.locked_at.is_some()),
        photo_version: photo.map(|p| p.sha256[..16].to_owned()),
        saved,
        errors,
        findings,
    };
    ctx.render(status, page)
}
