use crate::passwords::Hasher;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use store::Store;
use store::reference::IdTypeRow;

/// Settings the HTTP layer needs; the binary fills them from configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (on whenever the site is served over HTTPS, i.e. in production).
    pub secure_cookies: bool,
    pub session_idle_secs: i64,
    pub session_absolute_secs: i64,
    /// Concurrent argon2 computations (≈ cores) and how many more may wait for one.
    pub hash_workers: usize,
    pub hash_queue: usize,
    /// Version of the privacy rules the candidate consents to, recorded with the consent.
    pub privacy_policy_version: String,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Seconds the double-entry step may take before the first entry must be repeated.
    pub registration_confirm_secs: i64,
    /// A wide-coverage CJK font cut into web-font blocks for rare characters; absent file = no web font.
    pub rare_char_font: std::path::PathBuf,
    /// The CJK font (or collection, with the face index) the 申请表 PDF is set in.
    pub form_font: std::path::PathBuf,
    pub form_font_index: u32,
    /// Where CHSI online verification reports are looked up (the simulator in the demo and tests).
    pub chsi_base_url: String,
    /// What a registration photo must be this exam year (configuration, not code).
    pub photo_spec: domain::photo::PhotoSpec,
    /// Photos processed at once (≈ cores); an upload beyond that is answered "busy" at once.
    pub photo_workers: usize,
    /// The official account (公众号); `None` leaves `/wechat/callback` unconfigured.
    pub wechat: Option<WechatSettings>,
    /// Failed secret checks allowed per account before its lock, and how long the lock lasts.
    pub account_throttle: store::throttle::ThrottleRule,
    /// The same per client address: higher, because a 考点's exam room or a school shares one address.
    pub address_throttle: store::throttle::ThrottleRule,
    /// Tencent Cloud FaceID (face verification for password recovery); `None` offers no face check.
    pub faceid: Option<FaceIdSettings>,
    /// This site's public address (scheme and host, no path), for addresses given to others such as the
    /// WeChat login's redirect_uri. Unset: taken from the request's Host header.
    pub public_url: Option<String>,
    /// Background workers each node runs (`kaowu serve`; `kaowu worker` runs only them).
    pub job_workers: usize,
    /// How long a claimed job stays its worker's (far longer than one call to an external service takes);
    /// a worker that dies holds its job this long before another takes it.
    pub job_lease_secs: i64,
    /// Which site passkeys belong to and the origins that may use them.
    pub passkeys: crate::flows::passkeys::PasskeySettings,
}

#[derive(Clone)]
pub struct WechatSettings {
    pub appid: String,
    pub secret: String,
    /// The callback's Token (signature key).
    pub token: String,
    /// 43 characters; required for the compatible and safe modes.
    pub encoding_aes_key: Option<String>,
    pub mode: integrations::wechat::MessageMode,
    /// Where the WeChat API lives (the simulator in the demo and tests).
    pub api_base: String,
    /// The template (模板消息) for security notices — binding, unbinding, password changes; none sends nothing.
    pub security_template: Option<String>,
    /// The template of exam-application notices (state changes).
    pub application_template: Option<String>,
    /// The open-platform 网站应用 for website QR login (qrconnect), if any.
    pub website: Option<WechatApp>,
    /// The mini-program whose `wx.login()` codes log candidates in, if any.
    pub mini_program: Option<WechatApp>,
    /// Where browsers go for the website login (https://open.weixin.qq.com; the simulator in the demo).
    pub open_base: String,
}

/// Tencent Cloud FaceID: the API key, the DetectAuth rule, and the similarity a pass needs.
#[derive(Clone)]
pub struct FaceIdSettings {
    pub endpoint: String,
    pub secret_id: String,
    pub secret_key: String,
    pub rule_id: String,
    /// 0–100; Tencent recommends at least 70.
    pub min_similarity: f64,
}

impl std::fmt::Debug for FaceIdSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceIdSettings").field("endpoint", &self.endpoint).field("rule_id", &self.rule_id).finish_non_exhaustive()
    }
}

/// Another app under the same open-platform account (its users' unionid matches the official account's).
#[derive(Clone)]
pub struct WechatApp {
    pub appid: String,
    pub secret: String,
}

impl WechatSettings {
    /// The 消息加解密 keys, when an EncodingAESKey is configured (configuration has checked it).
    pub fn crypto(&self) -> Option<integrations::wechat::MessageCrypto> {
        self.encoding_aes_key.as_deref().and_then(|key| integrations::wechat::MessageCrypto::new(key, &self.appid).ok())
    }
}

impl std::fmt::Debug for WechatSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatSettings").field("appid", &self.appid).field("mode", &self.mode).field("api_base", &self.api_base).finish_non_exhaustive()
    }
}

/// The callback's keys, ready to use.
pub struct WechatCallback {
    pub token: String,
    pub crypto: Option<integrations::wechat::MessageCrypto>,
    pub mode: integrations::wechat::MessageMode,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: true,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            hash_workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            hash_queue: 8,
            privacy_policy_version: "2026-11".into(),
            trust_forwarded_for: false,
            registration_confirm_secs: 30 * 60,
            rare_char_font: "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf".into(),
            // Debian's fonts-noto-cjk; face 2 of the collection is Simplified Chinese.
            form_font: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".into(),
            form_font_index: 2,
            chsi_base_url: "https://www.chsi.com.cn".into(),
            photo_spec: domain::photo::PhotoSpec::default(),
            photo_workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            wechat: None,
            account_throttle: store::throttle::ThrottleRule { limit: 5, window_secs: 30 * 60, lock_secs: 30 * 60 },
            address_throttle: store::throttle::ThrottleRule { limit: 30, window_secs: 30 * 60, lock_secs: 30 * 60 },
            public_url: None,
            passkeys: crate::flows::passkeys::PasskeySettings::for_public_url(None),
            job_workers: 2,
            job_lease_secs: 60,
            faceid: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub hasher: Hasher,
    pub settings: WebSettings,
    /// Loaded once at start: reference data changes by migration or import, followed by a restart.
    pub id_types: Vec<IdTypeRow>,
    pub metrics: PrometheusHandle,
    pub rare_font: Option<crate::rare_font::RareFont>,
    /// The 申请表's fonts, read on the first form drawn.
    pub form_fonts: std::sync::OnceLock<Result<documents::form::FormFonts, String>>,
    pub chsi: integrations::chsi::ChsiClient,
    pub objects: store::objects::Objects,
    pub photo_spec: domain::photo::PhotoSpec,
    pub photo_slots: Arc<tokio::sync::Semaphore>,
    pub wechat: Option<WechatCallback>,
    /// The WeChat API for the official account (see `wechat_api.rs` for the token handling).
    pub wechat_api: Option<integrations::wechat::WechatApi>,
    /// The website app's and the mini-program's side of the WeChat API, when configured.
    pub wechat_website: Option<integrations::wechat::WechatApi>,
    pub wechat_mini_program: Option<integrations::wechat::WechatApi>,
    pub faceid: Option<integrations::tencent_faceid::FaceIdApi>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn new(store: Store, objects: store::objects::Objects, settings: WebSettings) -> Result<AppState, store::StoreError> {
        let id_types = store.db.enabled_id_types().await?;
        let hasher = Hasher::new(settings.hash_workers, settings.hash_queue);
        domain::rare_chars::warm_up();
        let rare_font = crate::rare_font::RareFont::open(settings.rare_char_font.clone());
        if rare_font.is_none() {
            tracing::warn!(path = %settings.rare_char_font.display(), "rare-character font not found: pages rely on the device's fonts");
        }
        let metrics = crate::observability::metrics_handle();
        let chsi = integrations::chsi::ChsiClient::new(&settings.chsi_base_url);
        let photo_spec = settings.photo_spec.clone();
        let photo_slots = Arc::new(tokio::sync::Semaphore::new(settings.photo_workers.max(1)));
        let wechat = settings.wechat.as_ref().map(|w| WechatCallback {
            token: w.token.clone(),
            crypto: w.crypto(),
            mode: w.mode,
        });
        let wechat_api = settings.wechat.as_ref().map(|w| integrations::wechat::WechatApi::new(&w.api_base, &w.appid, &w.secret));
        let other_app = |pick: fn(&WechatSettings) -> Option<&WechatApp>| {
            let w = settings.wechat.as_ref()?;
            pick(w).map(|app| integrations::wechat::WechatApi::new(&w.api_base, &app.appid, &app.secret))
        };
        let wechat_website = other_app(|w| w.website.as_ref());
        let wechat_mini_program = other_app(|w| w.mini_program.as_ref());
        let faceid = settings.faceid.as_ref().map(|f| integrations::tencent_faceid::FaceIdApi::new(&f.endpoint, &f.secret_id, &f.secret_key));
        Ok(AppState(Arc::new(Inner {
            store,
            hasher,
            settings,
            id_types,
            metrics,
            rare_font,
            form_fonts: std::sync::OnceLock::new(),
            chsi,
            objects,
            photo_spec,
            photo_slots,
            wechat,
            wechat_api,
            wechat_website,
            wechat_mini_program,
            faceid,
        })))
    }

    /// (code, display name) of every offered ID type, for a select list.
    pub fn id_type_options(&self, lang: crate::i18n::Lang) -> Vec<(String, String)> {
        self.id_types.iter().map(|t| (t.code.clone(), lang.pick(&t.name_zh, &t.name_en).to_string())).collect()
    }

    pub fn id_type_name(&self, code: &str, lang: crate::i18n::Lang) -> String {
        self.id_types
            .iter()
            .find(|t| t.code == code)
            .map(|t| lang.pick(&t.name_zh, &t.name_en).to_string())
            .unwrap_or_else(|| code.to_string())
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Unix seconds as Beijing time, "2026-11-27 20:30": what candidates read (exam times are all Asia/Shanghai).
pub fn beijing_time(secs: i64) -> String {
    let china = time::UtcOffset::from_hms(8, 0, 0).expect("valid offset");
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(at) => {
            let at = at.to_offset(china);
            format!("{:04}-{:02}-{:02} {:02}:{:02}", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute())
        }
        Err(_) => String::new(),
    }
}
