//! 忘记密码 by the security question (domain.md §1 注意事项 2): login name or ID number → the question → the
//! answer → a one-time reset code (15 minutes) → a new password under the policy. Answers are compared after
//! normalisation against their hash, and every answer is counted by the same lockout as passwords, so the
//! question is no way around it. An identifier that names no account gets a question all the same (a decoy,
//! always the same for that identifier) and the same refusals, so the page does not reveal who is registered.

use super::FlowError;
use super::login::{LoginMethod, MAX_IDENTIFIER_CHARS, SecretCheck, account_key, record_event, unknown_identifier_key};
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::id_number::IdNumber;
use domain::password::{NewPassword, PersonalData};
use domain::security_question::{SUGGESTED_QUESTIONS, SecurityAnswer};
use sha2::{Digest, Sha256};

/// How long a reset code works.
pub const RESET_CODE_SECS: i64 = 15 * 60;

fn checked_identifier(identifier: &str) -> Result<&str, FlowError> {
    let identifier = identifier.trim();
    if identifier.is_empty() {
        return Err(FieldError::new("login", "login.required").into());
    }
    if identifier.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(FieldError::new("login", "recovery.identifier_invalid").into());
    }
    Ok(identifier)
}

/// The account an identifier names, looked up exactly as login does (usernames are stored in lower case).
async fn subject(state: &AppState, identifier: &str) -> Result<Option<store::recovery::RecoverySubject>, FlowError> {
    let username = domain::username::Username::parse("login", identifier).map(|u| u.as_str().to_owned()).unwrap_or_default();
    Ok(state.store.recovery_subject(&username, &IdNumber::lookup_form(identifier)).await?)
}

/// The question to answer for `identifier`.
pub async fn question_for(state: &AppState, identifier: &str) -> Result<String, FlowError> {
    let identifier = checked_identifier(identifier)?;
    Ok(match subject(state, identifier).await? {
        Some(found) => found.security_question,
        None => {
            // A keyed digest picks the decoy, so it is stable for the identifier and unpredictable without the key.
            let digest = state.store.vault().blind_index(&format!("decoy-question:{}", IdNumber::lookup_form(identifier)));
            let pick = digest.bytes().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(b as usize));
            SUGGESTED_QUESTIONS[pick % SUGGESTED_QUESTIONS.len()].to_owned()
        }
    })
}

/// The 考点 to go to in person when neither the question nor a face check works: the account's 所在考点 (or
/// none, if never chosen). An identifier that names no account gets a decoy, picked like the decoy question
/// (stable, keyed) from the sites and "none", so the answer does not tell whether the account exists.
pub async fn site_to_contact(state: &AppState, identifier: &str) -> Result<Option<store::regions::Site>, FlowError> {
    let identifier = checked_identifier(identifier)?;
    Ok(match subject(state, identifier).await? {
        Some(found) => state.store.account_site(&found.id).await?,
        None => {
            let sites = state.store.sites().await?;
            let digest = state.store.vault().blind_index(&format!("decoy-site:{}", IdNumber::lookup_form(identifier)));
            let pick = digest.bytes().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(b as usize));
            sites.get(pick % (sites.len() + 1)).cloned()
        }
    })
}

/// A one-time code that lets its holder set a new password; only the hash is stored.
pub struct ResetCode {
    pub code: String,
    pub expires_at: i64,
}

/// Checks the answer; a right one gives a reset code and tells the bound WeChat.
pub async fn answer(state: &AppState, identifier: &str, answer: &str, client: &Client) -> Result<ResetCode, FlowError> {
    let admission = state.hasher.admit()?;
    let identifier = checked_identifier(identifier)?;
    let answer = SecurityAnswer::parse("answer", answer)?;
    let found = subject(state, identifier).await?;
    let key = found.as_ref().map(|f| account_key(&f.id)).unwrap_or_else(|| unknown_identifier_key(identifier));
    let check = match SecretCheck::begin(state, vec![key], client).await {
        Err(locked @ FlowError::Locked { .. }) => {
            if let Some(found) = &found {
                record_event(state, &found.id, LoginMethod::SecurityAnswer, "locked", client).await;
            }
            return Err(locked);
        }
        other => other?,
    };
    let normalised = answer.normalized().to_owned();
    let Some(found) = found else {
        admission.verify_dummy(normalised).await;
        check.failed(state).await;
        return Err(FieldError::new("answer", "recovery.answer_wrong").into());
    };
    if !admission.verify(normalised, found.security_answer_hash.clone()).await {
        check.failed(state).await;
        record_event(state, &found.id, LoginMethod::SecurityAnswer, "wrong_secret", client).await;
        return Err(FieldError::new("answer", "recovery.answer_wrong").into());
    }
    check.succeeded(state, &found.id).await?;
    record_event(state, &found.id, LoginMethod::SecurityAnswer, "ok", client).await;
    issue_reset_code(state, &found.id, "security_answer", "安全问题找回密码", "有人正确回答了您的安全问题，正在重置考生管理平台账号的密码。如非本人操作，请立即联系考点。").await
}

/// A one-time reset code for an account whose owner just proved who they are by `method`; the bound WeChat is
/// told with `event` and `detail`.
pub(crate) async fn issue_reset_code(state: &AppState, account_id: &str, method: &str, event: &str, detail: &str) -> Result<ResetCode, FlowError> {
    let code = hex::encode(store::pii::random_bytes::<32>());
    let expires_at = now() + RESET_CODE_SECS;
    state.store.create_password_reset(&code_hash(&code), account_id, method, expires_at).await?;
    super::wechat::notify_account(state, account_id, event, detail).await;
    Ok(ResetCode { code, expires_at })
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// A reset code in the form its hash was taken of: the 64 hex digits carried by the page after a security answer
/// or a face check, or the short code a 考点 gave out (typed by the candidate, so read leniently).
fn checked_code(code: &str) -> Result<String, FlowError> {
    let code = code.trim();
    if code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(code.to_owned());
    }
    domain::admin::canonical_authority_code(code).ok_or_else(|| FieldError::new("reset_token", "recovery.code_invalid").into())
}

/// The hash under which an authority's reset code is stored.
pub fn authority_code_hash(code: &str) -> Option<String> {
    domain::admin::canonical_authority_code(code).map(|canonical| code_hash(&canonical))
}

/// Sets a new password with a reset code: the code works once, every session ends, the account's lock is
/// lifted (its owner just proved who they are) and the bound WeChat is told.
pub async fn reset(state: &AppState, code: &str, new: &str, confirm: &str, client: &Client) -> Result<(), FlowError> {
    let hash = code_hash(&checked_code(code)?);
    let Some((account_id, _method)) = state.store.password_reset(&hash, now()).await? else {
        return Err(FieldError::new("reset_token", "recovery.code_invalid").into());
    };
    let account = state.store.account(&account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let mut errors = domain::FieldErrors::default();
    let personal = PersonalData { username: Some(&account.username), id_number: Some(&account.id_number) };
    let new_password = errors.collect(NewPassword::parse("new_password", new, &personal));
    if new != confirm {
        errors.push(FieldError::new("new_password_confirm", "password.confirmation_mismatch"));
    }
    let new_password = match new_password {
        Some(password) if errors.is_empty() => password,
        _ => return Err(FlowError::Invalid(errors)),
    };
    let password_hash = state.hasher.hash(new_password.expose().to_owned()).await?;
    // Used up only now, so a refused password does not cost the code; and only once, whoever races.
    if state.store.consume_password_reset(&hash, now()).await?.is_none() {
        return Err(FieldError::new("reset_token", "recovery.code_invalid").into());
    }
    state.store.set_password_hash(&account_id, &password_hash).await?;
    // Any other code outstanding (someone else who answered the question too) dies with this reset.
    state.store.delete_password_resets(&account_id).await?;
    let ended = state.store.end_all_sessions(&account_id).await?;
    state.store.lift_lock(&account_key(&account_id)).await?;
    tracing::info!(ended, "password reset");
    record_event(state, &account_id, LoginMethod::PasswordReset, "ok", client).await;
    super::wechat::notify_account(state, &account_id, "重置密码", "您的考生管理平台账号密码已重置，所有设备已退出登录。如非本人操作，请立即联系考点。").await;
    Ok(())
}
