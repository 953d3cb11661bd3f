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
