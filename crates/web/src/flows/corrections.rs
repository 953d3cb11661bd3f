//! 申请修改注册信息 online: the candidate asks their 所在考点 to correct name / ID type / ID number, with a reason
//! and a scan of the document; the 考点 approves (the correction is made, the identity checked again) or
//! rejects with a reason. The candidate sees the outcome on the page and is told through WeChat.

use super::FlowError;
use super::admin_login::base_entry;
use super::photo::storage_unavailable;
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::admin::Reason;
use domain::correction::{CorrectionRequest, check_attachment};
use domain::registration::Identity;
use store::admins::Admin;
use store::corrections::{Correction, FileCorrectionError, NewCorrection};

/// What the candidate typed, kept to show again when something is refused.
#[derive(Debug, Clone, Default)]
pub struct CorrectionForm {
    pub name: String,
    pub name_uses_pinyin: bool,
    pub id_type: String,
    pub id_number: String,
    pub reason: String,
}

/// Files the request with the candidate's 所在考点; its id.
pub async fn file(state: &AppState, account_id: &str, form: &CorrectionForm, attachment: &[u8]) -> Result<String, FlowError> {
    let account = state.store.account(account_id).await?.ok_or(FlowError::NotFound)?;
    let current = Identity { name: account.name.clone(), name_uses_pinyin: account.name_uses_pinyin, id_number: account.id_number.clone() };
    let mut errors = domain::FieldErrors::default();
    let request = match CorrectionRequest::parse(&current, &form.name, form.name_uses_pinyin, &form.id_type, &form.id_number, &form.reason) {
        Ok(request) => Some(request),
        Err(found) => {
            errors.0.extend(found.0);
            None
        }
    };
    let attachment_type = errors.collect(check_attachment("attachment", attachment));
    let site = state.store.account_site(account_id).await?;
    if site.is_none() {
        errors.push(FieldError::new("site", "correction.site_required"));
    }
    let (Some(request), Some(attachment_type), Some(site)) = (request, attachment_type, site) else {
        return Err(FlowError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(FlowError::Invalid(errors));
    }
    let key = format!("corrections/{account_id}/{}", store::accounts::new_id());
    state.objects.put(&key, attachment.to_vec()).await.map_err(storage_unavailable)?;
    let new = NewCorrection {
        account_id,
        site_code: &site.code,
        identity: &request.identity,
        reason: request.reason.as_str(),
        attachment_key: &key,
        attachment_type: attachment_type.mime(),
        now: now(),
    };
    match state.store.file_correction(&new).await {
        Ok(id) => Ok(id),
        Err(error) => {
            // The stored scan belongs to no request: remove it (a failure here only leaves an orphan behind).
            let _ = state.objects.delete(&key).await;
            match error {
                FileCorrectionError::AlreadyOpen => Err(FlowError::Refused("correction.already_open")),
                FileCorrectionError::Store(error) => Err(error.into()),
            }
        }
    }
}

/// The request, if it was filed with a 考点 within `admin`'s scope.
pub async fn in_scope(state: &AppState, admin: &Admin, id: &str) -> Result<Correction, FlowError> {
    if id.len() > 64 {
        return Err(FlowError::NotFound);
    }
    state.store.correction_in_scope(&admin.scope, id).await?.ok_or(FlowError::NotFound)
}

/// The scan attached to a request within `admin`'s scope: (bytes, MIME type).
pub async fn attachment(state: &AppState, admin: &Admin, id: &str) -> Result<(bytes::Bytes, String), FlowError> {
    let request = in_scope(state, admin, id).await?;
    let bytes = state.objects.get(&request.attachment_key).await.map_err(storage_unavailable)?.ok_or(FlowError::NotFound)?;
    Ok((bytes, request.attachment_type))
}

/// Approves: the candidate's identity becomes the requested one (a document another account holds refuses it),
/// and is checked again.
pub async fn approve(state: &AppState, admin: &Admin, client: &Client, id: &str, reason: &str) -> Result<(), FlowError> {
    let request = in_scope(state, admin, id).await?;
    let reason = Reason::parse("reason", reason)?;
    let candidate = super::console::candidate(state, admin, &request.account_id).await?;
    let mut entry = candidate.audit(&base_entry(admin, client), "correction.approve", reason.as_str());
    let account = &candidate.account;
    entry.before = Some(store::console::identity_for_audit(account.name.as_str(), account.id_number.id_type().code(), account.id_number.as_str()));
    let new = &request.identity;
    entry.after = Some(store::console::identity_for_audit(new.name.as_str(), new.id_number.id_type().code(), new.id_number.as_str()));
    state
        .store
        .approve_correction(&candidate, &request, &admin.id, reason.as_str(), &entry)
        .await
        .map_err(super::console::correction_refused)?;
    super::wechat::notify_account(state, &request.account_id, "注册信息修改申请已通过", "考点已通过您的注册信息修改申请，系统将重新进行实名核验。").await;
    Ok(())
}

/// Rejects, saying why; the candidate may file a new request.
pub async fn reject(state: &AppState, admin: &Admin, client: &Client, id: &str, reason: &str) -> Result<(), FlowError> {
    let request = in_scope(state, admin, id).await?;
    let reason = Reason::parse("reason", reason)?;
    let candidate = super::console::candidate(state, admin, &request.account_id).await?;
    let entry = candidate.audit(&base_entry(admin, client), "correction.reject", reason.as_str());
    if !state.store.reject_correction(&request, &admin.id, reason.as_str(), &entry).await? {
        return Err(FlowError::Refused("correction.decided"));
    }
    super::wechat::notify_account(state, &request.account_id, "注册信息修改申请未通过", &format!("考点未通过您的注册信息修改申请：{}", reason.as_str())).await;
    Ok(())
}

/// Sets the candidate's 所在考点. Not while a correction request waits: the site it was filed with decides it.
pub async fn choose_site(state: &AppState, account_id: &str, site_code: &str) -> Result<(), FlowError> {
    let code = site_code.trim();
    if code.is_empty() {
        return Err(FieldError::new("site", "site.required").into());
    }
    if code.len() > 8 || state.store.site(code).await?.is_none() {
        return Err(FieldError::new("site", "site.unknown").into());
    }
    let waiting = state.store.corrections_of(account_id).await?.iter().any(|c| c.state == "pending");
    if waiting {
        return Err(FlowError::Refused("site.change_pending"));
    }
    state.store.set_account_site(account_id, code).await?;
    Ok(())
}
