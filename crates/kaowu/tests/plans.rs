//! The exam plan as data: imported whole or not at all, each import a revision with its audit entry, and the
//! demo's plan valid for any day it starts on.

mod support;

use store::audit::AuditFilter;
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

on_both_databases!(the_demo_plan_imports_as_revisions_with_their_audit_entries, a_wrong_plan_changes_nothing);

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
