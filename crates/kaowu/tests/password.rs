//! 修改密码 on SQLite and PostgreSQL, by page and by API: the current password is required, the new one meets
//! the policy, every other session ends, the old password stops working, and the bound WeChat is told.

mod support;

use serde_json::json;
use support::{Backend, TestApp};

on_both_databases!(changing_the_password_ends_other_sessions_and_tells_wechat);

const NEW_PASSWORD: &str = "Nw8#harbour2027";


async fn api_login(app: &TestApp, username: &str, password: &str) -> u16 {
    let answer = app.client.post(app.url("/api/v1/sessions")).json(&json!({"login": username, "password": password})).send().await.unwrap();
    answer.status().as_u16()
}

async fn change_by_api(app: &TestApp, token: &str, current: &str, new: &str, confirm: &str) -> (u16, serde_json::Value) {
    let body = json!({"current_password": current, "new_password": new, "new_password_confirm": confirm});
    let answer = app.client.put(app.url("/api/v1/me/password")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}

/// Every error code of an answer (one error comes as `code` alone, several also as `errors`).
fn codes(body: &serde_json::Value) -> Vec<String> {
    match body["errors"].as_array() {
        Some(all) if !all.is_empty() => all.iter().map(|e| e["code"].as_str().unwrap_or_default().to_owned()).collect(),
        _ => vec![body["code"].as_str().unwrap_or_default().to_owned()],
    }
}

async fn changing_the_password_ends_other_sessions_and_tells_wechat(backend: Backend) {
    let app = support::spawn_app_with_wechat(backend).await;
    let username = support::unique_username();
    let api_token = app.register(&support::registration(&username, "林𪚥", &support::unique_resident_id())).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&api_token)).await;
    let account = me["account_id"].as_str().unwrap().to_owned();
    app.store.bind_wechat(&account, "oPASSWORD", web::state::now()).await.unwrap();

    // Refusals by API: every problem at once, nothing changed.
    let (status, body) = change_by_api(&app, &api_token, "wrong-one", "short", "other").await;
    assert_eq!(status, 400, "{body}");
    let found = codes(&body);
    for expected in ["password.current_wrong", "password.too_short", "password.confirmation_mismatch"] {
        assert!(found.iter().any(|c| c == expected), "{expected} in {found:?}");
    }
    let (status, body) = change_by_api(&app, &api_token, support::PASSWORD, support::PASSWORD, support::PASSWORD).await;
    assert_eq!((status, codes(&body)), (400, vec!["password.unchanged".to_owned()]));
    assert_eq!(api_login(&app, &username, support::PASSWORD).await, 201, "the password is unchanged");

    // By page: the browser that changes it stays in; the API session from before is ended.
    let browser = support::browser();
    assert_eq!(support::log_in(&app, &browser, &username, support::PASSWORD).await, 303);
    let page = browser.get(app.url("/me/password")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let wrong = browser
        .post(app.url("/me/password"))
        .form(&[("csrf_token", csrf.as_str()), ("current_password", "nope"), ("new_password", NEW_PASSWORD), ("new_password_confirm", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("当前密码不正确") && html.contains("aria-invalid=\"true\""));
    assert!(!html.contains(NEW_PASSWORD), "passwords are never echoed into the page");
    let done = browser
        .post(app.url("/me/password"))
        .form(&[("csrf_token", csrf.as_str()), ("current_password", support::PASSWORD), ("new_password", NEW_PASSWORD), ("new_password_confirm", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!((done.status().as_u16(), done.headers()["location"].to_str().unwrap()), (303, "/me/password?changed=1"));
    let after = browser.get(app.url("/me/password?changed=1")).send().await.unwrap();
    assert_eq!(after.status(), 200, "this browser is still logged in");
    assert!(after.text().await.unwrap().contains("其他设备上的登录已全部退出"));
    assert_eq!(app.get_json("/api/v1/me", Some(&api_token)).await.0, 401, "the other session is over");
    assert_eq!(api_login(&app, &username, support::PASSWORD).await, 401, "the old password no longer works");
    assert_eq!(api_login(&app, &username, NEW_PASSWORD).await, 201);

    assert!(support::security_notice_sent(&app, "oPASSWORD", "修改密码").await, "the bound WeChat is told");

    // By API: this token stays valid, the browser's session ends.
    let answer = app.client.post(app.url("/api/v1/sessions")).json(&json!({"login": username, "password": NEW_PASSWORD})).send().await.unwrap();
    let token: serde_json::Value = answer.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let (status, _) = change_by_api(&app, &token, NEW_PASSWORD, "Th9$meadow2028", "Th9$meadow2028").await;
    assert_eq!(status, 204);
    assert_eq!(app.get_json("/api/v1/me", Some(&token)).await.0, 200, "the token that changed it stays valid");
    assert_eq!(browser.get(app.url("/me")).send().await.unwrap().status(), 303, "the browser was logged out");
    app.shutdown().await;
}
