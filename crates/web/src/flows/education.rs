//! Adding an education record: by manual entry (未核验, for good) or by CHSI authorisation — the candidate gives
//! the 在线验证码 of their report, kaowu reads the report, checks it is theirs and records it as 核验通过.

use super::FlowError;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::education::{ChsiCode, EducationInput, EducationRecord, Verification, YearMonth, already_attested, report_belongs_to};
use integrations::chsi::{ChsiOutcome, ChsiVerifier};
use store::education::{AddEducationError, StoredEducation};
use time::{OffsetDateTime, UtcOffset};

/// This month in China (Asia/Shanghai, UTC+8, no daylight saving): dates are judged as candidates see them.
pub fn this_month_in_china() -> YearMonth {
    let offset = UtcOffset::from_hms(8, 0, 0).expect("valid offset");
    let today = OffsetDateTime::now_utc().to_offset(offset);
    YearMonth { year: today.year() as u16, month: u8::from(today.month()) }
}

pub async fn add_manual(state: &AppState, account_id: &str, input: &EducationInput) -> Result<StoredEducation, FlowError> {
    let record = EducationRecord::parse(input, this_month_in_china())?;
    save(state, account_id, &record, "manual", Verification::Unverified).await
}

pub async fn add_from_chsi(state: &AppState, account_id: &str, raw_code: &str) -> Result<StoredEducation, FlowError> {
    let code = ChsiCode::parse("code", raw_code)?;
    let invalid = |reason: &'static str| FlowError::Invalid(FieldError::new("code", reason).into());
    let account = state.store.account(account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    let existing = state.store.education_records(account_id).await?;
    if existing.len() >= domain::education::MAX_RECORDS {
        return Err(FlowError::Conflict(FieldError::new("", "education.limit_reached")));
    }
    let outcome = state.chsi.lookup(&code).await.map_err(|error| {
        tracing::warn!(error = %error, "CHSI lookup failed");
        FlowError::Upstream("chsi.unavailable")
    })?;
    let report = match outcome {
        ChsiOutcome::Report(report) => report,
        ChsiOutcome::Expired => return Err(invalid("chsi.expired")),
        ChsiOutcome::Invalid => return Err(invalid("chsi.invalid")),
        ChsiOutcome::Closed => return Err(invalid("chsi.closed")),
        ChsiOutcome::Captcha => return Err(FlowError::Upstream("chsi.captcha")),
    };
    if !report_belongs_to(&report, account.name.as_str()) {
        return Err(invalid("chsi.name_mismatch"));
    }
    let record = report.to_record().map_err(invalid)?;
    if already_attested(&record, existing.iter().filter(|e| e.source == "chsi").map(|e| &e.record)) {
        return Err(FlowError::Conflict(FieldError::new("code", "chsi.already_added")));
    }
    save(state, account_id, &record, "chsi", Verification::Verified).await
}

async fn save(
    state: &AppState,
    account_id: &str,
    record: &EducationRecord,
    source: &str,
    verification: Verification,
) -> Result<StoredEducation, FlowError> {
    match state.store.add_education(account_id, record, source, verification, now()).await {
        Ok(stored) => Ok(stored),
        Err(AddEducationError::LimitReached) => Err(FlowError::Conflict(FieldError::new("", "education.limit_reached"))),
        Err(AddEducationError::Store(error)) => Err(FlowError::Internal(error)),
    }
}
