//! Applying for an exam through the API, as the mini-program does: the gate, the choices checked against the
//! plan, the eligibility verdict and its explanation, photo confirmation, supporting files, submit, withdraw and
//! resubmit, one application per exam and year, the windows, and nobody else seeing it.

mod support;

use serde_json::{Value, json};
use support::{Backend, TestApp, load_demo_plan, ready_candidate, registration, security_notice_sent, spawn_app, spawn_app_with_wechat, unique_resident_id, unique_username};

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    support::status_and_json(app.client.post(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    support::status_and_json(app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()).await
}

async fn upload(app: &TestApp, token: &str, path: &str, bytes: Vec<u8>) -> (u16, Value) {
    support::status_and_json(app.client.post(app.url(path)).bearer_auth(token).body(bytes).send().await.unwrap()).await
}

fn intermediate_nursing(year: u16, started_work: &str) -> Value {
    json!({
        "exam": "health_title", "province": "11", "site": "1101", "specialty": "368",
        "work_unit": "北京协和医院", "started_work": started_work, "highest_education": "bachelor",
        "held_title": "junior", "title_certificate_number": format!("{}-HS-0001", year - 5)
    })
}

async fn apply_submit_withdraw_and_resubmit(backend: Backend) {
    let app = spawn_app_with_wechat(backend).await;
    let (status, error) = app.get_json("/api/v1/exam-plan", None).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.no_plan")));
    let year = load_demo_plan(&app).await;
    let (status, plan) = app.get_json("/api/v1/exam-plan", None).await;
    assert_eq!((status, plan["exam_year"].as_u64()), (200, Some(year as u64)));

    // The gate: a new candidate has done none of the four steps, and is told which.
    let fresh = app.register(&registration(&unique_username(), "未完成", &unique_resident_id())).await;
    let (_, list) = app.get_json("/api/v1/me/applications", Some(&fresh)).await;
    // (The identity check runs in the background; it may or may not have finished.)
    let missing = list["checklist_missing"].as_array().unwrap();
    assert_eq!(missing[..3], [json!("photo"), json!("education"), json!("wechat")], "{list}");
    let (status, error) = post(&app, &fresh, "/api/v1/me/applications", &intermediate_nursing(year, "2015-07")).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.checklist_incomplete")), "{error}");

    let (token, account_id, openid) = ready_candidate(&app, "bachelor").await;
    let (_, list) = app.get_json("/api/v1/me/applications", Some(&token)).await;
    assert_eq!(list["checklist_missing"], json!([]), "all four steps done");
    // A bound WeChat that no longer follows the official account is not done, and is done again on following.
    app.store.set_wechat_following(&openid, false, web::state::now() + 1).await.unwrap();
    let (_, list) = app.get_json("/api/v1/me/applications", Some(&token)).await;
    assert_eq!(list["checklist_missing"], json!(["wechat"]));
    app.store.set_wechat_following(&openid, true, web::state::now() + 2).await.unwrap();
    let (_, list) = app.get_json("/api/v1/me/applications", Some(&token)).await;
    assert_eq!(list["checklist_missing"], json!([]));
    // Every wrong detail is named by its field, in Chinese.
    let mut wrong = intermediate_nursing(year, "2099-01");
    wrong["site"] = json!("3101");
    wrong["highest_education"] = json!("doctor");
    let (status, error) = post(&app, &token, "/api/v1/me/applications", &wrong).await;
    assert_eq!(status, 400, "{error}");
    let fields: Vec<&str> = error["errors"].as_array().map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect()).unwrap_or_default();
    for field in ["site", "started_work", "highest_education"] {
        assert!(fields.contains(&field) || error["field"] == field, "{field} in {error}");
    }

    // Three years of work with a bachelor's: not yet eligible for 中级, and told why.
    let three_years = format!("{}-02", year - 3);
    let (status, created) = post(&app, &token, "/api/v1/me/applications", &intermediate_nursing(year, &three_years)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "draft");
    assert_eq!(created["level"], "intermediate");
    assert_eq!(created["eligible"], false);
    assert!(created["eligibility"].as_str().unwrap().contains("本科学历，工作满4年方可报考中级，您工作3年"), "{created}");
    assert_eq!(created["subjects"].as_array().unwrap().len(), 4, "all four subjects while no scores exist");
    assert_eq!(created["subjects"][0]["fee_fen"], 5000);
    assert!(created["number"].as_str().unwrap().starts_with(&format!("{year}1101")));
    assert_eq!(created["missing"], json!(["application.photo_not_confirmed", "application.not_eligible"]));

    let path = format!("/api/v1/me/applications/{id}");
    let (status, error) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.photo_not_confirmed")));
    let (status, _) = post(&app, &token, &format!("{path}/photo-confirmation"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, error) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.not_eligible")));

    // Corrected start of work: eligible; an edit asks for the photo to be confirmed again.
    let (status, edited) = put(&app, &token, &path, &intermediate_nursing(year, &format!("{}-01", year - 4))).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!((edited["eligible"].as_bool(), edited["photo_confirmed"].as_bool()), (Some(true), Some(false)));
    assert!(edited["eligibility"].as_str().unwrap().starts_with("符合报考条件"));
    post(&app, &token, &format!("{path}/photo-confirmation"), &json!({})).await;
    let (status, submitted) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, submitted["state"].as_str()), (200, Some("submitted")), "{submitted}");
    assert!(security_notice_sent(&app, &openid, "报名已提交").await, "the candidate's WeChat is told");
    assert!(app.store.photo(&account_id).await.unwrap().unwrap().locked_at.is_some(), "the reviewed photo cannot be swapped");

    // Submitted: not editable, not twice; one application per exam and year.
    let (status, error) = put(&app, &token, &path, &intermediate_nursing(year, "2015-07")).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.not_editable")));
    let (status, error) = post(&app, &token, "/api/v1/me/applications", &intermediate_nursing(year, "2015-07")).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("application.already_applied")));

    // Withdraw, change, resubmit.
    let (status, withdrawn) = post(&app, &token, &format!("{path}/withdrawal"), &json!({})).await;
    assert_eq!((status, withdrawn["state"].as_str()), (200, Some("withdrawn")));
    assert!(security_notice_sent(&app, &openid, "报名已撤回").await);
    let mut changed = intermediate_nursing(year, "2015-07");
    changed["site"] = json!("1102");
    let (status, edited) = put(&app, &token, &path, &changed).await;
    assert_eq!((status, edited["site_name"].as_str()), (200, Some("北京市海淀区考点")));
    post(&app, &token, &format!("{path}/photo-confirmation"), &json!({})).await;
    let (status, again) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, again["state"].as_str()), (200, Some("submitted")));
    let history: Vec<(Option<&str>, &str)> = again["history"].as_array().unwrap().iter().map(|e| (e["from_state"].as_str(), e["to_state"].as_str().unwrap())).collect();
    assert_eq!(history, [(None, "draft"), (Some("draft"), "submitted"), (Some("submitted"), "withdrawn"), (Some("withdrawn"), "submitted")]);

    // Nobody else sees or touches it.
    let (other, _, _) = ready_candidate(&app, "bachelor").await;
    let (status, _) = app.get_json(&path, Some(&other)).await;
    assert_eq!(status, 404);
    let (status, _) = post(&app, &other, &format!("{path}/withdrawal"), &json!({})).await;
    assert_eq!(status, 404);
    let (_, list) = app.get_json("/api/v1/me/applications", Some(&other)).await;
    assert_eq!(list["applications"], json!([]));
    app.shutdown().await;
}

async fn supporting_files_where_the_province_asks(backend: Backend) {
    let app = spawn_app(backend).await;
    let year = load_demo_plan(&app).await;
    let (token, _, _) = ready_candidate(&app, "junior_college").await;
    let body = json!({
        "exam": "health_title", "province": "31", "site": "3101", "specialty": "203",
        "work_unit": "上海市第一人民医院", "started_work": format!("{}-07", year - 6), "highest_education": "junior_college"
    });
    let (status, created) = post(&app, &token, "/api/v1/me/applications", &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["supporting_files"].as_str(), created["eligible"].as_bool()), (Some("required"), Some(true)));
    assert_eq!(created["subjects"][0]["fee_fen"], 6500, "上海's own fee");
    let path = format!("/api/v1/me/applications/{}", created["id"].as_str().unwrap());
    post(&app, &token, &format!("{path}/photo-confirmation"), &json!({})).await;
    let (status, error) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.files_required")));

    // Judged by content: a PNG is refused whatever it claims; over 2 MB is refused with our own message.
    let (status, error) = upload(&app, &token, &format!("{path}/files"), b"\x89PNG\r\n\x1a\nrest".to_vec()).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("application.file_type")));
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(2 * 1024 * 1024 + 1, b' ');
    let (status, error) = upload(&app, &token, &format!("{path}/files"), big).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("application.file_too_large")));
    let (status, with_file) = upload(&app, &token, &format!("{path}/files"), b"%PDF-1.7\n% proof of work years\n%%EOF\n".to_vec()).await;
    assert_eq!(status, 201, "{with_file}");
    assert_eq!(with_file["files"][0]["content_type"], "application/pdf");
    let (status, submitted) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, submitted["state"].as_str()), (200, Some("submitted")), "{submitted}");
    // Submitted: files are fixed too.
    let (status, _) = upload(&app, &token, &format!("{path}/files"), b"%PDF-1.7\n%%EOF\n".to_vec()).await;
    assert_eq!(status, 403);
    app.shutdown().await;
}

async fn nothing_moves_outside_the_window(backend: Backend) {
    let app = spawn_app(backend).await;
    let year = load_demo_plan(&app).await;
    let (token, _, _) = ready_candidate(&app, "bachelor").await;
    let (status, created) = post(&app, &token, "/api/v1/me/applications", &intermediate_nursing(year, "2015-07")).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/api/v1/me/applications/{}", created["id"].as_str().unwrap());
    post(&app, &token, &format!("{path}/photo-confirmation"), &json!({})).await;

    // The authority closes applications (a new revision of the plan ends the window a second ago).
    let mut plan = app.store.plan(year).await.unwrap().unwrap().plan;
    let now = web::state::now();
    for window in plan.windows.iter_mut().filter(|w| w.kind == domain::exam_plan::WindowKind::Application) {
        window.closes_at = now - 1;
        window.opens_at = window.opens_at.min(now - 2);
    }
    let entry = store::audit::AuditEntry { admin_id: "system".into(), admin_username: "test".into(), admin_role: "national".into(), reason: "截止".into(), at: now, ..Default::default() };
    app.store.save_plan(&plan, &entry).await.unwrap();

    let (status, error) = post(&app, &token, &format!("{path}/submission"), &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.window_closed")));
    let (status, error) = put(&app, &token, &path, &intermediate_nursing(year, "2014-07")).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.window_closed")));
    let (other, _, _) = ready_candidate(&app, "bachelor").await;
    let (status, error) = post(&app, &other, "/api/v1/me/applications", &intermediate_nursing(year, "2015-07")).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("application.window_closed")));
    let (_, kept) = app.get_json(&path, Some(&token)).await;
    assert_eq!((kept["state"].as_str(), kept["started_work"].as_str()), (Some("draft"), Some("2015-07")), "what was saved stays");
    app.shutdown().await;
}

on_both_databases!(apply_submit_withdraw_and_resubmit, supporting_files_where_the_province_asks, nothing_moves_outside_the_window);
