//! Black-box harness: each test gets the real server on port 0 over a fresh database — a temporary SQLite
//! file or a newly created PostgreSQL database that is dropped afterwards.

#![allow(dead_code)]

#[allow(dead_code)]
pub mod authenticator;
pub mod console;

use kaowu::app::Application;
use kaowu::config::{Config, Mode, Sources};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: store::Store,
    /// The running server's state, for calling its services directly.
    pub state: web::AppState,
    /// The external systems' simulators this app talks to (mounted in-process, as in the demo).
    pub simulators: kaowu::app::Simulators,
    pub backend: Backend,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    postgres_database: Option<String>,
}

pub const TEST_PII_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
pub const TEST_INDEX_KEY: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

pub fn postgres_admin_url() -> String {
    std::env::var("KAOWU_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn create_postgres_database() -> (String, String) {
    let admin_url = postgres_admin_url();
    match store::scratch::create_postgres_database(&admin_url, "kaowu_test").await {
        Ok(created) => created,
        Err(error) => panic!(
            "PostgreSQL is required for the PostgreSQL half of the suite and is not reachable at {admin_url}: {error}. \
             Start it (the README's test command does) or set KAOWU_TEST_POSTGRES_URL (ending in /DATABASE)."
        ),
    }
}

pub struct Options {
    pub settings: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { settings: BTreeMap::new() }
    }
}

/// An app whose official account is the demo's (the mounted simulator serves its API), in plain mode, sending
/// security notices with template `TPL_SECURITY`.
#[allow(dead_code)]
pub async fn spawn_app_with_wechat(backend: Backend) -> TestApp {
    let settings = [
        ("wechat_appid", kaowu::config::DEMO_WECHAT_APPID),
        ("wechat_secret", kaowu::config::DEMO_WECHAT_SECRET),
        ("wechat_token", "test-token"),
        ("wechat_mode", "plain"),
        ("wechat_template_security", "TPL_SECURITY"),
        ("wechat_template_application", "TPL_APPLICATION"),
    ];
    spawn_app_with(backend, Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }).await
}

/// A browser of its own: keeps cookies, does not follow redirects (tests look at where they point).
#[allow(dead_code)]
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// Logs `browser` in through the login page; the status of the form's answer (303 when it worked).
#[allow(dead_code)]
pub async fn log_in(app: &TestApp, browser: &reqwest::Client, username: &str, password: &str) -> u16 {
    let html = browser.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&html, "csrf_token");
    let form = [("login", username), ("password", password), ("csrf_token", csrf.as_str())];
    browser.post(app.url("/login")).form(&form).send().await.unwrap().status().as_u16()
}

/// Sixteen minutes pass for the account's sessions: their last proof of identity is too old for sensitive
/// changes.
#[allow(dead_code)]
pub async fn make_proofs_stale(app: &TestApp, account_id: &str) {
    for session in app.store.live_sessions(account_id, web::state::now()).await.unwrap() {
        app.store.mark_reauthenticated(&session.token_hash, web::state::now() - 16 * 60).await.unwrap();
    }
}

/// Waits (briefly: notices go out in the background) for a security notice about `event` to reach `openid`.
#[allow(dead_code)]
pub async fn security_notice_sent(app: &TestApp, openid: &str, event: &str) -> bool {
    for _ in 0..50 {
        if app.simulators.wechat.sent_templates().iter().any(|t| t.openid == openid && t.data["keyword1"]["value"] == event) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (postgres_database, database_url) = match backend {
        Backend::Sqlite => (None, format!("sqlite://{}", data_dir.path().join("kaowu.db").display())),
        Backend::Postgres => {
            let (name, url) = create_postgres_database().await;
            (Some(name), url)
        }
    };
    let mut settings: BTreeMap<String, String> = [
        ("listen", "127.0.0.1:0".to_string()),
        ("data_dir", data_dir.path().display().to_string()),
        ("database_url", database_url),
        ("pii_key", TEST_PII_KEY.to_string()),
        ("pii_index_key", TEST_INDEX_KEY.to_string()),
        ("secure_cookies", "false".to_string()),
        ("hash_workers", "2".to_string()),
        ("hash_queue", "64".to_string()),
        ("db_max_connections", "5".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    settings.extend(options.settings);
    let config = Config::load(&Sources { file: None, overrides: settings }, Mode::Serve, &HashMap::new()).expect("test config");
    let simulators = kaowu::app::Simulators::default();
    let store = kaowu::app::open_store(&config).await.expect("store opens");
    let app = Application::with_store(&config, store, Some(simulators.clone())).await.expect("application builds");
    let base = format!("http://{}", app.local_addr());
    let store = app.state().store.clone();
    let state = app.state().clone();
    let (shutdown, signal) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async move {
            let _ = signal.await;
        })
        .await
        .expect("server runs");
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp { base, client, store, state, simulators, backend, data_dir, shutdown: Some(shutdown), server: Some(server), postgres_database }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self.client.post(self.url(path)).json(body).send().await.expect("request");
        status_and_json(response).await
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        status_and_json(request.send().await.expect("request")).await
    }

    /// Registers through the API and returns the bearer token.
    pub async fn register(&self, body: &Value) -> String {
        let (status, json) = self.post_json("/api/v1/accounts", body).await;
        assert_eq!(status, 201, "registration failed: {json}");
        json["token"].as_str().expect("token").to_string()
    }

    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(name) = self.postgres_database.take() {
            // On a thread and runtime of its own, touching nothing of the test's runtime (which may be the very
            // thread this drop blocks): FORCE ends the app's connections itself.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                let _ = runtime.block_on(store::scratch::drop_postgres_database(&postgres_admin_url(), &name));
            })
            .join()
            .ok();
        }
    }
}

pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

/// A valid resident ID number (GB 11643) unique to this call.
pub fn unique_resident_id() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    let day = 1 + (n % 28) as u32;
    let seq = (n >> 8) % 1000;
    let region = 110101 + ((n >> 20) % 5) as u32;
    let year = 1970 + ((n >> 32) % 30) as u32;
    let first17 = format!("{region:06}{year:04}05{day:02}{seq:03}");
    format!("{first17}{}", domain::id_number::gb11643_check_char(&first17).unwrap())
}

pub fn unique_username() -> String {
    format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

pub const PASSWORD: &str = "Kw7!river2026";

pub fn registration(username: &str, name: &str, id_number: &str) -> Value {
    json!({
        "username": username,
        "password": PASSWORD,
        "name": name,
        "id_type": "resident_id",
        "id_number": id_number,
        "security_question": "您的出生地是？",
        "security_answer": "北京",
        "name_uses_pinyin": false,
        "accept_notice": true,
        "accept_privacy": true,
        "confirm": {"name": name, "id_type": "resident_id", "id_number": id_number}
    })
}

/// The value of the hidden field `name` in a page (the CSRF token, the sealed first entry…).
pub fn hidden_value(html: &str, name: &str) -> String {
    attribute_after(html, &format!("name=\"{name}\" value=\""))
}

/// The value of the first `attribute="…"` in a page (e.g. `data-scene`).
pub fn attribute_value(html: &str, attribute: &str) -> String {
    attribute_after(html, &format!("{attribute}=\""))
}

fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker}… in page")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Runs each listed scenario once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::Backend::Postgres).await
                }
            )*
        }
    };
}

/// Sample uploads composed from the sample portrait (tests/sample-images/README.md).
pub mod photos {
    use documents::photo::samples::{self, Sitter};
    use std::sync::OnceLock;

    fn sitter() -> &'static Sitter {
        static SITTER: OnceLock<Sitter> = OnceLock::new();
        SITTER.get_or_init(|| {
            let path = std::env::var("KAOWU_SAMPLE_FACE")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/samples/astronaut.png").to_owned());
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("sample face {path}: {e} (run scripts/sample-images.sh)"));
            Sitter::from_png(&bytes).expect("the sample face decodes")
        })
    }

    /// A passing studio portrait; `variant` changes the framing so two variants give different photos.
    pub fn portrait_jpeg(variant: u32) -> Vec<u8> {
        let mut portrait = sitter().portrait(1200, 1600, 0.4 - 0.03 * variant as f32);
        samples::add_noise(&mut portrait, 3, 7 + u64::from(variant));
        samples::jpeg(&portrait, 92)
    }

    pub fn portrait_png() -> Vec<u8> {
        let mut portrait = sitter().portrait(1200, 1600, 0.4);
        samples::add_noise(&mut portrait, 3, 7);
        samples::png(&portrait)
    }

    pub fn two_faces_jpeg() -> Vec<u8> {
        let mut pair = sitter().pair(1600, 1200);
        samples::add_noise(&mut pair, 3, 2);
        samples::jpeg(&pair, 92)
    }
}

/// A registered candidate with every step of the application checklist done: an education record (through the
/// API), a photo on file, a bound WeChat that follows the account, and a passed identity check. Returns the
/// bearer token, the account id and the WeChat openid.
pub async fn ready_candidate(app: &TestApp, education_level: &str) -> (String, String, String) {
    ready_candidate_named(app, education_level, "报名考生").await
}

pub async fn ready_candidate_named(app: &TestApp, education_level: &str, name: &str) -> (String, String, String) {
    let username = unique_username();
    let token = app.register(&registration(&username, name, &unique_resident_id())).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    let account_id = me["account_id"].as_str().unwrap().to_string();
    let education = json!({"level": education_level, "school": "首都医科大学", "major": "护理学", "enrolled_on": "2012-09", "graduated_on": "2016-07"});
    let response = app.client.post(app.url("/api/v1/me/education")).bearer_auth(&token).json(&education).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let photo = store::photos::NewPhoto { object_key: format!("photos/{account_id}"), sha256: "0".repeat(64), byte_size: 20_000, source_width: 295, source_height: 413 };
    app.store.replace_photo(&account_id, &photo, web::state::now()).await.unwrap();
    let openid = format!("o{}", &account_id[..16]);
    app.store.bind_wechat(&account_id, &openid, web::state::now()).await.unwrap();
    app.store.set_wechat_following(&openid, true, web::state::now()).await.unwrap();
    app.store.set_identity_check(&account_id, "passed", Some("0"), None, web::state::now()).await.unwrap();
    (token, account_id, openid)
}

/// Loads the demo's exam plan (next exam year, windows open today); returns the exam year.
pub async fn load_demo_plan(app: &TestApp) -> u16 {
    let entry = store::audit::AuditEntry { admin_id: "system".into(), admin_username: "test".into(), admin_role: "national".into(), reason: "test".into(), at: web::state::now(), ..Default::default() };
    let (_, plan) = web::flows::plans::import(&app.store, &kaowu::plan::render_demo_plan(web::state::now()), domain::exam_plan::PlanFormat::Yaml, entry).await.expect("demo plan");
    plan.exam_year
}
