//! Password login by username or ID number, and re-authentication before sensitive changes. Unknown
//! identifiers cost a dummy verification, so neither the answer nor its timing tells whether an account exists.
//!
//! Every check of a secret is counted (security.md): per account and per client address, before the secret is
//! checked, so parallel guesses cannot run past the limit; after too many the key is locked for a while and even
//! the right password is refused. Identifiers that name no account are counted under their own key and lock the
//! same way, so a lock does not reveal that an account exists either.

use super::FlowError;
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::id_number::IdNumber;
use domain::password::MAX_LEN as MAX_PASSWORD_LEN;
use domain::username::Username;
use sha2::{Digest, Sha256};
use store::throttle::Attempt;

/// The longest login identifier (username or ID number) looked up; longer ones name nobody.
pub const MAX_IDENTIFIER_CHARS: usize = 64;

/// How a candidate logged in (the login history says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    Registration,
    Password,
    WechatScan,
    WechatWebsite,
    WechatMiniProgram,
    /// A passkey with user verification (the device's face or fingerprint check).
    Passkey,
    /// Not a login: the security answer that allowed a password reset (shown in the history all the same).
    SecurityAnswer,
    /// Not a login: a password reset with a one-time code.
    PasswordReset,
    /// Not a login: a passed face check that allowed a password reset.
    FaceCheck,
    /// Not a login: a passkey was added to, or removed from, the account.
    PasskeyAdded,
    PasskeyRemoved,
}

impl LoginMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::Registration => "registration",
            LoginMethod::Password => "password",
            LoginMethod::WechatScan => "wechat_scan",
            LoginMethod::WechatWebsite => "wechat_web",
            LoginMethod::WechatMiniProgram => "wechat_miniprogram",
            LoginMethod::Passkey => "passkey",
            LoginMethod::SecurityAnswer => "security_answer",
            LoginMethod::PasswordReset => "password_reset",
            LoginMethod::FaceCheck => "face_check",
            LoginMethod::PasskeyAdded => "passkey_added",
            LoginMethod::PasskeyRemoved => "passkey_removed",
        }
    }
}

/// Credentials that opened an account. The lockout counter still holds this check's place: starting the session
/// gives it back in the same transaction (one write fewer per login), or dropping this leaves it to lapse.
pub struct Verified {
    pub account_id: String,
    pub check: SecretCheck,
}

/// The account the credentials open.
pub async fn authenticate(state: &AppState, identifier: &str, password: &str, client: &Client) -> Result<Verified, FlowError> {
    let identifier = identifier.trim();
    if identifier.is_empty() || password.is_empty() {
        return Err(FlowError::Invalid(domain::FieldError::new("login", "login.required").into()));
    }
    // The place to hash comes first: an overloaded server refuses before any database work.
    let admission = state.hasher.admit()?;
    let oversized = identifier.chars().count() > MAX_IDENTIFIER_CHARS || password.chars().count() > MAX_PASSWORD_LEN;
    let candidates = if oversized {
        Vec::new()
    } else {
        let username = Username::parse("login", identifier).ok();
        state.store.login_candidates(username.as_ref(), &IdNumber::lookup_form(identifier)).await?
    };
    let mut keys: Vec<String> = candidates.iter().map(|c| account_key(&c.id)).collect();
    if keys.is_empty() {
        keys.push(unknown_identifier_key(identifier));
    }
    let guard = match SecretCheck::begin(state, keys, client).await {
        Err(locked @ FlowError::Locked { .. }) => {
            for candidate in &candidates {
                record_failure(state, &candidate.id, "locked", client).await;
            }
            return Err(locked);
        }
        other => other?,
    };
    let password: String = password.chars().take(MAX_PASSWORD_LEN).collect();
    if candidates.is_empty() {
        admission.verify_dummy(password).await;
        guard.failed(state).await;
        metrics::counter!("kaowu_logins_total", "outcome" => "failed").increment(1);
        return Err(FlowError::InvalidCredentials);
    }
    // Almost always one candidate; an identifier that is one account's username and another's ID number checks
    // both, the second under an admission of its own.
    let mut admission = Some(admission);
    for candidate in &candidates {
        let this = match admission.take() {
            Some(admitted) => admitted,
            None => match state.hasher.admit() {
                Ok(admitted) => admitted,
                Err(busy) => {
                    guard.take_back(state).await?;
                    return Err(busy.into());
                }
            },
        };
        if this.verify(password.clone(), candidate.password_hash.clone()).await {
            metrics::counter!("kaowu_logins_total", "outcome" => "ok").increment(1);
            return Ok(Verified { account_id: candidate.id.clone(), check: guard });
        }
    }
    guard.failed(state).await;
    for candidate in &candidates {
        record_failure(state, &candidate.id, "wrong_secret", client).await;
    }
    metrics::counter!("kaowu_logins_total", "outcome" => "failed").increment(1);
    Err(FlowError::InvalidCredentials)
}

/// Whether `password` is the account's password: a fresh authentication before a sensitive change. Counted
/// like a login, so the re-authentication prompt is no way around the lock.
pub async fn confirm_password(state: &AppState, account_id: &str, password: &str, client: &Client) -> Result<bool, FlowError> {
    let admission = state.hasher.admit()?;
    let hash = state.store.password_hash(account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let guard = SecretCheck::begin(state, vec![account_key(account_id)], client).await?;
    let password: String = password.chars().take(MAX_PASSWORD_LEN).collect();
    let right = admission.verify(password, hash).await;
    if right {
        guard.succeeded(state, account_id).await?;
    } else {
        guard.failed(state).await;
        record_failure(state, account_id, "wrong_secret", client).await;
    }
    Ok(right)
}

pub fn account_key(account_id: &str) -> String {
    format!("account:{account_id}")
}

/// The key of an identifier that names no account: its lookup form (NFKC, no spaces, upper case — the form
/// account lookups use), so different spellings of one identifier share a counter, as they would share an
/// account's.
pub fn unknown_identifier_key(identifier: &str) -> String {
    let normalised = IdNumber::lookup_form(identifier);
    format!("login:{}", hex::encode(Sha256::digest(normalised.as_bytes())))
}

fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// A check counted in flight on an account's keys and the client's address, awaiting the verdict. One that is
/// dropped without a verdict (the client went away mid-check) counts as a failure: it would otherwise hold its
/// place for a minute, and a verdict nobody waited for must not be a free guess.
pub struct SecretCheck {
    accounts: Vec<String>,
    address: Option<String>,
    state: AppState,
    settled: bool,
}

impl Drop for SecretCheck {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (state, keys): (AppState, Vec<String>) = (self.state.clone(), self.keys().into_iter().map(str::to_owned).collect());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                if let Err(error) = state.store.attempt_failed(&keys, now()).await {
                    tracing::error!(%error, "an abandoned secret check was not counted");
                }
            });
        }
    }
}

impl SecretCheck {
    /// Counts the attempt on every key at once, or says which limit stops it (counting nothing then).
    pub async fn begin(state: &AppState, accounts: Vec<String>, client: &Client) -> Result<SecretCheck, FlowError> {
        let settings = &state.settings;
        let mut check = SecretCheck { accounts, address: client.ip.as_deref().map(address_key), state: state.clone(), settled: false };
        let mut keys: Vec<(&str, store::throttle::ThrottleRule)> = check.accounts.iter().map(|k| (k.as_str(), settings.account_throttle)).collect();
        if let Some(address) = &check.address {
            keys.push((address, settings.address_throttle));
        }
        let attempt = state.store.begin_attempt(&keys, now()).await;
        drop(keys);
        // Refused or failed: nothing stays counted.
        check.settled = !matches!(attempt, Ok(Attempt::Allowed));
        match attempt? {
            Attempt::Allowed => Ok(check),
            Attempt::Busy => Err(FlowError::Busy),
            Attempt::Locked { until } => Err(FlowError::Locked { until }),
        }
    }

    /// The verdict was reported elsewhere (with the session it started).
    pub fn settle(&mut self) {
        self.settled = true;
    }

    fn keys(&self) -> Vec<&str> {
        self.accounts.iter().map(String::as_str).chain(self.address.as_deref()).collect()
    }

    /// What a right secret for `account_id` releases: every key's place, and that account's failures only
    /// (an identifier may name two accounts; the other one's count must not be wiped by this success).
    pub fn release(&self, account_id: &str) -> store::throttle::Release<'_> {
        let own = account_key(account_id);
        store::throttle::Release { keys: self.keys(), forget: self.accounts.iter().filter(|k| **k == own).map(String::as_str).collect() }
    }

    /// The secret of `account_id` was right: its failures are forgotten; the address keeps its count.
    pub async fn succeeded(mut self, state: &AppState, account_id: &str) -> Result<(), FlowError> {
        self.settled = true;
        let release = self.release(account_id);
        Ok(state.store.release_attempts(&release.keys, &release.forget).await?)
    }

    /// The secret was wrong: a failure on every key, and the one that reaches its limit locks. A database
    /// error here is logged, not answered: the caller still says "wrong", which is what happened.
    pub async fn failed(mut self, state: &AppState) {
        self.settled = true;
        if let Err(error) = state.store.attempt_failed(&self.keys(), now()).await {
            tracing::error!(%error, "a failed secret check was not counted");
        }
    }

    /// Nothing was checked: the places are given back.
    pub async fn take_back(mut self, state: &AppState) -> Result<(), FlowError> {
        self.settled = true;
        Ok(state.store.release_attempts(&self.keys(), &[]).await?)
    }
}

/// A failed or refused attempt on a known account goes into its login history; a history that cannot be
/// written is logged, never a reason to change the answer.
async fn record_failure(state: &AppState, account_id: &str, outcome: &'static str, client: &Client) {
    record_event(state, account_id, LoginMethod::Password, outcome, client).await
}

/// An entry in the account's login history (a failed attempt, a recovery); failing to write it is logged only.
pub async fn record_event(state: &AppState, account_id: &str, method: LoginMethod, outcome: &'static str, client: &Client) {
    let event = store::login_events::NewLoginEvent {
        account_id,
        method: method.as_str(),
        outcome,
        client_ip: client.ip.as_deref(),
        user_agent: client.user_agent.as_deref(),
        at: now(),
    };
    if let Err(error) = state.store.record_login_event(&event).await {
        tracing::warn!(%error, "login event not recorded");
    }
}
