//! 个人信息管理: who the candidate is (ID number masked) and what is still to do before an exam application.

use super::{Chrome, PageCtx};
use crate::error::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The steps the seed requires before an exam application, and whether each is done.
pub async fn checklist(state: &AppState, account_id: &str) -> Result<Vec<(&'static str, bool)>, ApiError> {
    crate::flows::applications::checklist(state, account_id).await.map_err(|e| e.into_api(crate::i18n::Lang::Zh))
}

/// The account's 实名核验 state: pending (待核验), passed, failed or manual (需人工核查).
pub async fn identity_state(state: &AppState, account_id: &str) -> Result<String, ApiError> {
    Ok(state.store.identity_check(account_id).await?.map(|c| c.state).unwrap_or_else(|| "pending".into()))
}

/// What the candidate reads about their identity check, and what to do next.
fn identity_hint(check: &str, lang: crate::i18n::Lang) -> &'static str {
    use domain::identity_check::IdentityState;
    match IdentityState::from_code(check) {
        IdentityState::Passed => lang.pick("核验通过：姓名和证件号码与公安部门记录一致。", "Verified: your name and ID number match the national registry."),
        IdentityState::Failed => lang.pick(
            "核验不通过：姓名和证件号码与公安部门记录不一致。请核对后携带本人身份证到考点申请修改注册信息。",
            "Not verified: your name and ID number do not match the national registry. Check them, then take your ID card to your exam site to have them corrected.",
        ),
        IdentityState::Manual => lang.pick(
            "需人工核查：无法自动核验（如非居民身份证、姓名含系统不支持的生僻字），考点将人工核查；也可携带证件到考点办理。",
            "Manual check: this could not be verified automatically (an ID document other than the resident ID card, or rare characters the registry cannot take); your exam site will check it, or take your ID document there.",
        ),
        IdentityState::Pending => lang.pick("待核验：正在与公安部门核对姓名和证件号码，通常几分钟内完成，请稍后刷新本页。", "Pending: your name and ID number are being checked with the national registry, usually within minutes; refresh this page later."),
    }
}

pub struct ChecklistRow {
    pub step: &'static str,
    pub label: String,
    pub hint: String,
    pub done: bool,
    /// Where the step is done, once kaowu has the page for it.
    pub link: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    c: Chrome,
    welcome: bool,
    username: String,
    name: String,
    name_uses_pinyin: bool,
    id_type_name: String,
    id_number_masked: String,
    checklist: Vec<ChecklistRow>,
    remaining: usize,
    /// The photo's version (for the `<img>` address) when there is one.
    photo_version: Option<String>,
    /// The 所在考点 ("1101 北京市东城区考点"), once chosen.
    site: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MeQuery {
    welcome: Option<String>,
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<MeQuery>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else {
        return Redirect::to("/login").into_response();
    };
    let account = match state.store.account(&session.account_id).await {
        Ok(Some(account)) => account,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(error) => return super::error_page(lang, error.into()),
    };
    let photo_version = match state.store.photo(&account.id).await {
        Ok(photo) => photo.map(|p| p.sha256[..16].to_owned()),
        Err(error) => return super::error_page(lang, error.into()),
    };
    let site = match state.store.account_site(&account.id).await {
        Ok(site) => site.map(|s| format!("{} {}", s.code, s.name)),
        Err(error) => return super::error_page(lang, error.into()),
    };
    let (steps, identity) = match (checklist(&state, &account.id).await, identity_state(&state, &account.id).await) {
        (Ok(steps), Ok(identity)) => (steps, identity),
        (Err(error), _) | (_, Err(error)) => return super::error_page(lang, error),
    };
    let checklist: Vec<ChecklistRow> = steps
        .into_iter()
        .map(|(step, done)| {
            let (label, hint) = match step {
                "photo" => (lang.pick("上传报名照片", "Upload your photo"), lang.pick("白底一寸证件照，系统自动审核处理。", "A one-inch photo on white; kaowu checks and crops it.")),
                "education" => (lang.pick("填写学历学位信息", "Record your education"), lang.pick("学信网授权或手工录入，最多 5 条。", "By CHSI authorisation or by hand, up to 5 records.")),
                "identity" => (lang.pick("实名核验", "Identity check"), identity_hint(&identity, lang)),
                _ => (lang.pick("绑定微信并关注公众号", "Bind WeChat and follow the official account"), lang.pick("未绑定微信无法报名。", "Without WeChat you cannot apply for an exam.")),
            };
            let link = match step {
                "photo" => Some("/me/photo"),
                "education" => Some("/me/education"),
                "wechat" => Some("/me/wechat"),
                _ => None,
            };
            ChecklistRow { step, label: label.into(), hint: hint.into(), done, link }
        })
        .collect();
    let remaining = checklist.iter().filter(|r| !r.done).count();
    let c = ctx.chrome("个人信息管理", "My information");
    let page = MePage {
        c,
        welcome: query.welcome.is_some(),
        username: account.username.as_str().to_string(),
        name: account.name.as_str().to_string(),
        name_uses_pinyin: account.name_uses_pinyin,
        id_type_name: state.id_type_name(account.id_number.id_type().code(), lang),
        id_number_masked: account.id_number.masked(),
        checklist,
        remaining,
        photo_version,
        site,
    };
    ctx.render(StatusCode::OK, page)
}
