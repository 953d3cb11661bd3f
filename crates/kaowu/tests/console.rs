//! The console of the exam authorities, on SQLite and PostgreSQL, through its pages as an admin's browser uses
//! them: login needs the password and a TOTP code (each code once); every console endpoint answers only within
//! the admin's region (anything outside is "not found", and nothing is changed or recorded); every action
//! carries a reason and leaves one audit entry with before/after, ID numbers masked; the audit log cannot be
//! changed even with SQL; a candidate's correction request goes from the candidate's form to the 考点's
//! decision.

mod support;

use domain::admin::Scope;
use domain::totp::TotpSecret;
use serde_json::json;
use support::console::{ADMIN_PASSWORD, Console, make_admin, make_site, site, step_now};
use support::{Backend, TestApp};

on_both_databases!(
    login_needs_a_password_and_a_fresh_code,
    every_endpoint_keeps_to_the_admins_region,
    every_action_does_what_it_says_and_is_audited,
    the_audit_log_cannot_be_changed,
    a_correction_request_from_form_to_decision,
    admins_create_the_level_below,
    forgotten_passwords_are_sent_to_the_candidates_site,
);

/// An app without background workers: jobs stay where the test puts them.
async fn spawn(backend: Backend) -> TestApp {
    let settings = [("job_workers".to_owned(), "0".to_owned())].into_iter().collect();
    support::spawn_app_with(backend, support::Options { settings }).await
}

/// A candidate registered through the API, at `site` (if any): (account id, username, ID number).
async fn candidate(app: &TestApp, name: &str, site: Option<&str>) -> (String, String, String) {
    let username = support::unique_username();
    let id_number = support::unique_resident_id();
    let token = app.register(&support::registration(&username, name, &id_number)).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    let account = me["account_id"].as_str().unwrap().to_owned();
    if let Some(site) = site {
        assert!(app.store.set_account_site(&account, site).await.unwrap());
    }
    (account, username, id_number)
}

/// Audit entries about `account`, as a national admin would find them (newest first).
async fn audit_of(app: &TestApp, account: &str) -> Vec<store::audit::AuditRecord> {
    let filter = store::audit::AuditFilter { candidate: Some(account.to_owned()), ..Default::default() };
    app.store.search_audit(&Scope::National, &filter, 1000).await.unwrap()
}

async fn login_needs_a_password_and_a_fresh_code(backend: Backend) {
    let app = spawn(backend).await;
    // The first admin comes from the command line, without an authenticator yet.
    let password = kaowu::admin::create_national(&app.store, "Chief_Admin", "国家考试中心").await.unwrap();
    assert!(kaowu::admin::create_national(&app.store, "chief_admin", "again").await.is_err(), "usernames are unique");
    let browser = support::browser();
    let html = browser.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&html, "csrf_token");
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = app.url(path);
        let csrf = csrf.clone();
        async move {
            let mut form = fields;
            form.push(("csrf_token", csrf));
            browser.post(url).form(&form).send().await.unwrap()
        }
    };
    assert_eq!(post("/admin/login", vec![("login", "chief_admin".into()), ("password", "wrong".into())]).await.status(), 401);
    assert_eq!(post("/admin/login", vec![("login", "chief_admin".into()), ("password", password.clone())]).await.status(), 303);
    // Half logged in: the console stays shut until the second factor.
    let shut = browser.get(app.url("/admin/candidates")).send().await.unwrap();
    assert_eq!((shut.status().as_u16(), shut.headers()["location"].to_str().unwrap()), (303, "/admin/totp"));
    let enrol = browser.get(app.url("/admin/totp")).send().await.unwrap().text().await.unwrap();
    assert!(enrol.contains("<svg"), "a QR code to scan");
    let shown = enrol.split("data-testid=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().replace(' ', "");
    let secret = TotpSecret::from_base32(&shown).expect("the key as text");
    let again = browser.get(app.url("/admin/totp")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains(&shown[..4]), "the same secret on reload, so a scanned QR code stays valid");
    assert_eq!(post("/admin/totp", vec![("code", "000000".into())]).await.status(), 422);
    let code = secret.code_at_step(step_now());
    let opened = post("/admin/totp", vec![("code", code.clone())]).await;
    assert_eq!(opened.status(), 303);
    let (status, _) = (browser.get(app.url("/admin")).send().await.unwrap().status().as_u16(), ());
    assert_eq!(status, 200, "both factors: the console opens");

    // Next login: the code just used is refused (replay); the next one works once.
    let second = support::browser();
    let html = second.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    let csrf2 = support::hidden_value(&html, "csrf_token");
    let form = |extra: (&'static str, String)| vec![("csrf_token", csrf2.clone()), extra];
    let login = [("csrf_token", csrf2.clone()), ("login", "chief_admin".to_owned()), ("password", password.clone())];
    assert_eq!(second.post(app.url("/admin/login")).form(&login).send().await.unwrap().status(), 303);
    let replay = second.post(app.url("/admin/totp")).form(&form(("code", code.clone()))).send().await.unwrap();
    assert_eq!(replay.status(), 422, "a code opens the console once");
    let next = secret.code_at_step(step_now() + 1);
    assert_eq!(second.post(app.url("/admin/totp")).form(&form(("code", next.clone()))).send().await.unwrap().status(), 303);
    let entries = app.store.search_audit(&Scope::National, &store::audit::AuditFilter { admin_username: Some("chief_admin".into()), ..Default::default() }, 10).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"admin.totp_enrolled") && actions.contains(&"admin.login"), "{actions:?}");

    // Wrong codes count toward the lock like wrong passwords.
    let third = support::browser();
    let html = third.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    let csrf3 = support::hidden_value(&html, "csrf_token");
    let login = [("csrf_token", csrf3.clone()), ("login", "chief_admin".to_owned()), ("password", password.clone())];
    assert_eq!(third.post(app.url("/admin/login")).form(&login).send().await.unwrap().status(), 303);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let wrong = [("csrf_token", csrf3.clone()), ("code", "123456".to_owned())];
        statuses.push(third.post(app.url("/admin/totp")).form(&wrong).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "locked after five wrong codes: {statuses:?}");
    app.shutdown().await;
}

/// Three 考点 in two provinces, a candidate at each of two of them plus one without a site, and an admin per
/// level.
struct World {
    a: (String, String, String),
    a2: (String, String, String),
    b: (String, String, String),
    c: (String, String, String),
}

async fn world(app: &TestApp) -> World {
    for code in ["1101", "1102", "3101"] {
        make_site(app, code).await;
    }
    let hash = web::passwords::hash_blocking(ADMIN_PASSWORD);
    make_admin(app, "nation", Scope::National, &hash).await;
    make_admin(app, "beijing", Scope::Province { province: "11".into() }, &hash).await;
    make_admin(app, "site_1101", site("1101"), &hash).await;
    make_admin(app, "site_3101", site("3101"), &hash).await;
    World {
        a: candidate(app, "甲一", Some("1101")).await,
        a2: candidate(app, "甲二", Some("1102")).await,
        b: candidate(app, "乙一", Some("3101")).await,
        c: candidate(app, "丙一", None).await,
    }
}

async fn every_endpoint_keeps_to_the_admins_region(backend: Backend) {
    let app = spawn(backend).await;
    let w = world(&app).await;
    let (b, b_username, b_id_number) = w.b.clone();
    // Things of B's that a 1101 admin must not reach: a correction request with its scan, a dead job.
    let identity = domain::registration::Identity::parse("乙二", false, "resident_id", &support::unique_resident_id()).unwrap();
    app.state.objects.put("corrections/b/scan", b"%PDF-1.4 test".to_vec()).await.unwrap();
    let new = store::corrections::NewCorrection { account_id: &b, site_code: "3101", identity: &identity, reason: "错字", attachment_key: "corrections/b/scan", attachment_type: "application/pdf", now: web::state::now() };
    let request = app.store.file_correction(&new).await.unwrap();
    let job = app.store.enqueue_job("identity_check", &b, web::state::now()).await.unwrap();
    on_db_execute(&app, &format!("UPDATE jobs SET state = 'dead' WHERE id = '{job}'")).await;

    let site_admin = Console::log_in(&app, "site_1101").await;
    let reason = [("reason", "越权测试")];
    for path in [format!("/admin/candidates/{b}"), format!("/admin/candidates/{b}/photo.jpg"), format!("/admin/corrections/{request}"), format!("/admin/corrections/{request}/attachment")] {
        assert_eq!(site_admin.get(&app, &path).await.0, 404, "GET {path}");
    }
    let posts = [
        format!("/admin/candidates/{b}/reveal"),
        format!("/admin/candidates/{b}/lock"),
        format!("/admin/candidates/{b}/unlock"),
        format!("/admin/candidates/{b}/lift-login-lock"),
        format!("/admin/candidates/{b}/unbind-wechat"),
        format!("/admin/candidates/{b}/reset-code"),
        format!("/admin/candidates/{b}/identity/settle"),
        format!("/admin/candidates/{b}/identity/rerun"),
        format!("/admin/corrections/{request}/approve"),
        format!("/admin/corrections/{request}/reject"),
    ];
    for path in &posts {
        let (status, body) = site_admin.post(&app, path, &[reason[0], ("outcome", "passed")]).await;
        assert_eq!(status, 404, "POST {path}");
        assert!(!body.contains(&b_id_number) && !body.contains("乙一"), "nothing of B's shown by {path}");
    }
    let correct = site_admin.post(&app, &format!("/admin/candidates/{b}/identity/correct"), &[("name", "乙三"), ("id_type", "resident_id"), ("id_number", &support::unique_resident_id()), reason[0]]).await;
    assert_eq!(correct.0, 404);
    let (a, _, _) = &w.a;
    assert_eq!(site_admin.post(&app, &format!("/admin/jobs/{job}/retry"), &[("subject", &b), reason[0]]).await.0, 404);
    assert_eq!(site_admin.post(&app, &format!("/admin/jobs/{job}/retry"), &[("subject", a), reason[0]]).await.0, 404, "B's job named through A");
    // Nothing happened to B, and nothing was recorded.
    assert!(audit_of(&app, &b).await.is_empty(), "no audit entry for refused requests");
    assert!(!app.store.account_locked(&b).await.unwrap());
    assert_eq!(app.store.correction_in_scope(&Scope::National, &request).await.unwrap().unwrap().state, "pending");
    assert_eq!(app.store.jobs_in_state("dead", 10).await.unwrap().len(), 1);

    // Lists: search, queue, jobs, audit and dashboard show the region only.
    let (_, list) = site_admin.get(&app, "/admin/candidates").await;
    assert!(list.contains(&w.a.1) && !list.contains(&w.a2.1) && !list.contains(&b_username) && !list.contains(&w.c.1), "site search");
    let (_, by_number) = site_admin.get(&app, &format!("/admin/candidates?id_number={b_id_number}")).await;
    assert!(by_number.contains("data-testid=\"no-results\""), "B's ID number finds nobody for the 1101 admin");
    assert!(!site_admin.get(&app, "/admin/corrections").await.1.contains(&b_username));
    assert!(site_admin.get(&app, "/admin/jobs").await.1.contains("data-testid=\"no-jobs\""));
    assert!(site_admin.get(&app, "/admin").await.1.contains("data-testid=\"candidate-count\">1<"));
    assert_eq!(site_admin.get(&app, "/admin/admins").await.0, 404, "site admins create nobody");
    assert_eq!(site_admin.post(&app, "/admin/sites", &[("code", "1109"), ("name", "x"), ("address", "x"), ("phone", "x")]).await.0, 403);
    assert_eq!(site_admin.post(&app, "/admin/admins", &[("username", "sneaky"), ("display_name", "x"), ("region", "1101")]).await.0, 403);

    let province = Console::log_in(&app, "beijing").await;
    let (_, list) = province.get(&app, "/admin/candidates").await;
    assert!(list.contains(&w.a.1) && list.contains(&w.a2.1) && !list.contains(&b_username) && !list.contains(&w.c.1), "province search");
    assert_eq!(province.get(&app, &format!("/admin/candidates/{b}")).await.0, 404);
    assert!(province.get(&app, "/admin").await.1.contains("data-testid=\"candidate-count\">2<"));

    // The national admin sees everyone, including candidates without a site; what they do to B stays out of
    // the 1101 admin's audit log and export.
    let nation = Console::log_in(&app, "nation").await;
    let (_, list) = nation.get(&app, "/admin/candidates").await;
    assert!([&w.a.1, &w.a2.1, &b_username, &w.c.1].iter().all(|u| list.contains(u.as_str())), "national search");
    // The other filters: a name's beginning, the verification state, the registration date, the username.
    let (_, by_name) = nation.get(&app, "/admin/candidates?name=%E7%94%B2").await;
    assert!(by_name.contains(&w.a.1) && by_name.contains(&w.a2.1) && !by_name.contains(&b_username), "甲…");
    app.store.set_identity_check(&b, "passed", Some("0"), None, web::state::now()).await.unwrap();
    let (_, passed) = nation.get(&app, "/admin/candidates?state=passed").await;
    assert!(passed.contains(&b_username) && !passed.contains(&w.a.1), "核验通过 only");
    let today = time_today();
    let (_, today_list) = nation.get(&app, &format!("/admin/candidates?from={today}&to={today}")).await;
    assert!(today_list.contains(&b_username), "registered today");
    let (_, tomorrow) = nation.get(&app, "/admin/candidates?from=2999-01-01").await;
    assert!(tomorrow.contains("data-testid=\"no-results\""));
    let (_, one) = nation.get(&app, &format!("/admin/candidates?username={}", w.c.1.to_uppercase())).await;
    assert!(one.contains(&w.c.1) && !one.contains(&w.a.1), "usernames match whatever their case");
    assert_eq!(nation.post(&app, &format!("/admin/candidates/{b}/lock"), &reason).await.0, 303);
    assert!(nation.get(&app, "/admin/audit").await.1.contains(&b_username));
    assert!(!site_admin.get(&app, "/admin/audit").await.1.contains(&b_username));
    assert!(!site_admin.get(&app, "/admin/audit.csv").await.1.contains(&b_username));
    app.shutdown().await;
}

/// Runs one statement on the app's database directly.
async fn on_db_execute(app: &TestApp, sql: &str) {
    let result = raw_execute(app, sql).await;
    result.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn raw_execute(app: &TestApp, sql: &str) -> Result<u64, sqlx::Error> {
    match &app.store.db {
        store::Db::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map(|r| r.rows_affected()),
        store::Db::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map(|r| r.rows_affected()),
    }
}

async fn every_action_does_what_it_says_and_is_audited(backend: Backend) {
    let app = spawn(backend).await;
    let w = world(&app).await;
    let (a, a_username, a_id_number) = w.a.clone();
    let admin = Console::log_in(&app, "site_1101").await;
    let path = |action: &str| format!("/admin/candidates/{a}/{action}");

    let (status, file) = admin.get(&app, &format!("/admin/candidates/{a}")).await;
    assert_eq!(status, 200);
    assert!(!file.contains(&a_id_number) && file.contains(&domain::id_number::mask_id_number(&a_id_number)), "masked by default");
    // A reason is required, and a refused action records nothing.
    let (status, refused) = admin.post(&app, &path("reveal"), &[("reason", " ")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("请填写操作原因"));
    let (_, revealed) = admin.post(&app, &path("reveal"), &[("reason", "核对证件")]).await;
    assert!(revealed.contains(&a_id_number), "shown in full after the audited reveal");

    // Lock: no login works, sessions end; unlock: logins work again.
    let candidate = support::browser();
    assert_eq!(support::log_in(&app, &candidate, &a_username, support::PASSWORD).await, 303);
    assert_eq!(admin.post(&app, &path("lock"), &[("reason", "疑似他人冒用")]).await.0, 303);
    assert_eq!(candidate.get(app.url("/me")).send().await.unwrap().status(), 303, "the session ended");
    let locked_out = support::browser();
    assert_eq!(support::log_in(&app, &locked_out, &a_username, support::PASSWORD).await, 403);
    let (status, body) = app.post_json("/api/v1/sessions", &json!({"login": a_username, "password": support::PASSWORD})).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("account.locked_by_authority")));
    assert_eq!(admin.post(&app, &path("unlock"), &[("reason", "已核实为本人")]).await.0, 303);
    assert_eq!(support::log_in(&app, &support::browser(), &a_username, support::PASSWORD).await, 303);

    // Too many wrong passwords lock for 30 minutes; the 考点 lifts it.
    for _ in 0..5 {
        support::log_in(&app, &support::browser(), &a_username, "Wrong!pass1").await;
    }
    assert_eq!(support::log_in(&app, &support::browser(), &a_username, support::PASSWORD).await, 429);
    assert_eq!(admin.post(&app, &path("lift-login-lock"), &[("reason", "本人到场")]).await.0, 303);
    assert_eq!(support::log_in(&app, &support::browser(), &a_username, support::PASSWORD).await, 303);

    // Unbind WeChat.
    app.store.bind_wechat(&a, "openid-of-a", web::state::now()).await.unwrap();
    assert_eq!(admin.post(&app, &path("unbind-wechat"), &[("reason", "手机遗失")]).await.0, 303);
    assert!(app.store.wechat_binding(&a).await.unwrap().is_none());

    // A reset code, shown once, typed by the candidate however they like, working once.
    let (_, shown) = admin.post(&app, &path("reset-code"), &[("reason", "本人持身份证到考点")]).await;
    let code = shown.split("data-testid=\"reset-code\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(code.len(), 19);
    let at_home = support::browser();
    let page = at_home.get(app.url("/recover/code")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let typed = code.to_lowercase().replace('-', " ");
    let reset = [("csrf_token", csrf.as_str()), ("typed_code", "1"), ("reset_token", typed.as_str()), ("new_password", "Fresh!Start2027"), ("new_password_confirm", "Fresh!Start2027")];
    let answer = at_home.post(app.url("/recover/reset")).form(&reset).send().await.unwrap();
    assert_eq!(answer.headers()["location"].to_str().unwrap(), "/login?reset=1");
    assert_eq!(support::log_in(&app, &support::browser(), &a_username, "Fresh!Start2027").await, 303);
    let again = at_home.post(app.url("/recover/reset")).form(&reset).send().await.unwrap();
    assert_eq!(again.status(), 422, "used up");

    // Identity: settle a manual check; run it again; correct the identity (a document another account holds is
    // refused).
    app.store.set_identity_check(&a, "manual", Some("-5"), None, web::state::now()).await.unwrap();
    assert_eq!(admin.post(&app, &path("identity/settle"), &[("reason", "核对户口簿"), ("outcome", "passed")]).await.0, 303);
    assert_eq!(app.store.identity_check(&a).await.unwrap().unwrap().state, "passed");
    assert_eq!(admin.post(&app, &path("identity/rerun"), &[("reason", "复核")]).await.0, 303);
    assert_eq!(app.store.identity_check(&a).await.unwrap().unwrap().state, "pending");
    let (status, taken) = admin.post(&app, &path("identity/correct"), &[("name", "甲一"), ("id_type", "resident_id"), ("id_number", &w.b.2), ("reason", "号码登记错误")]).await;
    assert_eq!(status, 409);
    assert!(taken.contains("该证件已注册过账号"), "the duplicate is refused");
    let new_number = support::unique_resident_id();
    assert_eq!(admin.post(&app, &path("identity/correct"), &[("name", "甲𠀀"), ("id_type", "resident_id"), ("id_number", &new_number), ("reason", "姓名生僻字登记错误")]).await.0, 303);
    let account = app.store.account(&a).await.unwrap().unwrap();
    assert_eq!((account.name.as_str(), account.id_number.as_str()), ("甲𠀀", new_number.as_str()));

    // One entry per action that happened, with its reason; ID numbers only ever masked.
    let entries = audit_of(&app, &a).await;
    let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "candidate.reveal_id_number",
            "candidate.lock",
            "candidate.unlock",
            "candidate.lift_login_lock",
            "candidate.unbind_wechat",
            "candidate.issue_reset_code",
            "candidate.settle_identity",
            "candidate.rerun_identity",
            "candidate.correct_identity",
        ]
    );
    assert!(entries.iter().all(|e| e.admin_username == "site_1101" && e.reason.chars().count() >= 2 && e.site_code.as_deref() == Some("1101")));
    let correction = entries.iter().find(|e| e.action == "candidate.correct_identity").unwrap();
    let (before, after) = (correction.before_state.clone().unwrap(), correction.after_state.clone().unwrap());
    assert!(before.contains("甲一") && after.contains("甲𠀀"), "{before} → {after}");
    assert!(before.contains(&domain::id_number::mask_id_number(&a_id_number)) && after.contains(&domain::id_number::mask_id_number(&new_number)));
    // The log page filters by action, admin, candidate and time.
    let (_, locks) = admin.get(&app, &format!("/admin/audit?action=candidate.lock&admin=site_1101&candidate={a_username}")).await;
    assert!(locks.contains("疑似他人冒用") && !locks.contains("已核实为本人"), "only the lock");
    let (_, future) = admin.get(&app, "/admin/audit?from=2999-01-01").await;
    assert!(future.contains("没有记录"));
    let (_, other_admin) = admin.get(&app, "/admin/audit?admin=nation").await;
    assert!(other_admin.contains("没有记录"));
    let export = admin.get(&app, "/admin/audit.csv").await.1;
    for entry in &entries {
        for text in [&entry.before_state, &entry.after_state].into_iter().flatten() {
            assert!(!text.contains(&a_id_number) && !text.contains(&new_number), "never a full ID number: {text}");
        }
    }
    assert!(!export.contains(&a_id_number) && !export.contains(&new_number) && export.contains("更正注册信息"));
    app.shutdown().await;
}

async fn the_audit_log_cannot_be_changed(backend: Backend) {
    let app = spawn(backend).await;
    let entry = store::audit::AuditEntry { admin_id: "x".into(), admin_username: "x".into(), admin_role: "national".into(), action: "admin.login".into(), at: 1, ..Default::default() };
    app.store.append_audit(&entry).await.unwrap();
    for sql in ["UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log"] {
        assert!(raw_execute(&app, sql).await.is_err(), "{sql} must fail");
    }
    if backend == Backend::Postgres {
        assert!(raw_execute(&app, "TRUNCATE audit_log").await.is_err(), "TRUNCATE must fail");
    }
    let left = app.store.search_audit(&Scope::National, &Default::default(), 10).await.unwrap();
    assert_eq!((left.len(), left[0].reason.as_str()), (1, ""));
    app.shutdown().await;
}

/// The multipart form of /me/corrections.
fn correction_form(csrf: &str, name: &str, id_number: &str, reason: &str, attachment: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("name", name.to_owned())
        .text("id_type", "resident_id")
        .text("id_number", id_number.to_owned())
        .text("reason", reason.to_owned())
        .part("attachment", reqwest::multipart::Part::bytes(attachment).file_name("scan.pdf"))
}

async fn a_correction_request_from_form_to_decision(backend: Backend) {
    let settings = [
        ("job_workers", "0"),
        ("wechat_appid", kaowu::config::DEMO_WECHAT_APPID),
        ("wechat_secret", kaowu::config::DEMO_WECHAT_SECRET),
        ("wechat_token", "test-token"),
        ("wechat_mode", "plain"),
        ("wechat_template_security", "TPL_SECURITY"),
    ];
    let settings = settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let app = support::spawn_app_with(backend, support::Options { settings }).await;
    let w = world(&app).await;
    let (account, username, id_number) = candidate(&app, "李四", None).await;
    app.store.bind_wechat(&account, "openid-of-li", web::state::now()).await.unwrap();
    let browser = support::browser();
    assert_eq!(support::log_in(&app, &browser, &username, support::PASSWORD).await, 303);
    let page = browser.get(app.url("/me/corrections")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let scan = b"%PDF-1.4\n% a scan of the ID card\n".to_vec();
    let new_number = support::unique_resident_id();

    // No site chosen yet: refused, with what was typed kept.
    let answer = browser.post(app.url("/me/corrections")).multipart(correction_form(&csrf, "李肆", &new_number, "姓名登记错误", scan.clone())).send().await.unwrap();
    assert_eq!(answer.status(), 422);
    let body = answer.text().await.unwrap();
    assert!(body.contains("请先选择所在考点") && body.contains("value=\"李肆\"") && body.contains("姓名登记错误"));
    let chosen = browser.post(app.url("/me/site")).form(&[("csrf_token", csrf.as_str()), ("site", "1101")]).send().await.unwrap();
    assert_eq!(chosen.headers()["location"].to_str().unwrap(), "/me/site?saved=1");
    // Not a document: refused by content.
    let answer = browser.post(app.url("/me/corrections")).multipart(correction_form(&csrf, "李肆", &new_number, "姓名登记错误", b"GIF89a".to_vec())).send().await.unwrap();
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("JPEG、PNG 图片或 PDF"));
    let too_big = [b"%PDF-1.4\n".to_vec(), vec![b'x'; domain::correction::MAX_ATTACHMENT_BYTES]].concat();
    let answer = browser.post(app.url("/me/corrections")).multipart(correction_form(&csrf, "李肆", &new_number, "姓名登记错误", too_big)).send().await.unwrap();
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("不能超过 2 MB"));
    let filed = browser.post(app.url("/me/corrections")).multipart(correction_form(&csrf, "李肆", &new_number, "姓名登记错误", scan.clone())).send().await.unwrap();
    assert_eq!(filed.headers()["location"].to_str().unwrap(), "/me/corrections?filed=1");
    let second = browser.post(app.url("/me/corrections")).multipart(correction_form(&csrf, "李伍", &new_number, "再次申请", scan.clone())).send().await.unwrap();
    assert_eq!(second.status(), 409, "one open request at a time");
    let moved = browser.post(app.url("/me/site")).form(&[("csrf_token", csrf.as_str()), ("site", "3101")]).send().await.unwrap();
    assert_eq!(moved.status(), 409, "the site stays while its request waits");

    // The site's queue, the request with its scan, a decision with a reason.
    let other_site = Console::log_in(&app, "site_3101").await;
    assert!(other_site.get(&app, "/admin/corrections").await.1.contains("queue-empty"));
    let admin = Console::log_in(&app, "site_1101").await;
    let (_, queue) = admin.get(&app, "/admin/corrections").await;
    let id = queue.split("href=\"/admin/corrections/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert!(queue.contains(&username) && queue.contains("李肆"));
    let (_, request) = admin.get(&app, &format!("/admin/corrections/{id}")).await;
    assert!(request.contains(&new_number) && request.contains(&domain::id_number::mask_id_number(&id_number)) && !request.contains(&id_number));
    let attachment = admin.browser.get(app.url(&format!("/admin/corrections/{id}/attachment"))).send().await.unwrap();
    assert_eq!(attachment.headers()["content-type"], "application/pdf");
    assert_eq!(attachment.bytes().await.unwrap().as_ref(), scan.as_slice());
    assert_eq!(admin.post(&app, &format!("/admin/corrections/{id}/approve"), &[("reason", "")]).await.0, 422);
    assert_eq!(admin.post(&app, &format!("/admin/corrections/{id}/approve"), &[("reason", "已核对身份证原件")]).await.0, 303);
    let (status, twice) = admin.post(&app, &format!("/admin/corrections/{id}/reject"), &[("reason", "迟到的驳回")]).await;
    assert_eq!(status, 409, "decided once");
    assert!(twice.contains("已处理"));

    // The candidate sees it, their identity is corrected and checked again.
    let mine = browser.get(app.url("/me/corrections")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("已通过，信息已更正"));
    assert!(support::security_notice_sent(&app, "openid-of-li", "注册信息修改申请已通过").await, "told through WeChat");
    let me = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("李肆") && me.contains(&domain::id_number::mask_id_number(&new_number)));
    assert_eq!(app.store.identity_check(&account).await.unwrap().unwrap().state, "pending", "checked again");
    let entry = audit_of(&app, &account).await.into_iter().find(|e| e.action == "correction.approve").expect("audited");
    assert_eq!(entry.reason, "已核对身份证原件");
    assert!(entry.after_state.unwrap().contains("李肆"));
    let _ = w;
    app.shutdown().await;
}

async fn admins_create_the_level_below(backend: Backend) {
    let app = spawn(backend).await;
    let _ = world(&app).await;
    let nation = Console::log_in(&app, "nation").await;
    let (status, created) = nation.post(&app, "/admin/admins", &[("username", "shanghai"), ("display_name", "上海考区"), ("region", "31")]).await;
    assert_eq!(status, 201);
    let password = created.split("data-testid=\"initial-password\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(password.len() >= 20);
    let login = app.store.admin_for_login("shanghai").await.unwrap().unwrap();
    assert_eq!(login.admin.scope, Scope::Province { province: "31".into() });
    assert!(web::passwords::verify_blocking(&password, &login.password_hash));
    let (status, _) = nation.post(&app, "/admin/admins", &[("username", "shanghai"), ("display_name", "again"), ("region", "31")]).await;
    assert_eq!(status, 409);

    let beijing = Console::log_in(&app, "beijing").await;
    let (status, body) = beijing.post(&app, "/admin/sites", &[("code", "3105"), ("name", "外省考点"), ("address", "某地"), ("phone", "1")]).await;
    assert_eq!(status, 422, "only in its own province");
    assert!(body.contains("须以本考区代码开头"));
    assert_eq!(beijing.post(&app, "/admin/sites", &[("code", "1105"), ("name", "北京市朝阳区考点"), ("address", "朝阳路 5 号"), ("phone", "010-5")]).await.0, 201);
    assert_eq!(beijing.post(&app, "/admin/admins", &[("username", "chaoyang"), ("display_name", "朝阳考点"), ("region", "1105")]).await.0, 201);
    assert_eq!(app.store.admin_for_login("chaoyang").await.unwrap().unwrap().admin.scope, site("1105"));
    let (status, body) = beijing.post(&app, "/admin/admins", &[("username", "elsewhere"), ("display_name", "x"), ("region", "3101")]).await;
    assert_eq!(status, 422, "not a site of Beijing");
    assert!(body.contains("负责范围内"));
    let actions: Vec<String> = app.store.search_audit(&Scope::National, &store::audit::AuditFilter { action: Some("admin.create".into()), ..Default::default() }, 10).await.unwrap().into_iter().map(|e| e.admin_username).collect();
    assert_eq!(actions, ["beijing", "nation"]);
    app.shutdown().await;
}

/// The site named on the question step of 忘记密码, for an identifier typed there.
async fn site_named_for(app: &TestApp, identifier: &str) -> Option<String> {
    let browser = support::browser();
    let html = browser.get(app.url("/recover")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&html, "csrf_token");
    let page = browser.post(app.url("/recover")).form(&[("csrf_token", csrf.as_str()), ("login", identifier)]).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"security-question\""), "the question step");
    page.split("data-testid=\"site-to-contact\">").nth(1).map(|rest| rest.split("</p>").next().unwrap().to_owned())
}

async fn forgotten_passwords_are_sent_to_the_candidates_site(backend: Backend) {
    let app = spawn(backend).await;
    let w = world(&app).await;
    // The candidate's own 所在考点, by username or ID number, with address and phone.
    let by_username = site_named_for(&app, &w.b.1).await.expect("a site is named");
    assert!(by_username.contains("3101 考点") && by_username.contains("010-1"), "{by_username}");
    assert_eq!(site_named_for(&app, &w.b.2).await, Some(by_username));
    assert_eq!(site_named_for(&app, &w.c.1).await, None, "no site chosen: the page points to the directory");
    // Someone typing identifiers learns nothing: an unknown one gets a site (or none) all the same, the same
    // one every time.
    let mut named = 0;
    for n in 0..8 {
        let unknown = format!("nobody_{n}");
        let first = site_named_for(&app, &unknown).await;
        assert_eq!(site_named_for(&app, &unknown).await, first, "stable for {unknown}");
        named += usize::from(first.is_some());
    }
    assert!(named > 0, "decoys name sites too");
    let directory = support::browser().get(app.url("/sites")).send().await.unwrap().text().await.unwrap();
    assert!(["1101 考点", "1102 考点", "3101 考点"].iter().all(|s| directory.contains(s)));
    app.shutdown().await;
}

/// Today's date in Beijing, as the search form's date fields send it.
fn time_today() -> String {
    let beijing = web::state::now() + 8 * 3600;
    let days = beijing.div_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
