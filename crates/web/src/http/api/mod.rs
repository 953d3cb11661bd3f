//! The JSON API under /api/v1, for the mini-program and mobile clients; documented in OpenAPI 3.1.

pub mod accounts;
pub mod applications;
pub mod education;
pub mod idempotency;
pub mod json;
pub mod passkeys;
pub mod photo;
pub mod reference;
pub mod recovery;
pub mod security;
pub mod sessions;

use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "kaowu 考生管理平台 API", description = "Candidate accounts, sessions and reference data. Errors are `{code, message, field}` with stable codes; messages follow Accept-Language (zh-CN default)."),
    paths(
        reference::id_types,
        reference::rare_chars,
        accounts::create_account,
        accounts::me,
        accounts::change_password,
        accounts::change_security_question,
        security::security,
        recovery::question,
        recovery::check_answer,
        recovery::set_password,
        recovery::start_wechat_face,
        recovery::finish_wechat_face,
        security::end_session,
        education::list,
        education::add,
        education::add_chsi,
        photo::upload,
        photo::download,
        photo::photo_info,
        sessions::create_session,
        sessions::create_mini_program_session,
        sessions::end_session,
        passkeys::list,
        passkeys::registration_options,
        passkeys::add,
        passkeys::remove,
        passkeys::login_options,
        passkeys::login,
        applications::plan,
        applications::list,
        applications::create,
        applications::show,
        applications::edit,
        applications::confirm_photo,
        applications::add_file,
        applications::remove_file,
        applications::submit,
        applications::withdraw,
        applications::form_pdf,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises")
}

async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_json())
}

pub fn router(state: AppState) -> Router<AppState> {
    let idempotent = || axum::middleware::from_fn_with_state(state.clone(), idempotency::idempotent);
    let public_writes = Router::new()
        .route("/api/v1/accounts", post(accounts::create_account))
        .route("/api/v1/sessions", post(sessions::create_session))
        .route("/api/v1/sessions/wechat-miniprogram", post(sessions::create_mini_program_session))
        .route("/api/v1/sessions/passkey", post(passkeys::login))
        .route("/api/v1/password-recovery/question", post(recovery::question))
        .route("/api/v1/password-recovery/answer", post(recovery::check_answer))
        .route("/api/v1/password-recovery/reset", post(recovery::set_password))
        .route("/api/v1/password-recovery/wechat-face/start", post(recovery::start_wechat_face))
        .route("/api/v1/password-recovery/wechat-face/finish", post(recovery::finish_wechat_face))
        .route_layer(idempotent());
    // The session is checked before the idempotency key, so an unauthenticated call is a 401 whatever it carries.
    let candidate_writes = Router::new()
        .route("/api/v1/me/education", post(education::add))
        .route("/api/v1/me/education/chsi", post(education::add_chsi))
        .route("/api/v1/me/password", put(accounts::change_password))
        .route("/api/v1/me/security-question", put(accounts::change_security_question))
        .route("/api/v1/me/passkeys", post(passkeys::add))
        .route("/api/v1/me/passkeys/registration-options", post(passkeys::registration_options))
        .route("/api/v1/me/applications", post(applications::create))
        .route("/api/v1/me/applications/{id}", put(applications::edit))
        .route("/api/v1/me/applications/{id}/photo-confirmation", post(applications::confirm_photo))
        .route("/api/v1/me/applications/{id}/submission", post(applications::submit))
        .route("/api/v1/me/applications/{id}/withdrawal", post(applications::withdraw))
        .route_layer(idempotent())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::sessions::require_api_session));
    // Photo uploads are read with the spec's own cap (a little more for multipart framing); PUT replaces, so
    // a retry is harmless without an idempotency key.
    let photo_limit = state.photo_spec.max_upload_bytes + 64 * 1024;
    let photo = Router::new()
        .route("/api/v1/me/photo", put(photo::upload).get(photo::download))
        .route_layer(DefaultBodyLimit::max(photo_limit));
    // Supporting files are read up to their cap (and a little more, so one byte over gets our own message).
    let files = Router::new()
        .route("/api/v1/me/applications/{id}/files", post(applications::add_file))
        .route_layer(DefaultBodyLimit::max(crate::flows::applications::MAX_FILE_BYTES + 1024));
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/exam-plan", get(applications::plan))
        .route("/api/v1/me/applications", get(applications::list))
        .route("/api/v1/me/applications/{id}", get(applications::show))
        .route("/api/v1/me/applications/{id}/form.pdf", get(applications::form_pdf))
        .route("/api/v1/me/applications/{id}/files/{file_id}", delete(applications::remove_file))
        .route("/api/v1/me/photo/info", get(photo::photo_info))
        .route("/api/v1/id-types", get(reference::id_types))
        .route("/api/v1/rare-chars", get(reference::rare_chars))
        .route("/api/v1/me", get(accounts::me))
        .route("/api/v1/me/education", get(education::list))
        .route("/api/v1/me/security", get(security::security))
        .route("/api/v1/me/sessions/{id}", delete(security::end_session))
        .route("/api/v1/sessions/current", delete(sessions::end_session))
        .route("/api/v1/sessions/passkey/options", post(passkeys::login_options))
        .route("/api/v1/me/passkeys", get(passkeys::list))
        .route("/api/v1/me/passkeys/{id}", delete(passkeys::remove))
        .merge(public_writes)
        .merge(candidate_writes)
        .merge(photo)
        .merge(files)
}
