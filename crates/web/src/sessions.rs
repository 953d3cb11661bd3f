//! Session tokens: 256 random bits given to the client once (cookie for pages, bearer token for the API) and
//! stored only as a SHA-256 digest, so a database read does not yield usable sessions.

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::{AppState, now};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use crate::flows::login::LoginMethod;
use store::sessions::{ActiveSession, NewSession};

pub const SESSION_COOKIE: &str = "kaowu_session";

pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(store::pii::random_bytes::<32>())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who is calling, as far as the request tells: address, browser and language.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Client, Self::Rejection> {
        let forwarded = state
            .settings
            .trust_forwarded_for
            // The proxy appends the address it saw; entries to its left come from the client and prove nothing.
            .then(|| {
                header_str(&parts.headers, "x-forwarded-for")
                    .and_then(|v| v.rsplit(',').next())
                    .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
                    .map(|ip| ip.to_string())
            })
            .flatten();
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        let user_agent = header_str(&parts.headers, header::USER_AGENT.as_str()).map(|ua| ua.chars().take(200).collect());
        Ok(Client { ip: forwarded.or(peer), user_agent, lang: request_lang(&parts.headers) })
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The page language: the `kaowu_lang` cookie set by the language switch, else `Accept-Language`, else Chinese.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix("kaowu_lang=").and_then(Lang::from_tag));
    from_cookie.unwrap_or_else(|| {
        header_str(headers, header::ACCEPT_LANGUAGE.as_str()).map(Lang::from_accept_language).unwrap_or_default()
    })
}

/// The SHA-256 (hex) kaowu keeps of a secret held in a browser's cookie (QR logins, face checks): the row
/// says which browser may finish, without the database holding the secret itself.
pub fn browser_secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A freshly started session: the token goes to the client, once.
pub struct StartedSession {
    pub token: String,
    pub expires_at: i64,
}

/// Starts a session after the candidate proved who they are by `method`, and records the login in their
/// history.
pub async fn start_session(
    state: &AppState,
    account_id: &str,
    channel: &str,
    method: crate::flows::login::LoginMethod,
    client: &Client,
) -> Result<StartedSession, ApiError> {
    start_session_releasing(state, account_id, channel, method, client, &store::throttle::Release::default()).await
}

/// A session after a password login: the lockout counter's places go back in the session's own transaction.
pub async fn start_password_session(state: &AppState, mut verified: crate::flows::login::Verified, channel: &str, client: &Client) -> Result<StartedSession, ApiError> {
    if state.store.account_locked(&verified.account_id).await? {
        // The password was right: its check is given back rather than counted as a failure.
        verified.check.take_back(state).await.map_err(|e| e.into_api(client.lang))?;
        return Err(locked_by_authority());
    }
    let started = {
        let release = verified.check.release(&verified.account_id);
        start_session_releasing(state, &verified.account_id, channel, crate::flows::login::LoginMethod::Password, client, &release).await
    };
    if started.is_ok() {
        verified.check.settle();
    }
    started
}

async fn start_session_releasing(
    state: &AppState,
    account_id: &str,
    channel: &str,
    method: crate::flows::login::LoginMethod,
    client: &Client,
    release: &store::throttle::Release<'_>,
) -> Result<StartedSession, ApiError> {
    if state.store.account_locked(account_id).await? {
        return Err(locked_by_authority());
    }
    let token = random_token();
    let now = now();
    let settings = &state.settings;
    let absolute_expires_at = now + settings.session_absolute_secs;
    let session = NewSession {
        token_hash: &token_hash(&token),
        account_id,
        channel,
        now,
        idle_timeout_secs: settings.session_idle_secs,
        absolute_expires_at,
        client_ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        proven_by_secret: matches!(method, LoginMethod::Password | LoginMethod::Registration | LoginMethod::Passkey),
    };
    let login = store::login_events::NewLoginEvent {
        account_id,
        method: method.as_str(),
        outcome: "ok",
        client_ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        at: now,
    };
    state.store.create_session(&session, &login, release).await?;
    metrics::counter!("kaowu_sessions_started_total", "channel" => channel.to_string()).increment(1);
    Ok(StartedSession { token, expires_at: (now + settings.session_idle_secs).min(absolute_expires_at) })
}

/// The refusal of a login to an account an exam authority locked.
fn locked_by_authority() -> ApiError {
    ApiError::new(axum::http::StatusCode::FORBIDDEN, "account.locked_by_authority")
}

/// An API caller with a valid bearer token.
#[derive(Clone)]
pub struct ApiCaller {
    pub session: ActiveSession,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiCaller, ApiError> {
        if let Some(caller) = parts.extensions.get::<ApiCaller>() {
            return Ok(caller.clone());
        }
        let lang = request_lang(&parts.headers);
        let token = header_str(&parts.headers, header::AUTHORIZATION.as_str())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(|| ApiError::unauthorized("auth.required").in_lang(lang))?;
        let token_hash = token_hash(token);
        let session = state
            .store
            .active_session(&token_hash, now())
            .await
            .map_err(|e| ApiError::from(e).in_lang(lang))?
            .filter(|s| BEARER_CHANNELS.contains(&s.channel.as_str()))
            .ok_or_else(|| ApiError::unauthorized("auth.required").in_lang(lang))?;
        Ok(ApiCaller { session, token_hash })
    }
}

/// Sessions whose token is used as a bearer token: the API's own logins and the mini-program's. Page (cookie)
/// sessions are not, so a stolen cookie is no API token and the other way round.
const BEARER_CHANNELS: [&str; 2] = ["api", "miniprogram"];

/// A page visitor's session, if the cookie names a live one.
pub struct PageSession(pub Option<(ActiveSession, String)>);

impl FromRequestParts<AppState> for PageSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<PageSession, ApiError> {
        let jar = axum_extra::extract::CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|t| t.len() <= 128) else {
            return Ok(PageSession(None));
        };
        let token_hash = token_hash(&token);
        let session = state.store.active_session(&token_hash, now()).await?.filter(|s| s.channel == "web");
        Ok(PageSession(session.map(|s| (s, token_hash))))
    }
}

/// Middleware for routes that need a session: refuses without one, and hands the checked caller to the handler
/// (so the session is looked up once).
pub async fn require_api_session(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (mut parts, body) = request.into_parts();
    match ApiCaller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(axum::extract::Request::from_parts(parts, body)).await
        }
        Err(error) => error.into_response(),
    }
}
