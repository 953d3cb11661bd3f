//! The WeChat API client against the simulator over real HTTP: tokens (stable, forced refresh, expiry), QR
//! codes, the OAuth code exchange, jscode2session, template messages and the mini-program's 人脸核身, with WeChat's
//! error conventions.

use kaowu_integrations::wechat::{AppKind, WechatApi, WechatApiError, WechatSimulator};
use serde_json::json;

const APPID: &str = "wx5d3c0c0e1a2b3c4d";
const SECRET: &str = "kaowu-simulator-secret";
const WEB_APPID: &str = "wxweb0000000000001";
const WEB_SECRET: &str = "web-secret";
const MINI_APPID: &str = "wxmini000000000001";
const MINI_SECRET: &str = "mini-secret";

/// The official account with a website app and a mini-program under the same open-platform account.
fn simulator() -> WechatSimulator {
    WechatSimulator::new(APPID, SECRET).with_app(AppKind::Website, WEB_APPID, WEB_SECRET).with_app(AppKind::MiniProgram, MINI_APPID, MINI_SECRET)
}

async fn serve(sim: &WechatSimulator) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = sim.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn errcode(result: Result<impl std::fmt::Debug, WechatApiError>) -> i64 {
    match result {
        Err(WechatApiError::Api { errcode, .. }) => errcode,
        other => panic!("expected a WeChat error, got {other:?}"),
    }
}

#[tokio::test]
async fn tokens_are_stable_until_forced_or_expired() {
    let sim = WechatSimulator::new(APPID, SECRET);
    let base = serve(&sim).await;
    let api = WechatApi::new(&base, APPID, SECRET);
    let first = api.stable_token(false).await.unwrap();
    assert!(first.expires_in > 7000);
    assert_eq!(api.stable_token(false).await.unwrap().access_token, first.access_token, "the same while valid");
    let forced = api.stable_token(true).await.unwrap();
    assert_ne!(forced.access_token, first.access_token);

    let stale = api.create_temporary_qr(&first.access_token, "bind:1", 600).await.unwrap_err();
    assert!(stale.is_stale_token(), "a superseded token is refused with 40001: {stale:?}");
    sim.advance_clock(7201);
    let expired = api.create_temporary_qr(&forced.access_token, "bind:1", 600).await.unwrap_err();
    assert!(matches!(expired, WechatApiError::Api { errcode: 42001, .. }), "{expired:?}");
    assert!(expired.is_stale_token());

    assert_eq!(errcode(WechatApi::new(&base, "wx0000000000000000", SECRET).stable_token(false).await), 40013);
    assert_eq!(errcode(WechatApi::new(&base, APPID, "wrong").stable_token(false).await), 40125);
}

#[tokio::test]
async fn temporary_qr_codes_carry_their_scene() {
    let sim = WechatSimulator::new(APPID, SECRET);
    let api = WechatApi::new(&serve(&sim).await, APPID, SECRET);
    let token = api.stable_token(false).await.unwrap().access_token;
    let qr = api.create_temporary_qr(&token, "bind:9f2c", 600).await.unwrap();
    assert_eq!(qr.expire_seconds, Some(600));
    assert!(qr.url.starts_with("http://weixin.qq.com/q/"));
    assert_eq!(sim.scene_of(&qr.ticket).as_deref(), Some("bind:9f2c"));
    assert_eq!(errcode(api.create_temporary_qr(&token, &"x".repeat(65), 600).await), 40053, "scene_str is at most 64");
}

#[tokio::test]
async fn website_login_codes_are_single_use_and_name_the_person_by_unionid() {
    let sim = simulator();
    let base = serve(&sim).await;
    let web = WechatApi::new(&base, WEB_APPID, WEB_SECRET);
    let code = sim.consent(WEB_APPID, "oUSER1", "阿依古丽");
    let token = web.oauth_access_token(&code).await.unwrap();
    assert_eq!(token.openid, sim.openid_in(WEB_APPID, "oUSER1"));
    assert_ne!(token.openid, "oUSER1", "another app, another openid");
    assert_eq!(token.unionid.as_deref(), Some(WechatSimulator::unionid_of("oUSER1").as_str()));
    let info = web.user_info(&token.access_token, &token.openid).await.unwrap();
    assert_eq!(info.nickname.as_deref(), Some("阿依古丽"));
    assert_eq!(info.unionid, token.unionid);
    assert_eq!(errcode(web.oauth_access_token(&code).await), 40163, "a code is used once");
    assert_eq!(errcode(web.oauth_access_token("made-up").await), 40029);
    assert_eq!(errcode(web.oauth_access_token("").await), 41008);
    assert_eq!(errcode(web.user_info(&token.access_token, "oSOMEONE_ELSE").await), 40003);
    let official = WechatApi::new(&base, APPID, SECRET);
    assert_eq!(errcode(official.oauth_access_token(&sim.consent(WEB_APPID, "oUSER1", "x")).await), 40013, "the official account is no website app");
    let other_app_code = sim.consent("wxsomeotherapp0001", "oUSER1", "x");
    assert_eq!(errcode(web.oauth_access_token(&other_app_code).await), 40029, "a code of another app");
}

#[tokio::test]
async fn the_official_account_sees_a_follower_and_their_unionid() {
    let sim = simulator();
    let api = WechatApi::new(&serve(&sim).await, APPID, SECRET);
    let token = api.stable_token(false).await.unwrap().access_token;
    let info = api.follower_info(&token, "oUSER7").await.unwrap();
    assert_eq!((info.openid.as_str(), info.subscribe), ("oUSER7", 0));
    assert_eq!(info.unionid.as_deref(), Some(WechatSimulator::unionid_of("oUSER7").as_str()));
    assert_eq!(errcode(api.follower_info("stale", "oUSER7").await), 40001);
}

#[tokio::test]
async fn show_qr_code_draws_the_ticket_url() {
    let sim = simulator();
    let base = serve(&sim).await;
    let api = WechatApi::new(&base, APPID, SECRET);
    let token = api.stable_token(false).await.unwrap().access_token;
    let qr = api.create_temporary_qr(&token, "bind:abc", 600).await.unwrap();
    let response = reqwest::Client::new().get(format!("{base}/cgi-bin/showqrcode")).query(&[("ticket", &qr.ticket)]).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = response.bytes().await.unwrap();
    let image = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, qr.url);
    let unknown = reqwest::get(format!("{base}/cgi-bin/showqrcode?ticket=gQnothing")).await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_qrconnect_page_returns_the_browser_with_code_and_state() {
    let sim = simulator();
    let base = serve(&sim).await;
    let web = WechatApi::new(&base, WEB_APPID, WEB_SECRET);
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = web.qrconnect_url(&base, "http://kaowu.test/login/wechat/callback?x=1", "st4te");
    assert!(url.ends_with("#wechat_redirect"));
    let started = browser.get(&url).send().await.unwrap();
    assert_eq!(started.status(), 303);
    let waiting_at = format!("{base}/connect/{}", started.headers()["location"].to_str().unwrap());
    let waiting = browser.get(&waiting_at).send().await.unwrap();
    assert_eq!(waiting.status(), 200);
    assert!(waiting.text().await.unwrap().contains("http-equiv=\"refresh\""), "the page waits by reloading");

    let uuid = sim.waiting_web_logins()[0].uuid.clone();
    assert!(sim.decide_web_login(&uuid, "oUSER1", "张三", true));
    let back = browser.get(&waiting_at).send().await.unwrap();
    assert_eq!(back.status(), 303);
    let location = reqwest::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/login/wechat/callback");
    let pairs: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!((pairs["x"].as_str(), pairs["state"].as_str()), ("1", "st4te"));
    let token = web.oauth_access_token(&pairs["code"]).await.unwrap();
    assert_eq!(token.unionid.as_deref(), Some(WechatSimulator::unionid_of("oUSER1").as_str()));

    // Refused: back with the state and no code.
    browser.get(&web.qrconnect_url(&base, "http://kaowu.test/cb", "s2")).send().await.unwrap();
    let uuid = sim.waiting_web_logins()[0].uuid.clone();
    sim.decide_web_login(&uuid, "oUSER1", "张三", false);
    let refused = browser.get(format!("{base}/connect/qrconnect/wait?uuid={uuid}")).send().await.unwrap();
    assert_eq!(refused.headers()["location"], "http://kaowu.test/cb?state=s2");

    let bad_scope = url.replace("snsapi_login", "snsapi_base");
    assert_eq!(browser.get(&bad_scope).send().await.unwrap().status(), 400);
    let not_a_website = WechatApi::new(&base, APPID, SECRET).qrconnect_url(&base, "http://kaowu.test/cb", "s");
    assert_eq!(browser.get(&not_a_website).send().await.unwrap().status(), 400);
}

#[tokio::test]
async fn mini_program_login_and_template_messages() {
    let sim = simulator();
    let base = serve(&sim).await;
    let mini = WechatApi::new(&base, MINI_APPID, MINI_SECRET);
    let session = mini.jscode2session(&sim.wx_login(MINI_APPID, "oMINI")).await.unwrap();
    assert_eq!(session.openid, sim.openid_in(MINI_APPID, "oMINI"));
    assert_eq!(session.unionid.as_deref(), Some(WechatSimulator::unionid_of("oMINI").as_str()));
    assert_eq!(session.session_key.len(), 24, "base64 of 16 bytes");
    assert!(!format!("{session:?}").contains(&session.session_key), "session_key never printed");
    assert_eq!(errcode(mini.jscode2session("made-up").await), 40029);
    assert_eq!(errcode(WechatApi::new(&base, MINI_APPID, "wrong").jscode2session("x").await), 40125);

    let api = WechatApi::new(&base, APPID, SECRET);
    let token = api.stable_token(false).await.unwrap().access_token;
    let data = json!({"first": {"value": "您已成功绑定微信"}});
    let msgid = api.send_template(&token, "oMINI", "TPL_BIND", data.clone()).await.unwrap();
    assert!(msgid > 0);
    let sent = sim.sent_templates();
    assert_eq!((sent.len(), sent[0].openid.as_str(), sent[0].template_id.as_str()), (1, "oMINI", "TPL_BIND"));
    assert_eq!(sent[0].data, data);
    assert_eq!(errcode(api.send_template(&token, "not-an-openid", "TPL_BIND", data).await), 40003);
}

#[tokio::test]
async fn an_unreachable_wechat_is_unavailable_not_an_api_error() {
    let api = WechatApi::new("http://127.0.0.1:9", APPID, SECRET);
    assert!(matches!(api.stable_token(false).await, Err(WechatApiError::Unavailable(_))));
}

#[tokio::test]
async fn face_checks_take_the_mini_programs_token_and_prove_the_person() {
    use kaowu_integrations::wechat::face::cert_hash;
    let sim = simulator();
    let base = serve(&sim).await;
    let mini = WechatApi::new(&base, MINI_APPID, MINI_SECRET);
    let token = mini.stable_token(false).await.unwrap().access_token;
    let official = WechatApi::new(&base, APPID, SECRET).stable_token(false).await.unwrap().access_token;
    let openid = mini.jscode2session(&sim.wx_login(MINI_APPID, "oFACE")).await.unwrap().openid;
    let (name, number) = ("张三", "310101199801011234");

    assert_eq!(errcode(mini.face_verify_id(&official, "KWSEQ00001", name, number, &openid).await), 48001, "the official account's token is not the mini-program's");
    assert_eq!(errcode(mini.face_verify_id(&token, "abc", name, number, &openid).await), 40097, "out_seq_no is 5-32 characters");
    let check = mini.face_verify_id(&token, "KWSEQ00001", name, number, &openid).await.unwrap();
    assert_eq!(check.expires_in, 3600);
    assert_eq!(errcode(mini.face_verify_id(&token, "KWSEQ00001", name, number, &openid).await), 40097, "out_seq_no is unique per mini-program");

    let hash = cert_hash("IDENTITY_CARD", name, number);
    assert_eq!(mini.face_verify_result(&token, &check.verify_id, "KWSEQ00001", &hash, &openid).await.unwrap(), 90002, "not done yet: no pass");
    assert!(sim.finish_face_check(&check.verify_id, 10000));
    let wrong_person = cert_hash("IDENTITY_CARD", "李四", number);
    assert_eq!(errcode(mini.face_verify_result(&token, &check.verify_id, "KWSEQ00001", &wrong_person, &openid).await), 40097);
    assert_eq!(mini.face_verify_result(&token, &check.verify_id, "KWSEQ00001", &hash, &openid).await.unwrap(), 10000);
}
