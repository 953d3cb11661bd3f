//! 所在考点: the candidate chooses the 考点 that serves them — it reviews their correction requests and is where
//! they go in person — and anyone can look up the 考点 directory (address and phone), e.g. from 找回密码.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::regions::Site;

/// The sites grouped under their province's name.
pub struct ProvinceSites {
    pub province: String,
    pub sites: Vec<Site>,
}

async fn directory(state: &AppState, lang: crate::i18n::Lang) -> Result<Vec<ProvinceSites>, FlowError> {
    let (provinces, sites) = tokio::try_join!(state.store.provinces(), state.store.sites())?;
    Ok(provinces
        .into_iter()
        .filter_map(|p| {
            let sites: Vec<Site> = sites.iter().filter(|s| s.province_code == p.code).cloned().collect();
            (!sites.is_empty()).then(|| ProvinceSites { province: lang.pick(&p.name_zh, &p.name_en).to_owned(), sites })
        })
        .collect())
}

#[derive(Template)]
#[template(path = "sites.html")]
struct DirectoryPage {
    c: Chrome,
    groups: Vec<ProvinceSites>,
}

/// The public 考点 directory.
pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> Response {
    match directory(&state, ctx.lang).await {
        Ok(groups) => {
            let c = ctx.chrome("考点联系方式", "Exam sites");
            ctx.render(StatusCode::OK, DirectoryPage { c, groups })
        }
        Err(error) => super::error_page(ctx.lang, error.into_api(ctx.lang)),
    }
}

#[derive(Template)]
#[template(path = "my_site.html")]
struct MySitePage {
    c: Chrome,
    groups: Vec<ProvinceSites>,
    current: Option<Site>,
    saved: bool,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MySiteQuery {
    saved: Option<String>,
}

async fn render(state: &AppState, ctx: PageCtx, saved: bool, errors: FormErrors, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let (groups, current) = match tokio::join!(directory(state, lang), state.store.account_site(&session.account_id)) {
        (Ok(groups), Ok(current)) => (groups, current),
        (Err(error), _) => return super::error_page(lang, error.into_api(lang)),
        (_, Err(error)) => return super::error_page(lang, error.into()),
    };
    let c = ctx.chrome("所在考点", "My exam site");
    ctx.render(status, MySitePage { c, groups, current, saved, errors })
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<MySiteQuery>) -> Response {
    render(&state, ctx, query.saved.is_some(), FormErrors::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MySiteForm {
    csrf_token: String,
    site: String,
}

pub async fn choose(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<MySiteForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        return render(&state, ctx, false, FormErrors::general("csrf.invalid", lang), StatusCode::FORBIDDEN).await;
    }
    match crate::flows::corrections::choose_site(&state, &session.account_id, &form.site).await {
        Ok(()) => Redirect::to("/me/site?saved=1").into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, false, FormErrors::from(&errors, lang), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, false, FormErrors::general(code, lang), StatusCode::CONFLICT).await,
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}
