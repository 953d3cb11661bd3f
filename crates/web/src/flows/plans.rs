//! Loading an exam plan: from a file (`kaowu import plan`, or an upload in the console), checked whole before
//! anything is written, then saved as the year's newest revision with its audit entry.

use domain::exam_plan::{BuildContext, ExamPlan, PlanError, PlanFormat};
use store::Store;
use store::audit::AuditEntry;
use store::exam_plans::SavePlanError;

#[derive(Debug)]
pub enum ImportPlanError {
    /// The file is wrong; every problem with its line. Nothing was applied.
    Invalid(Vec<PlanError>),
    /// Another revision of the same year was saved at the same moment; nothing was applied.
    ChangedMeanwhile,
    Store(store::StoreError),
}

impl From<store::StoreError> for ImportPlanError {
    fn from(error: store::StoreError) -> Self {
        ImportPlanError::Store(error)
    }
}

/// What a revision holds, for the audit log and the operator.
pub fn summary(plan: &ExamPlan) -> serde_json::Value {
    serde_json::json!({
        "exam_year": plan.exam_year,
        "exams": plan.exams.len(),
        "specialties": plan.specialties.len(),
        "provinces": plan.provinces.len(),
        "sites": plan.sites.len(),
        "windows": plan.windows.len(),
        "fees": plan.fees.len(),
        "eligibility_rules": plan.eligibility.len(),
    })
}

/// Checks `text` and, if it is a whole and consistent plan, saves it. `entry` says who and why; its action,
/// before and after are filled in here.
pub async fn import(store: &Store, text: &str, format: PlanFormat, mut entry: AuditEntry) -> Result<(i64, ExamPlan), ImportPlanError> {
    let context = BuildContext { known_provinces: store.province_codes().await? };
    let plan = ExamPlan::from_file(text, format, &context).map_err(ImportPlanError::Invalid)?;
    let previous = store.plan(plan.exam_year).await?;
    entry.action = "plan.import".into();
    entry.before = previous.as_ref().map(|p| serde_json::json!({"revision": p.revision, "plan": summary(&p.plan)}).to_string());
    entry.after = Some(summary(&plan).to_string());
    match store.save_plan(&plan, &entry).await {
        Ok(revision) => Ok((revision, plan)),
        Err(SavePlanError::ChangedMeanwhile) => Err(ImportPlanError::ChangedMeanwhile),
        Err(SavePlanError::Store(error)) => Err(error.into()),
    }
}

/// The region whose windows an admin may change: a national admin the defaults ("") or any province in the
/// plan, a province admin their own; a 考点 admin none.
pub fn editable_region(admin: &store::admins::Admin, asked: &str) -> Option<Option<String>> {
    match &admin.scope {
        domain::admin::Scope::National => Some((!asked.is_empty()).then(|| asked.to_owned())),
        domain::admin::Scope::Province { province } => Some(Some(province.clone())),
        domain::admin::Scope::Site { .. } => None,
    }
}

/// Replaces one region's windows in the newest plan of `exam_year`, made from revision `based_on`; audited with
/// the region's windows before and after.
pub async fn edit_windows(
    state: &crate::state::AppState,
    admin: &store::admins::Admin,
    client: &crate::sessions::Client,
    exam_year: u16,
    region: &str,
    edits: &[domain::exam_plan::WindowEdit],
    reason: &str,
    based_on: i64,
) -> Result<i64, super::FlowError> {
    use super::FlowError;
    let Some(province) = editable_region(admin, region) else { return Err(FlowError::Refused("plan.may_not_edit")) };
    let reason = domain::admin::Reason::parse("reason", reason)?;
    let stored = state.store.plan(exam_year).await?.ok_or(FlowError::NotFound)?;
    if stored.revision != based_on {
        return Err(FlowError::Refused("plan.changed_meanwhile"));
    }
    let edited = stored.plan.with_windows(province.as_deref(), edits)?;
    let windows_of = |plan: &ExamPlan| {
        plan.own_windows(province.as_deref())
            .into_iter()
            .filter_map(|(kind, w)| w.map(|w| serde_json::json!({"kind": kind.code(), "opens": domain::exam_plan::format_shanghai(w.opens_at), "closes": domain::exam_plan::format_shanghai(w.closes_at)})))
            .collect::<Vec<_>>()
    };
    let entry = AuditEntry {
        action: "plan.windows".into(),
        province_code: province.clone(),
        site_code: None,
        reason: reason.as_str().to_owned(),
        before: Some(serde_json::json!({"exam_year": exam_year, "revision": stored.revision, "province": province, "windows": windows_of(&stored.plan)}).to_string()),
        after: Some(serde_json::json!({"exam_year": exam_year, "province": province, "windows": windows_of(&edited)}).to_string()),
        ..super::admin_login::base_entry(admin, client)
    };
    match state.store.save_plan_revision(&edited, Some(based_on), &entry).await {
        Ok(revision) => Ok(revision),
        Err(SavePlanError::ChangedMeanwhile) => Err(FlowError::Refused("plan.changed_meanwhile")),
        Err(SavePlanError::Store(error)) => Err(error.into()),
    }
}
