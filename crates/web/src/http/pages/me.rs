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
/// The WeChat step is done when a WeChat is bound and follows the official account.
pub async fn checklist(state: &AppState, account_id: &str) -> Result<Vec<(&'static str, bool)>, ApiError> {
    let photo = state.store.photo(account_id).await?.is_some();
    let education = state.store.education_count(account_id).await? > 0;
    let (bound, following) = crate::flows::wechat::bound_and_following(state, account_id)
        .await
        .map_err(|e| e.into_api(crate::i18n::Lang::Zh))?;
    Ok(vec![("photo", photo), ("education", education), ("wechat", bound && following)])
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
    let steps = match checklist(&state, &account.id).await {
        Ok(steps) => steps,
        Err(error) => return super::error_page(lang, error),
    };
    let checklist: Vec<ChecklistRow> = steps
        .into_iter()
        .map(|(step, done)| {
            let (label, hint) = match step {
                "photo" => (lang.pick("上传报名照片", "Upload your photo"), lang.pick("白底一寸证件照，系统自动审核处理。", "A one-inch photo on white; kaowu checks and crops it.")),
                "education" => (lang.pick("填写学历学位信息", "Record your education"), lang.pick("学信网授权或手工录入，最多 5 条。", "By CHSI authorisation or by hand, up to 5 records.")),
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
    };
    ctx.render(StatusCode::OK, page)
}
