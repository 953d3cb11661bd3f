//! 审计日志: every admin action within the scope, searchable by admin, candidate, action and time, and exported
//! as CSV. ID numbers in the log are masked when written, so neither page nor export can show them in full.

use super::{AdminCtx, Who, beijing_day_start};
use crate::http::pages::Chrome;
use crate::i18n::Lang;
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::audit::{AuditFilter, AuditRecord};

const PAGE_LIMIT: i64 = 200;
const EXPORT_LIMIT: i64 = 50_000;

/// The actions the log knows, with their names.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("admin.login", "登录控制台", "Console login"),
    ("admin.totp_enrolled", "绑定身份验证器", "Authenticator added"),
    ("admin.create", "创建管理员", "Admin created"),
    ("site.create", "新增考点", "Site added"),
    ("candidate.reveal_id_number", "查看完整证件号码", "Full ID number shown"),
    ("candidate.correct_identity", "更正注册信息", "Identity corrected"),
    ("correction.approve", "通过修改申请", "Correction approved"),
    ("correction.reject", "驳回修改申请", "Correction rejected"),
    ("candidate.settle_identity", "登记人工核查结果", "Identity settled by hand"),
    ("candidate.rerun_identity", "重新实名核验", "Identity check re-run"),
    ("candidate.issue_reset_code", "发放密码重置码", "Reset code given"),
    ("candidate.unbind_wechat", "解除微信绑定", "WeChat unbound"),
    ("candidate.lock", "锁定账号", "Account locked"),
    ("candidate.unlock", "解锁账号", "Account unlocked"),
    ("candidate.lift_login_lock", "解除输错锁定", "Login lock lifted"),
    ("job.retry", "重试失败任务", "Failed job retried"),
];

pub fn action_name(action: &str, lang: Lang) -> String {
    ACTIONS.iter().find(|(code, _, _)| *code == action).map(|(_, zh, en)| lang.pick(zh, en).to_owned()).unwrap_or_else(|| action.to_owned())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    pub admin: String,
    pub candidate: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty() && s.chars().count() <= 64);
        AuditFilter {
            admin_username: text(&self.admin).map(|s| s.to_lowercase()),
            candidate: text(&self.candidate),
            action: text(&self.action),
            from: beijing_day_start(&self.from),
            to: beijing_day_start(&self.to).map(|day| day + 86400),
        }
    }

    /// The same filter as a query string, for the export link.
    pub fn query_string(&self) -> String {
        [("admin", &self.admin), ("candidate", &self.candidate), ("action", &self.action), ("from", &self.from), ("to", &self.to)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", domain::percent::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub struct EntryRow {
    pub at: String,
    pub admin: String,
    pub action: String,
    pub candidate: String,
    pub account_id: String,
    pub reason: String,
    pub before: String,
    pub after: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    c: Chrome,
    who: Who,
    query: AuditQuery,
    export_query: String,
    actions: Vec<(&'static str, String)>,
    rows: Vec<EntryRow>,
}

fn row(record: AuditRecord, lang: Lang) -> EntryRow {
    EntryRow {
        at: beijing_time(record.at),
        admin: record.admin_username,
        action: action_name(&record.action, lang),
        candidate: record.username.unwrap_or_default(),
        account_id: record.account_id.unwrap_or_default(),
        reason: record.reason,
        before: record.before_state.unwrap_or_default(),
        after: record.after_state.unwrap_or_default(),
        ip: record.client_ip.unwrap_or_default(),
    }
}

pub async fn page(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<AuditQuery>) -> Response {
    let lang = ctx.lang();
    let records = match state.store.search_audit(&ctx.admin.scope, &query.filter(), PAGE_LIMIT).await {
        Ok(records) => records,
        Err(error) => return ctx.fail(error.into()),
    };
    let page = AuditPage {
        c: ctx.chrome("审计日志", "Audit log"),
        who: ctx.who(),
        export_query: query.query_string(),
        actions: ACTIONS.iter().map(|(code, zh, en)| (*code, lang.pick(zh, en).to_owned())).collect(),
        rows: records.into_iter().map(|r| row(r, lang)).collect(),
        query,
    };
    ctx.render(StatusCode::OK, page)
}

/// A CSV cell: quoted, and a leading = + - @ neutralised so a spreadsheet does not run it as a formula.
fn cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The filtered log as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese correctly).
pub async fn export(State(state): State<AppState>, ctx: AdminCtx, Query(query): Query<AuditQuery>) -> Response {
    let lang = ctx.lang();
    let records = match state.store.search_audit(&ctx.admin.scope, &query.filter(), EXPORT_LIMIT).await {
        Ok(records) => records,
        Err(error) => return ctx.fail(error.into()),
    };
    let mut csv = String::from("\u{feff}时间,管理员,级别,操作,考生用户名,考生编号,考点,原因,变更前,变更后,IP\r\n");
    for record in records {
        let fields = [
            beijing_time(record.at),
            record.admin_username.clone(),
            record.admin_role.clone(),
            action_name(&record.action, lang),
            record.username.clone().unwrap_or_default(),
            record.account_id.clone().unwrap_or_default(),
            record.site_code.clone().unwrap_or_default(),
            record.reason.clone(),
            record.before_state.clone().unwrap_or_default(),
            record.after_state.clone().unwrap_or_default(),
            record.client_ip.clone().unwrap_or_default(),
        ];
        csv.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let mut response = (StatusCode::OK, csv).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
    response
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_become_formulas() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("张三"), "\"张三\"");
    }
}
