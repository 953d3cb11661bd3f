//! 审核: what an exam authority does with applications in their scope — open one (by id, or by the 报名号 at
//! the 考点), start review, approve, reject or ask for more (with a reason the candidate reads), or approve a
//! filtered set at once after confirming its count. Only inside the review window; every decision is an
//! application event and an audit entry, and the candidate is told.

use super::FlowError;
use super::admin_login::base_entry;
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::application::{ApplicationState, Transition, check_transition, parse_review_note, parse_review_reason};
use store::admins::Admin;
use store::applications::EventActor;
use store::audit::AuditEntry;
use store::reviews::{QueueItem, ReviewFilter};

/// At most this many applications in one bulk approval.
pub const MAX_BULK: i64 = 2000;

pub async fn in_scope(state: &AppState, admin: &Admin, id: &str) -> Result<QueueItem, FlowError> {
    if id.len() > 64 {
        return Err(FlowError::NotFound);
    }
    state.store.application_in_scope(&admin.scope, id).await?.ok_or(FlowError::NotFound)
}

/// A supporting file of an application in scope: its bytes and type.
pub async fn file(state: &AppState, admin: &Admin, id: &str, file_id: &str) -> Result<(bytes::Bytes, String), FlowError> {
    in_scope(state, admin, id).await?;
    let found = state.store.application_files(id).await?.into_iter().find(|f| f.id == file_id).ok_or(FlowError::NotFound)?;
    let bytes = state.objects.get(&found.object_key).await.map_err(super::photo::storage_unavailable)?.ok_or(FlowError::NotFound)?;
    Ok((bytes, found.content_type))
}

/// On-site confirmation: the 报名号 typed, or read from the 申请表's QR code, to the application's id.
pub async fn find_by_number(state: &AppState, admin: &Admin, typed: &str) -> Result<String, FlowError> {
    let number: String = if super::application_form::is_qr_payload(typed) {
        super::application_form::verify_qr_payload(state, typed).ok_or_else(|| FieldError::new("number", "review.qr_forged"))?
    } else {
        typed.chars().filter(|c| c.is_ascii_digit()).collect()
    };
    if number.is_empty() || number.len() > 32 {
        return Err(FieldError::new("number", "review.number_format").into());
    }
    state.store.application_number_in_scope(&admin.scope, &number).await?.ok_or(FlowError::NotFound)
}

fn actor(admin: &Admin) -> EventActor {
    EventActor { kind: "admin", id: admin.id.clone(), name: admin.display_name.clone() }
}

fn entry_for(admin: &Admin, client: &Client, item: &QueueItem, transition: Transition, reason: &str, to: &str) -> AuditEntry {
    let application = &item.application;
    AuditEntry {
        action: format!("application.{}", transition.code()),
        account_id: Some(application.account_id.clone()),
        province_code: Some(application.province_code.clone()),
        site_code: Some(application.site_code.clone()),
        reason: reason.to_owned(),
        before: Some(serde_json::json!({"number": application.number, "state": application.state}).to_string()),
        after: Some(serde_json::json!({"number": application.number, "state": to}).to_string()),
        ..base_entry(admin, client)
    }
}

/// What the candidate is told of a decision.
fn notice(transition: Transition, number: &str, reason: &str) -> Option<(&'static str, String)> {
    match transition {
        Transition::Approve => Some(("报名审核通过", format!("报名号 {number} 已审核通过，请在缴费时间内完成网上缴费。"))),
        Transition::Reject => Some(("报名审核未通过", format!("报名号 {number} 未通过审核：{reason}"))),
        Transition::AskForMore => Some(("报名需补充材料", format!("报名号 {number} 需补充：{reason}。请在审核截止前补充后重新提交。"))),
        _ => None,
    }
}

async fn apply(state: &AppState, admin: &Admin, client: &Client, item: &QueueItem, transition: Transition, reason: &str) -> Result<(), FlowError> {
    let application = &item.application;
    let year = u16::try_from(application.exam_year).map_err(|_| FlowError::NotFound)?;
    let plan = state.store.plan(year).await?.ok_or(FlowError::NotFound)?.plan;
    let from = application.state();
    let to = check_transition(&plan, &application.province_code, from, transition, now()).map_err(FlowError::Refused)?;
    let entry = entry_for(admin, client, item, transition, reason, to.code());
    if !state.store.transition_application(&application.id, from, to, &actor(admin), reason, now(), Some(&entry)).await? {
        return Err(FlowError::Refused("application.changed_meanwhile"));
    }
    if let Some((event, detail)) = notice(transition, &application.number, reason) {
        super::wechat::notify_application(state, &application.account_id, event, &detail).await;
    }
    Ok(())
}

/// One decision on one application. Reject and ask-for-more need a reason; approve and start take an
/// optional note.
pub async fn decide(state: &AppState, admin: &Admin, client: &Client, id: &str, transition: Transition, reason: &str) -> Result<(), FlowError> {
    let item = in_scope(state, admin, id).await?;
    let reason = if transition.needs_reason() { parse_review_reason(reason)? } else { parse_review_note(reason)? };
    apply(state, admin, client, &item, transition, &reason).await
}

/// The outcome of a bulk approval.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub approved: usize,
    /// Ones that changed meanwhile (withdrawn, decided by someone else): left as they are.
    pub skipped: usize,
}

/// Approves every application the filter selects (only those awaiting a decision), after the admin confirmed
/// the count they saw: if the set changed since, nothing is done and the new count is returned to confirm.
pub async fn bulk_approve(state: &AppState, admin: &Admin, client: &Client, filter: &ReviewFilter, confirmed_count: i64, note: &str) -> Result<BulkOutcome, FlowError> {
    if !ApplicationState::from_code(&filter.state).is_some_and(|s| s.allows(Transition::Approve)) {
        return Err(FieldError::new("state", "review.bulk_state").into());
    }
    let note = parse_review_note(note)?;
    let count = state.store.count_review_queue(&admin.scope, filter).await?;
    if count != confirmed_count {
        return Err(FlowError::Conflict(FieldError::new("count", "review.bulk_count_changed").with_detail(count.to_string())));
    }
    if count > MAX_BULK {
        return Err(FieldError::new("count", "review.bulk_too_many").into());
    }
    let mut outcome = BulkOutcome::default();
    for item in state.store.review_queue(&admin.scope, filter, MAX_BULK).await? {
        match apply(state, admin, client, &item, Transition::Approve, &note).await {
            Ok(()) => outcome.approved += 1,
            Err(FlowError::Refused("application.changed_meanwhile")) => outcome.skipped += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(outcome)
}
