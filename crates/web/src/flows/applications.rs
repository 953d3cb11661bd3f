//! Applying for an exam (报名), for the pages and the API alike: the gate (photo, education, WeChat, identity),
//! the choices and details checked against this year's plan, the eligibility verdict, and the candidate's
//! transitions (submit, withdraw) inside the plan's windows. Every change of state is told to the candidate.

use super::FlowError;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::application::{ApplicationDetails, ApplicationInput, ApplicationState, Transition, check_transition};
use domain::correction::AttachmentType;
use domain::education::YearMonth;
use domain::exam_plan::{ExamPlan, FilesRequirement};
use store::applications::{Application, ApplicationContent, CreateApplicationError, EventActor};
use store::exam_plans::StoredPlan;

/// At most this many supporting files per application, each at most [`MAX_FILE_BYTES`].
pub const MAX_FILES: usize = 5;
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The steps the seed requires before an exam application, and whether each is done. The WeChat step is done
/// when a WeChat is bound and follows the official account.
pub async fn checklist(state: &AppState, account_id: &str) -> Result<Vec<(&'static str, bool)>, FlowError> {
    let facts = state.store.checklist_facts(account_id).await?;
    let identity = facts.identity_state.as_deref().map(domain::identity_check::IdentityState::from_code) == Some(domain::identity_check::IdentityState::Passed);
    Ok(vec![("photo", facts.has_photo), ("education", facts.has_education), ("wechat", facts.wechat_bound && facts.wechat_following), ("identity", identity)])
}

/// The plan candidates apply under now (the latest exam year's), or "no plan yet".
pub async fn current_plan(state: &AppState) -> Result<StoredPlan, FlowError> {
    let Some(year) = state.store.latest_exam_year().await? else { return Err(FlowError::Refused("application.no_plan")) };
    state.store.plan(year).await?.ok_or(FlowError::Refused("application.no_plan"))
}

/// Today as a month, Beijing time (a start of work cannot be later).
fn this_month(now: i64) -> YearMonth {
    let date = time::OffsetDateTime::from_unix_timestamp(now + domain::exam_plan::SHANGHAI_OFFSET_SECONDS).map(|t| t.date()).unwrap_or(time::Date::MIN);
    YearMonth { year: date.year() as u16, month: date.month() as u8 }
}

/// The candidate as their application's history names them.
fn candidate(account_id: &str) -> EventActor {
    EventActor { kind: "candidate", id: account_id.to_owned(), name: "考生本人".to_owned() }
}

/// The details checked against the plan, the subjects to sit and the verdict, ready to save.
async fn prepare(state: &AppState, plan: &ExamPlan, account_id: &str, input: &ApplicationInput) -> Result<(ApplicationDetails, Vec<String>, domain::exam_plan::eligibility::Verdict), FlowError> {
    let levels: Vec<_> = state.store.education_records(account_id).await?.into_iter().map(|r| r.record.level).collect();
    let details = ApplicationDetails::parse(plan, input, &levels, this_month(now())).map_err(FlowError::Invalid)?;
    // Passed subjects within the cycle come with scores (a later issue); until then every subject is sat.
    let subjects = plan.subjects_to_sit(&details.exam, &[]).into_iter().map(|s| s.code.clone()).collect();
    let verdict = plan.evaluate(&details.exam, &details.level, &details.qualifications());
    Ok((details, subjects, verdict))
}

/// Starts an application as a draft: only once the checklist is complete and while the province takes them.
pub async fn start(state: &AppState, account_id: &str, input: &ApplicationInput) -> Result<Application, FlowError> {
    if checklist(state, account_id).await?.iter().any(|(_, done)| !done) {
        return Err(FlowError::Refused("application.checklist_incomplete"));
    }
    let stored = current_plan(state).await?;
    let (details, subjects, verdict) = prepare(state, &stored.plan, account_id, input).await?;
    if !stored.plan.is_open(&details.province, domain::exam_plan::WindowKind::Application, now()) {
        return Err(FlowError::Refused("application.window_closed"));
    }
    let content = ApplicationContent { exam_year: stored.plan.exam_year, details: &details, subjects: &subjects, verdict: &verdict };
    match state.store.create_application(account_id, &content, &candidate(account_id), now()).await {
        Ok(application) => Ok(application),
        Err(CreateApplicationError::AlreadyApplied) => Err(FlowError::Conflict(FieldError::new("exam", "application.already_applied"))),
        Err(CreateApplicationError::Store(error)) => Err(error.into()),
    }
}

/// The candidate's own application and the plan of its year.
pub async fn own(state: &AppState, account_id: &str, id: &str) -> Result<(Application, StoredPlan), FlowError> {
    if id.len() > 64 {
        return Err(FlowError::NotFound);
    }
    let application = state.store.application_of(account_id, id).await?.ok_or(FlowError::NotFound)?;
    let year = u16::try_from(application.exam_year).map_err(|_| FlowError::NotFound)?;
    let plan = state.store.plan(year).await?.ok_or(FlowError::NotFound)?;
    Ok((application, plan))
}

fn editable_now(application: &Application, plan: &ExamPlan) -> Result<(), FlowError> {
    let state = application.state();
    if !state.editable() {
        return Err(FlowError::Refused("application.not_editable"));
    }
    // Editing counts as part of the next submission, so it belongs to the same window.
    check_transition(plan, &application.province_code, state, Transition::Submit, now()).map(|_| ()).map_err(FlowError::Refused)
}

/// Changes what an editable application says (the exam stays; another exam is another application).
pub async fn edit(state: &AppState, account_id: &str, id: &str, input: &ApplicationInput) -> Result<Application, FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    editable_now(&application, &stored.plan)?;
    let input = ApplicationInput { exam: application.exam_code.clone(), ..input.clone() };
    let (details, subjects, verdict) = prepare(state, &stored.plan, account_id, &input).await?;
    let content = ApplicationContent { exam_year: stored.plan.exam_year, details: &details, subjects: &subjects, verdict: &verdict };
    if !state.store.update_application(id, account_id, &content, now()).await? {
        return Err(FlowError::Refused("application.not_editable"));
    }
    Ok(own(state, account_id, id).await?.0)
}

/// The candidate confirms the photo on file is theirs and recent.
pub async fn confirm_photo(state: &AppState, account_id: &str, id: &str) -> Result<(), FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    editable_now(&application, &stored.plan)?;
    if state.store.photo(account_id).await?.is_none() {
        return Err(FlowError::Refused("application.photo_missing"));
    }
    state.store.confirm_application_photo(id, account_id, now()).await?;
    Ok(())
}

/// Adds a supporting file (PDF or JPEG, judged by content) to an editable application.
pub async fn add_file(state: &AppState, account_id: &str, id: &str, bytes: Vec<u8>) -> Result<(), FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    editable_now(&application, &stored.plan)?;
    if bytes.is_empty() {
        return Err(FieldError::new("file", "application.file_empty").into());
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FieldError::new("file", "application.file_too_large").into());
    }
    let kind = match AttachmentType::sniff(&bytes) {
        Some(kind @ (AttachmentType::Pdf | AttachmentType::Jpeg)) => kind,
        _ => return Err(FieldError::new("file", "application.file_type").into()),
    };
    if state.store.application_files(id).await?.len() >= MAX_FILES {
        return Err(FieldError::new("file", "application.too_many_files").into());
    }
    let key = format!("applications/{id}/{}", store::accounts::new_id());
    let size = bytes.len() as i64;
    state.objects.put(&key, bytes).await.map_err(super::photo::storage_unavailable)?;
    state.store.add_application_file(id, &key, kind.mime(), size, now()).await?;
    Ok(())
}

pub async fn remove_file(state: &AppState, account_id: &str, id: &str, file_id: &str) -> Result<(), FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    editable_now(&application, &stored.plan)?;
    let Some(key) = state.store.remove_application_file(id, file_id).await? else { return Err(FlowError::NotFound) };
    if let Err(error) = state.objects.delete(&key).await {
        tracing::warn!(%error, "a removed supporting file's bytes stay in the object store");
    }
    Ok(())
}

/// What still stands between an editable application and its submission, as codes (empty: ready).
pub async fn missing_for_submission(state: &AppState, application: &Application, plan: &ExamPlan) -> Result<Vec<&'static str>, FlowError> {
    let mut missing = Vec::new();
    if checklist(state, &application.account_id).await?.iter().any(|(_, done)| !done) {
        missing.push("application.checklist_incomplete");
    }
    if !application.photo_confirmed {
        missing.push("application.photo_not_confirmed");
    }
    if !application.eligible {
        missing.push("application.not_eligible");
    }
    let files_required = plan.province(&application.province_code).is_some_and(|p| p.supporting_files == FilesRequirement::Required);
    if files_required && state.store.application_files(&application.id).await?.is_empty() {
        missing.push("application.files_required");
    }
    Ok(missing)
}

/// Hands the application in for review.
pub async fn submit(state: &AppState, account_id: &str, id: &str) -> Result<(), FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    let from = application.state();
    let to = check_transition(&stored.plan, &application.province_code, from, Transition::Submit, now()).map_err(FlowError::Refused)?;
    if let Some(first) = missing_for_submission(state, &application, &stored.plan).await?.first() {
        return Err(FlowError::Refused(first));
    }
    // The move locks the photo too (the one the authority reviews and the ticket prints).
    move_own(state, &application, from, to).await?;
    super::wechat::notify_application(state, account_id, "报名已提交", &format!("报名号 {}，请等待考点审核。", application.number)).await;
    Ok(())
}

/// Takes a submitted application back (before review starts), to change it and submit again.
pub async fn withdraw(state: &AppState, account_id: &str, id: &str) -> Result<(), FlowError> {
    let (application, stored) = own(state, account_id, id).await?;
    let from = application.state();
    let to = check_transition(&stored.plan, &application.province_code, from, Transition::Withdraw, now()).map_err(FlowError::Refused)?;
    move_own(state, &application, from, to).await?;
    super::wechat::notify_application(state, account_id, "报名已撤回", &format!("报名号 {}。修改后请在报名截止前重新提交。", application.number)).await;
    Ok(())
}

async fn move_own(state: &AppState, application: &Application, from: ApplicationState, to: ApplicationState) -> Result<(), FlowError> {
    let actor = candidate(&application.account_id);
    if state.store.transition_application(&application.id, from, to, &actor, "", now(), None).await? {
        Ok(())
    } else {
        // Its state changed between reading and writing (a reviewer opened it): nothing was done.
        Err(FlowError::Refused("application.changed_meanwhile"))
    }
}
