//! Changing the password: the current password again (a fresh authentication), a new one under the policy.
//! Every other session of the account ends — whoever else was logged in is out — and the bound WeChat is told.
//! Changing the security question (after a recent proof of identity) is told to the WeChat as well.

use super::FlowError;
use super::login::confirm_password;
use crate::state::AppState;
use domain::password::{NewPassword, PersonalData};
use domain::{FieldError, FieldErrors};

pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Changes the password of the session's account and ends its other sessions (the one whose token hash is
/// `keep_session` stays). Returns how many sessions ended.
pub async fn change_password(
    state: &AppState,
    account_id: &str,
    keep_session: &str,
    change: &PasswordChange<'_>,
    client: &crate::sessions::Client,
) -> Result<u64, FlowError> {
    let account = state.store.account(account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let mut errors = FieldErrors::default();
    let personal = PersonalData { username: Some(&account.username), id_number: Some(&account.id_number) };
    let new = NewPassword::parse("new_password", change.new, &personal);
    if let Err(error) = &new {
        errors.push(error.clone());
    }
    if change.new != change.confirm {
        errors.push(FieldError::new("new_password_confirm", "password.confirmation_mismatch"));
    }
    if !change.new.is_empty() && change.new == change.current {
        errors.push(FieldError::new("new_password", "password.unchanged"));
    }
    // The current password is checked even when the new one is refused, so the answer does not depend on it.
    if !confirm_password(state, account_id, change.current, client).await? {
        errors.push(FieldError::new("current_password", "password.current_wrong"));
    }
    let new = match new {
        Ok(new) if errors.is_empty() => new,
        _ => return Err(FlowError::Invalid(errors)),
    };
    let hash = state.hasher.hash(new.expose().to_owned()).await?;
    state.store.set_password_hash(account_id, &hash).await?;
    state.store.delete_password_resets(account_id).await?;
    let ended = state.store.end_other_sessions(account_id, keep_session).await?;
    tracing::info!(ended, "password changed");
    super::wechat::notify_account(state, account_id, "修改密码", "您的考生管理平台账号密码已修改，其他设备已退出登录。如非本人操作，请立即联系考点。").await;
    Ok(ended)
}

/// Replaces the security question and answer (the caller made sure the candidate proved who they are recently).
pub async fn change_security_question(state: &AppState, account_id: &str, question: &str, answer: &str) -> Result<(), FlowError> {
    let mut errors = FieldErrors::default();
    let question = errors.collect(domain::security_question::SecurityQuestion::parse("security_question", question));
    let answer = errors.collect(domain::security_question::SecurityAnswer::parse("security_answer", answer));
    let (Some(question), Some(answer)) = (question, answer) else { return Err(FlowError::Invalid(errors)) };
    let answer_hash = state.hasher.hash(answer.normalized().to_owned()).await?;
    state.store.set_security_question(account_id, question.as_str(), &answer_hash).await?;
    tracing::info!("security question changed");
    super::wechat::notify_account(state, account_id, "修改安全问题", "您的考生管理平台账号的密码找回问题已修改。如非本人操作，请立即修改密码并联系考点。").await;
    Ok(())
}
