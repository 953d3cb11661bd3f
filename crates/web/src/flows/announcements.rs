//! 公告: national admins publish to every candidate or to one 考区, province admins to their own; 考点 admins
//! only read. Publishing and withdrawing are audited with the text. Candidates see the national notices and their
//! 考区's on their home page, for the current exam year.

use super::FlowError;
use super::admin_login::base_entry;
use crate::sessions::Client;
use crate::state::AppState;
use domain::FieldError;
use domain::admin::{Reason, Scope};
use domain::announcement::{Announcement, AnnouncementInput};
use store::admins::Admin;
use store::announcements::StoredAnnouncement;

/// The most notices a home page shows.
pub const SHOWN: i64 = 10;

pub fn may_publish(admin: &Admin) -> bool {
    !matches!(admin.scope, Scope::Site { .. })
}

pub async fn publish(state: &AppState, admin: &Admin, client: &Client, input: &AnnouncementInput) -> Result<String, FlowError> {
    if !may_publish(admin) {
        return Err(FlowError::Refused("announcement.may_not_publish"));
    }
    let mut announcement = Announcement::parse(input)?;
    match &admin.scope {
        // A province admin publishes to their own 考区, whatever the form said.
        Scope::Province { province } => announcement.province = Some(province.clone()),
        _ => {
            if let Some(code) = &announcement.province
                && !state.store.provinces().await?.iter().any(|p| &p.code == code)
            {
                return Err(FieldError::new("province", "admin.region_invalid").into());
            }
        }
    }
    let entry = store::audit::AuditEntry {
        action: "announcement.publish".into(),
        province_code: announcement.province.clone(),
        site_code: None,
        reason: announcement.title.clone(),
        after: Some(serde_json::json!({"exam_year": announcement.exam_year, "province": announcement.province, "title": announcement.title, "body": announcement.body}).to_string()),
        ..base_entry(admin, client)
    };
    Ok(state.store.publish_announcement(&announcement, &admin.display_name, &entry).await?)
}

/// Withdraws a notice the admin may manage: a national admin any, a province admin their 考区's.
pub async fn withdraw(state: &AppState, admin: &Admin, client: &Client, id: &str, reason: &str) -> Result<(), FlowError> {
    let found = state.store.announcement(id).await?.ok_or(FlowError::NotFound)?;
    let manages = match &admin.scope {
        Scope::National => true,
        Scope::Province { province } => found.province_code.as_deref() == Some(province.as_str()),
        Scope::Site { .. } => false,
    };
    if !manages {
        return Err(FlowError::NotFound);
    }
    let reason = Reason::parse("reason", reason)?;
    let entry = store::audit::AuditEntry {
        action: "announcement.withdraw".into(),
        province_code: found.province_code.clone(),
        site_code: None,
        reason: reason.as_str().to_owned(),
        before: Some(serde_json::json!({"title": found.title}).to_string()),
        ..base_entry(admin, client)
    };
    if !state.store.withdraw_announcement(id, &entry).await? {
        return Err(FlowError::Refused("announcement.withdrawn_already"));
    }
    Ok(())
}

/// What a candidate (or a visitor, with no account) sees: this exam year's national notices and their 考区's.
pub async fn for_candidate(state: &AppState, account_id: Option<&str>) -> Result<Vec<StoredAnnouncement>, FlowError> {
    let Some(year) = state.store.latest_exam_year().await? else { return Ok(Vec::new()) };
    let province = match account_id {
        Some(id) => state.store.account_site(id).await?.map(|s| s.province_code),
        None => None,
    };
    Ok(state.store.announcements_for(year, province.as_deref(), SHOWN).await?)
}
