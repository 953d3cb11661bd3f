//! The FaceID client against the simulator over real HTTP: TC3 signatures checked (a wrong key, a wrong id),
//! the two-factor verdicts, and the face-verification flow with the tester's page.

use kaowu_integrations::tencent_faceid::{FaceIdApi, FaceIdError, FaceIdSimulator};

const SECRET_ID: &str = "AKIDkaowuSimulator0000000000000000";
const SECRET_KEY: &str = "kaowu-simulator-secret-key-000000";

async fn serve(sim: &FaceIdSimulator) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().nest("/sim/faceid", sim.router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A valid resident ID number (GB 11643 check character).
fn id_number(sequence: u32) -> String {
    let first17 = format!("11010519900307{sequence:03}");
    format!("{first17}{}", domain::id_number::gb11643_check_char(&first17).unwrap())
}

fn code(result: Result<impl std::fmt::Debug, FaceIdError>) -> String {
    match result {
        Err(FaceIdError::Api { code, .. }) => code,
        other => panic!("expected a FaceID error, got {other:?}"),
    }
}

#[tokio::test]
async fn two_factor_verdicts() {
    let sim = FaceIdSimulator::new(SECRET_ID, SECRET_KEY, "/sim/faceid");
    let base = serve(&sim).await;
    let api = FaceIdApi::new(&format!("{base}/sim/faceid"), SECRET_ID, SECRET_KEY);
    let verdict = |name: &'static str, id: String| {
        let api = api.clone();
        async move { api.id_card_verification(name, &id).await.unwrap().result }
    };
    assert_eq!(verdict("韦小宝", id_number(101)).await, "0");
    sim.register_person(&id_number(102), "张三");
    assert_eq!(verdict("李四", id_number(102)).await, "-1", "the registry knows this number under another name");
    assert_eq!(verdict("张三", id_number(102)).await, "0");
    // Tencent's own documentation example has a wrong check character.
    assert_eq!(verdict("韦小宝", "11204416541220243X".into()).await, "-2");
    assert_eq!(verdict("", id_number(103)).await, "-3");
    sim.script_verdicts(&["-4", "-6"]);
    assert_eq!(verdict("韦小宝", id_number(104)).await, "-4");
    assert_eq!(verdict("韦小宝", id_number(104)).await, "-6");
    assert_eq!(verdict("韦小宝", id_number(104)).await, "0");
    assert_eq!(sim.checks(), 8);
}

#[tokio::test]
async fn requests_are_refused_unless_signed_with_the_right_key() {
    let sim = FaceIdSimulator::new(SECRET_ID, SECRET_KEY, "/sim/faceid");
    let base = format!("{}/sim/faceid", serve(&sim).await);
    let wrong_key = FaceIdApi::new(&base, SECRET_ID, "not-the-key");
    assert_eq!(code(wrong_key.id_card_verification("韦小宝", &id_number(101)).await), "AuthFailure.SignatureFailure");
    let wrong_id = FaceIdApi::new(&base, "AKIDsomeoneelse", SECRET_KEY);
    assert_eq!(code(wrong_id.id_card_verification("韦小宝", &id_number(101)).await), "AuthFailure.SecretIdNotFound");
    let unsigned = reqwest::Client::new().post(&base).header("X-TC-Action", "IdCardVerification").body("{}").send().await.unwrap();
    let answer: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(answer["Response"]["Error"]["Code"], "AuthFailure.InvalidAuthorization");
    assert_eq!(sim.checks(), 0, "nothing unsigned was answered");
}

#[tokio::test]
async fn face_verification_passes_or_fails_on_the_testers_page() {
    let sim = FaceIdSimulator::new(SECRET_ID, SECRET_KEY, "/sim/faceid");
    let base = serve(&sim).await;
    let api = FaceIdApi::new(&format!("{base}/sim/faceid"), SECRET_ID, SECRET_KEY);
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (choice, err_code) in [("pass", 0), ("fail", 1007)] {
        let started = api.detect_auth("1", &id_number(105), "王五", "http://kaowu.test/recover/face/done").await.unwrap();
        assert!(started.url.starts_with(&format!("{base}/sim/faceid/verify?token=")), "{}", started.url);
        assert_eq!(api.get_detect_info(&started.biz_token, "1").await.unwrap().err_code, None, "not finished yet");
        let page = browser.get(&started.url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("王五") && page.contains("110105********"), "the page shows whom, with the ID number masked");
        let decided = browser
            .post(format!("{base}/sim/faceid/verify?token={}", started.biz_token))
            .form(&[("token", started.biz_token.as_str()), ("result", choice)])
            .send()
            .await
            .unwrap();
        assert_eq!(decided.headers()["location"], format!("http://kaowu.test/recover/face/done?token={}", started.biz_token));
        let result = api.get_detect_info(&started.biz_token, "1").await.unwrap();
        assert_eq!((result.err_code, result.name.as_str(), result.id_card.as_str()), (Some(err_code), "王五", id_number(105).as_str()));
        assert!(result.sim.unwrap() > 0.0);
    }
    assert_eq!(code(api.get_detect_info("NO-SUCH-TOKEN", "1").await), "InvalidParameterValue.BizTokenIllegal");
    assert_eq!(code(api.detect_auth("1", "12345", "王五", "http://kaowu.test/").await), "InvalidParameterValue");
}
