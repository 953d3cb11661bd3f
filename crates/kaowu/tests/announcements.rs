//! 公告, on SQLite and PostgreSQL: national admins publish to everyone or one 考区, province admins to their own,
//! 考点 admins cannot; candidates see this year's national notices and their 考区's on their home page; a
//! withdrawn notice disappears; publishing and withdrawing are audited.

mod support;

use domain::admin::Scope;
use support::console::{ADMIN_PASSWORD, Console, make_admin, site};
use support::{Backend, TestApp, load_demo_plan, spawn_app};

on_both_databases!(notices_reach_the_region_they_address);

/// A candidate's browser, logged in, whose 所在考点 is `site_code` (if any).
async fn candidate_home(app: &TestApp, site_code: Option<&str>) -> String {
    let username = support::unique_username();
    let token = app.register(&support::registration(&username, "公告读者", &support::unique_resident_id())).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    if let Some(code) = site_code {
        assert!(app.store.set_account_site(me["account_id"].as_str().unwrap(), code).await.unwrap());
    }
    let browser = support::browser();
    assert_eq!(support::log_in(app, &browser, &username, support::PASSWORD).await, 303);
    browser.get(app.url("/")).send().await.unwrap().text().await.unwrap()
}

async fn notices_reach_the_region_they_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let year = load_demo_plan(&app).await.to_string();
    let hash = web::passwords::hash_blocking(ADMIN_PASSWORD);
    make_admin(&app, "nation", Scope::National, &hash).await;
    make_admin(&app, "beijing", Scope::Province { province: "11".into() }, &hash).await;
    make_admin(&app, "site_1101", site("1101"), &hash).await;

    // A 考点 admin reads but does not publish.
    let site_admin = Console::log_in(&app, "site_1101").await;
    let (_, page) = site_admin.get(&app, "/admin/announcements").await;
    assert!(!page.contains("data-testid=\"publish\""));
    let (status, page) = site_admin.post(&app, "/admin/announcements", &[("exam_year", &year), ("title", "考点通知"), ("body", "内容")]).await;
    assert_eq!(status, 403);
    assert!(page.contains("考点管理员不能发布公告"));

    // The 考区 publishes to its own province even if the form names another; a missing title is explained.
    let beijing = Console::log_in(&app, "beijing").await;
    let (status, page) = beijing.post(&app, "/admin/announcements", &[("exam_year", &year), ("province", "31"), ("title", " "), ("body", "现场确认安排")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写此项") && page.contains("现场确认安排"), "the error, and the text typed is kept");
    let (status, _) = beijing.post(&app, "/admin/announcements", &[("exam_year", &year), ("province", "31"), ("title", "北京考区现场确认安排"), ("body", "第一批：东城区\n第二批：海淀区")]).await;
    assert_eq!(status, 303);
    let nation = Console::log_in(&app, "nation").await;
    let (status, _) = nation.post(&app, "/admin/announcements", &[("exam_year", &year), ("province", ""), ("title", "全国报名须知"), ("body", "请按时报名。")]).await;
    assert_eq!(status, 303);

    // Each candidate sees the national notice and their own 考区's; a visitor only the national one.
    let in_beijing = candidate_home(&app, Some("1101")).await;
    assert!(in_beijing.contains("全国报名须知") && in_beijing.contains("北京考区现场确认安排"), "{in_beijing}");
    let in_shanghai = candidate_home(&app, Some("3101")).await;
    assert!(in_shanghai.contains("全国报名须知") && !in_shanghai.contains("北京考区现场确认安排"));
    let visitor = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(visitor.contains("全国报名须知") && !visitor.contains("北京考区现场确认安排"));

    // The 考区 cannot withdraw the national notice; it withdraws its own with a reason, and it is gone.
    let list = app.store.announcements_in_scope(&Scope::National, 10).await.unwrap();
    let national = list.iter().find(|a| a.province_code.is_none()).unwrap();
    let own = list.iter().find(|a| a.province_code.as_deref() == Some("11")).expect("published to 北京, not 上海");
    assert_eq!(beijing.post(&app, &format!("/admin/announcements/{}/withdraw", national.id), &[("reason", "误发")]).await.0, 404);
    let (status, page) = beijing.post(&app, &format!("/admin/announcements/{}/withdraw", own.id), &[("reason", "")]).await;
    assert_eq!(status, 422, "{page}");
    assert_eq!(beijing.post(&app, &format!("/admin/announcements/{}/withdraw", own.id), &[("reason", "安排有变")]).await.0, 303);
    let in_beijing = candidate_home(&app, Some("1101")).await;
    assert!(in_beijing.contains("全国报名须知") && !in_beijing.contains("北京考区现场确认安排"));

    let audit = app.store.search_audit(&Scope::National, &store::audit::AuditFilter::default(), 50).await.unwrap();
    let mut actions: Vec<(&str, &str)> = audit.iter().filter(|r| r.action.starts_with("announcement.")).map(|r| (r.admin_username.as_str(), r.action.as_str())).collect();
    actions.sort();
    assert_eq!(actions, [("beijing", "announcement.publish"), ("beijing", "announcement.withdraw"), ("nation", "announcement.publish")]);
    app.shutdown().await;
}
