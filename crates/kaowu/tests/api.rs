//! The JSON API as the mini-program uses it, on SQLite and on PostgreSQL.

mod support;

use serde_json::{Value, json};
use support::{Backend, PASSWORD, TestApp, registration, spawn_app, unique_resident_id, unique_username};

on_both_databases!(
    lists_id_types_as_data,
    finds_rare_characters_by_pinyin,
    registers_normalises_and_shows_the_id_masked,
    double_entry_mismatch_names_the_field,
    one_account_per_id_document_and_username,
    concurrent_registrations_of_one_id_create_one_account,
    reports_every_validation_error_with_its_field,
    logs_in_by_username_or_id_number_and_logs_out,
    wrong_credentials_do_not_reveal_whether_an_account_exists,
    malformed_input_is_never_a_server_error,
    id_numbers_are_encrypted_at_rest,
    sessions_expire_when_idle,
    identity_cannot_be_changed_by_the_candidate,
    retries_with_an_idempotency_key_get_the_first_answer,
    records_education_manually_at_most_five_never_deleted,
    adds_verified_education_from_a_chsi_report,
);

async fn lists_id_types_as_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, types) = app.get_json("/api/v1/id-types", None).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = types.as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["resident_id", "hmt_residence_permit", "hk_macao_permit", "taiwan_permit", "passport", "foreign_permanent_resident_id", "military_officer_id"]
    );
    assert_eq!(types[0]["name"], "居民身份证");
    // The list is reference data: disabling a type in the table removes it from the next start's list.
    let english = app.client.get(app.url("/api/v1/id-types")).header("accept-language", "en").send().await.unwrap();
    let english: Value = english.json().await.unwrap();
    assert_eq!(english[0]["name"], "Resident identity card");
}

async fn finds_rare_characters_by_pinyin(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, chars) = app.get_json("/api/v1/rare-chars?pinyin=yan", None).await;
    assert_eq!(status, 200);
    let list = chars.as_array().unwrap();
    assert!(list.iter().any(|c| c["char"] == "䶮" && c["pinyin"].as_str().unwrap().contains("yǎn")));
    assert!(!list.iter().any(|c| c["char"] == "严"), "GB 2312 characters are not rare");
    assert!(list.iter().any(|c| c["char"].as_str().unwrap().chars().next().unwrap() as u32 >= 0x20000), "Extension B+ included");
    for bad in ["", "yan1yan1yan1yan", "%3Cscript%3E", "%E4%B8%AD"] {
        let (status, error) = app.get_json(&format!("/api/v1/rare-chars?pinyin={bad}"), None).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(error["code"], "rare_chars.query");
        assert_eq!(error["field"], "pinyin");
    }
}

async fn registers_normalises_and_shows_the_id_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    let typed_id = id.to_lowercase();
    let mut body = registration(&unique_username(), "买买提•䶮", &typed_id);
    body["confirm"]["name"] = json!("买买提・䶮");
    let (status, created) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256-bit token, base64url");

    let (status, me) = app.get_json("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "买买提·䶮", "look-alike dots normalise to U+00B7");
    assert_eq!(me["id_type"], "resident_id");
    assert_eq!(me["account_id"], created["account_id"]);
    let masked = format!("{}********{}", &id[..6], &id[14..]);
    assert_eq!(me["id_number_masked"], masked);
    assert!(!me.to_string().contains(&id) && !me.to_string().contains(&typed_id), "full number never sent");
    let steps: Vec<(&str, bool)> =
        me["checklist"].as_array().unwrap().iter().map(|s| (s["step"].as_str().unwrap(), s["done"].as_bool().unwrap())).collect();
    assert_eq!(steps, [("photo", false), ("education", false), ("wechat", false), ("identity", false)]);
    assert_eq!(me["identity_verification"], "pending", "no identity service is configured here");
}

async fn double_entry_mismatch_names_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    let mut body = registration(&unique_username(), "张𪚥", &id);
    body["confirm"]["id_number"] = json!(unique_resident_id());
    let (status, error) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!(status, 400);
    assert_eq!(error["code"], "confirm.id_number_mismatch");
    assert_eq!(error["field"], "confirm.id_number");
    assert!(error["message"].as_str().unwrap().contains("证件号码"));

    let mut body = registration(&unique_username(), "张𪚥", &id);
    body["confirm"]["name"] = json!("张三");
    body["confirm"]["id_type"] = json!("passport");
    let (status, error) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = error["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["confirm.name", "confirm.id_type"]);
    // Nothing was created by the failed attempts: the same data registers now.
    app.register(&registration(&unique_username(), "张𪚥", &id)).await;
}

async fn one_account_per_id_document_and_username(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    let username = unique_username();
    app.register(&registration(&username, "王五", &id)).await;

    let (status, error) = app.post_json("/api/v1/accounts", &registration(&unique_username(), "王五", &id.to_lowercase())).await;
    assert_eq!(status, 409);
    assert_eq!(error["code"], "id_number.taken");
    assert_eq!(error["field"], "id_number");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("登录") && message.contains("找回密码") && message.contains("考点"), "{message}");

    let (status, error) = app.post_json("/api/v1/accounts", &registration(&username.to_uppercase(), "王五", &unique_resident_id())).await;
    assert_eq!(status, 409);
    assert_eq!(error["code"], "username.taken");

    // The same number under another document type is another document.
    let mut passport = registration(&unique_username(), "WANG WU", "E12345678");
    passport["id_type"] = json!("passport");
    passport["confirm"]["id_type"] = json!("passport");
    app.register(&passport).await;
}

async fn concurrent_registrations_of_one_id_create_one_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    let attempts = (0..6).map(|_| {
        let body = registration(&unique_username(), "赵六", &id);
        let (client, url) = (app.client.clone(), app.url("/api/v1/accounts"));
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status().as_u16() })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
}

async fn reports_every_validation_error_with_its_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("id_number", json!("110105194912310021"), "id_number.checksum"),
        ("id_number", json!("110105194902300028"), "id_number.birth_date"),
        ("id_number", json!("12345"), "id_number.length"),
        ("name", json!("张3"), "name.char_not_allowed"),
        ("name", json!("张yan"), "name.latin_needs_pinyin_flag"),
        ("name", json!("·艾力"), "name.dot_position"),
        ("password", json!("short1A"), "password.too_short"),
        ("password", json!("alllowercase1"), "password.too_simple"),
        ("password", json!("Qq123456"), "password.common"),
        ("username", json!("9lives"), "username.format"),
        ("security_answer", json!(""), "security_answer.required"),
        ("id_type", json!("library_card"), "id_type.unknown"),
        ("accept_privacy", json!(false), "consent.privacy_required"),
    ];
    for (field, value, code) in cases {
        let mut body = registration(&unique_username(), "李四", &unique_resident_id());
        body[field] = value.clone();
        let (status, error) = app.post_json("/api/v1/accounts", &body).await;
        assert_eq!(status, 400, "{field}={value}: {error}");
        assert_eq!(error["code"], code, "{field}={value}: {error}");
        assert_eq!(error["field"], field, "{field}={value}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // Pinyin is accepted when the candidate says so, and English messages on request.
    let mut body = registration(&unique_username(), "张yan", &unique_resident_id());
    body["name_uses_pinyin"] = json!(true);
    app.register(&body).await;
    let mut body = registration(&unique_username(), "李四", "110105194912310021");
    body["confirm"]["id_number"] = json!("110105194912310021");
    let response = app.client.post(app.url("/api/v1/accounts")).header("accept-language", "en-US,en;q=0.9").json(&body).send().await.unwrap();
    let error: Value = response.json().await.unwrap();
    assert!(error["message"].as_str().unwrap().contains("check character"), "{error}");
}

async fn logs_in_by_username_or_id_number_and_logs_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    let username = unique_username();
    app.register(&registration(&username, "孙七", &id)).await;

    for login in [username.clone(), username.to_uppercase(), id.clone(), id.to_lowercase(), format!(" {id} ")] {
        let (status, session) = app.post_json("/api/v1/sessions", &json!({"login": login, "password": PASSWORD})).await;
        assert_eq!(status, 201, "login as {login}: {session}");
        let token = session["token"].as_str().unwrap();
        assert!(session["expires_at"].as_i64().unwrap() > 0);
        let (status, me) = app.get_json("/api/v1/me", Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(me["username"], username);
    }

    let (_, session) = app.post_json("/api/v1/sessions", &json!({"login": username, "password": PASSWORD})).await;
    let token = session["token"].as_str().unwrap().to_string();
    let response = app.client.delete(app.url("/api/v1/sessions/current")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let (status, error) = app.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 401);
    assert_eq!(error["code"], "auth.required");
    let (status, _) = app.get_json("/api/v1/me", None).await;
    assert_eq!(status, 401);
}

async fn wrong_credentials_do_not_reveal_whether_an_account_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    let username = unique_username();
    app.register(&registration(&username, "周八", &unique_resident_id())).await;
    let (s1, wrong_password) = app.post_json("/api/v1/sessions", &json!({"login": username, "password": "Wrong!pass1"})).await;
    let (s2, unknown_user) = app.post_json("/api/v1/sessions", &json!({"login": "nobody_here", "password": "Wrong!pass1"})).await;
    let (s3, unknown_id) = app.post_json("/api/v1/sessions", &json!({"login": unique_resident_id(), "password": "Wrong!pass1"})).await;
    assert_eq!((s1, s2, s3), (401, 401, 401));
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(wrong_password, unknown_id);
    assert_eq!(wrong_password["code"], "login.invalid_credentials");
    let (status, error) = app.post_json("/api/v1/sessions", &json!({"login": "", "password": ""})).await;
    assert_eq!(status, 400);
    assert_eq!(error["code"], "login.required");
}

async fn malformed_input_is_never_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let raw_bodies: Vec<(&str, String, &str)> = vec![
        ("application/json", "{".into(), "request.malformed"),
        ("application/json", "".into(), "request.malformed"),
        ("application/json", "[1,2,3]".into(), "request.field_type"),
        ("application/json", r#"{"username": 5}"#.into(), "request.field_type"),
        ("application/json", r#"{"accept_privacy": "yes"}"#.into(), "request.field_type"),
        ("application/json", r#"{"confirm": "x"}"#.into(), "request.field_type"),
        ("application/json", r#"{"confirm": {"name": []}}"#.into(), "request.field_type"),
        ("application/json", format!(r#"{{"username": "{}"}}"#, "a".repeat(20_000)), "request.too_large"),
        ("text/plain", r#"{"username": "abc"}"#.into(), "request.unsupported_media_type"),
        ("application/json", "\u{0}\u{1}\u{2}".into(), "request.malformed"),
    ];
    for (content_type, body, code) in raw_bodies {
        for path in ["/api/v1/accounts", "/api/v1/sessions"] {
            let response = app.client.post(app.url(path)).header("content-type", content_type).body(body.clone()).send().await.unwrap();
            let status = response.status().as_u16();
            let json: Value = response.json().await.unwrap_or(Value::Null);
            assert!((400..500).contains(&status), "{path} {content_type} {body:.40}: {status}");
            if path == "/api/v1/accounts" || code != "request.field_type" {
                assert_eq!(json["code"], code, "{path} {body:.40}: {json}");
            }
        }
    }
    let (_, error) = app.post_json("/api/v1/accounts", &json!({"username": 5})).await;
    assert_eq!(error["field"], "username");
    let (_, error) = app.post_json("/api/v1/accounts", &json!({"confirm": {"name": []}})).await;
    assert_eq!(error["field"], "confirm.name");

    // Control characters, huge strings and odd Unicode in every text field: 4xx with a field.
    for nasty in ["\u{0}\u{7}\u{1b}[31m", &"长".repeat(5000), "\u{202e}abcdefgh", "😀"] {
        for field in ["username", "password", "name", "id_number", "security_question", "security_answer", "id_type"] {
            let mut body = registration(&unique_username(), "李四", &unique_resident_id());
            body[field] = json!(nasty);
            let (status, error) = app.post_json("/api/v1/accounts", &body).await;
            assert!((400..500).contains(&status), "{field}={nasty:.20}: {status} {error}");
            assert!(error["code"].is_string());
        }
    }
    // Text that looks like SQL is just text.
    let mut body = registration(&unique_username(), "李四", &unique_resident_id());
    body["security_question"] = json!("'; DROP TABLE accounts; --");
    app.register(&body).await;
    let response = app.client.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["code"], "request.not_found");
    let response = app.client.put(app.url("/api/v1/accounts")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    // The server is still healthy afterwards.
    let (status, _) = app.get_json("/api/v1/id-types", None).await;
    assert_eq!(status, 200);
}

async fn id_numbers_are_encrypted_at_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = unique_resident_id();
    // An answer found nowhere else in the database (reference data names 北京, the usual test answer).
    let mut body = registration(&unique_username(), "吴九", &id);
    body["security_answer"] = serde_json::json!("蓬莱阁九号");
    app.register(&body).await;
    let rows: Vec<(Vec<u8>, String, String, String)> = store::on_db!(&app.store.db, pool =>
        sqlx::query_as("SELECT id_number_ciphertext, id_number_blind_index, id_number_key_id, security_answer_hash FROM accounts")
            .fetch_all(pool).await).unwrap();
    assert_eq!(rows.len(), 1);
    let (ciphertext, blind_index, key_id, answer_hash) = &rows[0];
    assert_eq!(key_id, "k1");
    assert!(!String::from_utf8_lossy(ciphertext).contains(&id));
    assert!(!ciphertext.windows(6).any(|w| w == &id.as_bytes()[..6]), "no region code in clear");
    assert_eq!(blind_index.len(), 64);
    assert!(!blind_index.contains(&id));
    assert!(answer_hash.starts_with("$argon2id$"), "security answer hashed");
    if app.backend == Backend::Sqlite {
        let db_file = app.data_dir.path().join("kaowu.db");
        let mut bytes = std::fs::read(&db_file).unwrap_or_default();
        bytes.extend(std::fs::read(db_file.with_extension("db-wal")).unwrap_or_default());
        assert!(!bytes.windows(id.len()).any(|w| w == id.as_bytes()), "ID number found in the database file");
        assert!(!bytes.windows("蓬莱阁九号".len()).any(|w| w == "蓬莱阁九号".as_bytes()), "security answer found in the database file");
    }
}

async fn sessions_expire_when_idle(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.register(&registration(&unique_username(), "郑十", &unique_resident_id())).await;
    let hash = web::sessions::token_hash(&token);
    let now = web::state::now();
    assert!(app.store.active_session(&hash, now).await.unwrap().is_some());
    assert!(app.store.active_session(&hash, now + 29 * 60).await.unwrap().is_some(), "activity within 30 minutes");
    assert!(app.store.active_session(&hash, now + 29 * 60 + 31 * 60).await.unwrap().is_none(), "idle for 31 minutes");
    let token = app.register(&registration(&unique_username(), "郑十一", &unique_resident_id())).await;
    let hash = web::sessions::token_hash(&token);
    let mut t = now;
    while t < now + 11 * 3600 {
        t += 20 * 60;
        assert!(app.store.active_session(&hash, t).await.unwrap().is_some());
    }
    assert!(app.store.active_session(&hash, now + 12 * 3600 + 1).await.unwrap().is_none(), "absolute limit of 12 hours");
    assert_eq!(app.store.purge_expired_sessions(now + 13 * 3600).await.unwrap(), 2);
}

async fn identity_cannot_be_changed_by_the_candidate(backend: Backend) {
    let app: TestApp = spawn_app(backend).await;
    let token = app.register(&registration(&unique_username(), "冯一", &unique_resident_id())).await;
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH, reqwest::Method::POST] {
        let response = app.client.request(method.clone(), app.url("/api/v1/me")).bearer_auth(&token).json(&json!({"name": "冯二"})).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
    }
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(me["name"], "冯一");
}

async fn retries_with_an_idempotency_key_get_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = registration(&unique_username(), "韩梅", &unique_resident_id());
    let send = |key: &'static str, body: Value| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/accounts"));
        async move {
            let response = client.post(url).header("idempotency-key", key).json(&body).send().await.unwrap();
            let replayed = response.headers().get("idempotent-replayed").is_some();
            let (status, json) = support::status_and_json(response).await;
            (status, json, replayed)
        }
    };
    let (status, first, replayed) = send("reg-0001", body.clone()).await;
    assert_eq!((status, replayed), (201, false), "{first}");
    let (status, again, replayed) = send("reg-0001", body.clone()).await;
    assert_eq!((status, replayed), (201, true), "the retry is answered from the first result");
    assert_eq!(again, first, "same account and the same session token");
    let (status, me) = app.get_json("/api/v1/me", again["token"].as_str()).await;
    assert_eq!(status, 200, "{me}");

    let mut other = body.clone();
    other["username"] = json!(unique_username());
    let (status, error, _) = send("reg-0001", other).await;
    assert_eq!(status, 422);
    assert_eq!(error["code"], "idempotency.key_reused");
    // Without the key the same body is a new attempt, and a duplicate.
    let (status, error) = app.post_json("/api/v1/accounts", &body).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("id_number.taken")));
    let response = app.client.post(app.url("/api/v1/sessions")).header("idempotency-key", "bad key ✗").json(&json!({})).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // Stored answers are sealed: the token is not in the table in clear.
    let stored: Vec<Vec<u8>> = store::on_db!(&app.store.db, pool =>
        sqlx::query_scalar("SELECT response_ciphertext FROM idempotency_keys").fetch_all(pool).await).unwrap();
    let token = first["token"].as_str().unwrap();
    assert!(stored.iter().all(|c| !String::from_utf8_lossy(c).contains(token)));
}

fn nursing_bachelor() -> Value {
    json!({
        "level": "bachelor", "school": "北京协和医学院", "major": "护理学",
        "enrolled_on": "2015-09", "graduated_on": "2019-06",
        "diploma_number": "100231201905003212", "degree": "bachelor", "degree_number": "1002342019001234"
    })
}

async fn records_education_manually_at_most_five_never_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.register(&registration(&unique_username(), "护理甲", &unique_resident_id())).await;
    let add = |body: Value| {
        let (client, url, token) = (app.client.clone(), app.url("/api/v1/me/education"), token.clone());
        async move { support::status_and_json(client.post(url).bearer_auth(token).json(&body).send().await.unwrap()).await }
    };
    let (status, record) = add(nursing_bachelor()).await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["verification"], "unverified");
    assert_eq!(record["verification_name"], "未核验", "manual entries are 未核验");
    assert_eq!(record["source"], "manual");
    assert_eq!(record["position"], 1);
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(me["checklist"][1], json!({"step": "education", "done": true}));

    let cases = [
        ("diploma_number", json!("100231201906003212"), "diploma_number.level_mismatch"),
        ("diploma_number", json!("100231201805003212"), "diploma_number.year_mismatch"),
        ("diploma_number", json!("1002312019"), "diploma_number.length"),
        ("degree_number", json!("1002332019001234"), "degree_number.level_mismatch"),
        ("graduated_on", json!("2014-06"), "education.graduated_before_enrolled"),
        ("graduated_on", json!("2099-06"), "education.graduated_in_future"),
        ("graduated_on", json!("June 2019"), "education.date_format"),
        ("school", json!(""), "education.school_required"),
        ("level", json!("kindergarten"), "education.level_unknown"),
    ];
    for (field, value, code) in cases {
        let mut body = nursing_bachelor();
        body[field] = value.clone();
        let (status, error) = add(body).await;
        assert_eq!(status, 400, "{field}={value}: {error}");
        assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some(code), Some(field)), "{error}");
    }
    // Concurrent additions never exceed five.
    let attempts: Vec<_> = (0..8).map(|_| tokio::spawn(add(nursing_bachelor()))).collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap().0);
    }
    statuses.sort();
    assert_eq!(statuses, [201, 201, 201, 201, 409, 409, 409, 409]);
    let (status, error) = add(nursing_bachelor()).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("education.limit_reached")));
    let (_, list) = app.get_json("/api/v1/me/education", Some(&token)).await;
    let positions: Vec<i64> = list["records"].as_array().unwrap().iter().map(|r| r["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    assert_eq!(list["max_records"], 5);
    let id = list["records"][0]["id"].as_str().unwrap();
    let response = app.client.delete(app.url(&format!("/api/v1/me/education/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404, "no way to delete a saved record");
    // Another candidate sees none of them.
    let other = app.register(&registration(&unique_username(), "护理乙", &unique_resident_id())).await;
    let (_, list) = app.get_json("/api/v1/me/education", Some(&other)).await;
    assert_eq!(list["records"], json!([]));
    let (status, _) = app.get_json("/api/v1/me/education", None).await;
    assert_eq!(status, 401);
}

async fn adds_verified_education_from_a_chsi_report(backend: Backend) {
    use integrations::chsi::{ChsiSimulator, SimulatedReport};
    let app = spawn_app(backend).await;
    let token = app.register(&registration(&unique_username(), "阿依古丽·𪚥", &unique_resident_id())).await;
    let chsi = &app.simulators.chsi;
    chsi.add("ASLMN1RQZPRMHX05", SimulatedReport::Report(ChsiSimulator::bachelor_report("阿依古丽•𪚥", "新疆医科大学", "护理学", 2019)));
    chsi.add("APEVUKH9C8SSGS5D", SimulatedReport::Expired);
    chsi.add("AYQXUHUQG7ZYWXKW", SimulatedReport::Closed);
    chsi.add("361813514380", SimulatedReport::Captcha);
    chsi.add("BBBBBBBBBBBBBBBB", SimulatedReport::Report(ChsiSimulator::bachelor_report("别人", "某大学", "护理学", 2019)));
    chsi.add("CCCCCCCCCCCCCCCC", SimulatedReport::Report(ChsiSimulator::bachelor_report("阿依古丽·𪚥", "某大学", "护理学", 2000)));
    let add = |code: &'static str| {
        let (client, url, token) = (app.client.clone(), app.url("/api/v1/me/education/chsi"), token.clone());
        async move {
            let response = client.post(url).bearer_auth(token).json(&json!({"code": code})).send().await.unwrap();
            let retry_after = response.headers().get("retry-after").is_some();
            let (status, json) = support::status_and_json(response).await;
            (status, json, retry_after)
        }
    };
    let expectations: [(&str, u16, &str); 7] = [
        ("APEVUKH9C8SSGS5D", 400, "chsi.expired"),
        ("AYQXUHUQG7ZYWXKW", 400, "chsi.closed"),
        ("ZZZZZZZZZZZZZZZZ", 400, "chsi.invalid"),
        ("BBBBBBBBBBBBBBBB", 400, "chsi.name_mismatch"),
        ("CCCCCCCCCCCCCCCC", 400, "chsi.not_eligible"),
        ("NOT-A-CODE", 400, "chsi.code_format"),
        ("361813514380", 503, "chsi.captcha"),
    ];
    for (code, status, error_code) in expectations {
        let (got, error, retry_after) = add(code).await;
        assert_eq!((got, error["code"].as_str()), (status, Some(error_code)), "{code}: {error}");
        assert_eq!(retry_after, status == 503, "{code}: retry later only when CHSI asks for it");
    }
    let (status, record, _) = add("aslmn1rqzprmhx05").await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["verification"], "verified");
    assert_eq!(record["verification_name"], "核验通过");
    assert_eq!(record["source"], "chsi");
    assert_eq!(record["school"], "新疆医科大学");
    assert_eq!(record["level"], "bachelor");
    assert_eq!(record["graduated_on"], "2019-06");
    let (status, error, _) = add("ASLMN1RQZPRMHX05").await;
    assert_eq!((status, error["code"].as_str()), (409, Some("chsi.already_added")));
    let (_, list) = app.get_json("/api/v1/me/education", Some(&token)).await;
    assert_eq!(list["records"].as_array().unwrap().len(), 1, "failed lookups added nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_of_different_candidates_never_collide() {
    let app = spawn_app(Backend::Sqlite).await;
    let body = json!({"level": "other", "school": "卫生学校", "major": "护理", "enrolled_on": "2010-09", "graduated_on": "2013-06"});
    let mut ids = Vec::new();
    for name in ["甲一", "乙二"] {
        let token = app.register(&registration(&unique_username(), name, &unique_resident_id())).await;
        let response = app.client.post(app.url("/api/v1/me/education")).bearer_auth(&token).header("idempotency-key", "same-key").json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        assert!(response.headers().get("idempotent-replayed").is_none(), "{name}'s request is their own");
        let record: Value = response.json().await.unwrap();
        let (_, list) = app.get_json("/api/v1/me/education", Some(&token)).await;
        assert_eq!(list["records"][0]["id"], record["id"], "{name} has the record they were told about");
        ids.push(record["id"].clone());
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_writes_are_401_whatever_they_carry() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/api/v1/me/education", "/api/v1/me/education/chsi"] {
        for key in [None, Some("valid-key"), Some("bad key ✗")] {
            let mut request = app.client.post(app.url(path)).json(&json!({"code": ""}));
            if let Some(key) = key {
                request = request.header("idempotency-key", key);
            }
            let (status, error) = support::status_and_json(request.send().await.unwrap()).await;
            assert_eq!((status, error["code"].as_str()), (401, Some("auth.required")), "{path} {key:?}");
        }
    }
}
