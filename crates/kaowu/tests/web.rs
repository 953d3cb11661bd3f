//! Pages, operations endpoints and overload behaviour, on SQLite and on PostgreSQL.

mod support;

use serde_json::{Value, json};
use support::{Backend, Options, PASSWORD, hidden_value, registration, spawn_app, spawn_app_with, unique_resident_id, unique_username};

on_both_databases!(
    health_readiness_and_metrics,
    registers_through_the_pages_with_double_entry,
    page_forms_need_the_csrf_token_and_keep_what_was_typed,
    page_login_and_logout,
    excess_hashing_work_is_refused_at_once_with_retry_after,
);

async fn health_readiness_and_metrics(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert!(health.headers().contains_key("x-request-id"), "every answer carries its request id");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("kaowu_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/readyz\""));
    // Readiness follows the database.
    app.store.db.close().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
}

/// The hidden CSRF token and the sealed first entry from a rendered page.
async fn registers_through_the_pages_with_double_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let notice = app.client.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    assert!(notice.contains("特别提示") && notice.contains("敏感个人信息"));
    let refused = app.client.get(app.url("/register/form?accept_notice=on")).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 422, "privacy consent is required");
    let form = app.client.get(app.url("/register/form?accept_notice=on&accept_privacy=on")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&form, "csrf_token");
    let id = unique_resident_id();
    let username = unique_username();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("accept_notice", "on"),
        ("accept_privacy", "on"),
        ("username", &username),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
        ("name", "阿依古丽•𪚥"),
        ("id_type", "resident_id"),
        ("id_number", &id),
        ("security_question_choice", "custom"),
        ("security_question_custom", "我的第一只猫叫什么？"),
        ("security_answer", "Mimi"),
    ];
    let confirm_page = app.client.post(app.url("/register")).form(&fields).send().await.unwrap();
    assert_eq!(confirm_page.status().as_u16(), 200);
    let confirm_html = confirm_page.text().await.unwrap();
    assert!(confirm_html.contains("再次输入姓名"));
    assert!(!confirm_html.contains(&id), "the first entry is not shown back (nor readable in the sealed field)");
    assert!(!confirm_html.contains("𪚥"));
    let sealed = hidden_value(&confirm_html, "sealed");

    let mismatch = [
        ("csrf_token", csrf.as_str()),
        ("sealed", &sealed),
        ("confirm_name", "阿依古丽·𪚥"),
        ("confirm_id_type", "resident_id"),
        ("confirm_id_number", &unique_resident_id()),
    ];
    let response = app.client.post(app.url("/register/confirm")).form(&mismatch).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("再次输入的证件号码与第一次不一致"));
    assert!(html.contains("value=\"阿依古丽·𪚥\""), "the second entry's name is kept");

    let tampered = [("csrf_token", csrf.as_str()), ("sealed", "k1.AAAA"), ("confirm_name", "x"), ("confirm_id_type", "resident_id"), ("confirm_id_number", "1")];
    let response = app.client.post(app.url("/register/confirm")).form(&tampered).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 422, "a tampered first entry is refused");

    let matching = [
        ("csrf_token", csrf.as_str()),
        ("sealed", &sealed),
        ("confirm_name", "阿依古丽・𪚥"),
        ("confirm_id_type", "resident_id"),
        ("confirm_id_number", &id.to_lowercase()),
    ];
    let response = app.client.post(app.url("/register/confirm")).form(&matching).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/me?welcome=1");
    let cookie = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("kaowu_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let me = app.client.get(app.url("/me")).send().await.unwrap();
    assert_eq!(me.headers()["cache-control"], "no-store");
    let me = me.text().await.unwrap();
    assert!(me.contains("阿依古丽·𪚥"));
    assert!(me.contains(&format!("{}********{}", &id[..6], &id[14..])));
    assert!(!me.contains(&id));
    assert_eq!(me.matches("class=\"todo\"").count(), 4, "photo, education, WeChat and the identity check still to do");

    // Submitting the same sealed entry again cannot create a second account.
    let response = app.client.post(app.url("/register/confirm")).form(&matching).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let (status, session) = app.post_json("/api/v1/sessions", &json!({"login": id, "password": PASSWORD})).await;
    assert_eq!(status, 201, "{session}");
}

async fn page_forms_need_the_csrf_token_and_keep_what_was_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    let username = unique_username();
    let fields = [
        ("csrf_token", "forged"),
        ("accept_notice", "on"),
        ("accept_privacy", "on"),
        ("username", username.as_str()),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
        ("name", "钱二"),
        ("id_type", "resident_id"),
        ("id_number", "110105194912310021"),
        ("security_question_choice", "您的出生地是？"),
        ("security_answer", "上海"),
    ];
    let response = app.client.post(app.url("/register")).form(&fields).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let html = response.text().await.unwrap();
    assert!(html.contains("页面已过期"));
    assert!(html.contains(&format!("value=\"{username}\"")) && html.contains("value=\"钱二\"") && html.contains("value=\"上海\""));

    let csrf = hidden_value(&html, "csrf_token");
    let mut fields = fields.to_vec();
    fields[0] = ("csrf_token", csrf.as_str());
    let response = app.client.post(app.url("/register")).form(&fields).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("证件号码校验位不正确"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains(&format!("value=\"{username}\"")) && html.contains("value=\"110105194912310021\""));

    let response = app.client.post(app.url("/login")).form(&[("csrf_token", "x"), ("login", "a"), ("password", "b")]).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // Bodies the forms never send still get a 4xx with a code, never a 5xx.
    let huge = format!("username={}", "a".repeat(100_000));
    let cases: Vec<(&str, &str, String, u16)> = vec![
        ("/register", "application/x-www-form-urlencoded", huge, 413),
        ("/login", "application/json", "{}".into(), 415),
        ("/register/confirm", "application/x-www-form-urlencoded", "%%%=%%%&&&".into(), 422),
    ];
    for (path, content_type, body, status) in cases {
        let response = app.client.post(app.url(path)).header("content-type", content_type).body(body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path} {content_type}");
        let is_page = response.headers()["content-type"].to_str().unwrap().starts_with("text/html");
        let text = response.text().await.unwrap();
        if is_page {
            assert!(text.contains("确认步骤已超时"), "a page explains what to do: {text:.200}");
        } else {
            let error: Value = serde_json::from_str(&text).unwrap();
            assert!(error["code"].as_str().unwrap().starts_with("request."), "{error}");
        }
    }
}

async fn page_login_and_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let username = unique_username();
    let id = unique_resident_id();
    app.register(&registration(&username, "陈三", &id)).await;
    let login = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&login, "csrf_token");
    let wrong = app.client.post(app.url("/login")).form(&[("csrf_token", csrf.as_str()), ("login", &username), ("password", "Nope!1234")]).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("用户名/证件号码或密码不正确") && html.contains(&format!("value=\"{username}\"")));

    let ok = app.client.post(app.url("/login")).form(&[("csrf_token", csrf.as_str()), ("login", &id.to_lowercase()), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(ok.headers()["location"], "/me");
    let me = app.client.get(app.url("/me")).send().await.unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let html = me.text().await.unwrap();
    assert!(html.contains("陈三"));
    let csrf = hidden_value(&html, "csrf_token");
    let out = app.client.post(app.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status().as_u16(), 303);
    let me = app.client.get(app.url("/me")).send().await.unwrap();
    assert_eq!(me.status().as_u16(), 303, "logged out: /me sends to the login page");
    assert_eq!(me.headers()["location"], "/login");
}

async fn excess_hashing_work_is_refused_at_once_with_retry_after(backend: Backend) {
    let options = Options { settings: [("hash_workers".to_string(), "1".to_string()), ("hash_queue".to_string(), "1".to_string())].into() };
    let app = spawn_app_with(backend, options).await;
    let username = unique_username();
    app.register(&registration(&username, "卫五", &unique_resident_id())).await;
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let (client, url, username) = (app.client.clone(), app.url("/api/v1/sessions"), username.clone());
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let response = client.post(url).json(&json!({"login": username, "password": PASSWORD})).send().await.unwrap();
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                let body: Value = response.json().await.unwrap();
                (status, retry_after, body, started.elapsed())
            })
        })
        .collect();
    let mut refused = 0;
    let mut succeeded = 0;
    for attempt in attempts {
        let (status, retry_after, body, _elapsed) = attempt.await.unwrap();
        match status {
            201 => succeeded += 1,
            503 => {
                refused += 1;
                assert_eq!(retry_after.as_deref(), Some("1"));
                assert_eq!(body["code"], "service.busy");
            }
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert!(succeeded >= 2, "admitted work completes ({succeeded})");
    assert!(refused >= 1, "excess work is refused, not queued without bound");
}

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let document = web::openapi_json();
    assert_eq!(document["openapi"], "3.1.0");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let rendered = serde_json::to_string_pretty(&document).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot exists (run with UPDATE_SNAPSHOTS=1 to create it)");
    assert_eq!(rendered, expected, "the API changed: review, then run with UPDATE_SNAPSHOTS=1");
    for path in ["/api/v1/id-types", "/api/v1/rare-chars", "/api/v1/accounts", "/api/v1/sessions", "/api/v1/me", "/api/v1/sessions/current"] {
        assert!(document["paths"][path].is_object(), "{path} documented");
    }
    // Served as documented.
    let app = spawn_app(Backend::Sqlite).await;
    let (status, served) = app.get_json("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(served, document);
}

#[tokio::test]
async fn serves_a_web_font_for_rare_characters_by_block() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.client.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/assets/rare-font.css"));
    let css = app.client.get(app.url("/assets/rare-font.css")).send().await.unwrap().text().await.unwrap();
    if css.is_empty() {
        assert!(std::env::var("CI").is_err(), "fonts-babelstone-han must be installed in CI");
        return;
    }
    assert!(css.contains("src:url(/assets/fonts/rare/2A600.ttf)") && css.contains("unicode-range:U+2A600-2A6FF"));
    let font = app.client.get(app.url("/assets/fonts/rare/2A600.ttf")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(font.status().as_u16(), 200);
    assert_eq!(font.headers()["content-type"], "font/ttf");
    assert_eq!(font.headers()["content-encoding"], "gzip");
    for bad in ["2A601.ttf", "zz.ttf", "2A600.woff", "FFFFFFFFFF.ttf"] {
        let response = app.client.get(app.url(&format!("/assets/fonts/rare/{bad}"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{bad}");
    }
}

#[tokio::test]
async fn browsers_get_error_pages_and_the_language_switch_returns_to_a_usable_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.client.get(app.url("/no/such/page")).header("accept", "text/html,*/*").send().await.unwrap();
    assert_eq!(page.status().as_u16(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("页面或接口不存在"));
    let api = app.client.get(app.url("/api/v1/no-such")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(api.headers()["content-type"], "application/json", "the API always answers JSON");
    let confirm = app.client.get(app.url("/register/confirm")).send().await.unwrap();
    assert_eq!(confirm.status().as_u16(), 303, "the double-entry URL opened directly starts registration again");

    let form = app.client.get(app.url("/register/form?accept_notice=on&accept_privacy=on")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("back=%2Fregister%2Fform%3Faccept_notice%3Don%26accept_privacy%3Don"), "query kept, encoded");
    let switched = app.client.get(app.url("/lang?to=en&back=%2Flogin%3Fbye%3D1")).send().await.unwrap();
    assert_eq!(switched.headers()["location"], "/login?bye=1");
    let login = app.client.get(app.url("/login?bye=1")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("You have logged out."), "the language cookie sticks and logout is acknowledged");
    let evil = app.client.get(app.url("/lang?to=en&back=%2F%2Fevil.example")).send().await.unwrap();
    assert_eq!(evil.headers()["location"], "/", "no open redirect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn education_page_adds_a_record_and_keeps_input_on_errors() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        let denied = app.client.get(app.url("/me/education")).send().await.unwrap();
        assert_eq!(denied.headers()["location"], "/login");
        let username = unique_username();
        app.register(&registration(&username, "护理丙", &unique_resident_id())).await;
        let login = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden_value(&login, "csrf_token");
        app.client.post(app.url("/login")).form(&[("csrf_token", csrf.as_str()), ("login", &username), ("password", PASSWORD)]).send().await.unwrap();
        let page = app.client.get(app.url("/me/education")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("保存后不能删除"), "the candidate is told before saving");
        let mut fields = vec![
            ("csrf_token", csrf.clone()),
            ("level", "bachelor".into()),
            ("school", "复旦大学".into()),
            ("major", "临床医学".into()),
            ("enrolled_on", "2014-09".into()),
            ("graduated_on", "2019-06".into()),
            ("diploma_number", "102461201906000001".into()),
            ("degree", "".into()),
            ("degree_number", "".into()),
        ];
        let bad = app.client.post(app.url("/me/education")).form(&fields).send().await.unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let html = bad.text().await.unwrap();
        assert!(html.contains("培养层次与所选学历层次不一致"), "a clear reason");
        assert!(html.contains("value=\"复旦大学\"") && html.contains("value=\"102461201906000001\""), "input kept");
        fields[6].1 = "102461201905000001".into();
        let ok = app.client.post(app.url("/me/education")).form(&fields).send().await.unwrap();
        assert_eq!(ok.status().as_u16(), 303);
        let page = app.client.get(app.url("/me/education?added=1")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("复旦大学") && page.contains("未核验"));
        let me = app.client.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
        assert_eq!(me.matches("class=\"todo\"").count(), 3, "education now done");
    }
}
