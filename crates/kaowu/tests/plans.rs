//! The exam plan as data: imported whole or not at all, each import a revision with its audit entry, and the
//! demo's plan valid for any day it starts on.

mod support;

use store::audit::AuditFilter;
use domain::admin::Scope;
use domain::exam_plan::WindowKind;
use support::console::{ADMIN_PASSWORD, Console, make_admin, site};
use support::{Backend, spawn_app};
use web::flows::plans::{ImportPlanError, import};

fn entry(reason: &str) -> store::audit::AuditEntry {
    store::audit::AuditEntry { admin_id: "system".into(), admin_username: "test".into(), admin_role: "national".into(), reason: reason.into(), at: web::state::now(), ..Default::default() }
}

async fn the_demo_plan_imports_as_revisions_with_their_audit_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = web::state::now();
    let year = kaowu::plan::next_exam_year(now);
    assert!(app.store.plan(year).await.unwrap().is_none());
    let text = kaowu::plan::render_demo_plan(now);
    let (revision, plan) = import(&app.store, &text, domain::exam_plan::PlanFormat::Yaml, entry("首次导入")).await.expect("the demo plan is valid");
    assert_eq!((revision, plan.exam_year), (1, year));
    assert!(plan.specialties.len() >= 10, "about ten specialties");
    // Open for applications today, everywhere, as the demo promises.
    for province in &plan.provinces {
        assert!(plan.is_open(&province.code, domain::exam_plan::WindowKind::Application, now), "{}", province.code);
    }
    let stored = app.store.plan(year).await.unwrap().unwrap();
    assert_eq!(stored.plan, plan);
    assert_eq!(app.store.latest_exam_year().await.unwrap(), Some(year));
    // The plan's 考点 are the platform's 考点.
    let site = app.store.site("4401").await.unwrap().expect("site written");
    assert_eq!(site.name, "广州市考点");

    // A corrected file is the next revision; the first stays as history.
    let renamed = text.replace("name: 广州市考点,", "name: 广州市越秀考点,");
    let (revision, _) = import(&app.store, &renamed, domain::exam_plan::PlanFormat::Yaml, entry("更正考点名称")).await.unwrap();
    assert_eq!(revision, 2);
    assert_eq!(app.store.plan_revision(year).await.unwrap(), 2);
    assert_eq!(app.store.site("4401").await.unwrap().unwrap().name, "广州市越秀考点");
    let history = app.store.plan_revisions().await.unwrap();
    assert_eq!(history.iter().map(|r| (r.revision, r.note.as_str())).collect::<Vec<_>>(), [(2, "更正考点名称"), (1, "首次导入")]);
    let filter = AuditFilter { action: Some("plan.import".into()), ..Default::default() };
    let audit = app.store.search_audit(&domain::admin::Scope::National, &filter, 10).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit[0].before_state.as_deref().unwrap().contains("\"revision\":1"), "{:?}", audit[0]);
    assert!(audit[0].after_state.as_deref().unwrap().contains(&format!("\"exam_year\":{year}")));
    app.shutdown().await;
}

async fn a_wrong_plan_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = web::state::now();
    let text = kaowu::plan::render_demo_plan(now)
        .replace("code: \"4401\", province: \"44\", name: 广州市考点", "code: \"4402\", province: \"44\", name: 深圳市考点")
        .replace("level: junior, name: 护理学(师), mode: paper", "level: junior, name: 护理学(师), mode: pencil");
    let Err(ImportPlanError::Invalid(problems)) = import(&app.store, &text, domain::exam_plan::PlanFormat::Yaml, entry("x")).await else {
        panic!("a wrong plan must be refused")
    };
    let line = text.lines().position(|l| l.contains("mode: pencil")).unwrap() + 1;
    assert!(problems.iter().any(|p| p.code == "plan.mode" && p.at.line == line), "{problems:?}");
    assert!(app.store.plan(kaowu::plan::next_exam_year(now)).await.unwrap().is_none());
    assert!(app.store.site("4402").await.unwrap().is_none(), "not even the valid parts were applied");
    assert!(app.store.search_audit(&domain::admin::Scope::National, &AuditFilter::default(), 10).await.unwrap().is_empty());
    app.shutdown().await;
}

on_both_databases!(the_demo_plan_imports_as_revisions_with_their_audit_entries, a_wrong_plan_changes_nothing, the_console_changes_windows_and_takes_plan_files);

#[test]
fn the_demo_plan_is_valid_whatever_day_the_demo_starts() {
    let context = domain::exam_plan::BuildContext { known_provinces: ["11", "31", "44"].map(String::from).to_vec() };
    // Every day of a year, including the turn of the year and the month the exam year changes.
    let start = 1_767_225_600; // 2026-01-01 00:00 UTC
    for day in 0..366 {
        let now = start + day * 86_400;
        let plan = domain::exam_plan::ExamPlan::from_file(&kaowu::plan::render_demo_plan(now), domain::exam_plan::PlanFormat::Yaml, &context)
            .unwrap_or_else(|e| panic!("day {day}: {e:?}"));
        assert!(plan.is_open("11", domain::exam_plan::WindowKind::Application, now));
        assert!(plan.is_open("11", domain::exam_plan::WindowKind::Review, now));
    }
    assert_eq!(kaowu::plan::next_exam_year(1_796_083_200), 2027, "2026-12-01 → the 2027 exams");
    assert_eq!(kaowu::plan::next_exam_year(1_780_272_000), 2026, "2026-06-01 → the 2026 exams");
}

/// A Beijing time `days` from now, as a browser's datetime-local input sends it.
fn local(days: i64) -> String {
    let at = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)) + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}T08:00", at.year(), at.month() as u8, at.day())
}

async fn post_windows(app: &support::TestApp, console: &Console, fields: Vec<(&'static str, String)>) -> (u16, String) {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    console.post(app, "/admin/plan/windows", &form).await
}

async fn the_console_changes_windows_and_takes_plan_files(backend: Backend) {
    let app = spawn_app(backend).await;
    let year = support::load_demo_plan(&app).await;
    let hash = web::passwords::hash_blocking(ADMIN_PASSWORD);
    make_admin(&app, "nation", Scope::National, &hash).await;
    make_admin(&app, "beijing", Scope::Province { province: "11".into() }, &hash).await;
    make_admin(&app, "site_1101", site("1101"), &hash).await;
    let year_text = year.to_string();
    let windows_form = |revision: &str, region: &'static str, opens: String, closes: String, reason: &'static str| {
        vec![("exam_year", year_text.clone()), ("revision", revision.to_owned()), ("region", region.to_owned()), ("application_opens", opens), ("application_closes", closes), ("reason", reason.to_owned())]
    };

    // The 考区 moves its own application window to open tomorrow (naming another province changes nothing else).
    let beijing = Console::log_in(&app, "beijing").await;
    let (status, page) = beijing.get(&app, "/admin/plan").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"windows\"") && page.contains("application_opens"), "{page}");
    let (status, page) = post_windows(&app, &beijing, windows_form("1", "31", local(3), local(1), "推迟报名")).await;
    assert_eq!(status, 422);
    assert!(page.contains("结束时间应晚于开始时间") && page.contains(&local(3)), "explained, what was typed kept");
    let (status, _) = post_windows(&app, &beijing, windows_form("1", "31", local(1), local(9), "推迟报名")).await;
    assert_eq!(status, 303);
    let stored = app.store.plan(year).await.unwrap().unwrap();
    assert_eq!(stored.revision, 2);
    let now = web::state::now();
    assert!(!stored.plan.is_open("11", WindowKind::Application, now), "北京 opens tomorrow");
    assert!(stored.plan.is_open("31", WindowKind::Application, now) && stored.plan.is_open("44", WindowKind::Application, now), "others untouched");
    // A change made from an older revision is refused rather than undoing the newer one.
    let (status, page) = post_windows(&app, &beijing, windows_form("1", "", local(0), local(9), "再改")).await;
    assert_eq!(status, 409);
    assert!(page.contains("计划刚被他人修改"));
    // A 考点 admin reads but cannot change.
    let site_admin = Console::log_in(&app, "site_1101").await;
    let (status, _) = post_windows(&app, &site_admin, windows_form("2", "", local(0), local(9), "试试")).await;
    assert_eq!(status, 409);
    assert_eq!(app.store.plan(year).await.unwrap().unwrap().revision, 2);

    let audit = app.store.search_audit(&Scope::National, &AuditFilter { action: Some("plan.windows".into()), ..Default::default() }, 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].admin_username.as_str(), audit[0].reason.as_str()), ("beijing", "推迟报名"));
    assert!(audit[0].after_state.as_deref().unwrap().contains("\"province\":\"11\""));

    // A national admin uploads a plan file: a wrong one lists its lines and changes nothing; a right one is a revision.
    let nation = Console::log_in(&app, "nation").await;
    let upload = |name: &'static str, text: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", nation.csrf.clone())
            .text("reason", "年度计划调整")
            .part("file", reqwest::multipart::Part::bytes(text.into_bytes()).file_name(name));
        nation.browser.post(app.url("/admin/plan/upload")).header("accept", "text/html").multipart(form).send()
    };
    let good = kaowu::plan::render_demo_plan(web::state::now());
    let bad = good.replace("kind: payment", "kind: paying");
    let answer = upload("plan.yaml", bad).await.unwrap();
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("plan.yaml:") && page.contains("plan.window_kind"), "the line of the problem: {page}");
    assert_eq!(app.store.plan(year).await.unwrap().unwrap().revision, 2);
    assert_eq!(upload("plan.yaml", good).await.unwrap().status(), 303);
    assert_eq!(app.store.plan(year).await.unwrap().unwrap().revision, 3);
    app.shutdown().await;
}
