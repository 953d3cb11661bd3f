//! The exam plans, one per exam year, each change a new revision (see migration 0017).

use crate::audit::{AuditEntry, audited};
use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::exam_plan::ExamPlan;

/// One revision of a year's plan.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub revision: i64,
    pub created_at: i64,
    pub created_by: String,
    pub note: String,
    pub plan: ExamPlan,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PlanRevision {
    pub exam_year: i64,
    pub revision: i64,
    pub created_at: i64,
    pub created_by: String,
    pub note: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SavePlanError {
    /// Someone else saved a revision of the same year at the same moment; reload and try again.
    #[error("the plan was changed at the same time")]
    ChangedMeanwhile,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    revision: i64,
    document: String,
    created_at: i64,
    created_by: String,
    note: String,
}

impl PlanRow {
    fn into_stored(self) -> StoreResult<StoredPlan> {
        let plan = serde_json::from_str(&self.document).map_err(|e| StoreError::Corrupt(format!("exam plan revision {}: {e}", self.revision)))?;
        Ok(StoredPlan { revision: self.revision, created_at: self.created_at, created_by: self.created_by, note: self.note, plan })
    }
}

impl Store {
    /// Saves `plan` as its year's newest revision, writes its 考点 (new ones added, existing ones' name, address
    /// and phone updated), and records `entry` — all in one transaction. Returns the revision.
    pub async fn save_plan(&self, plan: &ExamPlan, entry: &AuditEntry) -> Result<i64, SavePlanError> {
        self.save_plan_revision(plan, None, entry).await
    }

    /// As `save_plan`, for a change made to revision `based_on`: if another revision was saved since, nothing
    /// is written and the answer is `ChangedMeanwhile` (an edit never silently undoes someone else's).
    #[tracing::instrument(skip_all, fields(exam_year = plan.exam_year))]
    pub async fn save_plan_revision(&self, plan: &ExamPlan, based_on: Option<i64>, entry: &AuditEntry) -> Result<i64, SavePlanError> {
        // With `based_on` the new revision's number is fixed at the next one: revisions are numbered without
        // gaps, so if any was saved since, that number exists and the primary key refuses it. Without it, the
        // next number after the newest.
        const INSERT: &str = "INSERT INTO exam_plan_revisions (exam_year, revision, document, created_at, created_by, note) \
             SELECT $1, COALESCE($6, COALESCE(MAX(revision), 0)) + 1, $2, $3, $4, $5 FROM exam_plan_revisions WHERE exam_year = $1 RETURNING revision";
        const UPSERT_SITE: &str = "INSERT INTO sites (code, province_code, name, address, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, address = excluded.address, phone = excluded.phone";
        let document = serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = audited!(self, entry, tx => {
            let revision: i64 = sqlx::query_scalar(INSERT)
                .bind(plan.exam_year as i64)
                .bind(&document)
                .bind(entry.at)
                .bind(&entry.admin_username)
                .bind(&entry.reason)
                .bind(based_on)
                .fetch_one(&mut *tx)
                .await?;
            for site in &plan.sites {
                sqlx::query(UPSERT_SITE).bind(&site.code).bind(&site.province).bind(&site.name).bind(&site.address).bind(&site.phone).bind(entry.at)
                    .execute(&mut *tx).await?;
            }
            revision
        });
        match result {
            Ok(revision) => Ok(revision),
            Err(error) if unique_violation(&error).is_some() => Err(SavePlanError::ChangedMeanwhile),
            Err(error) => Err(StoreError::from(error).into()),
        }
    }

    /// The newest revision of a year's plan.
    pub async fn plan(&self, exam_year: u16) -> StoreResult<Option<StoredPlan>> {
        // Every application request needs the plan: the newest revision number is asked each time (so every
        // node sees a new revision at once), the document is read and parsed only when that revision is not
        // the one already in memory.
        let revision = self.plan_revision(exam_year).await?;
        if revision == 0 {
            return Ok(None);
        }
        if let Some(hit) = self.plan_cache.lock().expect("plan cache").get(&exam_year).filter(|p| p.revision == revision) {
            return Ok(Some(hit.clone()));
        }
        const SQL: &str = "SELECT revision, document, created_at, created_by, note FROM exam_plan_revisions WHERE exam_year = $1 AND revision = $2";
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, PlanRow>(SQL).bind(exam_year as i64).bind(revision).fetch_optional(pool).await)?;
        let Some(stored) = row.map(PlanRow::into_stored).transpose()? else { return Ok(None) };
        self.plan_cache.lock().expect("plan cache").insert(exam_year, stored.clone());
        Ok(Some(stored))
    }

    /// The newest revision number of a year's plan (0 when there is none): a cheap check whether a cached
    /// plan is still current.
    pub async fn plan_revision(&self, exam_year: u16) -> StoreResult<i64> {
        const SQL: &str = "SELECT COALESCE(MAX(revision), 0) FROM exam_plan_revisions WHERE exam_year = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar::<_, i64>(SQL).bind(exam_year as i64).fetch_one(pool).await)?)
    }

    /// The latest exam year that has a plan: the one candidates apply for.
    pub async fn latest_exam_year(&self) -> StoreResult<Option<u16>> {
        const SQL: &str = "SELECT MAX(exam_year) FROM exam_plan_revisions";
        let year = on_db!(&self.db, pool => sqlx::query_scalar::<_, Option<i64>>(SQL).fetch_one(pool).await)?;
        Ok(year.and_then(|y| u16::try_from(y).ok()))
    }

    /// Every revision of every year, newest first: the plan's history.
    pub async fn plan_revisions(&self) -> StoreResult<Vec<PlanRevision>> {
        const SQL: &str = "SELECT exam_year, revision, created_at, created_by, note FROM exam_plan_revisions ORDER BY exam_year DESC, revision DESC";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, PlanRevision>(SQL).fetch_all(pool).await)?)
    }

    /// The 考区 codes the platform knows, for checking a plan file.
    pub async fn province_codes(&self) -> StoreResult<Vec<String>> {
        Ok(self.provinces().await?.into_iter().map(|p| p.code).collect())
    }
}
