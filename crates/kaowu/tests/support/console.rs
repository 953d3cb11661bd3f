//! The exam authorities' console as a test drives it: admins with known TOTP secrets, 考点, and a logged-in
//! admin browser.

use super::TestApp;
use domain::admin::Scope;
use domain::totp::TotpSecret;

pub const ADMIN_PASSWORD: &str = "Console!Pass2026";

pub fn secret_of(username: &str) -> TotpSecret {
    let mut bytes = format!("{username}-test-secret").into_bytes();
    bytes.resize(20, b'.');
    TotpSecret::from_bytes(bytes)
}

pub fn step_now() -> i64 {
    web::state::now().div_euclid(30)
}

/// An admin with a known TOTP secret (enrolled, no code used yet).
pub async fn make_admin(app: &TestApp, username: &str, scope: Scope, password_hash: &str) {
    let new = store::admins::NewAdmin { username, display_name: username, password_hash, scope: &scope, created_by: None, now: web::state::now() };
    let id = app.store.create_admin(&new, None).await.unwrap();
    app.store.enrol_totp(&id, &secret_of(username), 0).await.unwrap();
}

pub fn site(code: &str) -> Scope {
    Scope::Site { province: code[..2].to_owned(), site: code.to_owned() }
}

pub async fn make_site(app: &TestApp, code: &str) {
    let site = store::regions::Site { code: code.into(), province_code: code[..2].into(), name: format!("{code} 考点"), address: "地址".into(), phone: "010-1".into() };
    let entry = store::audit::AuditEntry { admin_id: "system".into(), admin_username: "test".into(), admin_role: "national".into(), action: "site.create".into(), reason: "测试".into(), at: web::state::now(), ..Default::default() };
    app.store.create_site(&site, &entry).await.unwrap();
}

/// An admin's browser, logged in with both factors.
pub struct Console {
    pub browser: reqwest::Client,
    pub csrf: String,
}

impl Console {
    pub async fn log_in(app: &TestApp, username: &str) -> Console {
        let browser = super::browser();
        let html = browser.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
        let csrf = super::hidden_value(&html, "csrf_token");
        let answer = browser.post(app.url("/admin/login")).form(&[("csrf_token", csrf.as_str()), ("login", username), ("password", ADMIN_PASSWORD)]).send().await.unwrap();
        assert_eq!(answer.status(), 303, "password accepted for {username}");
        let code = secret_of(username).code_at_step(step_now());
        let answer = browser.post(app.url("/admin/totp")).form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())]).send().await.unwrap();
        assert_eq!((answer.status().as_u16(), answer.headers()["location"].to_str().unwrap()), (303, "/admin"), "code accepted for {username}");
        Console { browser, csrf }
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let response = self.browser.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self.browser.post(app.url(path)).header("accept", "text/html").form(&form).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

