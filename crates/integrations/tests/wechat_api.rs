//! The WeChat API client against the simulator over real HTTP: tokens (stable, forced refresh, expiry), QR
//! codes, the OAuth code exchange, jscode2session and template messages, with WeChat's error conventions.

use kaowu_integrations::wechat::{WechatApi, WechatApiError, WechatSimulator};
use serde_json::json;

const APPID: &str = "wx5d3c0c0e1a2b3c4d";
const SECRET: &str = "kaowu-simulator-secret";

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
async fn oauth_codes_are_single_use() {
    let sim = WechatSimulator::new(APPID, SECRET);
    let api = WechatApi::new(&serve(&sim).await, APPID, SECRET);
    let code = sim.consent("oUSER1", "阿依古丽");
    let token = api.oauth_access_token(&code).await.unwrap();
    assert_eq!(token.openid, "oUSER1");
    let info = api.user_info(&token.access_token, "oUSER1").await.unwrap();
    assert_eq!(info.nickname.as_deref(), Some("阿依古丽"));
    assert_eq!(errcode(api.oauth_access_token(&code).await), 40163, "a code is used once");
    assert_eq!(errcode(api.oauth_access_token("made-up").await), 40029);
    assert_eq!(errcode(api.oauth_access_token("").await), 41008);
    assert_eq!(errcode(api.user_info(&token.access_token, "oSOMEONE_ELSE").await), 40003);
}

#[tokio::test]
async fn mini_program_login_and_template_messages() {
    let sim = WechatSimulator::new(APPID, SECRET);
    let api = WechatApi::new(&serve(&sim).await, APPID, SECRET);
    let session = api.jscode2session(&sim.wx_login("oMINI")).await.unwrap();
    assert_eq!(session.openid, "oMINI");
    assert_eq!(session.session_key.len(), 24, "base64 of 16 bytes");
    assert!(!format!("{session:?}").contains(&session.session_key), "session_key never printed");
    assert_eq!(errcode(api.jscode2session("made-up").await), 40029);

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
