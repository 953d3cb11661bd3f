//! The console's login: password, then a TOTP code (等保 level 3 asks for two factors). An admin without a
//! TOTP secret enrols one at the first login: a secret is shown once (QR and text) and kept, sealed, in the
//! half-open session until a code from it confirms it. Passwords and codes are counted by the same lockout as
//! candidates' secrets (5 failures lock for 30 minutes), and a code is accepted once: its time step is used up.

use super::FlowError;
use super::login::{SecretCheck, account_key, unknown_identifier_key};
use crate::sessions::{Client, random_token, token_hash};
use crate::state::{AppState, now};
use domain::FieldError;
use domain::password::MAX_LEN as MAX_PASSWORD_LEN;
use domain::totp::TotpSecret;
use store::admins::{Admin, AdminSession, NewAdminSession};
use store::audit::AuditEntry;

/// A console session ends after 30 idle minutes and after 8 hours in any case.
pub const ADMIN_IDLE_SECS: i64 = 30 * 60;
pub const ADMIN_ABSOLUTE_SECS: i64 = 8 * 3600;
/// Shown as the issuer in authenticator apps.
pub const TOTP_ISSUER: &str = "kaowu 考务";

/// A half-open console session: the password was right, the second factor is still due.
pub struct PasswordAccepted {
    pub token: String,
    pub admin: Admin,
}

/// The lockout key of an admin: admin ids come from the same random id space as accounts, so the account key
/// names them without colliding, and an admin's lock is lifted the same way.
fn admin_key(admin_id: &str) -> String {
    account_key(admin_id)
}

/// Checks username and password; a right pair opens a session that still needs the second factor.
pub async fn check_password(state: &AppState, username: &str, password: &str, client: &Client) -> Result<PasswordAccepted, FlowError> {
    let username = username.trim().to_lowercase();
    if username.is_empty() || password.is_empty() {
        return Err(FieldError::new("login", "login.required").into());
    }
    let admission = state.hasher.admit()?;
    let oversized = username.chars().count() > super::login::MAX_IDENTIFIER_CHARS || password.chars().count() > MAX_PASSWORD_LEN;
    let found = if oversized { None } else { state.store.admin_for_login(&username).await? };
    let key = found.as_ref().map(|f| admin_key(&f.admin.id)).unwrap_or_else(|| unknown_identifier_key(&format!("admin:{username}")));
    let check = SecretCheck::begin(state, vec![key], client).await?;
    let password: String = password.chars().take(MAX_PASSWORD_LEN).collect();
    let Some(found) = found else {
        admission.verify_dummy(password).await;
        check.failed(state).await;
        return Err(FlowError::InvalidCredentials);
    };
    if !admission.verify(password, found.password_hash.clone()).await {
        check.failed(state).await;
        return Err(FlowError::InvalidCredentials);
    }
    check.succeeded(state, &found.admin.id).await?;
    let token = random_token();
    let at = now();
    state
        .store
        .create_admin_session(&NewAdminSession {
            token_hash: &token_hash(&token),
            admin_id: &found.admin.id,
            now: at,
            idle_timeout_secs: ADMIN_IDLE_SECS,
            absolute_expires_at: at + ADMIN_ABSOLUTE_SECS,
            client_ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
        })
        .await?;
    Ok(PasswordAccepted { token, admin: found.admin })
}

/// The secret an admin who has none is asked to add to an authenticator app; the same one for the whole
/// session, so reloading the page does not invalidate a QR code already scanned.
pub async fn enrolment_secret(state: &AppState, session: &AdminSession) -> Result<TotpSecret, FlowError> {
    if let Some(secret) = &session.enrol_secret {
        return Ok(secret.clone());
    }
    let secret = TotpSecret::from_bytes(store::pii::random_bytes::<20>().to_vec());
    state.store.set_enrol_secret(&session.token_hash, &secret).await?;
    Ok(secret)
}

/// Checks the code of the second factor; a right one opens the console for the session. Wrong codes count
/// toward the admin's lock.
pub async fn check_code(state: &AppState, session: &AdminSession, code: &str, client: &Client) -> Result<(), FlowError> {
    let admin_id = session.admin.id.as_str();
    let check = SecretCheck::begin(state, vec![admin_key(admin_id)], client).await?;
    let at = now();
    let accepted = if session.totp_enrolled {
        match state.store.admin_totp(admin_id).await? {
            Some((secret, last_step)) => match secret.verify(code, at, last_step) {
                // Used up in one conditional write: of two requests with the same code, one wins.
                Some(step) => state.store.use_totp_step(admin_id, step).await?,
                None => false,
            },
            None => false,
        }
    } else {
        match session.enrol_secret.as_ref().and_then(|secret| secret.verify(code, at, i64::MIN).map(|step| (secret, step))) {
            Some((secret, step)) => {
                state.store.enrol_totp(admin_id, secret, step).await?;
                true
            }
            None => false,
        }
    };
    if !accepted {
        check.failed(state).await;
        return Err(FieldError::new("code", "admin.totp_wrong").into());
    }
    check.succeeded(state, admin_id).await?;
    state.store.complete_admin_session(&session.token_hash, at).await?;
    let mut entry = base_entry(&session.admin, client);
    entry.action = if session.totp_enrolled { "admin.login" } else { "admin.totp_enrolled" }.into();
    state.store.append_audit(&entry).await?;
    Ok(())
}

/// The audit entry every action of `admin` starts from: who, where, from which address, when.
pub fn base_entry(admin: &Admin, client: &Client) -> AuditEntry {
    AuditEntry {
        admin_id: admin.id.clone(),
        admin_username: admin.username.clone(),
        admin_role: admin.scope.role().to_owned(),
        province_code: admin.scope.province().map(str::to_owned),
        site_code: admin.scope.site().map(str::to_owned),
        client_ip: client.ip.clone(),
        at: now(),
        ..AuditEntry::default()
    }
}
