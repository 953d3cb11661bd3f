//! The official account's callback (`/wechat/callback`) over HTTP, on SQLite and PostgreSQL: URL verification,
//! pushes in plaintext, compatible and safe mode, refusals (bad signatures, stale timestamps, another appid,
//! plaintext in safe mode, DTDs), de-duplication of WeChat's retries and follow tracking.

mod support;

use integrations::wechat::{MessageCrypto, signature, xml};
use support::{Backend, Options, TestApp};

const APPID: &str = "wx49f0ab532d5d035a";
const TOKEN: &str = "123456";
const AES_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";

on_both_databases!(
    verifies_the_server_url,
    plaintext_follow_and_unfollow_are_tracked_once,
    safe_mode_pushes_are_decrypted_and_replies_encrypted,
    compatible_mode_takes_both,
    forged_and_replayed_pushes_are_refused,
    the_wechat_api_simulator_is_mounted,
    the_access_token_is_shared_and_renewed,
    binding_by_scanning_the_page_code,
    logging_in_by_scanning_the_login_code,
    logging_in_through_the_website_app,
    logging_in_from_the_mini_program,
);

async fn app_in(backend: Backend, mode: &str) -> TestApp {
    let settings = [("wechat_appid", APPID), ("wechat_token", TOKEN), ("wechat_encoding_aes_key", AES_KEY), ("wechat_mode", mode)];
    support::spawn_app_with(backend, Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await
}

fn now() -> String {
    web::state::now().to_string()
}

/// The query WeChat signs: signature over token, timestamp and nonce.
fn signed_query(timestamp: &str, nonce: &str) -> String {
    format!("signature={}&timestamp={timestamp}&nonce={nonce}", signature(&[TOKEN, timestamp, nonce]))
}

fn event(openid: &str, create_time: i64, event: &str, key: Option<&str>) -> String {
    let key = key.map(|k| format!("<EventKey><![CDATA[{k}]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>")).unwrap_or_default();
    format!(
        "<xml><ToUserName><![CDATA[gh_kaowu]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key}</xml>"
    )
}

async fn post(app: &TestApp, query: &str, body: String) -> (u16, String) {
    let response = app.client.post(app.url(&format!("/wechat/callback?{query}"))).header("content-type", "text/xml").body(body).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Encrypts a push the way WeChat does in safe mode and signs it.
fn encrypted_push(plain: &str, timestamp: &str, nonce: &str, crypto: &MessageCrypto) -> (String, String) {
    let encrypt = crypto.encrypt(plain);
    let msg_signature = signature(&[TOKEN, timestamp, nonce, &encrypt]);
    let body = format!("<xml><ToUserName><![CDATA[gh_kaowu]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let query = format!("{}&encrypt_type=aes&msg_signature={msg_signature}", signed_query(timestamp, nonce));
    (query, body)
}

async fn verifies_the_server_url(backend: Backend) {
    let app = app_in(backend, "safe").await;
    let ts = now();
    let ok = app.client.get(app.url(&format!("/wechat/callback?{}&echostr=5927782489442352469", signed_query(&ts, "437374425")))).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "5927782489442352469", "echostr back verbatim, plaintext even in safe mode");
    let forged = app.client.get(app.url(&format!("/wechat/callback?signature=0000&timestamp={ts}&nonce=1&echostr=x"))).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    app.shutdown().await;
}

async fn plaintext_follow_and_unfollow_are_tracked_once(backend: Backend) {
    let app = app_in(backend, "plain").await;
    let created = web::state::now();
    let (status, reply) = post(&app, &signed_query(&now(), "n1"), event("oFOLLOWER", created, "subscribe", None)).await;
    assert_eq!(status, 200);
    let fields = xml::parse(&reply).expect("a passive reply");
    assert_eq!((fields.get("ToUserName"), fields.get("FromUserName"), fields.get("MsgType")), (Some("oFOLLOWER"), Some("gh_kaowu"), Some("text")));
    assert!(fields.get("Content").unwrap().contains("绑定"), "the welcome says how to bind");
    assert_eq!(app.store.wechat_following("oFOLLOWER").await.unwrap(), Some(true));

    // WeChat's retry of the same push (same FromUserName + CreateTime): acknowledged, nothing done twice.
    let (status, reply) = post(&app, &signed_query(&now(), "n2"), event("oFOLLOWER", created, "subscribe", None)).await;
    assert_eq!((status, reply.as_str()), (200, "success"));

    let (status, reply) = post(&app, &signed_query(&now(), "n3"), event("oFOLLOWER", created + 5, "unsubscribe", None)).await;
    assert_eq!((status, reply.as_str()), (200, "success"));
    assert_eq!(app.store.wechat_following("oFOLLOWER").await.unwrap(), Some(false));
    // A late retry of the older follow cannot undo the newer unfollow.
    app.store.forget_wechat_push(&format!("event:oFOLLOWER:{created}")).await.unwrap();
    post(&app, &signed_query(&now(), "n4"), event("oFOLLOWER", created, "subscribe", None)).await;
    assert_eq!(app.store.wechat_following("oFOLLOWER").await.unwrap(), Some(false));

    // Housekeeping forgets handled pushes once no retry can come any more.
    assert!(app.store.purge_wechat_pushes(web::state::now() + 1).await.unwrap() >= 2);
    let (_, reply) = post(&app, &signed_query(&now(), "n5"), event("oFOLLOWER", created + 5, "unsubscribe", None)).await;
    assert_eq!(reply, "success");
    app.shutdown().await;
}

async fn safe_mode_pushes_are_decrypted_and_replies_encrypted(backend: Backend) {
    let app = app_in(backend, "safe").await;
    let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
    let ts = now();
    let (query, body) = encrypted_push(&event("oSAFE", web::state::now(), "subscribe", Some("qrscene_bind:abc")), &ts, "777", &crypto);
    let (status, reply) = post(&app, &query, body).await;
    assert_eq!(status, 200, "{reply}");
    let envelope = xml::parse(&reply).unwrap();
    let encrypt = envelope.get("Encrypt").expect("an encrypted reply");
    assert_eq!(envelope.get("TimeStamp"), Some(ts.as_str()));
    assert_eq!(envelope.get("MsgSignature"), Some(signature(&[TOKEN, &ts, "777", encrypt]).as_str()), "the reply is signed");
    let inner = xml::parse(&crypto.decrypt(encrypt).unwrap()).unwrap();
    assert_eq!(inner.get("ToUserName"), Some("oSAFE"));
    assert_eq!(app.store.wechat_following("oSAFE").await.unwrap(), Some(true));

    // Plaintext is refused in safe mode, even correctly signed.
    let (status, _) = post(&app, &signed_query(&now(), "1"), event("oPLAIN", web::state::now(), "subscribe", None)).await;
    assert_eq!(status, 403);
    assert_eq!(app.store.wechat_following("oPLAIN").await.unwrap(), None);
    app.shutdown().await;
}

async fn compatible_mode_takes_both(backend: Backend) {
    let app = app_in(backend, "compatible").await;
    let (status, reply) = post(&app, &signed_query(&now(), "1"), event("oPLAINTEXT", web::state::now(), "subscribe", None)).await;
    assert_eq!(status, 200);
    assert!(xml::parse(&reply).unwrap().get("Content").is_some(), "plaintext in, plaintext out");
    let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
    let (query, body) = encrypted_push(&event("oCIPHER", web::state::now(), "subscribe", None), &now(), "2", &crypto);
    let (status, reply) = post(&app, &query, body).await;
    assert_eq!(status, 200);
    assert!(xml::parse(&reply).unwrap().get("Encrypt").is_some(), "encrypted in, encrypted out");
    assert_eq!(app.store.wechat_following("oCIPHER").await.unwrap(), Some(true));
    app.shutdown().await;
}

async fn forged_and_replayed_pushes_are_refused(backend: Backend) {
    let app = app_in(backend, "safe").await;
    let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
    let push = event("oVICTIM", web::state::now(), "subscribe", None);

    let (query, body) = encrypted_push(&push, &now(), "1", &crypto);
    let tampered = query.replace("msg_signature=", "msg_signature=0");
    assert_eq!(post(&app, &tampered, body.clone()).await.0, 403, "bad msg_signature");
    let bad_signature = query.replacen("signature=", "signature=f", 1);
    assert_eq!(post(&app, &bad_signature, body).await.0, 403, "bad URL signature");

    let other_account = MessageCrypto::new(AES_KEY, "wx0000000000000000").unwrap();
    let (query, body) = encrypted_push(&push, &now(), "2", &other_account);
    assert_eq!(post(&app, &query, body).await.0, 403, "encrypted for another appid");

    let stale = (web::state::now() - 3600).to_string();
    let (query, body) = encrypted_push(&push, &stale, "3", &crypto);
    assert_eq!(post(&app, &query, body).await.0, 403, "a captured push replayed an hour later");

    let doctype = format!("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{push}");
    let (query, body) = encrypted_push(&doctype, &now(), "4", &crypto);
    assert_eq!(post(&app, &query, body).await.0, 400, "no DTDs");
    assert_eq!(post(&app, &signed_query(&now(), "5"), "not xml".into()).await.0, 400);
    assert_eq!(app.store.wechat_following("oVICTIM").await.unwrap(), None, "nothing forged took effect");
    app.shutdown().await;
}

async fn the_wechat_api_simulator_is_mounted(backend: Backend) {
    // As in `kaowu demo`: the WeChat API simulator under /sim/wechat, for the demo's own account.
    let app = support::spawn_app(backend).await;
    let api = integrations::wechat::WechatApi::new(&app.url("/sim/wechat"), kaowu::config::DEMO_WECHAT_APPID, kaowu::config::DEMO_WECHAT_SECRET);
    let token = api.stable_token(false).await.expect("the simulator issues a token");
    let qr = api.create_temporary_qr(&token.access_token, "bind:demo", 300).await.unwrap();
    assert_eq!(app.simulators.wechat.scene_of(&qr.ticket).as_deref(), Some("bind:demo"));
    app.shutdown().await;
}

async fn the_access_token_is_shared_and_renewed(backend: Backend) {
    // The demo's account, whose API the mounted simulator plays.
    let settings = [
        ("wechat_appid", kaowu::config::DEMO_WECHAT_APPID),
        ("wechat_secret", kaowu::config::DEMO_WECHAT_SECRET),
        ("wechat_token", TOKEN),
        ("wechat_encoding_aes_key", AES_KEY),
    ];
    let app = support::spawn_app_with(backend, Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await;
    let appid = kaowu::config::DEMO_WECHAT_APPID;
    let first = app.state.wechat_access_token().await.unwrap();
    assert_eq!(app.state.wechat_access_token().await.unwrap(), first, "reused while valid");
    let (stored, expires_at) = app.store.wechat_access_token(appid).await.unwrap().expect("kept in the database for every node");
    assert_eq!(stored, first);
    assert!(expires_at > web::state::now() + 7000);

    let qr = |scene: &'static str| move |api: integrations::wechat::WechatApi, token: String| async move { api.create_temporary_qr(&token, scene, 300).await };

    // Someone forced a refresh elsewhere: WeChat says 40001, kaowu fetches the current token and retries once.
    let elsewhere = integrations::wechat::WechatApi::new(&app.url("/sim/wechat"), appid, kaowu::config::DEMO_WECHAT_SECRET);
    let newer = elsewhere.stable_token(true).await.unwrap().access_token;
    let ticket = app.state.with_wechat_token(qr("after-refresh")).await.expect("recovered from 40001");
    assert_eq!(app.simulators.wechat.scene_of(&ticket.ticket).as_deref(), Some("after-refresh"));
    assert_eq!(app.store.wechat_access_token(appid).await.unwrap().unwrap().0, newer, "the current token is stored");

    // WeChat's clock says the token expired although ours does not yet: 42001, and kaowu forces a new one.
    app.simulators.wechat.advance_clock(7201);
    let ticket = app.state.with_wechat_token(qr("after-expiry")).await.expect("recovered from 42001");
    assert_eq!(app.simulators.wechat.scene_of(&ticket.ticket).as_deref(), Some("after-expiry"));
    assert_ne!(app.store.wechat_access_token(appid).await.unwrap().unwrap().0, newer);
    app.shutdown().await;
}

/// A browser of its own (cookies), logged in as a newly registered candidate.
async fn candidate_browser(app: &TestApp) -> reqwest::Client {
    candidate_browser_and_id(app).await.0
}

/// The same, with the candidate's account id.
async fn candidate_browser_and_id(app: &TestApp) -> (reqwest::Client, String) {
    let username = support::unique_username();
    let token = app.register(&support::registration(&username, "买买提·𪚥", &support::unique_resident_id())).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    let account_id = me["account_id"].as_str().unwrap().to_owned();
    let browser = support::browser();
    assert_eq!(support::log_in(app, &browser, &username, support::PASSWORD).await, 303);
    (browser, account_id)
}

/// Opens 微信绑定与关注 and returns the binding code's scene.
async fn binding_scene(app: &TestApp, browser: &reqwest::Client) -> String {
    let html = browser.get(app.url("/me/wechat")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<svg"), "the QR code is drawn by kaowu");
    support::attribute_value(&html, "data-scene")
}

async fn binding_state(app: &TestApp, browser: &reqwest::Client, scene: &str) -> (u16, String) {
    let response = browser.get(app.url(&format!("/me/wechat/status?scene={scene}"))).send().await.unwrap();
    let status = response.status().as_u16();
    let json: serde_json::Value = response.json().await.unwrap_or_default();
    (status, json["state"].as_str().unwrap_or_default().to_owned())
}

async fn binding_by_scanning_the_page_code(backend: Backend) {
    let app = plain_demo_account(backend, &[("wechat_template_security", "TPL_SECURITY")]).await;
    let scan = |openid: &str, scene: &str, at: i64| event(openid, at, "SCAN", Some(scene));
    let t0 = web::state::now();

    let (alice, account) = candidate_browser_and_id(&app).await;
    let scene = binding_scene(&app, &alice).await;
    assert!(scene.starts_with("bind:"));
    assert_eq!(binding_state(&app, &alice, &scene).await, (200, "waiting".to_owned()));
    let (_, reply) = post(&app, &signed_query(&now(), "1"), scan("oALICE", &scene, t0)).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("绑定成功"), "{reply}");
    assert_eq!(binding_state(&app, &alice, &scene).await, (200, "bound".to_owned()), "the page learns it by polling");
    let unionid = integrations::wechat::WechatSimulator::unionid_of("oALICE");
    assert_eq!(app.store.account_of_wechat_unionid(&unionid).await.unwrap().as_deref(), Some(account.as_str()), "the unionid is learnt on binding");
    let notice = wait_for_template(&app, "oALICE", "微信绑定").await;
    assert_eq!(notice.template_id, "TPL_SECURITY", "a security notice goes to the WeChat just bound");
    let page = alice.get(app.url("/me/wechat")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"wechat-bound\"") && page.contains("data-testid=\"wechat-following\""));
    let me = alice.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("class=\"done\" data-step=\"wechat\""), "bound and following: the checklist step is done");

    // A code works once.
    let (_, reply) = post(&app, &signed_query(&now(), "2"), scan("oALICE", &scene, t0 + 1)).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().contains("已过期或已使用"));

    // One WeChat, one candidate: Alice's WeChat cannot bind Bob as well.
    let bob = candidate_browser(&app).await;
    let bob_scene = binding_scene(&app, &bob).await;
    assert_eq!(binding_state(&app, &alice, &bob_scene).await.0, 404, "nobody else may watch Bob's code");
    let (_, reply) = post(&app, &signed_query(&now(), "3"), scan("oALICE", &bob_scene, t0 + 2)).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().contains("已绑定其他考生账号"), "the reason, in WeChat too");
    assert_eq!(binding_state(&app, &bob, &bob_scene).await.1, "taken");

    // Someone not yet following scans Carol's code: follow and bind in one push (qrscene_ prefix).
    let carol = candidate_browser(&app).await;
    let carol_scene = binding_scene(&app, &carol).await;
    let follow_and_bind = event("oCAROL", t0 + 3, "subscribe", Some(&format!("qrscene_{carol_scene}")));
    let (_, reply) = post(&app, &signed_query(&now(), "4"), follow_and_bind).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("绑定成功"));
    assert_eq!(app.store.wechat_following("oCAROL").await.unwrap(), Some(true));

    // Alice unbinds (she logged in moments ago: no second password prompt), and the step is open until she
    // binds anew.
    let page = alice.get(app.url("/me/wechat")).send().await.unwrap().text().await.unwrap();
    let csrf = support::hidden_value(&page, "csrf_token");
    assert!(page.contains("解除绑定后"), "the consequence is said before");
    let done = alice.post(app.url("/me/wechat/unbind")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(done.status(), 303);
    assert!(app.store.wechat_binding(&account).await.unwrap().is_none());
    let page = alice.get(app.url("/me/wechat?unbound=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已解除微信绑定") && page.contains("data-scene=\"bind:"), "told, and offered a new code");
    let me = alice.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("class=\"todo\" data-step=\"wechat\""), "the checklist step is open again");
    wait_for_template(&app, "oALICE", "解除微信绑定").await; // the unbound WeChat is told

    // Rebinding: Alice binds her new WeChat, and her old one is free for Bob now.
    let scene = binding_scene(&app, &alice).await;
    let (_, reply) = post(&app, &signed_query(&now(), "5"), event("oALICE2", t0 + 4, "subscribe", Some(&format!("qrscene_{scene}")))).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("绑定成功"));
    assert_eq!(app.store.wechat_binding(&account).await.unwrap().unwrap().0, "oALICE2");
    let bob_scene = binding_scene(&app, &bob).await;
    let (_, reply) = post(&app, &signed_query(&now(), "6"), scan("oALICE", &bob_scene, t0 + 5)).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("绑定成功"), "an unbound WeChat may bind another candidate");

    // Carol unfollows: still bound, but the application gate (bound and following) is shut again.
    post(&app, &signed_query(&now(), "7"), event("oCAROL", t0 + 6, "unsubscribe", None)).await;
    let me = carol.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("class=\"todo\" data-step=\"wechat\""), "bound but not following: the step is open");
    let page = carol.get(app.url("/me/wechat")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"wechat-bound\"") && page.contains("data-testid=\"wechat-not-following\""));
    // The page offers a follow code; Carol's WeChat scans it (a follow with the scene) and the page learns it.
    let follow_scene = support::attribute_value(&page, "data-scene");
    assert!(follow_scene.starts_with("follow:"), "{follow_scene}");
    let (_, reply) = post(&app, &signed_query(&now(), "8"), event("oCAROL", t0 + 7, "subscribe", Some(&format!("qrscene_{follow_scene}")))).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("关注成功"), "{reply}");
    assert_eq!(binding_state(&app, &carol, &follow_scene).await, (200, "following".to_owned()));
    let me = carol.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("class=\"done\" data-step=\"wechat\""), "bound and following again");
    app.shutdown().await;
}

/// The security notice about `event` sent to `openid` (sent in the background, so it may take a moment).
async fn wait_for_template(app: &TestApp, openid: &str, event: &str) -> integrations::wechat::SentTemplate {
    for _ in 0..50 {
        let sent = app.simulators.wechat.sent_templates();
        if let Some(found) = sent.into_iter().find(|t| t.openid == openid && t.data["keyword1"]["value"] == event) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no notice about {event} reached {openid}");
}

async fn logging_in_by_scanning_the_login_code(backend: Backend) {
    let app = plain_demo_account(backend, &[]).await;
    let t0 = web::state::now();
    // Dana binds her WeChat first.
    let (dana, _) = candidate_browser_and_id(&app).await;
    let bind = binding_scene(&app, &dana).await;
    post(&app, &signed_query(&now(), "1"), event("oDANA", t0, "SCAN", Some(&bind))).await;

    let fresh_browser = support::browser;
    let login_scene = |html: String| support::attribute_value(&html, "data-scene");
    let poll = |browser: &reqwest::Client, scene: &str| {
        let request = browser.get(app.url(&format!("/login/wechat/status?scene={scene}")));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };

    let browser = fresh_browser();
    let scene = login_scene(browser.get(app.url("/login/wechat")).send().await.unwrap().text().await.unwrap());
    assert!(scene.starts_with("login:"));
    assert_eq!(poll(&browser, &scene).await.1["state"], "waiting");
    // Someone who saw the code on the screen cannot take the session: the code belongs to this browser.
    let onlooker = fresh_browser();
    onlooker.get(app.url("/login/wechat")).send().await.unwrap();
    assert_eq!(poll(&onlooker, &scene).await.0, 404);

    let (_, reply) = post(&app, &signed_query(&now(), "2"), event("oDANA", t0 + 1, "SCAN", Some(&scene))).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().contains("扫码成功"));
    let (status, answer) = poll(&browser, &scene).await;
    assert_eq!((status, answer["state"].as_str(), answer["redirect"].as_str()), (200, Some("done"), Some("/me")));
    let me = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "the browser is logged in");
    let sensitive = browser.get(app.url("/me/wechat")).send().await.unwrap();
    assert_eq!(sensitive.headers()["location"], "/me/reauth?next=%2Fme%2Fwechat", "a scan proves the phone, not the person: the password first");
    assert_eq!(poll(&browser, &scene).await.0, 404, "the code is spent and its cookie gone");

    // A WeChat bound to nobody gets a clear message, never someone else's account.
    let stranger_browser = fresh_browser();
    let scene = login_scene(stranger_browser.get(app.url("/login/wechat")).send().await.unwrap().text().await.unwrap());
    let (_, reply) = post(&app, &signed_query(&now(), "3"), event("oNOBODY", t0 + 2, "SCAN", Some(&scene))).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().contains("未绑定考生账号"));
    assert_eq!(poll(&stranger_browser, &scene).await.1["state"], "not_bound");
    assert_eq!(stranger_browser.get(app.url("/me")).send().await.unwrap().status(), 303, "not logged in");
    app.shutdown().await;
}

/// An app whose official account is the demo's (so the mounted API simulator serves it), in plain mode.
async fn plain_demo_account(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![
        ("wechat_appid", kaowu::config::DEMO_WECHAT_APPID),
        ("wechat_secret", kaowu::config::DEMO_WECHAT_SECRET),
        ("wechat_token", TOKEN),
        ("wechat_mode", "plain"),
        ("wechat_web_appid", kaowu::config::DEMO_WECHAT_WEB_APPID),
        ("wechat_web_secret", kaowu::config::DEMO_WECHAT_WEB_SECRET),
        ("wechat_miniprogram_appid", kaowu::config::DEMO_WECHAT_MINI_APPID),
        ("wechat_miniprogram_secret", kaowu::config::DEMO_WECHAT_MINI_SECRET),
    ];
    settings.extend_from_slice(extra);
    support::spawn_app_with(backend, Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await
}

/// A candidate whose WeChat (`person`, their official-account openid) is bound; returns their account id.
async fn bound_candidate(app: &TestApp, person: &str) -> String {
    let (browser, account_id) = candidate_browser_and_id(app).await;
    let scene = binding_scene(app, &browser).await;
    let (_, reply) = post(app, &signed_query(&now(), "b"), event(person, web::state::now(), "SCAN", Some(&scene))).await;
    assert!(xml::parse(&reply).unwrap().get("Content").unwrap().starts_with("绑定成功"));
    account_id
}

fn location(response: &reqwest::Response) -> String {
    let Some(location) = response.headers().get("location") else { panic!("no redirect from {}: HTTP {}", response.url(), response.status()) };
    location.to_str().unwrap().to_owned()
}

/// A fresh browser's trip: kaowu's website-login link → WeChat's qrconnect page (waiting) → `person` decides on
/// the phone → the redirect WeChat sends the browser to (kaowu's callback with code and state).
async fn website_login_trip(app: &TestApp, browser: &reqwest::Client, person: &str, consent: bool) -> String {
    let start = browser.get(app.url("/login/wechat/web")).send().await.unwrap();
    assert_eq!(start.status(), 303);
    let to_wechat = location(&start);
    let wechat = reqwest::Url::parse(&to_wechat).unwrap();
    assert_eq!(wechat.path(), "/sim/wechat/connect/qrconnect");
    assert!(to_wechat.ends_with("#wechat_redirect"));
    let pairs: std::collections::HashMap<_, _> = wechat.query_pairs().into_owned().collect();
    assert_eq!(pairs["appid"], kaowu::config::DEMO_WECHAT_WEB_APPID);
    assert_eq!((pairs["scope"].as_str(), pairs["response_type"].as_str()), ("snsapi_login", "code"));
    assert_eq!(pairs["redirect_uri"], app.url("/login/wechat/callback"));
    assert_eq!(pairs["state"].len(), 32, "a fresh random state");
    let waiting = browser.get(to_wechat.split('#').next().unwrap()).send().await.unwrap();
    let waiting_at = wechat.join(&location(&waiting)).unwrap();
    let uuid = app.simulators.wechat.waiting_web_logins().last().unwrap().uuid.clone();
    assert!(app.simulators.wechat.decide_web_login(&uuid, person, "考生", consent));
    let back = browser.get(waiting_at).send().await.unwrap();
    assert_eq!(back.status(), 303);
    location(&back)
}

async fn logging_in_through_the_website_app(backend: Backend) {
    let app = plain_demo_account(backend, &[]).await;
    let erin = bound_candidate(&app, "oERIN").await;
    let fresh_browser = support::browser;

    let browser = fresh_browser();
    let login_page = browser.get(app.url("/login/wechat")).send().await.unwrap().text().await.unwrap();
    assert!(login_page.contains("href=\"/login/wechat/web\""), "the login page offers the website login");
    let callback = website_login_trip(&app, &browser, "oERIN", true).await;
    assert!(callback.starts_with(&app.url("/login/wechat/callback?code=")), "{callback}");

    // Login CSRF: the link with Erin's code and state does nothing in a browser that did not start the login.
    let victim = fresh_browser();
    let forced = victim.get(&callback).send().await.unwrap();
    assert_eq!(forced.status(), 400);
    assert!(forced.text().await.unwrap().contains("不是从本浏览器发起的"));
    assert_eq!(victim.get(app.url("/me")).send().await.unwrap().status(), 303, "the victim is not logged in as Erin");

    let done = browser.get(&callback).send().await.unwrap();
    assert_eq!((done.status().as_u16(), location(&done).as_str()), (303, "/me"));
    let me = browser.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 401, "a page session is no API token");
    let page = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!(page.status(), 200, "Erin's browser is logged in");
    let erin_username = app.store.account(&erin).await.unwrap().unwrap().username;
    let who = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(who.contains(erin_username.as_str()), "logged in as Erin");
    assert_eq!(browser.get(&callback).send().await.unwrap().status(), 400, "the state is spent with its cookie");

    // Refused in WeChat: told so, not logged in.
    let declined = fresh_browser();
    let back = website_login_trip(&app, &declined, "oERIN", false).await;
    assert!(!back.contains("code="));
    let answer = declined.get(&back).send().await.unwrap();
    assert!(answer.text().await.unwrap().contains("取消了授权"));
    assert_eq!(declined.get(app.url("/me")).send().await.unwrap().status(), 303);

    // A WeChat bound to nobody: a clear message, never someone else's account.
    let stranger = fresh_browser();
    let back = website_login_trip(&app, &stranger, "oNOBODY", true).await;
    let answer = stranger.get(&back).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    assert!(answer.text().await.unwrap().contains("未绑定考生账号"));
    assert_eq!(stranger.get(app.url("/me")).send().await.unwrap().status(), 303);
    app.shutdown().await;
}

async fn logging_in_from_the_mini_program(backend: Backend) {
    let app = plain_demo_account(backend, &[]).await;
    let mini = kaowu::config::DEMO_WECHAT_MINI_APPID;
    let frank = bound_candidate(&app, "oFRANK").await;
    let login = |code: String| {
        let request = app.client.post(app.url("/api/v1/sessions/wechat-miniprogram")).json(&serde_json::json!({"code": code}));
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };

    let code = app.simulators.wechat.wx_login(mini, "oFRANK");
    let (status, body) = login(code.clone()).await;
    assert_eq!(status, 201, "{body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["expires_at", "token"], "only kaowu's own token: WeChat's session_key stays on the server");
    let (status, me) = app.get_json("/api/v1/me", body["token"].as_str()).await;
    assert_eq!((status, me["account_id"].as_str()), (200, Some(frank.as_str())), "the token is Frank's");

    let (status, body) = login(code).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("wechat.code_invalid")), "a code works once");
    let (status, body) = login(String::new()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("wechat.code_required")));
    let (status, body) = login("x".repeat(200)).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("wechat.code_invalid")));

    let (status, body) = login(app.simulators.wechat.wx_login(mini, "oNOBODY")).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("wechat.not_bound")));
    assert!(body["message"].as_str().unwrap().contains("未绑定考生账号"));

    // After unbinding, Frank's WeChat opens nothing.
    app.store.unbind_wechat(&frank).await.unwrap();
    let (status, _) = login(app.simulators.wechat.wx_login(mini, "oFRANK")).await;
    assert_eq!(status, 403);
    app.shutdown().await;
}
