//! Exam applications and their history. A state changes only by one conditional UPDATE (`WHERE state = the
//! state the caller saw`), committed together with its event, so two admins or a candidate and an admin acting
//! at once cannot both win.

use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::application::{ApplicationDetails, ApplicationState};
use domain::exam_plan::eligibility::Verdict;

/// What is saved of an application besides its state.
pub struct ApplicationContent<'a> {
    pub exam_year: u16,
    pub details: &'a ApplicationDetails,
    pub subjects: &'a [String],
    pub verdict: &'a Verdict,
}

/// Who moved an application, for its history.
#[derive(Debug, Clone)]
pub struct EventActor {
    /// candidate | admin
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Application {
    pub id: String,
    pub number: String,
    pub account_id: String,
    pub exam_year: i64,
    pub exam_code: String,
    pub province_code: String,
    pub site_code: String,
    pub level_code: String,
    pub specialty_code: String,
    /// JSON array of subject codes.
    pub subjects: String,
    pub work_unit: String,
    pub started_work: String,
    pub highest_education: String,
    pub held_title: Option<String>,
    pub title_certificate: Option<String>,
    pub photo_confirmed: bool,
    pub eligible: bool,
    pub eligibility_code: String,
    pub eligibility_zh: String,
    pub eligibility_en: String,
    pub state: String,
    pub decision_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

impl Application {
    pub fn state(&self) -> ApplicationState {
        ApplicationState::from_code(&self.state).unwrap_or(ApplicationState::Draft)
    }

    pub fn subject_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.subjects).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ApplicationEvent {
    pub at: i64,
    pub actor_kind: String,
    pub actor_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ApplicationFile {
    pub id: String,
    pub object_key: String,
    pub content_type: String,
    pub bytes: i64,
    pub uploaded_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateApplicationError {
    /// The candidate already has an application for this exam and year.
    #[error("already applied")]
    AlreadyApplied,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) const COLUMNS: &str = "ap.id, ap.number, ap.account_id, ap.exam_year, ap.exam_code, ap.province_code, ap.site_code, ap.level_code, \
     ap.specialty_code, ap.subjects, ap.work_unit, ap.started_work, ap.highest_education, ap.held_title, ap.title_certificate, \
     ap.photo_confirmed, ap.eligible, ap.eligibility_code, ap.eligibility_zh, ap.eligibility_en, ap.state, ap.decision_reason, \
     ap.created_at, ap.updated_at, ap.submitted_at";

/// 报名号: exam year, 考点, eight random digits.
fn application_number(exam_year: u16, site: &str) -> String {
    let random = u64::from_le_bytes(crate::pii::random_bytes::<8>()) % 100_000_000;
    format!("{exam_year}{site}{random:08}")
}

pub(crate) const INSERT_EVENT: &str = "INSERT INTO application_events (id, application_id, at, actor_kind, actor_id, actor_name, from_state, to_state, reason) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

impl Store {
    /// Starts an application as a draft. Refused when the candidate has one for this exam and year.
    #[tracing::instrument(skip_all)]
    pub async fn create_application(&self, account_id: &str, content: &ApplicationContent<'_>, actor: &EventActor, now: i64) -> Result<Application, CreateApplicationError> {
        const SQL: &str = "INSERT INTO applications (id, number, account_id, exam_year, exam_code, province_code, site_code, level_code, specialty_code, \
             subjects, work_unit, started_work, highest_education, held_title, title_certificate, eligible, eligibility_code, eligibility_zh, \
             eligibility_en, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'draft', $20, $20)";
        let details = content.details;
        let subjects = serde_json::to_string(content.subjects).expect("strings serialise");
        // A clash of random 报名号 is retried with another; a second application for the exam is refused.
        for _ in 0..3 {
            let id = crate::accounts::new_id();
            let number = application_number(content.exam_year, &details.site);
            let result = on_db!(&self.db, pool => async {
                let mut tx = pool.begin().await?;
                sqlx::query(SQL)
                    .bind(&id).bind(&number).bind(account_id).bind(content.exam_year as i64).bind(&details.exam).bind(&details.province)
                    .bind(&details.site).bind(&details.level).bind(&details.specialty).bind(&subjects).bind(&details.work_unit)
                    .bind(details.started_work.to_iso()).bind(details.highest_education.code()).bind(details.held_title.as_deref())
                    .bind(details.title_certificate_number.as_deref()).bind(content.verdict.eligible).bind(content.verdict.code)
                    .bind(&content.verdict.explanation_zh).bind(&content.verdict.explanation_en).bind(now)
                    .execute(&mut *tx).await?;
                sqlx::query(INSERT_EVENT).bind(crate::audit::entry_id()).bind(&id).bind(now).bind(actor.kind).bind(&actor.id).bind(&actor.name)
                    .bind(None::<&str>).bind("draft").bind("")
                    .execute(&mut *tx).await?;
                tx.commit().await
            }.await);
            match result {
                Ok(()) => return Ok(self.application(&id).await?.expect("just written")),
                Err(error) => match unique_violation(&error) {
                    Some(what) if what.contains("number") => continue,
                    Some(_) => return Err(CreateApplicationError::AlreadyApplied),
                    None => return Err(StoreError::from(error).into()),
                },
            }
        }
        Err(StoreError::Corrupt("three application numbers in a row were taken".into()).into())
    }

    /// Replaces what an editable application says; false when it is no longer editable (or not the candidate's).
    /// Changing anything asks for the photo to be confirmed again.
    pub async fn update_application(&self, id: &str, account_id: &str, content: &ApplicationContent<'_>, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE applications SET province_code = $3, site_code = $4, level_code = $5, specialty_code = $6, subjects = $7, \
             work_unit = $8, started_work = $9, highest_education = $10, held_title = $11, title_certificate = $12, eligible = $13, \
             eligibility_code = $14, eligibility_zh = $15, eligibility_en = $16, photo_confirmed = FALSE, updated_at = $17 \
             WHERE id = $1 AND account_id = $2 AND state IN ('draft', 'withdrawn', 'needs_supplement') AND exam_code = $18";
        let details = content.details;
        let subjects = serde_json::to_string(content.subjects).expect("strings serialise");
        let changed = on_db!(&self.db, pool => sqlx::query(SQL)
            .bind(id).bind(account_id).bind(&details.province).bind(&details.site).bind(&details.level).bind(&details.specialty)
            .bind(&subjects).bind(&details.work_unit).bind(details.started_work.to_iso()).bind(details.highest_education.code())
            .bind(details.held_title.as_deref()).bind(details.title_certificate_number.as_deref()).bind(content.verdict.eligible)
            .bind(content.verdict.code).bind(&content.verdict.explanation_zh).bind(&content.verdict.explanation_en).bind(now)
            .bind(&details.exam)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }

    /// The candidate confirms the photo on file is the one the application uses.
    pub async fn confirm_application_photo(&self, id: &str, account_id: &str, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE applications SET photo_confirmed = TRUE, updated_at = $3 \
             WHERE id = $1 AND account_id = $2 AND state IN ('draft', 'withdrawn', 'needs_supplement')";
        let changed = on_db!(&self.db, pool => sqlx::query(SQL).bind(id).bind(account_id).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }

    pub async fn application(&self, id: &str) -> StoreResult<Option<Application>> {
        let sql = format!("SELECT {COLUMNS} FROM applications ap WHERE ap.id = $1");
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)?)
    }

    /// The candidate's own application, by id (None for anyone else's).
    pub async fn application_of(&self, account_id: &str, id: &str) -> StoreResult<Option<Application>> {
        Ok(self.application(id).await?.filter(|a| a.account_id == account_id))
    }

    /// The candidate's applications, newest exam year first.
    pub async fn applications_of(&self, account_id: &str) -> StoreResult<Vec<Application>> {
        let sql = format!("SELECT {COLUMNS} FROM applications ap WHERE ap.account_id = $1 ORDER BY ap.exam_year DESC, ap.created_at DESC");
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_all(pool).await)?)
    }

    /// Moves an application from `from` to `to` and records why, at once; false when its state was no longer
    /// `from` (someone else moved it first) — nothing is changed then. An authority's move is also audited; a
    /// submission also locks the candidate's photo.
    #[tracing::instrument(skip(self, actor, reason, audit))]
    pub async fn transition_application(
        &self,
        id: &str,
        from: ApplicationState,
        to: ApplicationState,
        actor: &EventActor,
        reason: &str,
        now: i64,
        audit: Option<&crate::audit::AuditEntry>,
    ) -> StoreResult<bool> {
        let movement = crate::transitions::Move {
            id: id.to_owned(),
            from,
            to,
            actor: actor.clone(),
            reason: reason.to_owned(),
            now,
            audit: audit.cloned(),
        };
        self.apply_move(movement).await
    }

    /// An application's history, oldest first.
    pub async fn application_events(&self, id: &str) -> StoreResult<Vec<ApplicationEvent>> {
        const SQL: &str = "SELECT at, actor_kind, actor_name, from_state, to_state, reason FROM application_events WHERE application_id = $1 ORDER BY at, id";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, ApplicationEvent>(SQL).bind(id).fetch_all(pool).await)?)
    }

    pub async fn add_application_file(&self, application_id: &str, object_key: &str, content_type: &str, bytes: i64, now: i64) -> StoreResult<String> {
        const SQL: &str = "INSERT INTO application_files (id, application_id, object_key, content_type, bytes, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)";
        let id = crate::accounts::new_id();
        on_db!(&self.db, pool => sqlx::query(SQL).bind(&id).bind(application_id).bind(object_key).bind(content_type).bind(bytes).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    pub async fn application_files(&self, application_id: &str) -> StoreResult<Vec<ApplicationFile>> {
        const SQL: &str = "SELECT id, object_key, content_type, bytes, uploaded_at FROM application_files WHERE application_id = $1 ORDER BY uploaded_at, id";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, ApplicationFile>(SQL).bind(application_id).fetch_all(pool).await)?)
    }

    /// Removes a supporting file from an editable application; the object key, to delete the bytes.
    pub async fn remove_application_file(&self, application_id: &str, file_id: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "DELETE FROM application_files WHERE id = $1 AND application_id = $2 \
             AND EXISTS (SELECT 1 FROM applications WHERE id = $2 AND state IN ('draft', 'withdrawn', 'needs_supplement')) RETURNING object_key";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar::<_, String>(SQL).bind(file_id).bind(application_id).fetch_optional(pool).await)?)
    }
}
