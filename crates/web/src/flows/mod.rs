//! The candidate flows, shared by the pages and the JSON API so both enforce exactly the same rules.

pub mod admin_login;
pub mod application_form;
pub mod applications;
pub mod console;
pub mod admins;
pub mod announcements;
pub mod corrections;
pub mod education;
pub mod face_recovery;
pub mod login;
pub mod passkeys;
pub mod password;
pub mod photo;
pub mod plans;
pub mod recovery;
pub mod reviews;
pub mod registration;
pub mod security;
pub mod wechat;
pub mod wechat_login;

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::passwords::Overloaded;
use axum::http::StatusCode;
use domain::{FieldError, FieldErrors};

#[derive(Debug)]
pub enum FlowError {
    /// The input breaks a rule; every problem is listed.
    Invalid(FieldErrors),
    /// The input is valid but collides with existing data (username or ID document taken).
    Conflict(FieldError),
    InvalidCredentials,
    /// Too many failed secret checks: refused, whatever the secret, until `until` (unix seconds).
    Locked { until: i64 },
    /// Too much password hashing in flight: try again shortly.
    Busy,
    /// An external system cannot answer now (its code says which and why); nothing was changed.
    Upstream(&'static str),
    /// Understood, and refused for the reason its code names (e.g. a WeChat bound to no candidate).
    Refused(&'static str),
    /// Nothing by that name the caller may see (an admin asking outside their scope gets this too).
    NotFound,
    Internal(store::StoreError),
}

impl From<Overloaded> for FlowError {
    fn from(_: Overloaded) -> Self {
        FlowError::Busy
    }
}

impl From<store::StoreError> for FlowError {
    fn from(error: store::StoreError) -> Self {
        FlowError::Internal(error)
    }
}

impl From<FieldError> for FlowError {
    fn from(error: FieldError) -> Self {
        FlowError::Invalid(error.into())
    }
}

impl From<FieldErrors> for FlowError {
    fn from(errors: FieldErrors) -> Self {
        FlowError::Invalid(errors)
    }
}

impl FlowError {
    pub fn into_api(self, lang: Lang) -> ApiError {
        let error = match self {
            FlowError::Invalid(errors) => ApiError::invalid(errors),
            FlowError::Conflict(error) => ApiError::field(StatusCode::CONFLICT, error),
            FlowError::InvalidCredentials => ApiError::unauthorized("login.invalid_credentials"),
            FlowError::Locked { until } => {
                let minutes = ((until - crate::state::now()).max(1) + 59) / 60;
                let mut error = ApiError::field(StatusCode::TOO_MANY_REQUESTS, FieldError::new("", "login.locked").with_detail(minutes.to_string()));
                error.retry_after_secs = Some(u32::try_from(minutes * 60).unwrap_or(u32::MAX));
                error
            }
            FlowError::Busy => ApiError::busy(),
            FlowError::Upstream(code) => {
                let mut error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code);
                error.retry_after_secs = Some(30);
                error
            }
            FlowError::Refused(code) => ApiError::new(StatusCode::FORBIDDEN, code),
            FlowError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "request.not_found"),
            FlowError::Internal(error) => ApiError::internal(error),
        };
        error.in_lang(lang)
    }
}
