//! Server-rendered pages (askama), in Simplified Chinese with an English switch, one responsive layout for
//! desktop and phone. Forms work without JavaScript; scripts only add the rare-character picker.

pub mod account;
pub mod applications;
pub mod corrections;
pub mod education;
pub mod me;
pub mod photo;
pub mod register;
pub mod passkeys;
pub mod password;
pub mod reauth;
pub mod recover;
pub mod security;
pub mod security_question;
pub mod site;
pub mod wechat;
pub mod wechat_website;

use crate::error::ApiError;
use crate::i18n::{Lang, error_message};
use crate::sessions::{Client, PageSession, request_lang};
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use domain::FieldErrors;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "kaowu_csrf";
pub const LANG_COOKIE: &str = "kaowu_lang";

pub fn router(state: &AppState) -> Router<AppState> {
    let photo_limit = state.photo_spec.max_upload_bytes + 64 * 1024;
    Router::new()
        .route("/", get(home))
        .route("/lang", get(switch_language))
        .route("/register", get(register::notice).post(register::submit))
        .route("/register/form", get(register::form))
        .route("/register/confirm", get(|| async { Redirect::to("/register") }).post(register::confirm))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/login/passkey", post(passkeys::login))
        .route("/login/passkey/options", post(passkeys::login_options))
        .route("/login/wechat", get(wechat::login_page))
        .route("/login/wechat/status", get(wechat::login_status))
        .route("/login/wechat/web", get(wechat_website::start))
        .route(wechat_website::CALLBACK_PATH, get(wechat_website::callback))
        .route("/me", get(me::page))
        .route("/me/education", get(education::page).post(education::add))
        .route("/me/education/chsi", post(education::add_chsi))
        .route("/me/photo", get(photo::page).post(photo::upload).layer(axum::extract::DefaultBodyLimit::max(photo_limit)))
        .route("/me/photo.jpg", get(photo::image))
        .route("/me/password", get(password::page).post(password::change))
        .route("/me/passkeys", get(passkeys::page).post(passkeys::register))
        .route("/me/passkeys/options", post(passkeys::registration_options))
        .route("/me/passkeys/remove", post(passkeys::remove))
        .route("/me/reauth", get(reauth::page).post(reauth::confirm))
        .route("/recover", get(recover::page).post(recover::identify))
        .route("/recover/answer", post(recover::check_answer))
        .route("/recover/reset", post(recover::set_password))
        .route("/recover/face", get(recover::face_page).post(recover::start_face))
        .route("/recover/face/done", get(recover::face_done))
        .route("/recover/code", get(recover::code_page))
        .route("/sites", get(site::list))
        .route("/me/site", get(site::page).post(site::choose))
        .route("/me/applications", get(applications::list).post(applications::create))
        .route("/me/applications/new", get(applications::new_form))
        .route("/me/applications/{id}", get(applications::show))
        .route("/me/applications/{id}/form.pdf", get(applications::form_pdf))
        .route("/me/applications/{id}/edit", get(applications::edit_form).post(applications::edit))
        .route(
            "/me/applications/{id}/files",
            post(applications::upload).layer(axum::extract::DefaultBodyLimit::max(crate::flows::applications::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/me/applications/{id}/{action}", post(applications::act))
        .route(
            "/me/corrections",
            get(corrections::page).post(corrections::submit).layer(axum::extract::DefaultBodyLimit::max(corrections::BODY_LIMIT)),
        )
        .route("/me/security", get(security::page))
        .route("/me/security-question", get(security_question::page).post(security_question::change))
        .route("/me/security/sessions/end", post(security::end_session))
        .route("/me/wechat", get(wechat::page))
        .route("/me/wechat/status", get(wechat::status))
        .route("/me/wechat/unbind", post(wechat::unbind_wechat))
}

/// What every page needs: language, the CSRF token (double-submit cookie), the session and the caller.
pub struct PageCtx {
    pub lang: Lang,
    pub jar: CookieJar,
    pub csrf: String,
    pub session: PageSession,
    pub client: Client,
    /// Where the language switch returns to (already percent-encoded for the query string).
    pub back: String,
    pub secure_cookies: bool,
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<PageCtx, Response> {
        let lang = request_lang(&parts.headers);
        let mut jar = CookieJar::from_headers(&parts.headers);
        let session = PageSession::from_request_parts(parts, state).await.map_err(|e| error_page(lang, e))?;
        let client = Client::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        let secure_cookies = state.settings.secure_cookies;
        let csrf = match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 43) {
            Some(token) => token,
            None => {
                let token = crate::sessions::random_token();
                jar = jar.add(cookie(CSRF_COOKIE, token.clone(), secure_cookies));
                token
            }
        };
        let back = domain::percent::encode(&return_address(&parts.method, &parts.uri));
        Ok(PageCtx { lang, jar, csrf, session, client, back, secure_cookies })
    }
}

/// The page to show again after switching language: the same URL for pages fetched with GET; for pages shown
/// in answer to a form (POST), the GET page that starts that form again.
fn return_address(method: &Method, uri: &Uri) -> String {
    if method == Method::GET {
        return uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    }
    match uri.path() {
        "/register" | "/register/confirm" => "/register/form?accept_notice=on&accept_privacy=on".into(),
        "/login" => "/login".into(),
        _ => "/".into(),
    }
}


pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).build()
}

impl PageCtx {
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        !submitted.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(submitted.as_bytes()))
    }

    pub fn chrome(&self, title_zh: &'static str, title_en: &'static str) -> Chrome {
        Chrome {
            lang: self.lang,
            title: self.lang.pick(title_zh, title_en).to_string(),
            csrf: self.csrf.clone(),
            logged_in: self.session.0.is_some(),
            back: self.back.clone(),
        }
    }

    /// Renders a page with the cookies it set; pages may show personal data, so nothing is cached.
    pub fn render(self, status: StatusCode, page: impl Template) -> Response {
        match page.render() {
            Ok(html) => {
                let mut response = (status, self.jar, Html(html)).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(error) => error_page(self.lang, ApiError::internal(error)),
        }
    }
}

/// Shared by every template: language, title, CSRF token, login state, and the bilingual text helper.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub logged_in: bool,
    pub back: String,
}

impl Chrome {
    pub fn tr<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh-CN",
        }
    }

    pub fn other_lang_label(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }
}

/// Field errors of a form, as sentences in the page language.
#[derive(Default)]
pub struct FormErrors {
    pub messages: Vec<(String, String)>,
}

/// One line of the error summary: the message, and the id of the input it links to (if any).
pub struct SummaryItem {
    pub anchor: Option<String>,
    pub message: String,
}

impl FormErrors {
    pub fn from(errors: &FieldErrors, lang: Lang) -> FormErrors {
        FormErrors {
            messages: errors
                .0
                .iter()
                .map(|e| (e.field.clone(), error_message(e.code, e.detail.as_deref(), lang)))
                .collect(),
        }
    }

    pub fn general(code: &str, lang: Lang) -> FormErrors {
        FormErrors { messages: vec![(String::new(), error_message(code, None, lang))] }
    }

    /// A refusal that belongs to no field (a lock, with how long it lasts), above the form.
    pub fn refusal(error: crate::flows::FlowError, lang: Lang) -> FormErrors {
        FormErrors { messages: vec![(String::new(), error.into_api(lang).message())] }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.messages.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Every error for the summary at the top of a form, each linking to its input.
    pub fn summary(&self) -> Vec<SummaryItem> {
        self.messages
            .iter()
            .map(|(field, message)| SummaryItem {
                anchor: (!field.is_empty() && field != "login").then(|| field.replace('.', "_")),
                message: message.clone(),
            })
            .collect()
    }

}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    announcements: Vec<AnnouncementRow>,
}

pub struct AnnouncementRow {
    pub title: String,
    pub body: String,
    pub published: String,
}

/// The home page, with this exam year's notices for the candidate's 考区 (national ones only for visitors).
async fn home(axum::extract::State(state): axum::extract::State<AppState>, ctx: PageCtx) -> Response {
    let account_id = ctx.session.0.as_ref().map(|(session, _)| session.account_id.clone());
    let announcements = match crate::flows::announcements::for_candidate(&state, account_id.as_deref()).await {
        Ok(found) => found.into_iter().map(|a| AnnouncementRow { title: a.title, body: a.body, published: crate::state::beijing_time(a.published_at) }).collect(),
        Err(error) => {
            // The page still serves its purpose (the way in) without the notices.
            tracing::warn!(?error, "announcements not read for the home page");
            Vec::new()
        }
    };
    let c = ctx.chrome("首页", "Home");
    ctx.render(StatusCode::OK, HomePage { c, announcements })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
}

/// A page for failures outside any form: generic text, details only in the log.
pub fn error_page(lang: Lang, error: ApiError) -> Response {
    let c = Chrome { lang, title: lang.pick("出错了", "Error").to_string(), csrf: String::new(), logged_in: false, back: "%2F".into() };
    let message = error_message(error.code(), None, lang);
    let status = error.status;
    match (ErrorPage { c, message }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, "error").into_response(),
    }
}

#[derive(Deserialize)]
struct LangQuery {
    to: Option<String>,
    back: Option<String>,
}

/// The language switch: remembers the choice in a cookie and returns to the page (same-site paths only).
async fn switch_language(ctx: PageCtx, Query(query): Query<LangQuery>) -> Response {
    let lang = query.to.as_deref().and_then(Lang::from_tag).unwrap_or_default();
    let back = query
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') && b.len() < 200)
        .unwrap_or_else(|| "/".into());
    let mut lang_cookie = cookie(LANG_COOKIE, lang.tag().to_string(), ctx.secure_cookies);
    lang_cookie.set_http_only(false);
    lang_cookie.set_max_age(time::Duration::days(365));
    (ctx.jar.add(lang_cookie), Redirect::to(&back)).into_response()
}
