//! 报名审核 in the console, on SQLite and PostgreSQL, as the 考点 and 考区 use it: the queue of their own area
//! only (anything else is "not found" and nothing changes), the 报名号 box, start / approve / reject / ask for
//! more with the reason the candidate reads and is sent on WeChat, an audit entry for each decision, approving a
//! filtered set only after its count is confirmed, and no decision outside the review window.

mod support;

use domain::admin::Scope;
use serde_json::{Value, json};
use support::console::{ADMIN_PASSWORD, Console, make_admin, site};
use support::{Backend, TestApp, load_demo_plan, ready_candidate_named, spawn_app_with_wechat};

on_both_databases!(
    a_review_from_queue_to_decision,
    approving_a_filtered_set_needs_its_count,
    decisions_wait_for_the_review_window,
    the_printed_form_carries_the_name_and_a_code_that_opens_it,
    parallel_moves_of_one_application_move_it_once,
);

/// A candidate's submitted application for 中级 nursing at `site` (eligible: a bachelor's and ten years of work).
struct Submitted {
    token: String,
    account_id: String,
    openid: String,
    id: String,
    number: String,
}

async fn submitted_at(app: &TestApp, year: u16, site_code: &str) -> Submitted {
    submitted_by(app, year, site_code, "报名考生").await
}

async fn submitted_by(app: &TestApp, year: u16, site_code: &str, name: &str) -> Submitted {
    let (token, account_id, openid) = ready_candidate_named(app, "bachelor", name).await;
    let body = json!({
        "exam": "health_title", "province": &site_code[..2], "site": site_code, "specialty": "368",
        "work_unit": "北京协和医院", "started_work": format!("{}-07", year - 10), "highest_education": "bachelor",
        "held_title": "junior", "title_certificate_number": format!("{}-HS-0001", year - 6)
    });
    let (status, created) = post(app, &token, "/api/v1/me/applications", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(post(app, &token, &format!("/api/v1/me/applications/{id}/photo-confirmation"), &json!({})).await.0, 200);
    let (status, submitted) = post(app, &token, &format!("/api/v1/me/applications/{id}/submission"), &json!({})).await;
    assert_eq!((status, submitted["state"].as_str()), (200, Some("submitted")), "{submitted}");
    Submitted { token, account_id, openid, number: created["number"].as_str().unwrap().to_owned(), id }
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    support::status_and_json(app.client.post(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()).await
}

/// The application as its candidate sees it through the API.
async fn as_candidate(app: &TestApp, who: &Submitted) -> Value {
    let (status, item) = app.get_json(&format!("/api/v1/me/applications/{}", who.id), Some(&who.token)).await;
    assert_eq!(status, 200, "{item}");
    item
}

async fn admins(app: &TestApp) {
    let hash = web::passwords::hash_blocking(ADMIN_PASSWORD);
    make_admin(app, "nation", Scope::National, &hash).await;
    make_admin(app, "beijing", Scope::Province { province: "11".into() }, &hash).await;
    make_admin(app, "site_1101", site("1101"), &hash).await;
    make_admin(app, "site_1102", site("1102"), &hash).await;
}

/// Waits for the WeChat notice of an application decision; its remark (what the candidate reads).
async fn notice_to(app: &TestApp, openid: &str, event: &str) -> Option<String> {
    for _ in 0..50 {
        let sent = app.simulators.wechat.sent_templates();
        if let Some(found) = sent.iter().find(|t| t.openid == openid && t.data["keyword1"]["value"] == event) {
            return found.data["remark"]["value"].as_str().map(str::to_owned);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

async fn audit_actions(app: &TestApp, account_id: &str) -> Vec<store::audit::AuditRecord> {
    let filter = store::audit::AuditFilter { candidate: Some(account_id.to_owned()), ..Default::default() };
    app.store.search_audit(&Scope::National, &filter, 100).await.unwrap().into_iter().filter(|r| r.action.starts_with("application.")).collect()
}

fn count_in(html: &str) -> i64 {
    let at = html.find("data-testid=\"queue-count\">").expect("queue count") + "data-testid=\"queue-count\">".len();
    html[at..].split('<').next().unwrap().parse().unwrap()
}

async fn a_review_from_queue_to_decision(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let year = load_demo_plan(&app).await;
    admins(&app).await;
    let first = submitted_at(&app, year, "1101").await;
    let elsewhere = submitted_at(&app, year, "1102").await;

    // Another 考点 sees none of it: not in its queue, not by number, not by id, not its photo; a decision is refused.
    let other = Console::log_in(&app, "site_1102").await;
    let (status, queue) = other.get(&app, "/admin/applications").await;
    assert_eq!(status, 200);
    assert!(queue.contains(&elsewhere.number) && !queue.contains(&first.number), "only its own applications");
    assert_eq!(other.get(&app, &format!("/admin/applications/lookup?number={}", first.number)).await.0, 404);
    for path in [format!("/admin/applications/{}", first.id), format!("/admin/applications/{}/photo.jpg", first.id)] {
        assert_eq!(other.get(&app, &path).await.0, 404, "{path}");
    }
    assert_eq!(other.post(&app, &format!("/admin/applications/{}/approve", first.id), &[("reason", "")]).await.0, 404);
    assert_eq!(as_candidate(&app, &first).await["state"], "submitted");

    // The 考点 types the number as read off the form (with spaces) and lands on the application.
    let console = Console::log_in(&app, "site_1101").await;
    let typed = format!("{} {}", &first.number[..8], &first.number[8..]);
    let answer = console.browser.get(app.url(&format!("/admin/applications/lookup?number={}", domain::percent::encode(&typed)))).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let page_path = format!("/admin/applications/{}", first.id);
    assert_eq!(answer.headers()["location"], page_path.as_str());
    let (status, page) = console.get(&app, &page_path).await;
    assert_eq!(status, 200);
    assert!(page.contains(&first.number) && page.contains("报名考生") && page.contains("本科学历"), "facts and eligibility shown");
    assert!(page.contains("已提交"), "state shown");
    let (status, lookup) = console.get(&app, "/admin/applications/lookup?number=abc").await;
    assert_eq!(status, 422);
    assert!(lookup.contains("请输入报名号"), "a malformed number is explained");

    // Refusing needs the reason the candidate will read.
    let (status, page) = console.post(&app, &format!("{page_path}/reject"), &[("reason", "  ")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写原因"), "the reason is asked for");
    assert_eq!(as_candidate(&app, &first).await["state"], "submitted");

    // Once review starts the candidate can no longer withdraw.
    let (status, _) = console.post(&app, &format!("{page_path}/start"), &[("reason", "")]).await;
    assert_eq!(status, 303);
    assert_eq!(as_candidate(&app, &first).await["state"], "under_review");
    let (status, error) = post(&app, &first.token, &format!("/api/v1/me/applications/{}/withdrawal", first.id), &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.transition_not_allowed")), "{error}");

    // Asked for more: the candidate reads why, on the page and on WeChat, and hands it in again.
    let (status, _) = console.post(&app, &format!("{page_path}/more"), &[("reason", "请上传毕业证书扫描件")]).await;
    assert_eq!(status, 303);
    let item = as_candidate(&app, &first).await;
    assert_eq!((item["state"].as_str(), item["decision_reason"].as_str()), (Some("needs_supplement"), Some("请上传毕业证书扫描件")), "{item}");
    let remark = notice_to(&app, &first.openid, "报名需补充材料").await.expect("WeChat notice of the request");
    assert!(remark.contains(&first.number) && remark.contains("请上传毕业证书扫描件"), "{remark}");
    let (status, again) = post(&app, &first.token, &format!("/api/v1/me/applications/{}/submission", first.id), &json!({})).await;
    assert_eq!((status, again["state"].as_str()), (200, Some("submitted")), "{again}");

    // Approved: the candidate is told, and the history shows each step with who did it.
    let (status, _) = console.post(&app, &format!("{page_path}/approve"), &[("reason", "材料齐全")]).await;
    assert_eq!(status, 303);
    assert_eq!(as_candidate(&app, &first).await["state"], "approved");
    assert!(notice_to(&app, &first.openid, "报名审核通过").await.expect("WeChat notice of approval").contains(&first.number));
    let (_, page) = console.get(&app, &page_path).await;
    assert!(page.contains("审核通过") && page.contains("site_1101"), "history names the reviewer");
    // A decided application takes no further decision.
    let (status, page) = console.post(&app, &format!("{page_path}/reject"), &[("reason", "改主意")]).await;
    assert_eq!(status, 409);
    assert!(page.contains("不允许此操作"), "explained");

    // Every decision is audited with the reviewer, the reason and the states before and after.
    let audit = audit_actions(&app, &first.account_id).await;
    let actions: Vec<&str> = audit.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["application.start_review", "application.ask_for_more", "application.approve"], "the other 考点's refused attempt left nothing");
    let asked = audit.iter().find(|r| r.action == "application.ask_for_more").unwrap();
    assert_eq!((asked.admin_username.as_str(), asked.reason.as_str(), asked.site_code.as_deref()), ("site_1101", "请上传毕业证书扫描件", Some("1101")));
    assert!(asked.before_state.as_deref().unwrap().contains("under_review") && asked.after_state.as_deref().unwrap().contains("needs_supplement"));

    // The 考区 sees both of its 考点; the filter narrows by state.
    let province = Console::log_in(&app, "beijing").await;
    let (_, queue) = province.get(&app, "/admin/applications").await;
    assert!(queue.contains(&first.number) && queue.contains(&elsewhere.number));
    assert_eq!(count_in(&queue), 2);
    let (_, approved) = province.get(&app, "/admin/applications?state=approved").await;
    assert!(approved.contains(&first.number) && !approved.contains(&elsewhere.number));
    app.shutdown().await;
}

async fn approving_a_filtered_set_needs_its_count(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let year = load_demo_plan(&app).await;
    admins(&app).await;
    let one = submitted_at(&app, year, "1101").await;
    let two = submitted_at(&app, year, "1101").await;
    let elsewhere = submitted_at(&app, year, "1102").await;

    let console = Console::log_in(&app, "site_1101").await;
    let (_, queue) = console.get(&app, "/admin/applications?state=submitted").await;
    assert_eq!(count_in(&queue), 2, "only the 考点's own");
    assert!(queue.contains("data-testid=\"bulk-approve\""));
    let (_, all) = console.get(&app, "/admin/applications").await;
    assert!(!all.contains("data-testid=\"bulk-approve\""), "no bulk approval without a state filter");

    // The admin confirmed 1 but the set holds 2 (another arrived meanwhile): nothing is done, the new count shown.
    let filter = [("state", "submitted"), ("level", ""), ("specialty", ""), ("eligible", ""), ("from", ""), ("to", "")];
    let mut form = filter.to_vec();
    form.extend([("confirmed_count", "1"), ("note", "")]);
    let (status, page) = console.post(&app, "/admin/applications/bulk-approve", &form).await;
    assert_eq!(status, 409);
    assert!(page.contains("现为 2 份"), "the new count is shown");
    assert_eq!(as_candidate(&app, &one).await["state"], "submitted");

    let mut form = filter.to_vec();
    form.extend([("confirmed_count", "2"), ("note", "批量审核")]);
    let answer = console.browser.post(app.url("/admin/applications/bulk-approve")).form(&[vec![("csrf_token", console.csrf.as_str())], form].concat()).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("approved=2") && back.contains("state=submitted"), "{back}");
    let (_, page) = console.get(&app, &back).await;
    assert!(page.contains("已批量通过 2 份报名"), "the outcome is shown");
    for who in [&one, &two] {
        assert_eq!(as_candidate(&app, who).await["state"], "approved");
        assert!(notice_to(&app, &who.openid, "报名审核通过").await.is_some(), "each candidate is told");
        let audit = audit_actions(&app, &who.account_id).await;
        assert_eq!((audit.len(), audit[0].action.as_str(), audit[0].reason.as_str()), (1, "application.approve", "批量审核"));
    }
    assert_eq!(as_candidate(&app, &elsewhere).await["state"], "submitted", "another 考点's application is untouched");

    // Approving by a filter that is not "awaiting a decision" is refused.
    let form = [("state", "approved"), ("confirmed_count", "2")];
    let (status, page) = console.post(&app, "/admin/applications/bulk-approve", &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("批量通过只能用于"), "explained");
    app.shutdown().await;
}

async fn decisions_wait_for_the_review_window(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let year = load_demo_plan(&app).await;
    admins(&app).await;
    let waiting = submitted_at(&app, year, "1101").await;

    // 北京 moves its review to start tomorrow (a new plan revision).
    let beijing = time::macros::offset!(+8);
    let tomorrow = time::OffsetDateTime::now_utc().to_offset(beijing).date().next_day().unwrap();
    let plan = kaowu::plan::render_demo_plan(web::state::now());
    let later_review = format!("  - {{ province: \"11\", kind: review, opens: \"{tomorrow} 08:00\", closes: \"{} 17:00\" }}\n", tomorrow.next_day().unwrap());
    let at = plan.find("  - { province: \"*\", kind: payment").expect("the payment window line");
    let revised = format!("{}{later_review}{}", &plan[..at], &plan[at..]);
    let entry = store::audit::AuditEntry { admin_id: "system".into(), admin_username: "test".into(), admin_role: "national".into(), reason: "审核推迟".into(), at: web::state::now(), ..Default::default() };
    web::flows::plans::import(&app.store, &revised, domain::exam_plan::PlanFormat::Yaml, entry).await.expect("revised plan");

    let console = Console::log_in(&app, "site_1101").await;
    for action in ["start", "approve"] {
        let (status, page) = console.post(&app, &format!("/admin/applications/{}/{action}", waiting.id), &[("reason", "")]).await;
        assert_eq!(status, 409, "{action}");
        assert!(page.contains("不在审核时间内"), "{action} explained");
    }
    assert_eq!(as_candidate(&app, &waiting).await["state"], "submitted");
    assert!(audit_actions(&app, &waiting.account_id).await.is_empty(), "nothing recorded");
    app.shutdown().await;
}

/// Runs a poppler tool on `pdf`; None when poppler is not installed (it must be in CI).
fn poppler(tool: &str, args: &[&str], pdf: &std::path::Path, after: &[&str]) -> Option<String> {
    match std::process::Command::new(tool).args(args).arg(pdf).args(after).output() {
        Ok(output) => {
            assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
            Some(String::from_utf8_lossy(&output.stdout).into_owned())
        }
        Err(_) => {
            assert!(std::env::var("CI").is_err(), "poppler-utils must be installed in CI");
            None
        }
    }
}

/// The page as pixels (pdftoppm), and whatever QR codes a scanner finds on it.
fn scan_qr_codes(pdf: &std::path::Path) -> Option<Vec<String>> {
    let root = pdf.with_extension("page");
    let output = std::process::Command::new("pdftoppm").args(["-r", "150", "-gray", "-png", "-singlefile"]).arg(pdf).arg(&root).output().ok()?;
    assert!(output.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&output.stderr));
    let png = root.with_extension("page.png");
    let page = image::open(&png).expect("pdftoppm draws a PNG").to_luma8();
    let _ = std::fs::remove_file(&png);
    let mut prepared = rqrr::PreparedImage::prepare(page);
    Some(prepared.detect_grids().into_iter().filter_map(|grid| grid.decode().ok().map(|(_, text)| text)).collect())
}

async fn the_printed_form_carries_the_name_and_a_code_that_opens_it(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let year = load_demo_plan(&app).await;
    admins(&app).await;
    // 𪚥 (U+2A6A5, CJK Extension B) is in no common CJK font; the form must still print it.
    let who = submitted_by(&app, year, "1101", "张𪚥伟").await;
    let photo = image::GrayImage::from_fn(295, 413, |x, y| image::Luma([((x + y) % 256) as u8]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(photo).write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    app.state.objects.put(&format!("photos/{}", who.account_id), jpeg).await.unwrap();

    let path = format!("/api/v1/me/applications/{}/form.pdf", who.id);
    let response = app.client.get(app.url(&path)).bearer_auth(&who.token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 100 * 1024, "fonts are subset: {} bytes", pdf.len());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pdf).unwrap();
    if let Ok(keep) = std::env::var("KEEP_FORM_PDF") { std::fs::write(keep, &pdf).unwrap(); }

    if let Some(text) = poppler("pdftotext", &["-layout"], file.path(), &["-"]) {
        for expected in [format!("{year}年度卫生专业技术资格考试报名申请表"), "张𪚥伟".to_owned(), who.number.clone(), "中级".to_owned(), "基础知识".to_owned(), "北京市东城区考点".to_owned()] {
            assert!(text.contains(&expected), "{expected} in the form's text:\n{text}");
        }
        assert!(!text.contains(&who.account_id), "no internal ids on paper");
    }
    if let Some(fonts) = poppler("pdffonts", &[], file.path(), &[]) {
        let lines: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
        assert!(lines.len() >= 2, "the CJK font and the rare-character font: {fonts}");
        for line in lines {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let (emb, sub) = (columns[columns.len() - 5], columns[columns.len() - 4]);
            assert_eq!((emb, sub), ("yes", "yes"), "embedded and subset: {line}");
            assert!(line.contains('+'), "a subset's name carries its tag: {line}");
        }
    }

    // The 考点 scans the code: it opens this application; an altered code opens nothing.
    if let Some(codes) = scan_qr_codes(file.path()) {
        assert_eq!(codes.len(), 1, "one QR code on the page");
        let scanned = &codes[0];
        assert!(scanned.contains(&who.number), "{scanned}");
        let console = Console::log_in(&app, "site_1101").await;
        let answer = console.browser.get(app.url(&format!("/admin/applications/lookup?number={}", domain::percent::encode(scanned)))).send().await.unwrap();
        assert_eq!((answer.status().as_u16(), answer.headers()["location"].to_str().unwrap()), (303, format!("/admin/applications/{}", who.id).as_str()));
        let mut forged = scanned.clone();
        forged.replace_range(forged.len() - 1.., if scanned.ends_with('0') { "1" } else { "0" });
        let (status, page) = console.get(&app, &format!("/admin/applications/lookup?number={}", domain::percent::encode(&forged))).await;
        assert_eq!(status, 422);
        assert!(page.contains("二维码无法验证"), "a forged code is refused and explained");
        // Another 考点 cannot open it by the code either.
        let other = Console::log_in(&app, "site_1102").await;
        assert_eq!(other.get(&app, &format!("/admin/applications/lookup?number={}", domain::percent::encode(scanned))).await.0, 404);
    } else {
        assert!(std::env::var("CI").is_err(), "poppler-utils must be installed in CI");
    }

    // A draft has no form yet.
    let (token, _, _) = ready_candidate_named(&app, "bachelor", "草稿考生").await;
    let body = json!({"exam": "nurse", "province": "11", "site": "1101", "specialty": "001", "work_unit": "医院", "started_work": format!("{}-07", year - 1), "highest_education": "bachelor", "held_title": "", "title_certificate_number": ""});
    let (status, draft) = post(&app, &token, "/api/v1/me/applications", &body).await;
    assert_eq!(status, 201, "{draft}");
    let (status, error) = app.get_json(&format!("/api/v1/me/applications/{}/form.pdf", draft["id"].as_str().unwrap()), Some(&token)).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.form_not_ready")));
    app.shutdown().await;
}

/// Moves are committed in batches on SQLite (one writer) and one by one on PostgreSQL; either way, of many moves
/// from the same state at once exactly one happens, and the history has one event for it.
async fn parallel_moves_of_one_application_move_it_once(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let year = load_demo_plan(&app).await;
    let one = submitted_at(&app, year, "1101").await;
    let two = submitted_at(&app, year, "1101").await;
    let actor = store::applications::EventActor { kind: "admin", id: "a1".into(), name: "并发测试".into() };
    let attempts = (0..24).map(|n| {
        let (store, actor) = (app.store.clone(), actor.clone());
        let id = if n % 2 == 0 { one.id.clone() } else { two.id.clone() };
        let to = if n % 3 == 0 { domain::application::ApplicationState::Rejected } else { domain::application::ApplicationState::Approved };
        tokio::spawn(async move { store.transition_application(&id, domain::application::ApplicationState::Submitted, to, &actor, "并发", web::state::now(), None).await.unwrap() })
    });
    let mut moved = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        moved += usize::from(attempt.await.unwrap());
    }
    assert_eq!(moved, 2, "one move per application");
    for who in [&one, &two] {
        let events = app.store.application_events(&who.id).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.from_state.as_deref() == Some("submitted")).count(), 1, "one event for the move");
        assert!(matches!(as_candidate(&app, who).await["state"].as_str(), Some("approved" | "rejected")));
    }
    app.shutdown().await;
}
