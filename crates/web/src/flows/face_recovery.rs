//! 忘记密码 by face verification, for candidates registered with a resident ID card (domain.md §1 注意事项 2):
//! the candidate types their name and ID number, Tencent FaceID checks their face against the authority's photo
//! of that person (DetectAuth → FaceID's page → back here → GetDetectInfoEnhanced), and a pass for the same
//! name and number, with enough similarity, gives a one-time reset code for that candidate's account. kaowu
//! keeps only the verdict: no image is ever requested, and the typed ID number is kept as a keyed digest.

use super::FlowError;
use super::login::{LoginMethod, SecretCheck, record_event};
use super::recovery::{ResetCode, issue_reset_code};
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::id_number::{IdNumber, IdType};
use domain::person_name::{LatinLetters, PersonName};

/// How long the candidate has to finish the face check.
const FACE_CHECK_SECS: i64 = 30 * 60;

/// Starts a face check for the typed identity; returns FaceID's page to send the browser to. Every start is a
/// charged call to FaceID and a chance to probe, so starts are counted like failed secrets, per ID number and per
/// address, and locked out the same way.
pub async fn start(state: &AppState, name: &str, id_number: &str, return_to: &str, browser_hash: &str, client: &Client) -> Result<String, FlowError> {
    let (api, settings) = configured(state)?;
    let mut errors = domain::FieldErrors::default();
    let name = errors.collect(PersonName::parse("name", name, LatinLetters::NotAllowed));
    let id_number = errors.collect(IdNumber::parse("id_number", IdType::ResidentId, id_number));
    let (Some(name), Some(id_number)) = (name, id_number) else { return Err(FlowError::Invalid(errors)) };
    let counted = SecretCheck::begin(state, vec![format!("face-start:{}", state.store.identity_digest(id_number.as_str(), ""))], client).await?;
    counted.failed(state).await;
    let started = api.detect_auth(&settings.rule_id, id_number.as_str(), name.as_str(), return_to).await.map_err(|error| {
        tracing::warn!(%error, "FaceID DetectAuth failed");
        FlowError::Upstream("faceid.unavailable")
    })?;
    let digest = state.store.identity_digest(id_number.as_str(), name.as_str());
    state.store.create_face_verification(&started.biz_token, browser_hash, &digest, now() + FACE_CHECK_SECS).await?;
    Ok(started.url)
}

/// The browser came back from FaceID with `biz_token`: the verdict, and for a pass the reset code of the
/// account registered with that resident ID card under that name.
pub async fn finish(state: &AppState, biz_token: &str, browser_hash: &str, client: &Client) -> Result<ResetCode, FlowError> {
    let (api, settings) = configured(state)?;
    let Some(started_for) = state.store.take_face_verification(biz_token, browser_hash, now()).await? else {
        return Err(FieldError::new("face", "recovery.face_expired").into());
    };
    let result = api.get_detect_info(biz_token, &settings.rule_id).await.map_err(|error| {
        tracing::warn!(%error, "FaceID GetDetectInfoEnhanced failed");
        FlowError::Upstream("faceid.unavailable")
    })?;
    let same_person = state.store.identity_digest(&IdNumber::lookup_form(&result.id_card), &result.name) == started_for;
    let similar = result.sim.is_some_and(|sim| sim >= settings.min_similarity);
    if result.err_code != Some(0) || !similar || !same_person {
        tracing::info!(err_code = ?result.err_code, request_id = %result.request_id, "face check not passed");
        return Err(FieldError::new("face", "recovery.face_failed").into());
    }
    let Some(account_id) = state.store.recovery_subject("", &IdNumber::lookup_form(&result.id_card)).await?.map(|s| s.id) else {
        return Err(FieldError::new("face", "recovery.face_no_account").into());
    };
    let account = state.store.account(&account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    if account.id_number.id_type() != IdType::ResidentId || account.name.as_str() != result.name {
        return Err(FieldError::new("face", "recovery.face_no_account").into());
    }
    tracing::info!(request_id = %result.request_id, "face check passed");
    record_event(state, &account_id, LoginMethod::FaceCheck, "ok", client).await;
    issue_reset_code(state, &account_id, "face", "人脸识别找回密码", "有人通过人脸识别验证了您的身份，正在重置考生管理平台账号的密码。如非本人操作，请立即联系考点。").await
}

fn configured(state: &AppState) -> Result<(&integrations::tencent_faceid::FaceIdApi, &crate::state::FaceIdSettings), FlowError> {
    match (state.faceid.as_ref(), state.settings.faceid.as_ref()) {
        (Some(api), Some(settings)) => Ok((api, settings)),
        _ => Err(FlowError::Upstream("faceid.not_configured")),
    }
}
