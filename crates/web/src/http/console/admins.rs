//! 管理员与考点: the admins within the scope; national admins add province admins, province admins add the
//! 考点 of their province and their site admins. A new admin's first password is shown here once.

use super::{AdminCtx, Who};
use crate::flows::FlowError;
use crate::flows::admins::{NewAdminForm, NewSiteForm, create as create_admin, create_site as add_site, role_name};
use crate::http::pages::{Chrome, FormErrors};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::admin::Scope;
use serde::Deserialize;

pub struct AdminRow {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub region: String,
    pub totp: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "console/admins.html")]
struct AdminsPage {
    c: Chrome,
    who: Who,
    admins: Vec<AdminRow>,
    /// (code, label) of the regions a new admin may serve.
    regions: Vec<(String, String)>,
    creates_role: &'static str,
    is_province: bool,
    form: AdminForm,
    errors: FormErrors,
    site_form: SiteForm,
    created: Option<(String, String)>,
    site_created: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AdminForm {
    csrf_token: String,
    pub username: String,
    pub display_name: String,
    pub region: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SiteForm {
    csrf_token: String,
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

struct Shown {
    form: AdminForm,
    site_form: SiteForm,
    errors: FormErrors,
    created: Option<(String, String)>,
    site_created: Option<String>,
}

impl Default for Shown {
    fn default() -> Self {
        Shown { form: AdminForm::default(), site_form: SiteForm::default(), errors: FormErrors::default(), created: None, site_created: None }
    }
}

async fn render(state: &AppState, ctx: AdminCtx, shown: Shown, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let Some(creates) = ctx.admin.scope.creates() else { return ctx.fail(FlowError::NotFound) };
    let (admins, provinces, sites) = match tokio::try_join!(state.store.admins_in_scope(&ctx.admin.scope), state.store.provinces(), state.store.sites()) {
        Ok(found) => found,
        Err(error) => return ctx.fail(error.into()),
    };
    let regions = match &ctx.admin.scope {
        Scope::National => provinces.iter().map(|p| (p.code.clone(), format!("{} {}", p.code, lang.pick(&p.name_zh, &p.name_en)))).collect(),
        Scope::Province { province } => {
            sites.iter().filter(|s| &s.province_code == province).map(|s| (s.code.clone(), format!("{} {}", s.code, s.name))).collect()
        }
        Scope::Site { .. } => Vec::new(),
    };
    let admins = admins
        .into_iter()
        .map(|a| AdminRow {
            role: role_name(&a.role),
            region: a.site_code.or(a.province_code).unwrap_or_default(),
            username: a.username,
            display_name: a.display_name,
            totp: a.totp_enrolled,
            created: beijing_time(a.created_at),
        })
        .collect();
    let page = AdminsPage {
        c: ctx.chrome("管理员与考点", "Admins and sites"),
        who: ctx.who(),
        admins,
        regions,
        creates_role: role_name(creates),
        is_province: matches!(ctx.admin.scope, Scope::Province { .. }),
        form: shown.form,
        errors: shown.errors,
        site_form: shown.site_form,
        created: shown.created,
        site_created: shown.site_created,
    };
    ctx.render(status, page)
}

pub async fn page(State(state): State<AppState>, ctx: AdminCtx) -> Response {
    render(&state, ctx, Shown::default(), StatusCode::OK).await
}

fn form_refusal(error: FlowError, lang: crate::i18n::Lang) -> Result<(StatusCode, FormErrors), FlowError> {
    match error {
        FlowError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(&errors, lang))),
        FlowError::Conflict(error) => Ok((StatusCode::CONFLICT, FormErrors::from(&error.into(), lang))),
        FlowError::Busy => Ok((StatusCode::SERVICE_UNAVAILABLE, FormErrors::general("service.busy", lang))),
        other => Err(other),
    }
}

pub async fn create(State(state): State<AppState>, ctx: AdminCtx, Form(form): Form<AdminForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let new = NewAdminForm { username: form.username.clone(), display_name: form.display_name.clone(), region: form.region.clone() };
    match create_admin(&state, &ctx.admin, &ctx.page.client, &new).await {
        Ok(password) => {
            let created = Some((form.username.trim().to_lowercase(), password));
            render(&state, ctx, Shown { created, ..Shown::default() }, StatusCode::CREATED).await
        }
        Err(error) => match form_refusal(error, ctx.lang()) {
            Ok((status, errors)) => render(&state, ctx, Shown { form, errors, ..Shown::default() }, status).await,
            Err(other) => ctx.fail(other),
        },
    }
}

pub async fn create_site(State(state): State<AppState>, ctx: AdminCtx, Form(form): Form<SiteForm>) -> Response {
    if !ctx.csrf_ok(&form.csrf_token) {
        return ctx.csrf_refused();
    }
    let new = NewSiteForm { code: form.code.clone(), name: form.name.clone(), address: form.address.clone(), phone: form.phone.clone() };
    match add_site(&state, &ctx.admin, &ctx.page.client, &new).await {
        Ok(site) => render(&state, ctx, Shown { site_created: Some(format!("{} {}", site.code, site.name)), ..Shown::default() }, StatusCode::CREATED).await,
        Err(error) => match form_refusal(error, ctx.lang()) {
            Ok((status, errors)) => render(&state, ctx, Shown { site_form: form, errors, ..Shown::default() }, status).await,
            Err(other) => ctx.fail(other),
        },
    }
}
