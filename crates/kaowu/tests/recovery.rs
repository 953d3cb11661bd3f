//! 忘记密码 by the security question, on SQLite and PostgreSQL, by API and by page: the question (a decoy for
//! identifiers that name nobody), answers compared after normalisation and counted by the lockout, a one-time
//! reset code, a new password under the policy, every session ended, the lock lifted and the WeChat told; and
//! by a face check, through Tencent FaceID (pages) and through WeChat 人脸核身 (the mini-program's API).

mod support;

use serde_json::{Value, json};
use support::{Backend, TestApp};

on_both_databases!(
    recovering_by_the_security_question,
    wrong_answers_lock_like_wrong_passwords,
    recovering_through_the_pages,
    changing_the_security_question,
    recovering_by_a_face_check,
    recovering_by_a_wechat_face_check_in_the_mini_program,
);

const NEW_PASSWORD: &str = "Nw8#harbour2027";

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let answer = app.client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or_default())
}


/// A candidate whose security answer is `answer`: (username, ID number, account id, API token).
async fn candidate(app: &TestApp, answer: &str) -> (String, String, String, String) {
    let username = support::unique_username();
    let id_number = support::unique_resident_id();
    let mut body = support::registration(&username, "钱𪚥", &id_number);
    body["security_question"] = json!("您的出生地是？");
    body["security_answer"] = json!(answer);
    let token = app.register(&body).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    (username, id_number, me["account_id"].as_str().unwrap().to_owned(), token)
}

async fn recovering_by_the_security_question(backend: Backend) {
    let app = support::spawn_app_with_wechat(backend).await;
    let (username, id_number, account, old_token) = candidate(&app, "Bei Jing").await;
    app.store.bind_wechat(&account, "oRECOVER", web::state::now()).await.unwrap();

    let (status, body) = post(&app, "/api/v1/password-recovery/question", json!({"login": id_number.to_lowercase()})).await;
    assert_eq!((status, body["question"].as_str()), (200, Some("您的出生地是？")), "found by ID number too");
    // Someone not registered gets a question as well, always the same one.
    let (_, decoy) = post(&app, "/api/v1/password-recovery/question", json!({"login": "nobody_here"})).await;
    let (_, again) = post(&app, "/api/v1/password-recovery/question", json!({"login": "nobody_here"})).await;
    assert!(decoy["question"].as_str().unwrap().ends_with('？'));
    assert_eq!(decoy, again);
    let (status, body) = post(&app, "/api/v1/password-recovery/answer", json!({"login": "nobody_here", "answer": "北京"})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("recovery.answer_wrong")), "the same refusal as a wrong answer");

    let (_, body) = post(&app, "/api/v1/password-recovery/question", json!({"login": username.to_uppercase()})).await;
    assert_eq!(body["question"], "您的出生地是？", "usernames are found whatever their case, as at login");
    let (status, body) = post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "上海"})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("recovery.answer_wrong")));
    // Someone else answered too and holds a code of their own: the owner's reset voids it.
    let (_, other) = post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "bei jing"})).await;
    let other_code = other["reset_token"].as_str().unwrap().to_owned();
    // Full-width letters, case and spaces do not matter.
    let (status, body) = post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "  ｂｅｉ   JING "})).await;
    assert_eq!(status, 200, "{body}");
    let code = body["reset_token"].as_str().unwrap().to_owned();
    assert!(body["expires_at"].as_i64().unwrap() > web::state::now() + 14 * 60);

    let (status, body) = post(&app, "/api/v1/password-recovery/reset", json!({"reset_token": code, "new_password": "short", "new_password_confirm": "short"})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("password.too_short")), "refused, and the code is not spent");
    let reset = json!({"reset_token": code, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD});
    assert_eq!(post(&app, "/api/v1/password-recovery/reset", reset.clone()).await.0, 204);
    let (status, body) = post(&app, "/api/v1/password-recovery/reset", reset).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("recovery.code_invalid")), "a code works once");
    let late = json!({"reset_token": other_code, "new_password": "Zz9!takeover", "new_password_confirm": "Zz9!takeover"});
    assert_eq!(post(&app, "/api/v1/password-recovery/reset", late).await.0, 400, "the other code died with the reset");

    assert_eq!(app.get_json("/api/v1/me", Some(&old_token)).await.0, 401, "every session ended");
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": support::PASSWORD})).await.0, 401);
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": NEW_PASSWORD})).await.0, 201);
    for event in ["安全问题找回密码", "重置密码"] {
        assert!(support::security_notice_sent(&app, "oRECOVER", event).await, "the bound WeChat is told: {event}");
    }
    let history = app.store.login_events(&account, 20).await.unwrap();
    for (method, outcome) in [("security_answer", "wrong_secret"), ("security_answer", "ok"), ("password_reset", "ok")] {
        assert!(history.iter().any(|e| e.method == method && e.outcome == outcome), "{method} {outcome} in the history");
    }
    app.shutdown().await;
}

async fn wrong_answers_lock_like_wrong_passwords(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, _, _, _) = candidate(&app, "北京").await;
    for _ in 0..3 {
        assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": "Wrong!pass000"})).await.0, 401);
    }
    for _ in 0..2 {
        assert_eq!(post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "上海"})).await.0, 400);
    }
    let (status, body) = post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "北京"})).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("login.locked")), "3 wrong passwords + 2 wrong answers: locked, even for the right answer");
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": support::PASSWORD})).await.0, 429);
    app.shutdown().await;
}

async fn recovering_through_the_pages(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, _, _, _) = candidate(&app, "北京").await;
    let browser = support::browser();
    let login_page = browser.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login_page.contains("href=\"/recover\""), "the login page offers 忘记密码");
    let page = browser.get(app.url("/recover")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let step2 = browser.post(app.url("/recover")).form(&[("csrf_token", csrf.as_str()), ("login", username.as_str())]).send().await.unwrap().text().await.unwrap();
    assert!(step2.contains("您的出生地是？"));
    let wrong = browser.post(app.url("/recover/answer")).form(&[("csrf_token", csrf.as_str()), ("login", username.as_str()), ("answer", "上海")]).send().await.unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("安全问题答案不正确"));
    let step3 = browser.post(app.url("/recover/answer")).form(&[("csrf_token", csrf.as_str()), ("login", username.as_str()), ("answer", "北京")]).send().await.unwrap().text().await.unwrap();
    let code = support::hidden_value(&step3, "reset_token");
    assert_eq!(code.len(), 64);
    let mismatch = browser
        .post(app.url("/recover/reset"))
        .form(&[("csrf_token", csrf.as_str()), ("login", username.as_str()), ("reset_token", code.as_str()), ("new_password", NEW_PASSWORD), ("new_password_confirm", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 422);
    let html = mismatch.text().await.unwrap();
    assert!(html.contains("两次输入的密码不一致") && html.contains(&code), "still on the new-password step");
    let done = browser
        .post(app.url("/recover/reset"))
        .form(&[("csrf_token", csrf.as_str()), ("login", username.as_str()), ("reset_token", code.as_str()), ("new_password", NEW_PASSWORD), ("new_password_confirm", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.headers()["location"], "/login?reset=1");
    let told = browser.get(app.url("/login?reset=1")).send().await.unwrap().text().await.unwrap();
    assert!(told.contains("密码已重置"));
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": NEW_PASSWORD})).await.0, 201);
    app.shutdown().await;
}

async fn changing_the_security_question(backend: Backend) {
    let app = support::spawn_app_with_wechat(backend).await;
    let (username, _, account, token) = candidate(&app, "北京").await;
    app.store.bind_wechat(&account, "oQUESTION", web::state::now()).await.unwrap();
    let change = |password: &str, question: &str, answer: &str| {
        let body = json!({"password": password, "security_question": question, "security_answer": answer});
        app.client.put(app.url("/api/v1/me/security-question")).bearer_auth(&token).json(&body).send()
    };
    let refused = change("not-it", "您养的第一只宠物叫什么？", "小白").await.unwrap();
    assert_eq!(refused.status(), 401, "the password is the proof of identity");
    let refused = change(support::PASSWORD, "问?", "").await.unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["security_question.too_short", "security_answer.required"]);
    assert_eq!(change(support::PASSWORD, "您养的第一只宠物叫什么？", "小白").await.unwrap().status(), 204);
    assert!(support::security_notice_sent(&app, "oQUESTION", "修改安全问题").await);
    let (_, body) = post(&app, "/api/v1/password-recovery/question", json!({"login": username})).await;
    assert_eq!(body["question"], "您养的第一只宠物叫什么？");
    assert_eq!(post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "北京"})).await.0, 400, "the old answer is gone");
    assert_eq!(post(&app, "/api/v1/password-recovery/answer", json!({"login": username, "answer": "小白"})).await.0, 200);

    // By page: only with a recent proof of identity.
    let browser = support::browser();
    support::log_in(&app, &browser, &username, support::PASSWORD).await;
    let page = browser.get(app.url("/me/security-question")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = support::hidden_value(&page.text().await.unwrap(), "csrf_token");
    support::make_proofs_stale(&app, &account).await;
    let form = [("csrf_token", csrf.as_str()), ("security_question_choice", "您的出生地是？"), ("security_question_custom", ""), ("security_answer", "上海")];
    let stale = browser.post(app.url("/me/security-question")).form(&form).send().await.unwrap();
    assert_eq!(stale.headers()["location"], "/me/reauth?next=%2Fme%2Fsecurity-question");
    app.shutdown().await;
}

/// A browser's trip through the face check: start with `name` and `id_number`, the tester's `choice` on
/// FaceID's page, and the page kaowu shows on the way back.
async fn face_trip(app: &TestApp, browser: &reqwest::Client, name: &str, id_number: &str, choice: &str) -> (u16, String) {
    let page = browser.get(app.url("/recover/face")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let started = browser.post(app.url("/recover/face")).form(&[("csrf_token", csrf.as_str()), ("name", name), ("id_number", id_number)]).send().await.unwrap();
    assert_eq!(started.status(), 303, "{}", started.text().await.unwrap());
    let faceid_page = started.headers()["location"].to_str().unwrap().to_owned();
    assert!(faceid_page.starts_with(&app.url("/sim/faceid/verify?token=")), "{faceid_page}");
    let token = faceid_page.split("token=").nth(1).unwrap().to_owned();
    assert!(browser.get(&faceid_page).send().await.unwrap().text().await.unwrap().contains("核验通过"));
    let decided = browser.post(app.url("/sim/faceid/verify")).form(&[("token", token.as_str()), ("result", choice)]).send().await.unwrap();
    let back = decided.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, app.url(&format!("/recover/face/done?token={token}")));
    let answer = browser.get(&back).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

async fn recovering_by_a_face_check(backend: Backend) {
    let settings = [("faceid_secret_id", kaowu::config::DEMO_FACEID_SECRET_ID), ("faceid_secret_key", kaowu::config::DEMO_FACEID_SECRET_KEY)];
    let app = support::spawn_app_with(backend, support::Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await;
    let (username, id_number, account, old_token) = candidate(&app, "北京").await;
    let browser = support::browser;

    let recover = browser().get(app.url("/recover")).send().await.unwrap().text().await.unwrap();
    assert!(recover.contains("href=\"/recover/face\""), "offered beside the security question");

    // The face check fails: nothing changes.
    let (status, html) = face_trip(&app, &browser(), "钱𪚥", &id_number, "fail").await;
    assert_eq!(status, 422);
    assert!(html.contains("人脸核验未通过"));
    // A pass for a name the account was not registered under opens nothing.
    let (status, html) = face_trip(&app, &browser(), "钱多多", &id_number, "pass").await;
    assert_eq!(status, 422);
    assert!(html.contains("没有使用该居民身份证号和姓名注册的考生账号"));

    // A pass for the candidate: the new-password step, once, in this browser only.
    let mine = browser();
    let (status, html) = face_trip(&app, &mine, "钱𪚥", &id_number.to_lowercase(), "pass").await;
    assert_eq!(status, 200, "{html}");
    let code = support::hidden_value(&html, "reset_token");
    let csrf = support::hidden_value(&html, "csrf_token");
    let done = mine
        .post(app.url("/recover/reset"))
        .form(&[("csrf_token", csrf.as_str()), ("reset_token", code.as_str()), ("new_password", NEW_PASSWORD), ("new_password_confirm", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.headers()["location"], "/login?reset=1");
    assert_eq!(app.get_json("/api/v1/me", Some(&old_token)).await.0, 401, "every session ended");
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": NEW_PASSWORD})).await.0, 201);
    let history = app.store.login_events(&account, 20).await.unwrap();
    assert!(history.iter().any(|e| e.method == "face_check" && e.outcome == "ok"));

    // Someone else who got hold of the way back (the address with the token) has no cookie: nothing.
    let starter = browser();
    let page = starter.get(app.url("/recover/face")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let started = starter.post(app.url("/recover/face")).form(&[("csrf_token", csrf.as_str()), ("name", "钱𪚥"), ("id_number", id_number.as_str())]).send().await.unwrap();
    let token = started.headers()["location"].to_str().unwrap().split("token=").nth(1).unwrap().to_owned();
    app.simulators.faceid.decide(&token, true);
    let stranger = browser().get(app.url(&format!("/recover/face/done?token={token}"))).send().await.unwrap();
    assert_eq!(stranger.status(), 400, "a browser that did not start the check gets nothing");
    assert_eq!(starter.get(app.url(&format!("/recover/face/done?token={token}"))).send().await.unwrap().status(), 200, "the one that did does");

    // Every start is counted (four so far): a sixth start for the same ID number within the window is refused.
    let prober = browser();
    let page = prober.get(app.url("/recover/face")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    let start = || prober.post(app.url("/recover/face")).form(&[("csrf_token", csrf.as_str()), ("name", "钱𪚥"), ("id_number", id_number.as_str())]).send();
    assert_eq!(start().await.unwrap().status(), 303, "the fifth start");
    let refused = start().await.unwrap();
    assert_eq!(refused.status(), 429, "five starts for this ID number already");
    assert!(refused.text().await.unwrap().contains("分钟后解除"));
    app.shutdown().await;
}

async fn recovering_by_a_wechat_face_check_in_the_mini_program(backend: Backend) {
    let mini = kaowu::config::DEMO_WECHAT_MINI_APPID;
    let settings = [
        ("wechat_appid", kaowu::config::DEMO_WECHAT_APPID),
        ("wechat_secret", kaowu::config::DEMO_WECHAT_SECRET),
        ("wechat_token", "test-token"),
        ("wechat_mode", "plain"),
        ("wechat_miniprogram_appid", mini),
        ("wechat_miniprogram_secret", kaowu::config::DEMO_WECHAT_MINI_SECRET),
    ];
    let app = support::spawn_app_with(backend, support::Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await;
    let wechat = &app.simulators.wechat;
    let (username, id_number, account, old_token) = candidate(&app, "北京").await;
    let start = |person: &str, name: &str, number: &str| {
        let body = json!({"code": wechat.wx_login(mini, person), "name": name, "id_number": number});
        post(&app, "/api/v1/password-recovery/wechat-face/start", body)
    };
    let finish = |person: &str, verify_id: &str, name: &str, number: &str| {
        let body = json!({"code": wechat.wx_login(mini, person), "verify_id": verify_id, "name": name, "id_number": number});
        post(&app, "/api/v1/password-recovery/wechat-face/finish", body)
    };

    let (status, refused) = post(&app, "/api/v1/password-recovery/wechat-face/start", json!({"code": "no-such-code", "name": "钱𪚥", "id_number": id_number})).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("wechat.code_invalid")), "{refused}");
    let (status, refused) = start("oQIAN", "钱𪚥", "110105199001011233").await;
    assert_eq!((status, refused["field"].as_str()), (400, Some("id_number")), "a bad check digit never reaches WeChat");

    // The person leaves the check undone, or fails it: nothing.
    let (status, check) = start("oQIAN", "钱𪚥", &id_number).await;
    assert_eq!(status, 200, "{check}");
    let verify_id = check["verify_id"].as_str().unwrap().to_owned();
    assert_eq!(wechat.pending_face_checks()[0].masked_name, "钱*", "WeChat was asked about the typed person");
    let (status, refused) = finish("oQIAN", &verify_id, "钱𪚥", &id_number).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("recovery.face_failed")), "not finished is no pass");
    let (_, check) = start("oQIAN", "钱𪚥", &id_number).await;
    let failed = check["verify_id"].as_str().unwrap().to_owned();
    assert!(wechat.finish_face_check(&failed, 90011));
    assert_eq!(finish("oQIAN", &failed, "钱𪚥", &id_number).await.1["code"], "recovery.face_failed");

    // Passed, but finished by another WeChat user or for another person: nothing.
    let (_, check) = start("oQIAN", "钱𪚥", &id_number).await;
    let passed = check["verify_id"].as_str().unwrap().to_owned();
    assert!(wechat.finish_face_check(&passed, 10000));
    assert_eq!(finish("oSOMEONE", &passed, "钱𪚥", &id_number).await.1["code"], "recovery.face_expired");
    let (_, check) = start("oQIAN", "钱𪚥", &id_number).await;
    let passed = check["verify_id"].as_str().unwrap().to_owned();
    assert!(wechat.finish_face_check(&passed, 10000));
    assert_eq!(finish("oQIAN", &passed, "钱多多", &id_number).await.1["code"], "recovery.face_expired");

    // Starts are counted like failed secrets (four so far): the fifth goes through, the sixth is refused.
    assert_eq!(start("oQIAN", "钱𪚥", &id_number).await.0, 200);
    let (status, refused) = start("oQIAN", "钱𪚥", &id_number).await;
    assert_eq!((status, refused["code"].as_str()), (429, Some("login.locked")), "{refused}");
    app.store.lift_lock(&format!("face-start:{}", app.store.identity_digest(&id_number, ""))).await.unwrap();

    // The same WeChat user, the same person, passed: a reset code, once.
    let (status, check) = start("oQIAN", "钱𪚥", &id_number.to_lowercase()).await;
    assert_eq!(status, 200, "{check}");
    let verify_id = check["verify_id"].as_str().unwrap().to_owned();
    assert!(wechat.finish_face_check(&verify_id, 10000));
    let (status, code) = finish("oQIAN", &verify_id, "钱𪚥", &id_number).await;
    assert_eq!(status, 200, "{code}");
    assert_eq!(finish("oQIAN", &verify_id, "钱𪚥", &id_number).await.1["code"], "recovery.face_expired", "a verdict is used once");
    let reset = json!({"reset_token": code["reset_token"], "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD});
    assert_eq!(post(&app, "/api/v1/password-recovery/reset", reset).await.0, 204);
    assert_eq!(app.get_json("/api/v1/me", Some(&old_token)).await.0, 401, "every session ended");
    assert_eq!(post(&app, "/api/v1/sessions", json!({"login": username, "password": NEW_PASSWORD})).await.0, 201);
    let history = app.store.login_events(&account, 20).await.unwrap();
    assert!(history.iter().any(|e| e.method == "face_check" && e.outcome == "ok"));
    app.shutdown().await;
}
