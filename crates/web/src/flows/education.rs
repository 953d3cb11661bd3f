//! Adding an education record (manual entry). A manual record is 未核验 for good; only a CHSI authorisation
//! (a later increment) can make one 核验通过.

use super::FlowError;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::education::{EducationInput, EducationRecord, Verification, YearMonth};
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
    match state.store.add_education(account_id, &record, "manual", Verification::Unverified, now()).await {
        Ok(stored) => Ok(stored),
        Err(AddEducationError::LimitReached) => Err(FlowError::Conflict(FieldError::new("", "education.limit_reached"))),
        Err(AddEducationError::Store(error)) => Err(FlowError::Internal(error)),
    }
}
