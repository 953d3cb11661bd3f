//! What an exam authority does to a candidate from the console. Each action names its reason, runs only on a
//! candidate the store found within the admin's scope, and commits together with its audit entry (before and
//! after, ID numbers masked). A candidate outside the scope is "not found", exactly like one who does not exist.

use super::FlowError;
use super::admin_login::base_entry;
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::admin::Reason;
use domain::registration::Identity;
use store::admins::Admin;
use store::console::{CandidateInScope, CorrectIdentityError, identity_for_audit};

/// How long a reset code handed out at the 考点 works.
pub const AUTHORITY_CODE_SECS: i64 = 24 * 3600;

/// The candidate, if `admin` may see them.
pub async fn candidate(state: &AppState, admin: &Admin, account_id: &str) -> Result<CandidateInScope, FlowError> {
    if account_id.len() > 64 {
        return Err(FlowError::NotFound);
    }
    state.store.candidate_in_scope(&admin.scope, account_id).await?.ok_or(FlowError::NotFound)
}

/// Who does it, to whom, why: the checked reason and the candidate in scope.
pub struct Action<'a> {
    pub state: &'a AppState,
    pub admin: &'a Admin,
    pub client: &'a Client,
    pub account_id: &'a str,
    pub reason: &'a str,
}

impl Action<'_> {
    async fn prepare(&self, action: &str) -> Result<(CandidateInScope, store::audit::AuditEntry), FlowError> {
        let candidate = candidate(self.state, self.admin, self.account_id).await?;
        let reason = Reason::parse("reason", self.reason)?;
        let entry = candidate.audit(&base_entry(self.admin, self.client), action, reason.as_str());
        Ok((candidate, entry))
    }

    /// The full ID number, shown once; the reveal is recorded.
    pub async fn reveal_id_number(&self) -> Result<String, FlowError> {
        let (candidate, entry) = self.prepare("candidate.reveal_id_number").await?;
        self.state.store.record_view(&entry).await?;
        Ok(candidate.account.id_number.as_str().to_owned())
    }

    /// Locks the account: no login works and every session ends until an admin unlocks it.
    pub async fn lock(&self) -> Result<bool, FlowError> {
        let (candidate, mut entry) = self.prepare("candidate.lock").await?;
        entry.before = Some(lock_state(candidate.locked_at.is_some()));
        entry.after = Some(lock_state(true));
        Ok(self.state.store.lock_account(&candidate, &entry).await?)
    }

    pub async fn unlock(&self) -> Result<bool, FlowError> {
        let (candidate, mut entry) = self.prepare("candidate.unlock").await?;
        entry.before = Some(lock_state(candidate.locked_at.is_some()));
        entry.after = Some(lock_state(false));
        Ok(self.state.store.unlock_account(&candidate, &entry).await?)
    }

    /// Lifts the lock that too many wrong passwords or answers put on the account.
    pub async fn lift_brute_force_lock(&self) -> Result<(), FlowError> {
        let (candidate, entry) = self.prepare("candidate.lift_login_lock").await?;
        let key = super::login::account_key(&candidate.account.id);
        Ok(self.state.store.lift_lock_audited(&candidate, &key, &entry).await?)
    }

    /// Unbinds the candidate's WeChat (a lost phone, a WeChat bound by someone else); that WeChat is told.
    pub async fn unbind_wechat(&self) -> Result<bool, FlowError> {
        let (candidate, mut entry) = self.prepare("candidate.unbind_wechat").await?;
        let bound = self.state.store.wechat_binding(&candidate.account.id).await?;
        entry.before = Some(serde_json::json!({"wechat_bound": bound.is_some()}).to_string());
        entry.after = Some(serde_json::json!({"wechat_bound": false}).to_string());
        let openid = self.state.store.unbind_wechat_audited(&candidate, &entry).await?;
        if let Some(openid) = &openid {
            super::wechat::notify_security(self.state, openid, "解除微信绑定", "考点考试管理机构已解除您的微信与考生管理平台账号的绑定。");
        }
        Ok(openid.is_some())
    }

    /// A one-time reset code for a candidate standing at the 考点 with their ID document: shown to the admin
    /// once, stored only as a hash, working for 24 hours; earlier codes die.
    pub async fn issue_reset_code(&self) -> Result<(String, i64), FlowError> {
        let (candidate, entry) = self.prepare("candidate.issue_reset_code").await?;
        let code = domain::admin::authority_reset_code(store::pii::random_bytes::<10>());
        let hash = super::recovery::authority_code_hash(&code).expect("a fresh code is canonical");
        let expires_at = now() + AUTHORITY_CODE_SECS;
        self.state.store.issue_reset_code(&candidate, &hash, expires_at, &entry).await?;
        super::wechat::notify_account(self.state, &candidate.account.id, "考点发放重置码", "考点考试管理机构为您发放了密码重置码。如非本人到考点办理，请立即联系考点。").await;
        Ok((code, expires_at))
    }

    /// Settles the identity check by hand (需人工核查 after looking at the document): `passed` or `failed`.
    pub async fn settle_identity(&self, outcome: &str) -> Result<(), FlowError> {
        if !matches!(outcome, "passed" | "failed") {
            return Err(FieldError::new("outcome", "identity.outcome_invalid").into());
        }
        let (candidate, mut entry) = self.prepare("candidate.settle_identity").await?;
        let before = self.state.store.identity_check(&candidate.account.id).await?.map(|c| c.state).unwrap_or_else(|| "pending".into());
        entry.before = Some(serde_json::json!({"identity": before}).to_string());
        entry.after = Some(serde_json::json!({"identity": outcome}).to_string());
        Ok(self.state.store.settle_identity(&candidate, outcome, &entry).await?)
    }

    /// Queues the identity check again (the candidate's data was right after all, the service was wrong).
    pub async fn rerun_identity(&self) -> Result<(), FlowError> {
        let (candidate, mut entry) = self.prepare("candidate.rerun_identity").await?;
        let before = self.state.store.identity_check(&candidate.account.id).await?.map(|c| c.state).unwrap_or_else(|| "pending".into());
        entry.before = Some(serde_json::json!({"identity": before}).to_string());
        entry.after = Some(serde_json::json!({"identity": "pending"}).to_string());
        Ok(self.state.store.rerun_identity(&candidate, &entry).await?)
    }

    /// Corrects name, ID type and ID number under the registration rules; a document another account holds is
    /// refused. The identity is checked again.
    pub async fn correct_identity(&self, name: &str, name_uses_pinyin: bool, id_type: &str, id_number: &str) -> Result<(), FlowError> {
        let (candidate, mut entry) = self.prepare("candidate.correct_identity").await?;
        let identity = Identity::parse(name, name_uses_pinyin, id_type, id_number)?;
        let account = &candidate.account;
        entry.before = Some(identity_for_audit(account.name.as_str(), account.id_number.id_type().code(), account.id_number.as_str()));
        entry.after = Some(identity_for_audit(identity.name.as_str(), identity.id_number.id_type().code(), identity.id_number.as_str()));
        match self.state.store.correct_identity(&candidate, &identity, &entry).await {
            Ok(()) => {}
            Err(error) => return Err(correction_refused(error)),
        }
        super::wechat::notify_account(self.state, &account.id, "注册信息已更正", "考点考试管理机构更正了您的注册信息，系统将重新进行实名核验。").await;
        Ok(())
    }

    /// Puts a dead job about this candidate back in the queue.
    pub async fn retry_job(&self, job_id: &str) -> Result<bool, FlowError> {
        let (candidate, mut entry) = self.prepare("job.retry").await?;
        entry.after = Some(serde_json::json!({"job": job_id}).to_string());
        Ok(self.state.store.retry_dead_job_audited(&candidate, job_id, &entry).await?)
    }
}

fn lock_state(locked: bool) -> String {
    serde_json::json!({"locked": locked}).to_string()
}

/// A correction the store refused, as the form shows it.
pub fn correction_refused(error: CorrectIdentityError) -> FlowError {
    match error {
        CorrectIdentityError::IdDocumentTaken => FlowError::Conflict(FieldError::new("id_number", "id_number.taken")),
        CorrectIdentityError::NotPending => FlowError::Refused("correction.decided"),
        CorrectIdentityError::Store(error) => FlowError::Internal(error),
    }
}
