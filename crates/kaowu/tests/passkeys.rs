//! Passkeys through the API and the pages, on SQLite and PostgreSQL, with a software authenticator
//! (support/authenticator.rs) answering as a phone would: adding one needs the password, a login needs no
//! username, a used challenge, a forged signature, an answer from another site, one without user verification
//! and a removed passkey are all refused; one account's passkeys and ceremonies are out of another's reach.

mod support;

use serde_json::{Value, json};
use support::authenticator::Passkey;
use support::{Backend, TestApp};

on_both_databases!(
    a_passkey_is_added_with_the_password_and_logs_in_without_a_username,
    forged_replayed_foreign_and_unverified_answers_are_refused,
    a_removed_passkey_no_longer_logs_in,
    one_account_cannot_touch_another_accounts_passkeys,
    the_page_asks_for_a_recent_proof_and_a_csrf_token,
);

const ORIGIN: &str = "http://localhost:8080";

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = app.client.post(app.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    support::status_and_json(request.send().await.unwrap()).await
}

/// A registered candidate: (username, bearer token).
async fn candidate(app: &TestApp) -> (String, String) {
    let username = support::unique_username();
    let token = app.register(&support::registration(&username, "周𪚥", &support::unique_resident_id())).await;
    (username, token)
}

async fn add_passkey(app: &TestApp, token: &str, name: &str) -> Passkey {
    let (status, options) = post(app, "/api/v1/me/passkeys/registration-options", Some(token), &json!({"password": support::PASSWORD})).await;
    assert_eq!(status, 200, "{options}");
    let (passkey, credential) = Passkey::create(&options, ORIGIN);
    let (status, added) = post(app, "/api/v1/me/passkeys", Some(token), &json!({"name": name, "credential": credential})).await;
    assert_eq!(status, 201, "{added}");
    passkey
}

async fn login_options(app: &TestApp) -> Value {
    let (status, options) = post(app, "/api/v1/sessions/passkey/options", None, &json!({})).await;
    assert_eq!(status, 200, "{options}");
    options
}

async fn passkey_login(app: &TestApp, credential: &Value) -> (u16, Value) {
    post(app, "/api/v1/sessions/passkey", None, &json!({"credential": credential})).await
}

async fn a_passkey_is_added_with_the_password_and_logs_in_without_a_username(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, token) = candidate(&app).await;
    let (status, refused) = post(&app, "/api/v1/me/passkeys/registration-options", Some(&token), &json!({"password": "not-it"})).await;
    assert_eq!((status, refused["code"].as_str()), (401, Some("password.current_wrong")), "adding a passkey needs the password");

    let (status, options) = post(&app, "/api/v1/me/passkeys/registration-options", Some(&token), &json!({"password": support::PASSWORD})).await;
    assert_eq!(status, 200);
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], username.as_str());
    assert_eq!(options["user"]["displayName"], "周𪚥", "the device shows the candidate's name, rare characters and all");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required", "a discoverable credential: no username at login");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    let (mut passkey, credential) = Passkey::create(&options, ORIGIN);
    let (status, refused) = post(&app, "/api/v1/me/passkeys", Some(&token), &json!({"name": " ", "credential": credential})).await;
    assert_eq!((status, refused["field"].as_str(), refused["code"].as_str()), (400, Some("name"), Some("passkey.name_required")));
    // The refusal did not use the ceremony up: the same answer with a name goes through.
    let (status, added) = post(&app, "/api/v1/me/passkeys", Some(&token), &json!({"name": "我的手机", "credential": credential})).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["name"], "我的手机");
    let (_, listed) = app.get_json("/api/v1/me/passkeys", Some(&token)).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], added["id"]);
    assert!(listed[0]["last_used_at"].is_null());

    // The next registration excludes it, and the same credential cannot be added twice.
    let (_, again) = post(&app, "/api/v1/me/passkeys/registration-options", Some(&token), &json!({"password": support::PASSWORD})).await;
    assert_eq!(again["excludeCredentials"][0]["id"], added["id"]);

    let credential = passkey.sign(&login_options(&app).await, ORIGIN);
    let (status, session) = passkey_login(&app, &credential).await;
    assert_eq!(status, 201, "{session}");
    let new_token = session["token"].as_str().unwrap();
    let (_, me) = app.get_json("/api/v1/me", Some(new_token)).await;
    assert_eq!(me["username"], username.as_str(), "the passkey opened its own account");
    let (_, security) = app.get_json("/api/v1/me/security", Some(new_token)).await;
    assert!(security["history"].as_array().unwrap().iter().any(|e| e["method"] == "passkey" && e["outcome"] == "ok"), "{security}");
    let (_, listed) = app.get_json("/api/v1/me/passkeys", Some(new_token)).await;
    assert!(listed[0]["last_used_at"].as_i64().is_some(), "the login is its last use");
    // A passkey login is a proof of identity: sensitive changes need no second prompt right after it.
    let session = app.store.active_session(&web::sessions::token_hash(new_token), web::state::now()).await.unwrap().unwrap();
    assert!(domain::reauthentication::is_recent(session.reauthenticated_at, web::state::now()));
    app.shutdown().await;
}

async fn forged_replayed_foreign_and_unverified_answers_are_refused(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (_, token) = candidate(&app).await;
    let mut passkey = add_passkey(&app, &token, "手机").await;

    let signed = passkey.sign(&login_options(&app).await, ORIGIN);
    assert_eq!(passkey_login(&app, &signed).await.0, 201);
    let (status, replayed) = passkey_login(&app, &signed).await;
    assert_eq!((status, replayed["code"].as_str()), (400, Some("passkey.ceremony_expired")), "a challenge answers once");

    let forged = passkey.forge(&login_options(&app).await, ORIGIN);
    let (status, refused) = passkey_login(&app, &forged).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("passkey.unknown")), "another key's signature");

    let phished = passkey.sign(&login_options(&app).await, "https://kaowu-login.example.com");
    assert_eq!(passkey_login(&app, &phished).await.0, 403, "an answer collected by another site");

    let unverified = passkey.sign_unverified(&login_options(&app).await, ORIGIN);
    assert_eq!(passkey_login(&app, &unverified).await.0, 403, "no face or fingerprint check: no login");

    let (status, refused) = passkey_login(&app, &json!({"id": "x", "type": "public-key"})).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("passkey.response_invalid")));
    let (status, refused) = post(&app, "/api/v1/sessions/passkey", None, &json!({})).await;
    assert_eq!(status, 400, "no credential at all: {refused}");

    let (_, security) = app.get_json("/api/v1/me/security", Some(&token)).await;
    let refusals = security["history"].as_array().unwrap().iter().filter(|e| e["method"] == "passkey" && e["outcome"] == "refused").count();
    assert_eq!(refusals, 3, "the refused signatures are in the login history: {security}");
    app.shutdown().await;
}

async fn a_removed_passkey_no_longer_logs_in(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (_, token) = candidate(&app).await;
    let mut passkey = add_passkey(&app, &token, "电脑").await;
    let (_, listed) = app.get_json("/api/v1/me/passkeys", Some(&token)).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let removed = app.client.delete(app.url(&format!("/api/v1/me/passkeys/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let again = app.client.delete(app.url(&format!("/api/v1/me/passkeys/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(support::status_and_json(again).await.1["code"], "passkey.not_found");
    let (status, refused) = passkey_login(&app, &passkey.sign(&login_options(&app).await, ORIGIN)).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("passkey.unknown")));
    let (_, security) = app.get_json("/api/v1/me/security", Some(&token)).await;
    let methods: Vec<&str> = security["history"].as_array().unwrap().iter().filter_map(|e| e["method"].as_str()).collect();
    assert!(methods.contains(&"passkey_added") && methods.contains(&"passkey_removed"), "both changes are in the history: {methods:?}");
    app.shutdown().await;
}

async fn one_account_cannot_touch_another_accounts_passkeys(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (_, owner) = candidate(&app).await;
    let (_, other) = candidate(&app).await;
    add_passkey(&app, &owner, "本人手机").await;
    let (_, listed) = app.get_json("/api/v1/me/passkeys", Some(&owner)).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let (_, theirs) = app.get_json("/api/v1/me/passkeys", Some(&other)).await;
    assert_eq!(theirs, json!([]), "each account sees its own passkeys only");
    let attempt = app.client.delete(app.url(&format!("/api/v1/me/passkeys/{id}"))).bearer_auth(&other).send().await.unwrap();
    assert_eq!(attempt.status(), 404);
    let (_, still) = app.get_json("/api/v1/me/passkeys", Some(&owner)).await;
    assert_eq!(still.as_array().unwrap().len(), 1, "the owner's passkey is still there");

    // A ceremony started by one account cannot be finished by another.
    let (_, options) = post(&app, "/api/v1/me/passkeys/registration-options", Some(&owner), &json!({"password": support::PASSWORD})).await;
    let (_, credential) = Passkey::create(&options, ORIGIN);
    let (status, refused) = post(&app, "/api/v1/me/passkeys", Some(&other), &json!({"name": "偷来的", "credential": credential})).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("passkey.ceremony_expired")));
    let (_, theirs) = app.get_json("/api/v1/me/passkeys", Some(&other)).await;
    assert_eq!(theirs, json!([]));
    app.shutdown().await;
}

async fn the_page_asks_for_a_recent_proof_and_a_csrf_token(backend: Backend) {
    let app = support::spawn_app(backend).await;
    let (username, token) = candidate(&app).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    let browser = support::browser();
    assert_eq!(support::log_in(&app, &browser, &username, support::PASSWORD).await, 303);
    let page = browser.get(app.url("/me/passkeys")).send().await.unwrap();
    assert_eq!(page.status(), 200, "just logged in: no second prompt");
    let csrf = support::attribute_value(&page.text().await.unwrap(), "data-csrf");
    let options = |csrf: String| browser.post(app.url("/me/passkeys/options")).header("x-csrf-token", csrf).json(&json!({})).send();
    assert_eq!(options(String::new()).await.unwrap().status(), 403, "no CSRF token, no ceremony");
    let answer = options(csrf.clone()).await.unwrap();
    assert_eq!(answer.status(), 200);
    let (passkey_options, page_origin) = (answer.json::<Value>().await.unwrap(), "http://localhost:3000");
    let (_, credential) = Passkey::create(&passkey_options, page_origin);

    support::make_proofs_stale(&app, me["account_id"].as_str().unwrap()).await;
    let page = browser.get(app.url("/me/passkeys")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert!(page.headers()["location"].to_str().unwrap().starts_with("/me/reauth"), "sixteen minutes on: the password again first");
    let finish = browser.post(app.url("/me/passkeys")).header("x-csrf-token", &csrf).json(&json!({"name": "迟到", "credential": credential})).send().await.unwrap();
    let (status, refused) = support::status_and_json(finish).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("reauth.required")));
    app.shutdown().await;
}
