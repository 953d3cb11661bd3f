//! 忘记密码 by face verification, for candidates registered with a resident ID card (domain.md §1 注意事项 2):
//! the candidate types their name and ID number, Tencent FaceID checks their face against the authority's photo
//! of that person (DetectAuth → FaceID's page → back here → GetDetectInfoEnhanced), and a pass for the same
//! name and number, with enough similarity, gives a one-time reset code for that candidate's account. kaowu
//! keeps only the verdict: no image is ever requested, and the typed ID number is kept as a keyed digest.
//!
//! The mini-program does the same through WeChat 人脸核身 2.0: its `wx.login()` code names the WeChat user,
//! getverifyid gives a verify_id the mini-program passes to `wx.requestFacialVerify`, and queryverifyinfo
//! (with a fresh code from the same user, and the name and number again for the cert_hash) gives the verdict.

use super::FlowError;
use super::login::{LoginMethod, SecretCheck, record_event};
use super::recovery::{ResetCode, issue_reset_code};
use crate::sessions::{Client, browser_secret_hash};
use crate::state::{AppState, now};
use domain::FieldError;
use domain::id_number::{IdNumber, IdType};
use domain::person_name::{LatinLetters, PersonName};

/// How long the candidate has to finish the face check.
const FACE_CHECK_SECS: i64 = 30 * 60;

/// Starts a face check for the typed identity; returns FaceID's page to send the browser to.
pub async fn start(state: &AppState, name: &str, id_number: &str, return_to: &str, browser_hash: &str, client: &Client) -> Result<String, FlowError> {
    let (api, settings) = configured(state)?;
    let (name, id_number) = typed_identity(name, id_number)?;
    count_start(state, &id_number, client).await?;
    let started = api.detect_auth(&settings.rule_id, id_number.as_str(), name.as_str(), return_to).await.map_err(|error| {
        tracing::warn!(%error, "FaceID DetectAuth failed");
        FlowError::Upstream("faceid.unavailable")
    })?;
    let digest = state.store.identity_digest(id_number.as_str(), name.as_str());
    state.store.create_face_verification(&started.biz_token, browser_hash, &digest, None, now() + FACE_CHECK_SECS).await?;
    Ok(started.url)
}

/// The browser came back from FaceID with `biz_token`: the verdict, and for a pass the reset code of the
/// account registered with that resident ID card under that name.
pub async fn finish(state: &AppState, biz_token: &str, browser_hash: &str, client: &Client) -> Result<ResetCode, FlowError> {
    let (api, settings) = configured(state)?;
    let Some((started_for, _)) = state.store.take_face_verification(biz_token, browser_hash, now()).await? else {
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
    tracing::info!(request_id = %result.request_id, "face check passed");
    reset_code_for(state, &IdNumber::lookup_form(&result.id_card), &result.name, client).await
}

/// Every start is a charged call and a chance to probe: counted like a failed secret, per ID number (and per
/// address), and locked out the same way.
async fn count_start(state: &AppState, id_number: &IdNumber, client: &Client) -> Result<(), FlowError> {
    let counted = SecretCheck::begin(state, vec![format!("face-start:{}", state.store.identity_digest(id_number.as_str(), ""))], client).await?;
    counted.failed(state).await;
    Ok(())
}

/// The face of the person with this resident ID number and name passed: the reset code of their account.
async fn reset_code_for(state: &AppState, id_number_lookup: &str, name: &str, client: &Client) -> Result<ResetCode, FlowError> {
    let Some(account_id) = state.store.recovery_subject("", id_number_lookup).await?.map(|s| s.id) else {
        return Err(FieldError::new("face", "recovery.face_no_account").into());
    };
    let account = state.store.account(&account_id).await?.ok_or(FlowError::InvalidCredentials)?;
    if account.id_number.id_type() != IdType::ResidentId || account.name.as_str() != name {
        return Err(FieldError::new("face", "recovery.face_no_account").into());
    }
    record_event(state, &account_id, LoginMethod::FaceCheck, "ok", client).await;
    issue_reset_code(state, &account_id, "face", "人脸识别找回密码", "有人通过人脸识别验证了您的身份，正在重置考生管理平台账号的密码。如非本人操作，请立即联系考点。").await
}

fn typed_identity(name: &str, id_number: &str) -> Result<(PersonName, IdNumber), FlowError> {
    let mut errors = domain::FieldErrors::default();
    let name = errors.collect(PersonName::parse("name", name, LatinLetters::NotAllowed));
    let id_number = errors.collect(IdNumber::parse("id_number", IdType::ResidentId, id_number));
    match (name, id_number) {
        (Some(name), Some(id_number)) => Ok((name, id_number)),
        _ => Err(FlowError::Invalid(errors)),
    }
}

/// A WeChat 人脸核身 check the mini-program runs next.
pub struct WechatFaceCheck {
    pub verify_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

fn wechat_key(verify_id: &str) -> String {
    format!("wechat:{verify_id}")
}

/// Starts a WeChat 人脸核身 check of the mini-program user `code` names, against the person typed.
pub async fn start_wechat(state: &AppState, code: &str, name: &str, id_number: &str, client: &Client) -> Result<WechatFaceCheck, FlowError> {
    let (name, id_number) = typed_identity(name, id_number)?;
    let openid = super::wechat_login::mini_program_session(state, code).await?.openid;
    count_start(state, &id_number, client).await?;
    let out_seq_no = format!("KW{}", hex::encode(store::pii::random_bytes::<15>()));
    let (seq, person, number, user) = (out_seq_no.clone(), name.as_str().to_owned(), id_number.as_str().to_owned(), openid.clone());
    let started = state
        .with_mini_program_token(move |api, token| {
            let (seq, person, number, user) = (seq.clone(), person.clone(), number.clone(), user.clone());
            async move { api.face_verify_id(&token, &seq, &person, &number, &user).await }
        })
        .await?;
    let expires_at = now() + started.expires_in.clamp(60, FACE_CHECK_SECS);
    let digest = state.store.identity_digest(id_number.as_str(), name.as_str());
    state.store.create_face_verification(&wechat_key(&started.verify_id), &browser_secret_hash(&openid), &digest, Some(&out_seq_no), expires_at).await?;
    Ok(WechatFaceCheck { verify_id: started.verify_id, expires_at })
}

/// The mini-program finished `wx.requestFacialVerify`: with a fresh `wx.login()` code of the same user and the
/// same name and number, the verdict, and for a pass the reset code.
pub async fn finish_wechat(state: &AppState, code: &str, verify_id: &str, name: &str, id_number: &str, client: &Client) -> Result<ResetCode, FlowError> {
    let (name, id_number) = typed_identity(name, id_number)?;
    if verify_id.is_empty() || verify_id.len() > 128 || !verify_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new("verify_id", "recovery.face_expired").into());
    }
    let openid = super::wechat_login::mini_program_session(state, code).await?.openid;
    let digest = state.store.identity_digest(id_number.as_str(), name.as_str());
    let taken = state.store.take_face_verification(&wechat_key(verify_id), &browser_secret_hash(&openid), now()).await?;
    let Some((_, Some(out_seq_no))) = taken.filter(|(started_for, _)| *started_for == digest) else {
        return Err(FieldError::new("verify_id", "recovery.face_expired").into());
    };
    let cert_hash = integrations::wechat::face::cert_hash(integrations::wechat::face::CERT_TYPE, name.as_str(), id_number.as_str());
    let (id, seq, user) = (verify_id.to_owned(), out_seq_no, openid);
    let verify_ret = state
        .with_mini_program_token(move |api, token| {
            let (id, seq, hash, user) = (id.clone(), seq.clone(), cert_hash.clone(), user.clone());
            async move { api.face_verify_result(&token, &id, &seq, &hash, &user).await }
        })
        .await?;
    if verify_ret != integrations::wechat::face::VERIFY_PASSED {
        tracing::info!(verify_ret, "WeChat face check not passed");
        return Err(FieldError::new("face", "recovery.face_failed").into());
    }
    tracing::info!("WeChat face check passed");
    reset_code_for(state, id_number.as_str(), name.as_str(), client).await
}

fn configured(state: &AppState) -> Result<(&integrations::tencent_faceid::FaceIdApi, &crate::state::FaceIdSettings), FlowError> {
    match (state.faceid.as_ref(), state.settings.faceid.as_ref()) {
        (Some(api), Some(settings)) => Ok((api, settings)),
        _ => Err(FlowError::Upstream("faceid.not_configured")),
    }
}
