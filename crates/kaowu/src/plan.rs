//! `kaowu import plan FILE`, and the demo's plan for the next exam year.

use domain::exam_plan::{PlanFormat, SHANGHAI_OFFSET_SECONDS};
use store::Store;
use store::audit::AuditEntry;
use web::flows::plans::{ImportPlanError, import};

/// The demo plan; `{exam_year}` and `{day±N HH:MM}` are filled in by [`render_demo_plan`].
pub const DEMO_PLAN_TEMPLATE: &str = include_str!("../plans/demo-plan.yaml");

/// An import by the command line, recorded in the audit log like a console change.
fn cli_entry(reason: &str, now: i64) -> AuditEntry {
    AuditEntry { admin_id: "system".into(), admin_username: "kaowu-cli".into(), admin_role: "national".into(), reason: reason.into(), at: now, ..Default::default() }
}

/// Reads and imports a plan file; the format comes from the extension (.yaml/.yml or .csv). On a problem,
/// every problem is returned as `FILE:LINE:COLUMN: message` and nothing is applied.
pub async fn import_file(store: &Store, path: &std::path::Path, reason: &str) -> anyhow::Result<Result<(i64, domain::exam_plan::ExamPlan), Vec<String>>> {
    let name = path.display().to_string();
    let format = PlanFormat::from_file_name(&name).ok_or_else(|| anyhow::anyhow!("{name}: the file name must end in .yaml, .yml or .csv"))?;
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{name}: not UTF-8 text"))?;
    match import(store, &text, format, cli_entry(reason, web::state::now())).await {
        Ok(saved) => Ok(Ok(saved)),
        Err(ImportPlanError::Invalid(problems)) => {
            Ok(Err(problems.iter().map(|p| format!("{name}:{}:{}: {}（{}）", p.at.line, p.at.column, p.message, p.code)).collect()))
        }
        Err(ImportPlanError::ChangedMeanwhile) => anyhow::bail!("the {name} year's plan was changed at the same moment; run again"),
        Err(ImportPlanError::Store(error)) => Err(error.into()),
    }
}

/// The exam year candidates apply for now: registration runs in December for the next year's exams, so from
/// July on it is next year.
pub fn next_exam_year(now: i64) -> u16 {
    let today = beijing_date(now);
    let year = today.year() as u16;
    if today.month() as u8 >= 7 { year + 1 } else { year }
}

fn beijing_date(now: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now + SHANGHAI_OFFSET_SECONDS).map(|t| t.date()).unwrap_or(time::Date::MIN)
}

/// The demo template with its exam year and its days counted from `now` (Beijing time).
pub fn render_demo_plan(now: i64) -> String {
    let today = beijing_date(now);
    let mut text = DEMO_PLAN_TEMPLATE.replace("{exam_year}", &next_exam_year(now).to_string());
    while let Some(start) = text.find("{day") {
        let Some(length) = text[start..].find('}') else { break };
        let token = &text[start + 4..start + length];
        let (days, clock) = token.split_once(' ').unwrap_or((token, "00:00"));
        let days: i64 = days.trim_start_matches('+').parse().unwrap_or(0);
        let date = today.checked_add(time::Duration::days(days)).unwrap_or(today);
        let moment = format!("{:04}-{:02}-{:02} {clock}", date.year(), date.month() as u8, date.day());
        text.replace_range(start..start + length + 1, &moment);
    }
    text
}

/// Loads the demo plan for the next exam year, unless that year has a plan already.
pub async fn seed_demo_plan(store: &Store) -> anyhow::Result<()> {
    let now = web::state::now();
    if store.plan(next_exam_year(now)).await?.is_some() {
        return Ok(());
    }
    match import(store, &render_demo_plan(now), PlanFormat::Yaml, cli_entry("演示数据", now)).await {
        Ok(_) => Ok(()),
        Err(ImportPlanError::Invalid(problems)) => anyhow::bail!("the demo plan is wrong: {problems:?}"),
        Err(ImportPlanError::ChangedMeanwhile) => Ok(()),
        Err(ImportPlanError::Store(error)) => Err(error.into()),
    }
}
