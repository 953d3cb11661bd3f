//! Passkeys (通行密钥 — 面容 ID, 指纹, Windows Hello, security keys): WebAuthn discoverable credentials, added from
//! the account page after a recent proof of identity, and used on the login page without typing a username.
//!
//! The WebAuthn checks are webauthn_rp's (challenge, origin, RP ID hash, user verification, signature,
//! counter). Each ceremony's server state is kept in the database until its answer comes back, so any node can
//! finish a ceremony another started, and each is taken once. Passkeys always require user verification (the
//! face or fingerprint on the device), so a passkey login is as strong a proof as the password.

use super::FlowError;
use crate::sessions::Client;
use crate::state::{AppState, now};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use domain::FieldError;
use domain::passkey::{MAX_PER_ACCOUNT, PasskeyName};
use store::passkeys::{AddPasskeyError, NewPasskey, PasskeySummary};
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::request::auth::AuthenticationVerificationOptions;
use webauthn_rp::request::register::{
    CredProtect, Nickname, PublicKeyCredentialUserEntity, RegistrationVerificationOptions, UserHandle64, Username as WebauthnUsername,
};
use webauthn_rp::request::{AsciiDomain, DomainOrigin, ExtensionInfo, Port, PublicKeyCredentialDescriptor, RpId, TimedCeremony};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId, SentChallenge};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication64, DiscoverableAuthenticationServerState, DiscoverableCredentialRequestOptions,
    PublicKeyCredentialCreationOptions, Registration, RegistrationServerState,
};

/// How long a browser has to answer a ceremony (the library's own timeout for passkeys is the same 5 minutes).
const CEREMONY_SECS: i64 = 5 * 60;
const REGISTER: &str = "register";
const LOGIN: &str = "login";

/// Which site passkeys belong to, and the page origins allowed to use them.
#[derive(Debug, Clone)]
pub struct PasskeySettings {
    /// The RP ID: this site's domain (passkeys made for it work on it and its subdomains only).
    pub rp_id: String,
    /// Origins allowed to run ceremonies, like `https://kaowu.example.cn`; a `:*` suffix allows any port.
    pub origins: Vec<String>,
}

impl PasskeySettings {
    /// Passkeys for `public_url`'s host when one is configured; else (or when that host is an IP address, which
    /// WebAuthn refuses) for `localhost` on any port, which a browser treats as a secure origin.
    pub fn for_public_url(public_url: Option<&str>) -> PasskeySettings {
        let host = public_url.and_then(|url| url.split_once("://")).map(|(_, rest)| rest.split([':', '/']).next().unwrap_or(rest).to_owned());
        match (public_url, host) {
            (Some(url), Some(host)) if !host.is_empty() && host.parse::<std::net::IpAddr>().is_err() => PasskeySettings { rp_id: host, origins: vec![url.trim_end_matches('/').to_owned()] },
            _ => PasskeySettings { rp_id: "localhost".into(), origins: vec!["http://localhost:*".into(), "https://localhost:*".into()] },
        }
    }

    /// Whether the RP ID is a domain and every origin parses (configuration calls this at start).
    pub fn check(&self) -> Result<(), String> {
        if self.rp_id.parse::<std::net::IpAddr>().is_ok() || AsciiDomain::try_from(self.rp_id.clone()).is_err() {
            return Err(format!("not a domain name: {:?}", self.rp_id));
        }
        if self.origins.is_empty() || self.origins().len() != self.origins.len() || self.origins.iter().any(|o| !o.contains("://")) {
            return Err(format!("origins must look like https://host[:port]: {:?}", self.origins));
        }
        Ok(())
    }

    fn rp_id(&self) -> Result<RpId, FlowError> {
        AsciiDomain::try_from(self.rp_id.clone()).map(RpId::Domain).map_err(|_| FlowError::Refused("passkey.not_configured"))
    }

    fn origins(&self) -> Vec<DomainOrigin<'_, '_>> {
        self.origins
            .iter()
            .filter_map(|origin| match origin.strip_suffix(":*") {
                Some(any_port) => DomainOrigin::try_from(any_port).ok().map(|o| DomainOrigin { port: Port::Any, ..o }),
                None => DomainOrigin::try_from(origin.as_str()).ok(),
            })
            .collect()
    }
}

fn bad_response() -> FlowError {
    FieldError::new("credential", "passkey.response_invalid").into()
}

fn corrupt(what: &str) -> FlowError {
    FlowError::Internal(store::StoreError::Corrupt(format!("passkey {what}")))
}

fn challenge_key(challenge: SentChallenge) -> String {
    format!("{:032x}", challenge.encode().unwrap_or_else(|never| match never {}))
}

/// The options for `navigator.credentials.create()` to add a passkey to the account (the caller made sure the
/// candidate proved who they are recently). Passkeys already registered are excluded, so one authenticator does
/// not end up holding two for the same account.
pub async fn start_registration(state: &AppState, account_id: &str) -> Result<serde_json::Value, FlowError> {
    let existing = state.store.passkeys(account_id).await?;
    if existing.len() >= MAX_PER_ACCOUNT {
        return Err(FlowError::Refused("passkey.limit"));
    }
    let account = state.store.account(account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let user_handle = user_handle(state, account_id).await?;
    let rp_id = state.settings.passkeys.rp_id()?;
    let username = WebauthnUsername::try_from(account.username.as_str()).map_err(|_| corrupt("username"))?;
    // The name the device shows beside the passkey; a name the Nickname profile refuses leaves it out.
    let display_name = Nickname::try_from(account.name.as_str()).ok();
    let user = PublicKeyCredentialUserEntity { name: username, id: &user_handle, display_name };
    let exclude = existing
        .iter()
        .filter_map(|p| {
            let id = CredentialId::decode(URL_SAFE_NO_PAD.decode(&p.credential_id).ok()?).ok()?;
            let transports = AuthTransports::decode(u8::try_from(p.transports).ok()?).ok()?;
            Some(PublicKeyCredentialDescriptor { id, transports })
        })
        .collect();
    let mut creation = PublicKeyCredentialCreationOptions::passkey(&rp_id, user, exclude);
    // credProtect is asked for but not insisted on: insisting makes browsers refuse authenticators without the
    // extension (many platform ones), and every login requires user verification anyway.
    creation.extensions.cred_protect = CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue);
    let (server, client) = creation.start_ceremony().map_err(|error| {
        tracing::error!(?error, "passkey registration options refused");
        corrupt("registration options")
    })?;
    let server_state = server.encode().map_err(|_| corrupt("registration state"))?;
    keep_ceremony(state, REGISTER, Some(account_id), server.sent_challenge(), &server_state, &client).await
}

/// The account's WebAuthn user handle: 64 random bytes made the first time it adds a passkey.
async fn user_handle(state: &AppState, account_id: &str) -> Result<UserHandle64, FlowError> {
    let fresh = UserHandle64::new();
    let fresh = URL_SAFE_NO_PAD.encode(fresh.encode().unwrap_or_else(|never| match never {}));
    let stored = state.store.passkey_user_handle(account_id, &fresh).await?;
    decode_user_handle(&stored)
}

fn decode_user_handle(stored: &str) -> Result<UserHandle64, FlowError> {
    let bytes: [u8; 64] = URL_SAFE_NO_PAD.decode(stored).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| corrupt("user handle"))?;
    UserHandle64::decode(bytes).map_err(|never| match never {})
}

/// Checks the browser's answer to `start_registration` and keeps the passkey under `name`; the bound WeChat
/// is told. `credential` is the `PublicKeyCredential` as JSON (`credential.toJSON()`).
pub async fn finish_registration(state: &AppState, account_id: &str, name: &str, credential: &serde_json::Value, client: &Client) -> Result<PasskeySummary, FlowError> {
    let name = PasskeyName::parse("name", name)?;
    let json = serde_json::to_vec(credential).map_err(|_| bad_response())?;
    let registration = Registration::from_json_relaxed(&json).map_err(|_| bad_response())?;
    let challenge = challenge_key(registration.challenge_relaxed().map_err(|_| bad_response())?);
    let ceremony = state.store.take_webauthn_ceremony(&challenge, REGISTER, now()).await?;
    let Some(ceremony) = ceremony.filter(|c| c.account_id.as_deref() == Some(account_id)) else {
        return Err(FieldError::new("credential", "passkey.ceremony_expired").into());
    };
    let server_bytes = STANDARD.decode(&ceremony.server_state).map_err(|_| corrupt("registration state"))?;
    let server = RegistrationServerState::<64>::decode(server_bytes.as_slice()).map_err(|_| corrupt("registration state"))?;
    let rp_id = state.settings.passkeys.rp_id()?;
    let origins = state.settings.passkeys.origins();
    let options = RegistrationVerificationOptions::<DomainOrigin<'_, '_>, DomainOrigin<'_, '_>> { allowed_origins: &origins, ..Default::default() };
    let registered = server.verify(&rp_id, &registration, &options).map_err(|error| {
        tracing::info!(%error, "passkey registration refused");
        FlowError::from(FieldError::new("credential", "passkey.verification_failed"))
    })?;
    let (id, transports, _user, static_state, dynamic_state, _metadata) = registered.into_parts();
    let credential_id = URL_SAFE_NO_PAD.encode(id.as_ref());
    let transports = i64::from(transports.encode().unwrap_or_else(|never| match never {}));
    let static_state = STANDARD.encode(static_state.encode().unwrap_or_else(|never| match never {}));
    let dynamic_state = STANDARD.encode(dynamic_state.encode().unwrap_or_else(|never| match never {}));
    let at = now();
    let new = NewPasskey { credential_id: &credential_id, account_id, name: name.as_str(), static_state: &static_state, dynamic_state: &dynamic_state, transports, now: at };
    match state.store.add_passkey(&new, MAX_PER_ACCOUNT).await {
        Ok(()) => {}
        Err(AddPasskeyError::LimitReached) => return Err(FlowError::Refused("passkey.limit")),
        Err(AddPasskeyError::AlreadyRegistered) => return Err(FlowError::Conflict(FieldError::new("credential", "passkey.already_registered"))),
        Err(AddPasskeyError::Store(error)) => return Err(error.into()),
    }
    tracing::info!("passkey added");
    super::login::record_event(state, account_id, super::login::LoginMethod::PasskeyAdded, "ok", client).await;
    let detail = format!("您的考生管理平台账号添加了通行密钥「{}」，可用它登录。如非本人操作，请立即登录删除该通行密钥并修改密码。", name.as_str());
    super::wechat::notify_account(state, account_id, "添加通行密钥", &detail).await;
    Ok(PasskeySummary { credential_id, name: name.as_str().to_owned(), transports, created_at: at, last_used_at: None })
}

/// Removes one of the account's passkeys; the bound WeChat is told. False when it has none with that id.
pub async fn remove(state: &AppState, account_id: &str, credential_id: &str, client: &Client) -> Result<bool, FlowError> {
    let Some(name) = state.store.remove_passkey(account_id, credential_id).await? else {
        return Ok(false);
    };
    super::login::record_event(state, account_id, super::login::LoginMethod::PasskeyRemoved, "ok", client).await;
    let detail = format!("您的考生管理平台账号删除了通行密钥「{name}」，它已不能再登录。如非本人操作，请立即修改密码。");
    super::wechat::notify_account(state, account_id, "删除通行密钥", &detail).await;
    Ok(true)
}

/// The options for `navigator.credentials.get()`: any passkey of this site will do (discoverable credentials,
/// no username typed).
pub async fn start_login(state: &AppState) -> Result<serde_json::Value, FlowError> {
    let rp_id = state.settings.passkeys.rp_id()?;
    let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp_id).start_ceremony().map_err(|error| {
        tracing::error!(?error, "passkey login options refused");
        corrupt("login options")
    })?;
    let server_state = server.encode().map_err(|_| corrupt("login state"))?;
    keep_ceremony(state, LOGIN, None, server.sent_challenge(), &server_state, &client).await
}

/// Keeps a ceremony's server state under its challenge until the answer comes back (to any node), and gives
/// the options to send to the client.
async fn keep_ceremony(
    state: &AppState,
    purpose: &str,
    account_id: Option<&str>,
    challenge: SentChallenge,
    server_state: &[u8],
    options: &impl serde::Serialize,
) -> Result<serde_json::Value, FlowError> {
    let options = serde_json::to_value(options).map_err(|_| corrupt("ceremony options"))?;
    let challenge = challenge_key(challenge);
    state.store.create_webauthn_ceremony(&challenge, purpose, account_id, &STANDARD.encode(server_state), now() + CEREMONY_SECS).await?;
    Ok(options)
}

/// Checks the browser's answer to `start_login`: the account whose passkey signed the challenge. A removed
/// passkey, another site's, a replayed answer or a bad signature is the same refusal.
pub async fn finish_login(state: &AppState, credential: &serde_json::Value, client: &Client) -> Result<String, FlowError> {
    let json = serde_json::to_vec(credential).map_err(|_| bad_response())?;
    let authentication = DiscoverableAuthentication64::from_json_relaxed(&json).map_err(|_| bad_response())?;
    let challenge = challenge_key(authentication.challenge_relaxed().map_err(|_| bad_response())?);
    let Some(ceremony) = state.store.take_webauthn_ceremony(&challenge, LOGIN, now()).await? else {
        return Err(FieldError::new("credential", "passkey.ceremony_expired").into());
    };
    let credential_id = URL_SAFE_NO_PAD.encode(authentication.raw_id().as_ref());
    let Some(stored) = state.store.passkey_for_login(&credential_id).await? else {
        tracing::info!("passkey login with an unknown credential");
        return Err(FlowError::Refused("passkey.unknown"));
    };
    let server_bytes = STANDARD.decode(&ceremony.server_state).map_err(|_| corrupt("login state"))?;
    let server = DiscoverableAuthenticationServerState::decode(server_bytes.as_slice()).map_err(|_| corrupt("login state"))?;
    let user_handle = decode_user_handle(&stored.user_handle)?;
    let static_bytes = STANDARD.decode(&stored.static_state).map_err(|_| corrupt("public key"))?;
    let static_state = StaticState::<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>::decode(static_bytes.as_slice()).map_err(|_| corrupt("public key"))?;
    let dynamic_bytes: [u8; 7] = STANDARD.decode(&stored.dynamic_state).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| corrupt("state"))?;
    let dynamic_state = DynamicState::decode(dynamic_bytes).map_err(|_| corrupt("state"))?;
    let id_bytes = URL_SAFE_NO_PAD.decode(&credential_id).map_err(|_| corrupt("id"))?;
    let id = CredentialId::<&[u8]>::decode(id_bytes.as_slice()).map_err(|_| corrupt("id"))?;
    let mut passkey = AuthenticatedCredential::new(id, &user_handle, static_state, dynamic_state).map_err(|_| corrupt("credential"))?;
    let rp_id = state.settings.passkeys.rp_id()?;
    let origins = state.settings.passkeys.origins();
    let options = AuthenticationVerificationOptions::<DomainOrigin<'_, '_>, DomainOrigin<'_, '_>> { allowed_origins: &origins, ..Default::default() };
    if let Err(error) = server.verify(&rp_id, &authentication, &mut passkey, &options) {
        tracing::info!(%error, "passkey login refused");
        super::login::record_event(state, &stored.account_id, super::login::LoginMethod::Passkey, "refused", client).await;
        return Err(FlowError::Refused("passkey.unknown"));
    }
    let dynamic_state = STANDARD.encode(passkey.dynamic_state().encode().unwrap_or_else(|never| match never {}));
    state.store.passkey_used(&credential_id, &dynamic_state, now()).await?;
    Ok(stored.account_id)
}

#[cfg(test)]
mod tests {
    use super::PasskeySettings;

    #[test]
    fn the_public_address_names_the_site_passkeys_belong_to() {
        let site = PasskeySettings::for_public_url(Some("https://kaowu.example.cn"));
        assert_eq!(site.rp_id, "kaowu.example.cn");
        assert_eq!(site.origins, ["https://kaowu.example.cn"]);
        assert!(site.check().is_ok());
        let with_port = PasskeySettings::for_public_url(Some("https://kaowu.example.cn:8443"));
        assert_eq!(with_port.rp_id, "kaowu.example.cn");
        for local in [None, Some("http://10.1.2.3:8080")] {
            let local = PasskeySettings::for_public_url(local);
            assert_eq!(local.rp_id, "localhost", "an IP address cannot hold passkeys");
            assert!(local.check().is_ok());
        }
        let ip = PasskeySettings { rp_id: "127.0.0.1".into(), origins: vec!["http://127.0.0.1:8080".into()] };
        assert!(ip.check().is_err());
        let no_scheme = PasskeySettings { rp_id: "kaowu.example.cn".into(), origins: vec!["kaowu.example.cn".into()] };
        assert!(no_scheme.check().is_err());
    }
}
