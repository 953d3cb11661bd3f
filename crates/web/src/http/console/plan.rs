//! 考试计划 in the console: the newest plan's windows for a region (the defaults or one 考区), changed by
//! national admins (any region) and province admins (their own) with a reason; a national admin can also upload a
//! whole plan file, checked line by line before anything is applied. Every change is a new revision, audited.

use super::{AdminCtx, Who};
use crate::flows::FlowError;
use crate::flows::plans::{ImportPlanError, edit_windows, editable_region, import};
use crate::http::pages::{Chrome, FormErrors};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::admin::{Reason, Scope};
use domain::exam_plan::{PlanFormat, WindowEdit, WindowKind, format_shanghai};
use serde::Deserialize;
use std::collections::HashMap;

/// A plan file is small reference data; anything larger is not a plan.
const MAX_PLAN_BYTES: usize = 512 * 1024;

pub struct WindowRow {
    pub kind: &'static str,
    pub name: String,
    pub opens: String,
    pub closes: String,
    /// What applies when the region has none of its own.
    pub default: String,
}

pub struct RevisionRow {
    pub revision: i64,
    pub at: String,
    pub by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "console/plan.html")]
struct PlanPage {
    c: Chrome,
    who: Who,
    exam_year: u16,
    revision: i64,
    region: String,
    regions: Vec<(String, String)>,
    windows: Vec<WindowRow>,
    may_edit: bool,
    national: bool,
    revisions: Vec<RevisionRow>,
    errors: FormErrors,
    notice: Option<String>,
    problems: Vec<String>,
}

/// `typed`: what the admin entered, kept when the form comes back with errors.
async fn render(state: &AppState, ctx: AdminCtx, region: String, typed: Option<&HashMap<String, String>>, errors: FormErrors, problems: Vec<String>, notice: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang();
    let Ok(Some(year)) = state.store.latest_exam_year().await else { return ctx.fail(FlowError::Refused("application.no_plan")) };
    let (stored, revisions, provinces) = match tokio::try_join!(state.store.plan(year), state.store.plan_revisions(), state.store.provinces()) {
        Ok((Some(stored), revisions, provinces)) => (stored, revisions, provinces),
        Ok(_) => return ctx.fail(FlowError::Refused("application.no_plan")),
        Err(error) => return ctx.fail(error.into()),
    };
    let region = match editable_region(&ctx.admin, &region) {
        Some(Some(code)) if stored.plan.province(&code).is_some() => code,
        Some(Some(_)) | Some(None) => String::new(),
        // A 考点 admin reads their 考区's windows.
        None => ctx.admin.scope.province().unwrap_or("").to_owned(),
    };
    let plan = &stored.plan;
    let own = plan.own_windows((!region.is_empty()).then_some(region.as_str()));
    let defaults = plan.own_windows(None);
    let shown = |field: String, stored: String| typed.and_then(|t| t.get(&field).cloned()).unwrap_or(stored);
    let windows = own
        .into_iter()
        .zip(defaults)
        .map(|((kind, window), (_, default))| WindowRow {
            kind: kind.code(),
            name: lang.pick(kind.name_zh(), kind.code()).to_owned(),
            opens: shown(format!("{}_opens", kind.code()), window.map(|w| format_shanghai(w.opens_at).replace(' ', "T")).unwrap_or_default()),
            closes: shown(format!("{}_closes", kind.code()), window.map(|w| format_shanghai(w.closes_at).replace(' ', "T")).unwrap_or_default()),
            default: default.map(|w| format!("{} – {}", format_shanghai(w.opens_at), format_shanghai(w.closes_at))).unwrap_or_default(),
        })
        .collect();
    let province_name = |code: &str| provinces.iter().find(|p| p.code == code).map(|p| lang.pick(&p.name_zh, &p.name_en).to_owned()).unwrap_or_else(|| code.to_owned());
    let national = matches!(ctx.admin.scope, Scope::National);
    let mut regions = Vec::new();
    if national {
        regions.push((String::new(), lang.pick("全国默认", "Defaults").to_owned()));
        regions.extend(plan.provinces.iter().map(|p| (p.code.clone(), province_name(&p.code))));
    }
    let page = PlanPage {
        c: ctx.chrome("考试计划", "Exam plan"),
        who: ctx.who(),
        exam_year: year,
        revision: stored.revision,
        may_edit: editable_region(&ctx.admin, &region).is_some(),
        national,
        regions,
        windows,
        revisions: revisions
            .into_iter()
            .filter(|r| r.exam_year == i64::from(year))
            .map(|r| RevisionRow { revision: r.revision, at: beijing_time(r.created_at), by: r.created_by, note: r.note })
            .collect(),
        region,
        errors,
        notice,
        problems,
    };
    ctx.render(status, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    region: String,
    done: String,
}

pub async fn page(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<PlanQuery>) -> Response {
    let lang = ctx.lang();
    let notice = match query.done.as_str() {
        "windows" => Some(lang.pick("时间已保存为新的计划版本，即时生效。", "Saved as a new plan revision; in force now.").to_owned()),
        "upload" => Some(lang.pick("计划文件已导入为新的版本。", "The plan file was imported as a new revision.").to_owned()),
        _ => None,
    };
    render(&state, ctx, query.region, None, FormErrors::default(), Vec::new(), notice, StatusCode::OK).await
}

/// The windows form: `{kind}_opens` / `{kind}_closes` for each kind, the region, the revision it was made from.
pub async fn save_windows(State(state): State<AppState>, ctx: AdminCtx, axum::Form(form): axum::Form<HashMap<String, String>>) -> Response {
    let lang = ctx.lang();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if !ctx.csrf_ok(&field("csrf_token")) {
        return ctx.csrf_refused();
    }
    let region = field("region");
    let edits: Vec<WindowEdit> = WindowKind::ALL
        .into_iter()
        .map(|kind| WindowEdit { kind: Some(kind), opens: field(&format!("{}_opens", kind.code())), closes: field(&format!("{}_closes", kind.code())) })
        .collect();
    let (Ok(year), Ok(based_on)) = (field("exam_year").parse::<u16>(), field("revision").parse::<i64>()) else {
        return render(&state, ctx, region, Some(&form), FormErrors::general("request.malformed", lang), Vec::new(), None, StatusCode::BAD_REQUEST).await;
    };
    match edit_windows(&state, &ctx.admin, &ctx.page.client, year, &region, &edits, &field("reason"), based_on).await {
        Ok(_) => Redirect::to(&format!("/admin/plan?region={}&done=windows", domain::percent::encode(&region))).into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, region, Some(&form), FormErrors::from(&errors, lang), Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, region, Some(&form), FormErrors::general(code, lang), Vec::new(), None, StatusCode::CONFLICT).await,
        Err(error) => ctx.fail(error),
    }
}

/// A whole plan file (national admins): every problem with its line, or a new revision.
pub async fn upload(State(state): State<AppState>, ctx: AdminCtx, request: Request) -> Response {
    let lang = ctx.lang();
    let (mut csrf, mut reason, mut file_name, mut bytes, mut too_large) = (String::new(), String::new(), String::new(), Vec::new(), false);
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return render(&state, ctx, String::new(), None, FormErrors::general("request.malformed", lang), Vec::new(), None, StatusCode::BAD_REQUEST).await;
    };
    while let Ok(Some(mut part)) = multipart.next_field().await {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            file_name = part.file_name().unwrap_or_default().to_owned();
        }
        let mut value = Vec::new();
        while let Ok(Some(chunk)) = part.chunk().await {
            if value.len() + chunk.len() > MAX_PLAN_BYTES {
                too_large = true;
                break;
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8(value).unwrap_or_default(),
            "reason" => reason = String::from_utf8(value).unwrap_or_default(),
            "file" => bytes = value,
            _ => {}
        }
    }
    if !ctx.csrf_ok(&csrf) {
        return ctx.csrf_refused();
    }
    if !matches!(ctx.admin.scope, Scope::National) {
        return render(&state, ctx, String::new(), None, FormErrors::general("plan.may_not_upload", lang), Vec::new(), None, StatusCode::FORBIDDEN).await;
    }
    let refuse = |code: &str| FormErrors { messages: vec![("file".into(), crate::i18n::error_message(code, None, lang))] };
    let reason = match Reason::parse("reason", &reason) {
        Ok(reason) => reason,
        Err(error) => return render(&state, ctx, String::new(), None, FormErrors::from(&error.into(), lang), Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let Some(format) = PlanFormat::from_file_name(&file_name) else {
        return render(&state, ctx, String::new(), None, refuse("plan.file_type"), Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) if !too_large && !text.trim().is_empty() => text,
        _ => return render(&state, ctx, String::new(), None, refuse("plan.file_type"), Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let entry = store::audit::AuditEntry { reason: reason.as_str().to_owned(), ..crate::flows::admin_login::base_entry(&ctx.admin, &ctx.page.client) };
    match import(&state.store, &text, format, entry).await {
        Ok(_) => Redirect::to("/admin/plan?done=upload").into_response(),
        Err(ImportPlanError::Invalid(problems)) => {
            let problems = problems.iter().map(|p| format!("{file_name}:{}:{} {}（{}）", p.at.line, p.at.column, p.message, p.code)).collect();
            render(&state, ctx, String::new(), None, refuse("plan.file_invalid"), problems, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ImportPlanError::ChangedMeanwhile) => render(&state, ctx, String::new(), None, refuse("plan.changed_meanwhile"), Vec::new(), None, StatusCode::CONFLICT).await,
        Err(ImportPlanError::Store(error)) => ctx.fail(error.into()),
    }
}
