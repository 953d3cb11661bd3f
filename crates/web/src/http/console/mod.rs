//! The console of the exam authorities (考试管理机构), under /admin on the same server: its own login (password
//! and TOTP), its own session cookie (path /admin), and pages that only ever see what the admin's scope covers.

mod admins;
mod announcements;
mod applications;
mod audit;
mod candidates;
mod charts;
mod corrections;
mod dashboard;
mod jobs;
mod login;
mod plan;

use super::pages::{Chrome, PageCtx, error_page};
use crate::error::ApiError;
use crate::flows::FlowError;
use crate::i18n::Lang;
use crate::sessions::token_hash;
use crate::state::{AppState, now};
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use store::admins::{Admin, AdminSession};

pub const ADMIN_COOKIE: &str = "kaowu_admin";
pub const ADMIN_PATH: &str = "/admin";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(login::page).post(login::password))
        .route("/admin/totp", get(login::totp_page).post(login::totp))
        .route("/admin/logout", post(login::logout))
        .route("/admin", get(dashboard::page))
        .route("/admin/candidates", get(candidates::search))
        .route("/admin/candidates/{id}", get(candidates::detail))
        .route("/admin/candidates/{id}/photo.jpg", get(candidates::photo))
        .route("/admin/candidates/{id}/reveal", post(candidates::reveal))
        .route("/admin/candidates/{id}/lock", post(candidates::lock))
        .route("/admin/candidates/{id}/unlock", post(candidates::unlock))
        .route("/admin/candidates/{id}/lift-login-lock", post(candidates::lift_login_lock))
        .route("/admin/candidates/{id}/unbind-wechat", post(candidates::unbind_wechat))
        .route("/admin/candidates/{id}/reset-code", post(candidates::reset_code))
        .route("/admin/candidates/{id}/identity/settle", post(candidates::settle_identity))
        .route("/admin/candidates/{id}/identity/rerun", post(candidates::rerun_identity))
        .route("/admin/candidates/{id}/identity/correct", post(candidates::correct_identity))
        .route("/admin/corrections", get(corrections::queue))
        .route("/admin/corrections/{id}", get(corrections::detail))
        .route("/admin/corrections/{id}/attachment", get(corrections::attachment))
        .route("/admin/corrections/{id}/approve", post(corrections::approve))
        .route("/admin/corrections/{id}/reject", post(corrections::reject))
        .route("/admin/applications", get(applications::queue))
        .route("/admin/applications/lookup", get(applications::lookup))
        .route("/admin/applications/bulk-approve", post(applications::bulk_approve))
        .route("/admin/applications/{id}", get(applications::detail))
        .route("/admin/applications/{id}/photo.jpg", get(applications::photo))
        .route("/admin/applications/{id}/files/{file_id}", get(applications::file))
        .route("/admin/applications/{id}/{action}", post(applications::decide))
        .route("/admin/announcements", get(announcements::list).post(announcements::publish))
        .route("/admin/announcements/{id}/withdraw", post(announcements::withdraw))
        .route("/admin/plan", get(plan::page))
        .route("/admin/plan/windows", post(plan::save_windows))
        .route("/admin/plan/upload", post(plan::upload))
        .route("/admin/admins", get(admins::page).post(admins::create))
        .route("/admin/sites", post(admins::create_site))
        .route("/admin/audit", get(audit::page))
        .route("/admin/audit.csv", get(audit::export))
        .route("/admin/jobs", get(jobs::page))
        .route("/admin/jobs/{id}/retry", post(jobs::retry))
}

/// The console session of the request, whatever its state (second factor given or not).
async fn console_session(state: &AppState, jar: &axum_extra::extract::CookieJar) -> Result<Option<AdminSession>, ApiError> {
    let Some(token) = jar.get(ADMIN_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    if token.len() != 43 {
        return Ok(None);
    }
    Ok(state.store.active_admin_session(&token_hash(&token), now()).await?)
}

pub fn admin_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((ADMIN_COOKIE, token)).path(ADMIN_PATH).http_only(true).same_site(SameSite::Strict).secure(secure).build()
}

/// A page of the console: the page context and the admin, who gave both factors in this session.
pub struct AdminCtx {
    pub page: PageCtx,
    pub admin: Admin,
}

/// A session that has passed the password but not yet the second factor.
pub struct HalfOpen {
    pub page: PageCtx,
    pub session: AdminSession,
}

impl FromRequestParts<AppState> for AdminCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AdminCtx, Response> {
        let page = PageCtx::from_request_parts(parts, state).await?;
        match console_session(state, &page.jar).await {
            Ok(Some(session)) if session.second_factor_done => Ok(AdminCtx { admin: session.admin, page }),
            Ok(Some(_)) => Err(Redirect::to("/admin/totp").into_response()),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(error) => Err(error_page(page.lang, error)),
        }
    }
}

impl FromRequestParts<AppState> for HalfOpen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<HalfOpen, Response> {
        let page = PageCtx::from_request_parts(parts, state).await?;
        match console_session(state, &page.jar).await {
            Ok(Some(session)) if session.second_factor_done => Err(Redirect::to("/admin").into_response()),
            Ok(Some(session)) => Ok(HalfOpen { page, session }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(error) => Err(error_page(page.lang, error)),
        }
    }
}

/// What the console's layout shows about the admin.
pub struct Who {
    pub display_name: String,
    pub role: &'static str,
    pub region: String,
    pub may_create_admins: bool,
}

impl AdminCtx {
    pub fn lang(&self) -> Lang {
        self.page.lang
    }

    pub fn chrome(&self, zh: &'static str, en: &'static str) -> Chrome {
        self.page.chrome(zh, en)
    }

    pub fn who(&self) -> Who {
        let lang = self.page.lang;
        let scope = &self.admin.scope;
        Who {
            display_name: self.admin.display_name.clone(),
            role: match scope.role() {
                "national" => lang.pick("全国管理员", "National admin"),
                "province" => lang.pick("考区管理员", "Province admin"),
                _ => lang.pick("考点管理员", "Site admin"),
            },
            region: scope.site().or(scope.province()).unwrap_or("").to_owned(),
            may_create_admins: scope.creates().is_some(),
        }
    }

    pub fn csrf_ok(&self, submitted: &str) -> bool {
        self.page.csrf_ok(submitted)
    }

    pub fn render(self, status: StatusCode, page: impl Template) -> Response {
        self.page.render(status, page)
    }

    /// A refusal outside any form (not found, forbidden, storage down) as the console's error page.
    pub fn fail(&self, error: FlowError) -> Response {
        error_page(self.page.lang, error.into_api(self.page.lang))
    }

    pub fn csrf_refused(&self) -> Response {
        error_page(self.page.lang, ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"))
    }
}

/// A document a candidate uploaded, opened in the admin's browser: its own type, inline, never cached.
pub fn inline_document(bytes: bytes::Bytes, mime: &str) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    response
}

/// Dates typed as YYYY-MM-DD, as Beijing midnight in unix seconds.
pub fn beijing_day_start(text: &str) -> Option<i64> {
    let date = time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_offset(time::macros::offset!(+8)).unix_timestamp())
}
