//! Password login by username or ID number. Unknown identifiers cost a dummy verification, so neither the
//! answer nor its timing tells whether an account exists.

use super::FlowError;
use crate::state::AppState;
use domain::id_number::IdNumber;
use domain::password::MAX_LEN as MAX_PASSWORD_LEN;
use domain::username::Username;

const MAX_IDENTIFIER_CHARS: usize = 64;

/// The account the credentials open.
pub async fn authenticate(state: &AppState, identifier: &str, password: &str) -> Result<String, FlowError> {
    let identifier = identifier.trim();
    if identifier.is_empty() || password.is_empty() {
        return Err(FlowError::Invalid(domain::FieldError::new("login", "login.required").into()));
    }
    if identifier.chars().count() > MAX_IDENTIFIER_CHARS || password.chars().count() > MAX_PASSWORD_LEN {
        state.hasher.verify_dummy(password.chars().take(MAX_PASSWORD_LEN).collect()).await?;
        return Err(FlowError::InvalidCredentials);
    }
    let username = Username::parse("login", identifier).ok();
    let candidates = state.store.login_candidates(username.as_ref(), &IdNumber::lookup_form(identifier)).await?;
    if candidates.is_empty() {
        state.hasher.verify_dummy(password.to_string()).await?;
        metrics::counter!("kaowu_logins_total", "outcome" => "failed").increment(1);
        return Err(FlowError::InvalidCredentials);
    }
    for candidate in candidates {
        if state.hasher.verify(password.to_string(), candidate.password_hash).await? {
            metrics::counter!("kaowu_logins_total", "outcome" => "ok").increment(1);
            return Ok(candidate.id);
        }
    }
    metrics::counter!("kaowu_logins_total", "outcome" => "failed").increment(1);
    Err(FlowError::InvalidCredentials)
}

/// Whether `password` is the account's password: a fresh authentication before a sensitive change.
pub async fn confirm_password(state: &AppState, account_id: &str, password: &str) -> Result<bool, FlowError> {
    let hash = state.store.password_hash(account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let password: String = password.chars().take(MAX_PASSWORD_LEN).collect();
    Ok(state.hasher.verify(password, hash).await?)
}
