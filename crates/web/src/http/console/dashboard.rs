//! 概览: the admin's scope at a glance — registrations per day over 30 days, verification states, the share of
//! candidates with WeChat bound — as charts with the figures in tables beside them.

use super::charts::{breakdown, columns};
use super::{AdminCtx, Who};
use crate::http::pages::Chrome;
use crate::i18n::Lang;
use crate::state::{AppState, now};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

const DAYS: i64 = 30;
const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    who: Who,
    candidates: i64,
    wechat_bound: i64,
    per_day_chart: String,
    per_day: Vec<(String, i64)>,
    states_chart: String,
    states: Vec<(String, i64)>,
    wechat_chart: String,
    pending_corrections: usize,
}

pub fn identity_state_name(state: &str, lang: Lang) -> &'static str {
    match state {
        "passed" => lang.pick("核验通过", "Verified"),
        "failed" => lang.pick("核验不通过", "Not verified"),
        "manual" => lang.pick("需人工核查", "Needs a person"),
        _ => lang.pick("待核验", "Pending"),
    }
}

fn state_colour(state: &str) -> &'static str {
    match state {
        "passed" => "#15803d",
        "failed" => "#b91c1c",
        "manual" => "#a16207",
        _ => "#4b5563",
    }
}

/// "MM-DD" of a day counted from 1970-01-01 (Beijing).
fn day_label(day: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(day * 86400).map(|t| t.date()).unwrap_or(time::Date::MIN);
    format!("{:02}-{:02}", u8::from(date.month()), date.day())
}

pub async fn page(State(state): State<AppState>, ctx: AdminCtx) -> Response {
    let lang = ctx.lang();
    let today = (now() + BEIJING_OFFSET_SECS).div_euclid(86400);
    let first_day = today - (DAYS - 1);
    let since = first_day * 86400 - BEIJING_OFFSET_SECS;
    let figures = match state.store.dashboard(&ctx.admin.scope, since).await {
        Ok(figures) => figures,
        Err(error) => return ctx.fail(error.into()),
    };
    let pending_corrections = match state.store.correction_queue(&ctx.admin.scope, "pending", 500).await {
        Ok(queue) => queue.len(),
        Err(error) => return ctx.fail(error.into()),
    };
    let per_day: Vec<(String, i64)> = (first_day..=today)
        .map(|day| (day_label(day), figures.registrations_per_day.iter().find(|(d, _)| *d == day).map(|(_, n)| *n).unwrap_or(0)))
        .collect();
    let per_day_chart = columns(lang.pick("近 30 天每日注册人数", "Registrations per day, last 30 days"), &per_day);
    let states: Vec<(String, i64)> = ["passed", "pending", "manual", "failed"]
        .iter()
        .map(|s| (identity_state_name(s, lang).to_owned(), figures.identity_states.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0)))
        .collect();
    let coloured: Vec<(String, i64, &str)> =
        ["passed", "pending", "manual", "failed"].iter().zip(&states).map(|(s, (label, n))| (label.clone(), *n, state_colour(s))).collect();
    let states_chart = breakdown(lang.pick("实名核验状态", "Identity verification"), &coloured);
    let wechat_chart = breakdown(
        lang.pick("微信绑定", "WeChat bound"),
        &[
            (lang.pick("已绑定微信", "Bound").to_owned(), figures.wechat_bound, "#15803d"),
            (lang.pick("未绑定", "Not bound").to_owned(), figures.candidates - figures.wechat_bound, "#9ca3af"),
        ],
    );
    let page = DashboardPage {
        c: ctx.chrome("概览", "Overview"),
        who: ctx.who(),
        candidates: figures.candidates,
        wechat_bound: figures.wechat_bound,
        per_day_chart,
        per_day,
        states_chart,
        states,
        wechat_chart,
        pending_corrections,
    };
    ctx.render(StatusCode::OK, page)
}
