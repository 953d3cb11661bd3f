//! One typed configuration, layered: built-in defaults < config file (TOML) < `KAOWU_…` environment variables
//! < command-line flags. Secrets are never printed.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use store::pii::KEY_LEN;

/// Every setting: its key in the config file, and `KAOWU_<KEY>` in the environment.
pub const KEYS: &[(&str, &str)] = &[
    ("listen", "address to listen on, e.g. 127.0.0.1:8080"),
    ("data_dir", "directory for the SQLite database and local secrets (default ./data)"),
    ("database_url", "sqlite://FILE or postgres://USER@HOST/DB (default: SQLite in data_dir)"),
    ("db_max_connections", "database pool size (default 16)"),
    ("sqlite_synchronous", "full (default: every commit survives power loss) or normal"),
    ("pii_key", "base64 of 32 bytes: AES-256-GCM key for ID numbers"),
    ("pii_key_id", "id stored with each ciphertext (default k1)"),
    ("pii_old_keys", "keys still able to decrypt after rotation: id:base64,id:base64"),
    ("pii_index_key", "base64 of 32 bytes: HMAC key of the ID-number blind index (never rotate)"),
    ("secure_cookies", "true when served over HTTPS (default true; demo false)"),
    ("session_idle_minutes", "idle session timeout (default 30)"),
    ("session_absolute_hours", "absolute session lifetime (default 12)"),
    ("hash_workers", "concurrent argon2 hashes (default: number of cores)"),
    ("hash_queue", "hash requests allowed to wait before 503 (default 8)"),
    ("login_max_failures", "wrong passwords/answers/codes per account before a lock (default 5)"),
    ("login_max_failures_per_address", "the same per client address (default 30: an exam room shares one address)"),
    ("login_lock_minutes", "how long a lock lasts, and how long failures are remembered (default 30)"),
    ("trust_forwarded_for", "take the client address from X-Forwarded-For (default false)"),
    ("chsi_base_url", "CHSI 学信网 base URL (default https://www.chsi.com.cn; demo: its in-process simulator)"),
    ("rare_char_font", "TrueType font cut into web-font blocks for rare characters, and the 申请表's fallback for them (default: Debian's BabelStone Han)"),
    ("form_font", "CJK font or collection the 申请表 PDF is set in (default: Debian's Noto Sans CJK)"),
    ("form_font_index", "face of form_font to use, for a collection (default 2, Simplified Chinese)"),
    ("storage_url", "where photos and files are kept: a directory, file:///DIR or s3://BUCKET/PREFIX (default data_dir/objects)"),
    ("s3_endpoint", "S3-compatible endpoint for s3:// storage, e.g. http://minio:9000 (default: AWS, or AWS_ENDPOINT)"),
    ("s3_region", "S3 region (default: AWS_REGION)"),
    ("s3_access_key_id", "S3 access key id (default: AWS_ACCESS_KEY_ID or the instance role)"),
    ("s3_secret_access_key", "S3 secret key (default: AWS_SECRET_ACCESS_KEY)"),
    ("s3_allow_http", "allow a plain-HTTP S3 endpoint (default false)"),
    ("s3_virtual_hosted", "bucket.endpoint addressing instead of endpoint/bucket (default false)"),
    ("photo_spec", "TOML file with this exam year's photo spec (default: config/photo-spec-2027.toml, built in)"),
    ("photo_workers", "photos processed at once (default: number of cores)"),
    ("wechat_appid", "the official account's AppID (demo: its simulator's)"),
    ("wechat_secret", "the official account's AppSecret"),
    ("wechat_token", "the callback Token configured in the 公众号 console"),
    ("wechat_encoding_aes_key", "the 43-character EncodingAESKey (compatible and safe modes)"),
    ("wechat_mode", "plain, compatible or safe (default safe)"),
    ("wechat_template_security", "template id of the security notice (binding, unbinding, password change); unset sends none"),
    ("wechat_template_application", "template id of the exam-application notice (submitted, approved, rejected, more needed); unset sends none"),
    ("wechat_api_base", "WeChat API address (default https://api.weixin.qq.com; demo: its simulator)"),
    ("wechat_web_appid", "AppID of the open-platform 网站应用 for website QR login (unset: no website login)"),
    ("wechat_web_secret", "AppSecret of that website app"),
    ("wechat_miniprogram_appid", "AppID of the mini-program whose wx.login() codes log candidates in (unset: none)"),
    ("wechat_miniprogram_secret", "AppSecret of that mini-program"),
    ("wechat_open_base", "where browsers go for the website login (default https://open.weixin.qq.com; demo: its simulator)"),
    ("faceid_secret_id", "Tencent Cloud API SecretId for FaceID (face verification in password recovery); unset: not offered"),
    ("faceid_secret_key", "its SecretKey"),
    ("faceid_endpoint", "FaceID API address (default https://faceid.tencentcloudapi.com; demo: its simulator)"),
    ("faceid_rule_id", "the DetectAuth RuleId from the FaceID console (default 1)"),
    ("faceid_min_similarity", "similarity (0-100) a face check needs to pass (default 70)"),
    ("public_url", "this site's public address, e.g. https://kaowu.example.cn, for the WeChat login's redirect_uri (default: the request's Host)"),
    ("passkey_rp_id", "the domain passkeys belong to (default: public_url's host, else localhost)"),
    ("passkey_origins", "comma-separated origins allowed to use passkeys, e.g. https://kaowu.example.cn; a :* suffix allows any port (default: public_url, else http(s)://localhost:*)"),
    ("job_workers", "background workers per node: identity checks (default 2)"),
    ("job_lease_seconds", "how long a claimed job stays its worker's before another may take it (default 60)"),
    ("log_format", "json (default) or pretty"),
    ("log", "log filter, e.g. info or kaowu=debug (default info)"),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db: store::DbOptions,
    pub pii: PiiSetting,
    pub web: web::WebSettings,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// The configured CHSI address, if any (the demo otherwise uses its simulator).
    pub chsi_base_url: Option<String>,
    pub storage_url: String,
    pub s3: store::objects::S3Options,
    /// The configured WeChat API address, if any (the demo otherwise uses its simulator).
    pub wechat_api_base: Option<String>,
    /// The configured website-login address (open.weixin.qq.com), if any (the demo otherwise uses its simulator).
    pub wechat_open_base: Option<String>,
    /// The configured FaceID address, if any (the demo otherwise uses its simulator).
    pub faceid_endpoint: Option<String>,
}

#[derive(Debug, Clone)]
pub enum PiiSetting {
    Keys(store::PiiKeys),
    /// No keys configured: keep generated ones in the data directory (single-node SQLite and the demo only).
    LocalFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where the settings come from before they are parsed.
#[derive(Default, Debug, Clone)]
pub struct Sources {
    pub file: Option<PathBuf>,
    pub overrides: BTreeMap<String, String>,
}

pub enum Mode {
    Serve,
    Demo,
}

impl Config {
    pub fn load(sources: &Sources, mode: Mode, env: &HashMap<String, String>) -> anyhow::Result<Config> {
        let mut raw: BTreeMap<String, String> = BTreeMap::new();
        let file = sources.file.clone().or_else(|| env.get("KAOWU_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            raw.extend(read_file(&path)?);
        }
        for (key, _) in KEYS {
            if let Some(value) = env.get(&format!("KAOWU_{}", key.to_ascii_uppercase())) {
                raw.insert(key.to_string(), value.clone());
            }
        }
        raw.extend(sources.overrides.clone());
        Config::from_raw(&raw, mode)
    }

    fn from_raw(raw: &BTreeMap<String, String>, mode: Mode) -> anyhow::Result<Config> {
        let get = |key: &str| raw.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let demo = matches!(mode, Mode::Demo);
        let data_dir = PathBuf::from(get("data_dir").unwrap_or("./data"));
        let listen: SocketAddr = get("listen")
            .unwrap_or("127.0.0.1:8080")
            .parse()
            .context("listen: expected an address like 127.0.0.1:8080")?;
        let database_url = match get("database_url") {
            Some(url) => url.to_string(),
            None => format!("sqlite://{}", data_dir.join("kaowu.db").display()),
        };
        let mut web = web::WebSettings { secure_cookies: !demo, ..Default::default() };
        if let Some(v) = get("secure_cookies") {
            web.secure_cookies = parse_bool("secure_cookies", v)?;
        }
        if let Some(v) = get("session_idle_minutes") {
            web.session_idle_secs = parse_num::<i64>("session_idle_minutes", v)? * 60;
        }
        if let Some(v) = get("session_absolute_hours") {
            web.session_absolute_secs = parse_num::<i64>("session_absolute_hours", v)? * 3600;
        }
        if let Some(v) = get("hash_workers") {
            web.hash_workers = parse_num("hash_workers", v)?;
        }
        if let Some(v) = get("hash_queue") {
            web.hash_queue = parse_num("hash_queue", v)?;
        }
        if let Some(v) = get("trust_forwarded_for") {
            web.trust_forwarded_for = parse_bool("trust_forwarded_for", v)?;
        }
        let chsi_base_url = get("chsi_base_url").map(str::to_string);
        if let Some(url) = &chsi_base_url {
            web.chsi_base_url = url.clone();
        }
        if let Some(v) = get("rare_char_font") {
            web.rare_char_font = PathBuf::from(v);
        }
        if let Some(v) = get("form_font") {
            web.form_font = PathBuf::from(v);
        }
        if let Some(v) = get("form_font_index") {
            web.form_font_index = parse_num("form_font_index", v)?;
        }
        web.photo_spec = load_photo_spec(get("photo_spec").map(Path::new))?;
        let lock_minutes: i64 = get("login_lock_minutes").map(|v| parse_num("login_lock_minutes", v)).transpose()?.unwrap_or(30);
        anyhow::ensure!(lock_minutes >= 1, "login_lock_minutes must be at least 1");
        for (key, rule) in [("login_max_failures", &mut web.account_throttle), ("login_max_failures_per_address", &mut web.address_throttle)] {
            if let Some(v) = get(key) {
                rule.limit = parse_num(key, v)?;
                anyhow::ensure!(rule.limit >= 1, "{key} must be at least 1");
            }
            rule.window_secs = lock_minutes * 60;
            rule.lock_secs = lock_minutes * 60;
        }
        if let Some(v) = get("job_workers") {
            web.job_workers = parse_num("job_workers", v)?;
        }
        if let Some(v) = get("job_lease_seconds") {
            web.job_lease_secs = parse_num("job_lease_seconds", v)?;
            anyhow::ensure!(web.job_lease_secs >= 1, "job_lease_seconds must be at least 1");
        }
        if let Some(v) = get("photo_workers") {
            web.photo_workers = parse_num("photo_workers", v)?;
        }
        let s3 = store::objects::S3Options {
            endpoint: get("s3_endpoint").map(str::to_string),
            region: get("s3_region").map(str::to_string),
            access_key_id: get("s3_access_key_id").map(str::to_string),
            secret_access_key: get("s3_secret_access_key").map(str::to_string),
            allow_http: get("s3_allow_http").map(|v| parse_bool("s3_allow_http", v)).transpose()?.unwrap_or(false),
            virtual_hosted: get("s3_virtual_hosted").map(|v| parse_bool("s3_virtual_hosted", v)).transpose()?.unwrap_or(false),
        };
        web.wechat = wechat_settings(&get, demo)?;
        web.faceid = match (get("faceid_secret_id"), get("faceid_secret_key")) {
            (Some(id), Some(key)) => Some((id.to_owned(), key.to_owned())),
            (None, None) if demo => Some((DEMO_FACEID_SECRET_ID.to_owned(), DEMO_FACEID_SECRET_KEY.to_owned())),
            (None, None) => None,
            _ => bail!("faceid_secret_id and faceid_secret_key must be configured together"),
        }
        .map(|(secret_id, secret_key)| -> anyhow::Result<web::state::FaceIdSettings> {
            let min_similarity: f64 = get("faceid_min_similarity").map(|v| parse_num("faceid_min_similarity", v)).transpose()?.unwrap_or(70.0);
            anyhow::ensure!((0.0..=100.0).contains(&min_similarity), "faceid_min_similarity must be 0-100");
            Ok(web::state::FaceIdSettings {
                endpoint: get("faceid_endpoint").unwrap_or("https://faceid.tencentcloudapi.com").to_owned(),
                secret_id,
                secret_key,
                rule_id: get("faceid_rule_id").unwrap_or("1").to_owned(),
                min_similarity,
            })
        })
        .transpose()?;
        let faceid_endpoint = get("faceid_endpoint").map(str::to_string);
        let wechat_api_base = get("wechat_api_base").map(str::to_string);
        let wechat_open_base = get("wechat_open_base").map(str::to_string);
        if let Some(url) = get("public_url") {
            let parsed = reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/");
            anyhow::ensure!(parsed.is_some(), "public_url: expected scheme and host only, like https://kaowu.example.cn, got {url:?}");
            web.public_url = Some(url.trim_end_matches('/').to_owned());
        }
        web.passkeys = web::flows::passkeys::PasskeySettings::for_public_url(web.public_url.as_deref());
        if let Some(rp_id) = get("passkey_rp_id") {
            web.passkeys.rp_id = rp_id.trim().to_ascii_lowercase();
        }
        if let Some(origins) = get("passkey_origins") {
            web.passkeys.origins = origins.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect();
        }
        anyhow::ensure!(
            web::flows::passkeys::PasskeySettings::check(&web.passkeys).is_ok(),
            "passkey_rp_id must be a domain name (not an IP address) and passkey_origins origins like https://host[:port]"
        );
        let storage_url = get("storage_url").map(str::to_string).unwrap_or_else(|| data_dir.join("objects").display().to_string());
        let mut db = store::DbOptions::default();
        if let Some(v) = get("db_max_connections") {
            db.max_connections = parse_num("db_max_connections", v)?;
        }
        if let Some(v) = get("sqlite_synchronous") {
            db.sqlite_synchronous_full = match v.to_ascii_lowercase().as_str() {
                "full" => true,
                "normal" => false,
                _ => bail!("sqlite_synchronous: expected full or normal"),
            };
        }
        let pii = match (get("pii_key"), get("pii_index_key")) {
            (Some(key), Some(index_key)) => {
                let key_id = get("pii_key_id").unwrap_or("k1").to_string();
                let mut encryption_keys = HashMap::new();
                encryption_keys.insert(key_id.clone(), decode_key("pii_key", key)?);
                for entry in get("pii_old_keys").unwrap_or("").split(',').filter(|e| !e.trim().is_empty()) {
                    let (id, key) = entry.trim().split_once(':').context("pii_old_keys: expected id:base64,…")?;
                    encryption_keys.insert(id.to_string(), decode_key("pii_old_keys", key)?);
                }
                PiiSetting::Keys(store::PiiKeys {
                    current_key_id: key_id,
                    encryption_keys,
                    blind_index_key: decode_key("pii_index_key", index_key)?,
                })
            }
            (None, None) if demo || !database_url.starts_with("postgres") => PiiSetting::LocalFile,
            (None, None) => bail!(
                "pii_key and pii_index_key must be configured (KAOWU_PII_KEY, KAOWU_PII_INDEX_KEY) when serving from \
                 PostgreSQL: every node must share them"
            ),
            _ => bail!("pii_key and pii_index_key must be configured together"),
        };
        let log_format = match get("log_format").unwrap_or(if demo { "pretty" } else { "json" }) {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => bail!("log_format: expected json or pretty, got {other:?}"),
        };
        let log_filter = get("log").unwrap_or("info").to_string();
        Ok(Config {
            listen,
            data_dir,
            database_url,
            db,
            pii,
            web,
            log_format,
            log_filter,
            chsi_base_url,
            storage_url,
            s3,
            wechat_api_base,
            wechat_open_base,
            faceid_endpoint,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        !self.database_url.starts_with("postgres")
    }
}

/// The demo's official account: it talks to the in-process simulator, so these need not be secret.
pub const DEMO_WECHAT_APPID: &str = "wx5d3c0c0e1a2b3c4d";
pub const DEMO_WECHAT_TOKEN: &str = "kaowu-demo-token";
pub const DEMO_WECHAT_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const DEMO_WECHAT_SECRET: &str = "kaowu-demo-secret";
pub const DEMO_SECURITY_TEMPLATE: &str = "kaowu-demo-security-notice";
pub const DEMO_APPLICATION_TEMPLATE: &str = "kaowu-demo-application-notice";
/// The demo's Tencent Cloud API key for its FaceID simulator (not a real key).
pub const DEMO_FACEID_SECRET_ID: &str = "AKIDkaowuDemo00000000000000000000000";
pub const DEMO_FACEID_SECRET_KEY: &str = "kaowu-demo-faceid-secret-key-0000";
/// The demo's website app (网站应用) and mini-program, under the same simulated open-platform account.
pub const DEMO_WECHAT_WEB_APPID: &str = "wx7e1f0a9b8c7d6e5f";
pub const DEMO_WECHAT_WEB_SECRET: &str = "kaowu-demo-web-secret";
pub const DEMO_WECHAT_MINI_APPID: &str = "wx3a4b5c6d7e8f9a0b";
pub const DEMO_WECHAT_MINI_SECRET: &str = "kaowu-demo-mini-secret";

/// Another WeChat app: appid and secret configured together, or (demo) the simulator's.
fn wechat_app<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
    prefix: &str,
    demo_default: Option<(&str, &str)>,
) -> anyhow::Result<Option<web::state::WechatApp>> {
    let (appid_key, secret_key) = (format!("{prefix}_appid"), format!("{prefix}_secret"));
    match (get(&appid_key), get(&secret_key), demo_default) {
        (Some(appid), Some(secret), _) => Ok(Some(web::state::WechatApp { appid: appid.to_owned(), secret: secret.to_owned() })),
        (None, None, Some((appid, secret))) => Ok(Some(web::state::WechatApp { appid: appid.to_owned(), secret: secret.to_owned() })),
        (None, None, None) => Ok(None),
        _ => bail!("{appid_key} and {secret_key} must be configured together"),
    }
}

fn wechat_settings<'a>(get: impl Fn(&str) -> Option<&'a str>, demo: bool) -> anyhow::Result<Option<web::state::WechatSettings>> {
    let (appid, token) = match (get("wechat_appid"), get("wechat_token")) {
        (Some(appid), Some(token)) => (appid.to_owned(), token.to_owned()),
        (None, None) if demo => (DEMO_WECHAT_APPID.to_owned(), DEMO_WECHAT_TOKEN.to_owned()),
        (None, None) => return Ok(None),
        _ => bail!("wechat_appid and wechat_token must be configured together"),
    };
    let encoding_aes_key = get("wechat_encoding_aes_key").map(str::to_owned).or_else(|| demo.then(|| DEMO_WECHAT_AES_KEY.to_owned()));
    let mode_text = get("wechat_mode").unwrap_or("safe");
    let mode = integrations::wechat::MessageMode::parse(mode_text).with_context(|| format!("wechat_mode: expected plain, compatible or safe, got {mode_text:?}"))?;
    match &encoding_aes_key {
        Some(key) => {
            integrations::wechat::MessageCrypto::new(key, &appid).map_err(|e| anyhow::anyhow!("wechat_encoding_aes_key: {e}"))?;
        }
        None if mode != integrations::wechat::MessageMode::Plain => bail!("wechat_mode {mode_text} needs wechat_encoding_aes_key"),
        None => {}
    }
    Ok(Some(web::state::WechatSettings {
        appid,
        secret: get("wechat_secret").map(str::to_owned).unwrap_or_else(|| if demo { DEMO_WECHAT_SECRET.to_owned() } else { String::new() }),
        token,
        encoding_aes_key,
        mode,
        api_base: get("wechat_api_base").unwrap_or("https://api.weixin.qq.com").to_owned(),
        security_template: get("wechat_template_security").map(str::to_owned).or_else(|| demo.then(|| DEMO_SECURITY_TEMPLATE.to_owned())),
        application_template: get("wechat_template_application").map(str::to_owned).or_else(|| demo.then(|| DEMO_APPLICATION_TEMPLATE.to_owned())),
        website: wechat_app(&get, "wechat_web", demo.then_some((DEMO_WECHAT_WEB_APPID, DEMO_WECHAT_WEB_SECRET)))?,
        mini_program: wechat_app(&get, "wechat_miniprogram", demo.then_some((DEMO_WECHAT_MINI_APPID, DEMO_WECHAT_MINI_SECRET)))?,
        open_base: get("wechat_open_base").unwrap_or("https://open.weixin.qq.com").to_owned(),
    }))
}

/// The spec shipped for the current exam year, used when `photo_spec` names no file.
pub const SHIPPED_PHOTO_SPEC: &str = include_str!("../../../config/photo-spec-2027.toml");

/// Reads an exam year's photo spec; keys the file leaves out keep the shipped values, unknown keys are errors.
pub fn load_photo_spec(path: Option<&Path>) -> anyhow::Result<domain::photo::PhotoSpec> {
    let (text, origin) = match path {
        Some(path) => (std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?, path.display().to_string()),
        None => (SHIPPED_PHOTO_SPEC.to_owned(), "the built-in photo spec".to_owned()),
    };
    toml::from_str(&text).with_context(|| format!("photo spec in {origin}"))
}

fn read_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if !KEYS.iter().any(|(k, _)| *k == key) {
            bail!("{}: unknown setting {key:?}", path.display());
        }
        let value = match value {
            toml::Value::String(s) => s,
            other => other.to_string(),
        };
        out.insert(key, value);
    }
    Ok(out)
}

fn parse_bool(key: &str, value: &str) -> anyhow::Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => bail!("{key}: expected true or false"),
    }
}

fn parse_num<T: std::str::FromStr>(key: &str, value: &str) -> anyhow::Result<T> {
    value.parse().map_err(|_| anyhow::anyhow!("{key}: expected a number"))
}

fn decode_key(key: &str, value: &str) -> anyhow::Result<[u8; KEY_LEN]> {
    let bytes = STANDARD.decode(value.trim()).map_err(|_| anyhow::anyhow!("{key}: not valid base64"))?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("{key}: must be exactly {KEY_LEN} bytes"))
}

/// Keys kept in `data_dir/secrets.toml` (mode 0600), created on first start.
pub fn local_pii_keys(data_dir: &Path) -> anyhow::Result<store::PiiKeys> {
    let path = data_dir.join("secrets.toml");
    if !path.exists() {
        std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let text = format!("pii_key = \"{}\"\npii_index_key = \"{}\"\n", STANDARD.encode(store::pii::random_bytes::<KEY_LEN>()), STANDARD.encode(store::pii::random_bytes::<KEY_LEN>()));
        write_private(&path, &text)?;
        tracing::warn!(path = %path.display(), "generated local encryption keys; back them up, the data cannot be read without them");
    }
    let values = read_file(&path)?;
    let key = values.get("pii_key").context("secrets.toml: pii_key missing")?;
    let index_key = values.get("pii_index_key").context("secrets.toml: pii_index_key missing")?;
    let mut encryption_keys = HashMap::new();
    encryption_keys.insert("k1".to_string(), decode_key("pii_key", key)?);
    Ok(store::PiiKeys { current_key_id: "k1".into(), encryption_keys, blind_index_key: decode_key("pii_index_key", index_key)? })
}


fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_file_env_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kaowu.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nhash_queue = 3\nsession_idle_minutes = 10\n").unwrap();
        let env: HashMap<String, String> =
            [("KAOWU_HASH_QUEUE".to_string(), "5".to_string()), ("KAOWU_LISTEN".into(), "127.0.0.1:9001".into())].into();
        let sources = Sources { file: Some(file), overrides: [("listen".to_string(), "127.0.0.1:9002".to_string())].into() };
        let config = Config::load(&sources, Mode::Serve, &env).unwrap();
        assert_eq!(config.listen.port(), 9002, "flags beat the environment");
        assert_eq!(config.web.hash_queue, 5, "the environment beats the file");
        assert_eq!(config.web.session_idle_secs, 600, "the file beats the defaults");
        assert!(config.web.secure_cookies);
    }

    #[test]
    fn postgres_needs_shared_keys_and_typos_are_caught() {
        let env: HashMap<String, String> = [("KAOWU_DATABASE_URL".to_string(), "postgres://x@localhost/db".to_string())].into();
        assert!(Config::load(&Sources::default(), Mode::Serve, &env).is_err());
        assert!(Config::load(&Sources::default(), Mode::Demo, &env).is_ok());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kaowu.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let err = Config::load(&Sources { file: Some(file), ..Default::default() }, Mode::Serve, &HashMap::new()).unwrap_err();
        assert!(err.to_string().contains("unknown setting"));
    }

    #[test]
    fn the_shipped_photo_spec_is_the_default_and_files_override_it() {
        assert_eq!(load_photo_spec(None).unwrap(), domain::photo::PhotoSpec::default());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("photo-2028.toml");
        std::fs::write(&file, "min_source_width = 1500\nmin_source_height = 2000\n").unwrap();
        let spec = load_photo_spec(Some(&file)).unwrap();
        assert_eq!((spec.min_source_width, spec.min_source_height, spec.output_width), (1500, 2000, 295));
        std::fs::write(&file, "min_width = 1500\n").unwrap();
        assert!(load_photo_spec(Some(&file)).is_err(), "a misspelt key is an error, not ignored");
    }

    #[test]
    fn wechat_is_configured_whole_or_not_at_all() {
        let load = |pairs: &[(&str, &str)], mode: Mode| {
            let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (format!("KAOWU_{}", k.to_ascii_uppercase()), v.to_string())).collect();
            Config::load(&Sources::default(), mode, &env)
        };
        assert!(load(&[], Mode::Serve).unwrap().web.wechat.is_none(), "serve without WeChat settings has no callback");
        let demo = load(&[], Mode::Demo).unwrap().web.wechat.expect("the demo has its simulator's account");
        assert_eq!((demo.appid.as_str(), demo.mode), (DEMO_WECHAT_APPID, integrations::wechat::MessageMode::Safe));
        assert!(load(&[("wechat_appid", "wx1")], Mode::Serve).is_err(), "appid without token");
        let safe_without_key = load(&[("wechat_appid", "wx1"), ("wechat_token", "t")], Mode::Serve).unwrap_err();
        assert!(safe_without_key.to_string().contains("wechat_encoding_aes_key"), "{safe_without_key}");
        let plain = load(&[("wechat_appid", "wx1"), ("wechat_token", "t"), ("wechat_mode", "plain")], Mode::Serve).unwrap();
        assert_eq!(plain.web.wechat.unwrap().mode, integrations::wechat::MessageMode::Plain);
        assert!(load(&[("wechat_appid", "wx1"), ("wechat_token", "t"), ("wechat_encoding_aes_key", "short")], Mode::Serve).is_err());
    }
}
