//! The one error type the HTTP layer answers with. Bad input is a 4xx with a stable code, a sentence in the
//! caller's language and the field it concerns; anything unexpected is logged with the request id and answered
//! with a generic 500 that reveals nothing.

use crate::i18n::{Lang, error_message};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{FieldError, FieldErrors};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<FieldError>,
    pub lang: Lang,
    pub retry_after_secs: Option<u32>,
}

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `id_number.checksum`.
    pub code: String,
    /// Human-readable message in the request's language (zh-CN by default).
    pub message: String,
    /// The request field the error concerns, e.g. `id_number` or `confirm.name`; absent for request-level errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem found, when there are several; the first is repeated above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError { status, errors: vec![FieldError::new("", code)], lang: Lang::Zh, retry_after_secs: None }
    }

    pub fn invalid(errors: FieldErrors) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, errors: errors.0, lang: Lang::Zh, retry_after_secs: None }
    }

    pub fn field(status: StatusCode, error: FieldError) -> ApiError {
        ApiError { status, errors: vec![error], lang: Lang::Zh, retry_after_secs: None }
    }

    pub fn busy() -> ApiError {
        ApiError { retry_after_secs: Some(1), ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service.busy") }
    }

    pub fn unauthorized(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code)
    }

    /// Logs the cause (with the request id, through the current span) and hides it from the caller.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    pub fn in_lang(mut self, lang: Lang) -> ApiError {
        self.lang = lang;
        self
    }

    pub fn code(&self) -> &'static str {
        self.errors.first().map(|e| e.code).unwrap_or("internal")
    }

    /// The first error's sentence, in the caller's language (for pages that show it).
    pub fn message(&self) -> String {
        self.body().message
    }

    pub fn body(&self) -> ErrorBody {
        let describe = |e: &FieldError| FieldErrorBody {
            code: e.code.to_string(),
            message: error_message(e.code, e.detail.as_deref(), self.lang),
            field: (!e.field.is_empty()).then(|| e.field.clone()),
        };
        let all: Vec<FieldErrorBody> = self.errors.iter().map(describe).collect();
        let first = self.errors.first().map(describe).unwrap_or_else(|| FieldErrorBody {
            code: "internal".into(),
            message: error_message("internal", None, self.lang),
            field: None,
        });
        let errors = if all.len() > 1 { all } else { Vec::new() };
        ErrorBody { code: first.code, message: first.message, field: first.field, errors }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
