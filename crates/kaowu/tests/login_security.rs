//! Logins under attack, on SQLite and PostgreSQL (shared/security.md): failures counted per account and per
//! address before the secret is checked, so 100 parallel wrong passwords check exactly 5; the lock refuses even
//! the right password and looks the same for accounts that do not exist; re-authentication before sensitive
//! changes; the candidate's devices (ending one) and login history, by page and API.

mod support;

use serde_json::json;
use store::throttle::{Attempt, ThrottleRule};
use support::{Backend, Options, TestApp};

on_both_databases!(
    the_counter_is_exact_and_locks_in_one_statement,
    parallel_wrong_passwords_check_exactly_the_limit,
    a_lock_looks_the_same_whether_or_not_the_account_exists,
    a_shared_address_is_limited_too,
    sensitive_pages_ask_for_the_password_again_after_15_minutes,
    devices_can_be_ended_and_logins_are_listed,
    an_abandoned_check_counts_as_a_failure,
);

async fn api_login(app: &TestApp, login: &str, password: &str) -> (u16, serde_json::Value, Option<String>) {
    let answer = app.client.post(app.url("/api/v1/sessions")).json(&json!({"login": login, "password": password})).send().await.unwrap();
    let status = answer.status().as_u16();
    let retry_after = answer.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, answer.json().await.unwrap_or_default(), retry_after)
}

/// A registered candidate: (username, account id).
async fn candidate(app: &TestApp) -> (String, String) {
    let username = support::unique_username();
    let token = app.register(&support::registration(&username, "周𪚥", &support::unique_resident_id())).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    (username, me["account_id"].as_str().unwrap().to_owned())
}

async fn the_counter_is_exact_and_locks_in_one_statement(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let store = &app.store;
    let rule = ThrottleRule { limit: 3, window_secs: 600, lock_secs: 1800 };
    let one = |key: &'static str| [(key, rule)];
    // Times near the present: housekeeping forgets counters whose window and lock are long over.
    let t = web::state::now();
    // Three checks in flight fill the limit: a fourth must wait, whatever the verdicts will be.
    for _ in 0..3 {
        assert_eq!(store.begin_attempt(&one("k"), t).await.unwrap(), Attempt::Allowed);
    }
    assert_eq!(store.begin_attempt(&one("k"), t).await.unwrap(), Attempt::Busy);
    store.release_attempts(&["k"], &[]).await.unwrap();
    assert_eq!(store.begin_attempt(&one("k"), t).await.unwrap(), Attempt::Allowed, "a right secret gives its place back");
    store.attempt_failed(&["k"], t + 1).await.unwrap();
    store.attempt_failed(&["k"], t + 1).await.unwrap();
    store.attempt_failed(&["k"], t + 1).await.unwrap();
    assert_eq!(store.begin_attempt(&one("k"), t + 2).await.unwrap(), Attempt::Locked { until: t + 1 + 1800 }, "the third failure locked");
    assert_eq!(store.begin_attempt(&one("k"), t + 1800).await.unwrap(), Attempt::Locked { until: t + 1801 });
    assert_eq!(store.begin_attempt(&one("k"), t + 1801).await.unwrap(), Attempt::Allowed, "the lock is over: counting anew");
    store.attempt_failed(&["k"], t + 1801).await.unwrap();
    store.begin_attempt(&one("k"), t + 1802).await.unwrap();
    store.attempt_failed(&["k"], t + 1802).await.unwrap();
    store.begin_attempt(&one("k"), t + 1803).await.unwrap();
    store.release_attempts(&["k"], &["k"]).await.unwrap();
    for _ in 0..3 {
        assert_eq!(store.begin_attempt(&one("k"), t + 1804).await.unwrap(), Attempt::Allowed, "the account's success forgot its failures");
    }
    // Failures older than the window are forgotten.
    for _ in 0..2 {
        store.begin_attempt(&one("window"), t).await.unwrap();
        store.attempt_failed(&["window"], t).await.unwrap();
    }
    for _ in 0..3 {
        assert_eq!(store.begin_attempt(&one("window"), t + 600).await.unwrap(), Attempt::Allowed, "the two failures are forgotten");
    }
    // Checks lost with their node (never answered) stop holding places after a minute.
    for _ in 0..3 {
        store.begin_attempt(&one("lost"), t).await.unwrap();
    }
    assert_eq!(store.begin_attempt(&one("lost"), t + 59).await.unwrap(), Attempt::Busy);
    assert_eq!(store.begin_attempt(&one("lost"), t + 120).await.unwrap(), Attempt::Allowed, "the lost checks are let go");
    // Several keys in one statement: refused on one, nothing stays counted on the others.
    let address = ThrottleRule { limit: 10, ..rule };
    let both = [("account:a", rule), ("ip:x", address)];
    for _ in 0..3 {
        store.begin_attempt(&both, t).await.unwrap();
        store.attempt_failed(&["account:a", "ip:x"], t).await.unwrap();
    }
    assert_eq!(store.begin_attempt(&both, t + 1).await.unwrap(), Attempt::Locked { until: t + 1800 });
    for _ in 0..7 {
        assert_eq!(store.begin_attempt(&[("ip:x", address)], t + 1).await.unwrap(), Attempt::Allowed, "the refused attempt took no place on the address");
    }
    assert_eq!(store.begin_attempt(&[("ip:x", address)], t + 1).await.unwrap(), Attempt::Busy);
    app.shutdown().await;
}

async fn parallel_wrong_passwords_check_exactly_the_limit(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, account) = candidate(&app).await;
    let attempts = (0..100).map(|i| {
        let (client, url, username) = (app.client.clone(), app.url("/api/v1/sessions"), username.clone());
        tokio::spawn(async move {
            let body = json!({"login": username, "password": format!("Wrong!pass{i:03}")});
            client.post(url).json(&body).send().await.unwrap().status().as_u16()
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| matches!(**s, 429 | 503)).count();
    assert_eq!((checked, refused), (5, 95), "exactly 5 passwords were checked, the rest refused (locked, or busy): {statuses:?}");

    let (status, body, retry_after) = api_login(&app, &username, support::PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("login.locked")), "even the right password is refused");
    assert!(body["message"].as_str().unwrap().contains("分钟后解除"), "{body}");
    let retry_after: i64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((29 * 60..=30 * 60).contains(&retry_after), "{retry_after}");

    // An authority lifts the lock (the console comes with issue 6): the right password works, and its success
    // clears the count.
    app.store.lift_lock(&format!("account:{account}")).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await; // refusals still finishing
    assert_eq!(api_login(&app, &username, support::PASSWORD).await.0, 201);
    let history = app.store.login_events(&account, 200).await.unwrap();
    let count = |outcome: &str| history.iter().filter(|e| e.outcome == outcome).count();
    assert_eq!((count("wrong_secret"), count("ok")), (5, 2), "5 wrong, the registration and the login");
    assert!(count("locked") >= 1, "refusals for the lock are in the history too");
    app.shutdown().await;
}

async fn a_lock_looks_the_same_whether_or_not_the_account_exists(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, _) = candidate(&app).await;
    let mut answers = Vec::new();
    for login in [username.as_str(), "nobody_by_this_name"] {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(api_login(&app, login, "Wrong!pass000").await);
        }
        let codes: Vec<u16> = statuses.iter().map(|(s, _, _)| *s).collect();
        assert_eq!(codes, [401, 401, 401, 401, 401, 429], "{login}");
        answers.push(statuses.pop().unwrap().1);
    }
    assert_eq!(api_login(&app, "NOBODY_BY_THIS_NAME", support::PASSWORD).await.0, 429, "another spelling of the same identifier is locked too, as an account's would be");
    assert_eq!(answers[0]["code"], answers[1]["code"]);
    assert_eq!(answers[0]["message"], answers[1]["message"], "the same words for an account that does not exist");
    app.shutdown().await;
}

async fn a_shared_address_is_limited_too(backend: Backend) {
    let settings = [("login_max_failures_per_address", "3")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let app = support::spawn_app_with(backend, Options { settings }).await;
    let mut accounts = Vec::new();
    for _ in 0..4 {
        accounts.push(candidate(&app).await.0);
    }
    for username in &accounts[..3] {
        assert_eq!(api_login(&app, username, "Wrong!pass000").await.0, 401);
    }
    assert_eq!(api_login(&app, &accounts[3], support::PASSWORD).await.0, 429, "this address tried too many wrong passwords");
    app.shutdown().await;
}

async fn sensitive_pages_ask_for_the_password_again_after_15_minutes(backend: Backend) {
    let app = support::spawn_app_with_wechat(backend).await;
    let (username, account) = candidate(&app).await;
    let browser = support::browser();
    assert_eq!(support::log_in(&app, &browser, &username, support::PASSWORD).await, 303);
    assert_eq!(browser.get(app.url("/me/wechat")).send().await.unwrap().status(), 200, "just logged in: no second prompt");

    // Sixteen minutes later (the proof is moved back in time).
    support::make_proofs_stale(&app, &account).await;
    let asked = browser.get(app.url("/me/wechat")).send().await.unwrap();
    assert_eq!((asked.status().as_u16(), asked.headers()["location"].to_str().unwrap()), (303, "/me/reauth?next=%2Fme%2Fwechat"));
    let form = browser.get(app.url("/me/reauth?next=%2Fme%2Fwechat")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&form, "csrf_token");
    let unbind = browser.post(app.url("/me/wechat/unbind")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(unbind.headers()["location"], "/me/reauth?next=%2Fme%2Fwechat", "a stale session cannot unbind either");
    let wrong = browser.post(app.url("/me/reauth")).form(&[("csrf_token", csrf.as_str()), ("password", "not-it"), ("next", "/me/wechat")]).send().await.unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("当前密码不正确"));
    let elsewhere = browser
        .post(app.url("/me/reauth"))
        .form(&[("csrf_token", csrf.as_str()), ("password", support::PASSWORD), ("next", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.headers()["location"], "/me", "never sent to another site");
    let form = browser.get(app.url("/me/reauth")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&form, "csrf_token");
    let broken = browser
        .post(app.url("/me/reauth"))
        .form(&[("csrf_token", csrf.as_str()), ("password", support::PASSWORD), ("next", "/me\nSet-Cookie: x=1")])
        .send()
        .await
        .unwrap();
    assert_eq!(broken.headers()["location"], "/me", "control characters never reach a header");
    assert_eq!(browser.get(app.url("/me/wechat")).send().await.unwrap().status(), 200, "fresh again");
    let history = app.store.login_events(&account, 10).await.unwrap();
    assert!(history.iter().any(|e| e.outcome == "wrong_secret"), "the wrong confirmation counts as a failed attempt");
    app.shutdown().await;
}

async fn devices_can_be_ended_and_logins_are_listed(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, _) = candidate(&app).await;
    let laptop = support::browser();
    assert_eq!(support::log_in(&app, &laptop, &username, "Wrong!pass000").await, 401);
    assert_eq!(support::log_in(&app, &laptop, &username, support::PASSWORD).await, 303);
    let phone = support::browser();
    assert_eq!(support::log_in(&app, &phone, &username, support::PASSWORD).await, 303);

    let page = laptop.get(app.url("/me/security")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("本设备") && page.contains("data-current=\"true\""));
    assert!(page.contains("密码错误"), "the failed attempt is listed");
    // The API sees the same: the registration's API session and two browsers.
    let token = match api_login(&app, &username, support::PASSWORD).await {
        (201, body, _) => body["token"].as_str().unwrap().to_owned(),
        other => panic!("{other:?}"),
    };
    let (status, view) = app.get_json("/api/v1/me/security", Some(&token)).await;
    assert_eq!(status, 200);
    let sessions = view["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 4, "{view}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(view["history"].as_array().unwrap().iter().any(|e| e["outcome"] == "wrong_secret" && e["method"] == "password"));

    // The laptop ends the phone's session: the phone is logged out.
    let csrf = support::hidden_value(&page, "csrf_token");
    let phone_page = phone.get(app.url("/me/security")).send().await.unwrap().text().await.unwrap();
    let phone_session = phone_page.split("data-current=\"true\"").nth(1).and_then(|rest| rest.split("name=\"session\" value=\"").nth(1)).unwrap()[..64].to_owned();
    let ended = laptop.post(app.url("/me/security/sessions/end")).form(&[("csrf_token", csrf.as_str()), ("session", phone_session.as_str())]).send().await.unwrap();
    assert_eq!(ended.headers()["location"], "/me/security");
    assert_eq!(phone.get(app.url("/me")).send().await.unwrap().status(), 303, "the phone must log in again");
    assert_eq!(laptop.get(app.url("/me")).send().await.unwrap().status(), 200);

    // By API: another candidate's session id does nothing; its own ends.
    let (status, body) = delete(&app, &token, &"0".repeat(64)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("session.not_found")));
    let (_, view) = app.get_json("/api/v1/me/security", Some(&token)).await;
    let mine = view["sessions"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(delete(&app, &token, &mine).await.0, 204);
    assert_eq!(app.get_json("/api/v1/me/security", Some(&token)).await.0, 401, "that was logging out");
    app.shutdown().await;
}

async fn delete(app: &TestApp, token: &str, id: &str) -> (u16, serde_json::Value) {
    let answer = app.client.delete(app.url(&format!("/api/v1/me/sessions/{id}"))).bearer_auth(token).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}

async fn an_abandoned_check_counts_as_a_failure(backend: Backend) {
    // A client that goes away mid-check drops the check without a verdict: it must count as a failure, not a
    // free guess, and must not hold its place.
    let app = support::spawn_app(backend).await;
    let client = web::sessions::Client { ip: Some("203.0.113.7".into()), user_agent: None, lang: web::i18n::Lang::Zh };
    for _ in 0..5 {
        let check = web::flows::login::SecretCheck::begin(&app.state, vec!["account:abandoned".into()], &client).await.unwrap();
        drop(check);
    }
    let rule = app.state.settings.account_throttle;
    let mut locked = false;
    for _ in 0..50 {
        if let Attempt::Locked { .. } = app.store.begin_attempt(&[("account:abandoned", rule)], web::state::now()).await.unwrap() {
            locked = true;
            break;
        }
        // Not locked yet: give back the place this probe took, and wait for the spawned counting.
        app.store.release_attempts(&["account:abandoned"], &[]).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(locked, "five abandoned checks are five failures");
    app.shutdown().await;
}
