//! `kaowu bench apply`: exam applications through HTTP in one run, against baselines from the same run.
//!
//! Setup: a fresh SQLite database with the demo plan and as many candidates as submissions to make, each with
//! a session, the checklist done and a draft application (made through the API like a candidate's). Phase 1
//! (baseline) reads applications (`GET`: session, plan, application) from every client; phase 2 is the storm:
//! every draft is submitted once, the clients taking the next draft as soon as they are answered (each
//! submission checks the checklist, the photo, eligibility and the window, and writes the state, the photo lock
//! and its event in one transaction); phase 3 draws the printable 申请表 without HTTP on every core (the
//! baseline), then phase 4 asks for it through HTTP.

use super::{free_port, register_candidate};
use anyhow::{Context, bail};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct ApplyBenchOptions {
    pub seconds: u64,
    /// Concurrent clients.
    pub clients: usize,
    /// Drafts submitted in phase 2 (one candidate each).
    pub submissions: usize,
    /// Run on a scratch database on this PostgreSQL server (an administrative URL ending in /DATABASE) instead
    /// of SQLite.
    pub postgres: Option<String>,
}

pub struct ApplyBenchReport {
    pub backend: &'static str,
    pub cores: usize,
    pub clients: usize,
    pub submissions: usize,
    pub reads_per_sec: f64,
    pub submissions_per_sec: f64,
    pub raw_pdfs_per_sec: f64,
    pub http_pdfs_per_sec: f64,
    pub pdf_bytes: usize,
}

struct Candidate {
    token: String,
    application: String,
}

pub async fn apply(options: ApplyBenchOptions) -> anyhow::Result<ApplyBenchReport> {
    let dir = tempfile::tempdir()?;
    // The setup's server and the measured one open the same database, so they need the same keys.
    let key = || base64::Engine::encode(&base64::engine::general_purpose::STANDARD, store::pii::random_bytes::<32>());
    let keys = [("pii_key", key()), ("pii_index_key", key())];
    let scratch = match &options.postgres {
        Some(admin_url) => Some(store::scratch::create_postgres_database(admin_url, "kaowu_bench").await?),
        None => None,
    };
    let mut keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if let Some((_, url)) = &scratch {
        keys.push(("database_url", url.as_str()));
    }
    let outcome = run(&options, dir.path(), &keys).await;
    if let (Some(admin_url), Some((name, _))) = (&options.postgres, &scratch) {
        store::scratch::drop_postgres_database(admin_url, name).await?;
    }
    outcome
}

async fn run(options: &ApplyBenchOptions, dir: &std::path::Path, keys: &[(&str, &str)]) -> anyhow::Result<ApplyBenchReport> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let duration = Duration::from_secs(options.seconds.max(2));
    let clients = options.clients.max(1);
    let total = options.submissions.max(clients);
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    // Setup commits without waiting for the disk on SQLite (it is not measured); the phases run on the settings
    // asked for.
    let setup = Server::start(dir, &[keys, &[("sqlite_synchronous", "normal")]].concat()).await?;
    eprintln!("setting up: the demo plan and {total} candidates with a session, their checklist done and a draft application …");
    let entry = store::audit::AuditEntry { admin_id: "bench".into(), admin_username: "bench".into(), admin_role: "national".into(), reason: "bench".into(), at: web::state::now(), ..Default::default() };
    let (_, plan) = web::flows::plans::import(&setup.state.store, &crate::plan::render_demo_plan(web::state::now()), domain::exam_plan::PlanFormat::Yaml, entry)
        .await
        .map_err(|e| anyhow::anyhow!("demo plan: {e:?}"))?;
    let photo = sample_photo()?;
    let candidates = Arc::new(ready_candidates(&client, &setup, plan.exam_year, &photo, total, clients).await?);
    let last_session = Instant::now();
    setup.stop().await;

    let server = Server::start(dir, keys).await?;
    let base = &server.base;
    eprintln!("phase 1/4: reading applications through HTTP for {}s (baseline) …", duration.as_secs());
    let reads = drive(&client, base, &candidates[..clients], duration, |c| (reqwest::Method::GET, format!("/api/v1/me/applications/{}", c.application))).await?;
    // A storm's candidates logged in a while before they submit, so each submission also records the session's
    // activity (sessions.rs does so at most every TOUCH_GRANULARITY_SECS): wait until every session is that old.
    let aged = Duration::from_secs(store::sessions::TOUCH_GRANULARITY_SECS as u64 + 1);
    if let Some(wait) = aged.checked_sub(last_session.elapsed()).filter(|w| !w.is_zero()) {
        eprintln!("waiting {}s until every session is older than {}s …", wait.as_secs() + 1, aged.as_secs());
        tokio::time::sleep(wait).await;
    }
    eprintln!("phase 2/4: submitting {total} drafts, each once, from {clients} clients …");
    let (submitted, submitting) = storm(&client, base, &candidates, clients).await?;
    // An answer of 200 is not taken on trust: a spread of the candidates read their application back.
    for candidate in candidates.iter().step_by((total / 64).max(1)) {
        let read = expect(client.get(format!("{base}/api/v1/me/applications/{}", candidate.application)).bearer_auth(&candidate.token).send().await?, 200, "reading back").await?;
        if read["state"] != "submitted" {
            bail!("application {} reads {} after its submission was answered 200", candidate.application, read["state"]);
        }
    }

    let sample = client.get(format!("{base}/api/v1/me/applications/{}/form.pdf", candidates[0].application)).bearer_auth(&candidates[0].token).send().await?;
    if !sample.status().is_success() {
        bail!("the 申请表 is not served: {} {}", sample.status(), sample.text().await.unwrap_or_default());
    }
    let pdf_bytes = sample.bytes().await?.len();

    eprintln!("phase 3/4: drawing the 申请表 without HTTP on {cores} threads for {}s (baseline) …", duration.as_secs());
    let raw_pdfs_per_sec = raw_pdf_rate(&server.state, &photo, cores, duration)?;
    eprintln!("phase 4/4: the 申请表 through HTTP for {}s …", duration.as_secs());
    let pdfs = drive(&client, base, &candidates[..clients], duration, |c| (reqwest::Method::GET, format!("/api/v1/me/applications/{}/form.pdf", c.application))).await?;
    server.stop().await;

    Ok(ApplyBenchReport {
        backend: if options.postgres.is_some() { "PostgreSQL" } else { "SQLite" },
        cores,
        clients,
        submissions: submitted,
        reads_per_sec: reads as f64 / duration.as_secs_f64(),
        submissions_per_sec: submitted as f64 / submitting.as_secs_f64(),
        raw_pdfs_per_sec,
        http_pdfs_per_sec: pdfs as f64 / duration.as_secs_f64(),
        pdf_bytes,
    })
}

impl ApplyBenchReport {
    pub fn print(&self) {
        println!("kaowu bench apply ({} cores, {} clients, {})", self.cores, self.clients, self.backend);
        println!("  application reads/s (baseline)     : {:>8.1}", self.reads_per_sec);
        println!("  submissions/s ({:>5} drafts, once) : {:>8.1}   ratio {:.1} % of reads   (target on SQLite ≥ 1000/s)", self.submissions, self.submissions_per_sec, 100.0 * self.submissions_per_sec / self.reads_per_sec);
        println!("  申请表 drawn/s without HTTP         : {:>8.1}", self.raw_pdfs_per_sec);
        println!("  申请表 PDFs/s through HTTP           : {:>8.1}   ratio {:.1} %   (target ≥ 200/s)", self.http_pdfs_per_sec, 100.0 * self.http_pdfs_per_sec / self.raw_pdfs_per_sec);
        println!("  one 申请表                           : {:>8.1} KB  (target < 100 KB)", self.pdf_bytes as f64 / 1024.0);
    }
}

/// An in-process server on the bench's database.
struct Server {
    state: web::AppState,
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    async fn start(dir: &std::path::Path, extra: &[(&str, &str)]) -> anyhow::Result<Server> {
        let (app, base) = start_server(dir, extra).await?;
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Ok(Server { state, base, stop, running })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.running.await;
        self.state.store.db.close().await;
    }
}

async fn start_server(dir: &std::path::Path, extra: &[(&str, &str)]) -> anyhow::Result<(crate::app::Application, String)> {
    let settings: BTreeMap<String, String> = [
        ("listen", format!("127.0.0.1:{}", free_port()?)),
        ("data_dir", dir.display().to_string()),
        ("database_url", format!("sqlite://{}", dir.join("kaowu.db").display())),
        ("secure_cookies", "false".into()),
        // No background identity checks: the bench sets the outcome itself.
        ("job_workers", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    .collect();
    // KAOWU_* variables apply (e.g. KAOWU_SQLITE_SYNCHRONOUS=normal to compare), except what is set above.
    let env: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("KAOWU_")).collect();
    let config = crate::config::Config::load(&crate::config::Sources { file: None, overrides: settings }, crate::config::Mode::Serve, &env)?;
    if env.contains_key("KAOWU_LOG") {
        // The server's log on stderr, to see where a request's time goes.
        crate::telemetry::init(config.log_format, &config.log_filter);
    }
    let store = crate::app::open_store(&config).await?;
    let app = crate::app::Application::with_store(&config, store, None).await?;
    let base = format!("http://{}", app.local_addr());
    Ok((app, base))
}

/// A registration photo's size and shape, as the photo tool writes it.
fn sample_photo() -> anyhow::Result<Vec<u8>> {
    let image = image::GrayImage::from_fn(295, 413, |x, y| image::Luma([((x * 3 + y * 5) % 256) as u8]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(image).write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)?;
    Ok(jpeg)
}

/// `total` candidates ready to submit, prepared by `clients` tasks at once.
async fn ready_candidates(client: &reqwest::Client, server: &Server, year: u16, photo: &[u8], total: usize, clients: usize) -> anyhow::Result<Vec<Candidate>> {
    let state = &server.state;
    // The first registers through the API; the rest are stored with its password hash (hashing thousands of
    // passwords would take minutes and is what `kaowu bench login` measures).
    register_candidate(client, &server.base, "applicant00000", 0).await?;
    let session: serde_json::Value = client.post(format!("{}/api/v1/sessions", server.base)).json(&json!({"login": "applicant00000", "password": super::PASSWORD})).send().await?.json().await?;
    let token = session["token"].as_str().context("a session token")?.to_owned();
    let me: serde_json::Value = client.get(format!("{}/api/v1/me", server.base)).bearer_auth(&token).send().await?.json().await?;
    let first = me["account_id"].as_str().context("the account id")?.to_owned();
    let password_hash = state.store.password_hash(&first).await?.context("the first account's password hash")?;
    // Every candidate's photo row points at one stored JPEG (the bytes are the same).
    let photo_key = "photos/bench".to_owned();
    state.objects.put(&photo_key, photo.to_vec()).await.map_err(|e| anyhow::anyhow!("photo: {e}"))?;

    let shared = Arc::new((client.clone(), server.base.clone(), state.clone(), password_hash, photo_key, photo.len()));
    let done = Arc::new(AtomicUsize::new(0));
    let first = Arc::new((first, token));
    let tasks: Vec<_> = (0..clients)
        .map(|task| {
            let (shared, done, first) = (Arc::clone(&shared), Arc::clone(&done), Arc::clone(&first));
            tokio::spawn(async move {
                let (client, base, state, password_hash, photo_key, photo_len) = &*shared;
                let mut ready = Vec::new();
                for n in (task..total).step_by(clients) {
                    let (account_id, token) = if n == 0 { (first.0.clone(), first.1.clone()) } else { stored_candidate(state, password_hash, n).await? };
                    let candidate = draft(client, base, state, &account_id, token, n, year, photo_key, *photo_len).await?;
                    ready.push((n, candidate));
                    let count = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if count % 1000 == 0 {
                        eprintln!("  {count} of {total} ready");
                    }
                }
                anyhow::Ok(ready)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort_by_key(|(n, _)| *n);
    Ok(all.into_iter().map(|(_, candidate)| candidate).collect())
}

/// Candidate `n` stored directly (as registration stores one) and logged in: its account id and bearer token.
async fn stored_candidate(state: &web::AppState, password_hash: &str, n: usize) -> anyhow::Result<(String, String)> {
    let username = domain::username::Username::from_trusted(format!("applicant{n:05}"));
    let id_number = domain::id_number::IdNumber::from_trusted(domain::id_number::IdType::ResidentId, bench_id_number(n)?);
    let account = store::accounts::NewAccount {
        username: &username,
        password_hash,
        name: &domain::person_name::PersonName::from_trusted("测试".into()),
        name_uses_pinyin: false,
        id_number: &id_number,
        security_question: "您的出生地是？",
        security_answer_hash: password_hash,
        privacy_policy_version: &state.settings.privacy_policy_version,
        now: web::state::now(),
    };
    let account_id = state.store.create_account(&account).await.map_err(|e| anyhow::anyhow!("account {n}: {e:?}"))?;
    let client = web::sessions::Client { ip: Some("127.0.0.1".into()), user_agent: Some("kaowu bench".into()), lang: Default::default() };
    let session = web::sessions::start_session(state, &account_id, "api", web::flows::login::LoginMethod::Password, &client).await.map_err(|e| anyhow::anyhow!("session {n}: {e:?}"))?;
    Ok((account_id, session.token))
}

/// A resident ID number of its own for candidate `n` (birth dates through 1990, sequence numbers per day).
fn bench_id_number(n: usize) -> anyhow::Result<String> {
    let (month, day, sequence) = (1 + (n / (28 * 999)) % 12, 1 + (n / 999) % 28, 1 + n % 999);
    let first17 = format!("1101051990{month:02}{day:02}{sequence:03}");
    Ok(format!("{first17}{}", domain::id_number::gb11643_check_char(&first17).context("17 digits")?))
}

/// The checklist done and a draft application with its photo confirmed, through the API where a candidate
/// does it; photo, WeChat and the identity check as the photo tool, WeChat and FaceID would have left them.
#[allow(clippy::too_many_arguments)]
async fn draft(client: &reqwest::Client, base: &str, state: &web::AppState, account_id: &str, token: String, n: usize, year: u16, photo_key: &str, photo_len: usize) -> anyhow::Result<Candidate> {
    let education = json!({"level": "bachelor", "school": "首都医科大学", "major": "护理学", "enrolled_on": "2008-09", "graduated_on": "2012-07"});
    expect(client.post(format!("{base}/api/v1/me/education")).bearer_auth(&token).json(&education).send().await?, 201, "education").await?;
    let stored = store::photos::NewPhoto { object_key: photo_key.to_owned(), sha256: "0".repeat(64), byte_size: photo_len as i64, source_width: 295, source_height: 413 };
    state.store.replace_photo(account_id, &stored, web::state::now()).await.map_err(|e| anyhow::anyhow!("photo: {e:?}"))?;
    let openid = format!("obench{n:022}");
    state.store.bind_wechat(account_id, &openid, web::state::now()).await.map_err(|e| anyhow::anyhow!("wechat: {e:?}"))?;
    state.store.set_wechat_following(&openid, true, web::state::now()).await?;
    state.store.set_identity_check(account_id, "passed", Some("0"), None, web::state::now()).await?;
    let body = json!({
        "exam": "health_title", "province": "11", "site": "1101", "specialty": "368", "work_unit": "北京协和医院",
        "started_work": format!("{}-07", year - 10), "highest_education": "bachelor", "held_title": "junior",
        "title_certificate_number": format!("{}-HS-{n:05}", year - 6)
    });
    let created: serde_json::Value = expect(client.post(format!("{base}/api/v1/me/applications")).bearer_auth(&token).json(&body).send().await?, 201, "application").await?;
    let application = created["id"].as_str().context("the application id")?.to_owned();
    expect(client.post(format!("{base}/api/v1/me/applications/{application}/photo-confirmation")).bearer_auth(&token).json(&json!({})).send().await?, 200, "photo confirmation").await?;
    Ok(Candidate { token, application })
}

async fn expect(response: reqwest::Response, status: u16, what: &str) -> anyhow::Result<serde_json::Value> {
    if response.status().as_u16() != status {
        bail!("{what}: {} {}", response.status(), response.text().await.unwrap_or_default());
    }
    Ok(response.json().await.unwrap_or_default())
}

/// One client per candidate, each repeating its request until the time is up; requests answered 200 in all.
async fn drive(client: &reqwest::Client, base: &str, candidates: &[Candidate], duration: Duration, request: fn(&Candidate) -> (reqwest::Method, String)) -> anyhow::Result<u64> {
    let deadline = Instant::now() + duration;
    let failures = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = candidates
        .iter()
        .map(|candidate| {
            let (client, failures) = (client.clone(), Arc::clone(&failures));
            let ((method, path), token) = (request(candidate), candidate.token.clone());
            let url = format!("{base}{path}");
            tokio::spawn(async move {
                let mut answered = 0u64;
                while Instant::now() < deadline {
                    if succeeds(client.request(method.clone(), &url).bearer_auth(&token), &failures).await {
                        answered += 1;
                    }
                }
                answered
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await?;
    }
    report_failures(&failures);
    Ok(total)
}

/// Every candidate's draft submitted once by `clients` clients, each taking the next draft as soon as it is
/// answered: how many were accepted (200) and how long all took.
async fn storm(client: &reqwest::Client, base: &str, candidates: &Arc<Vec<Candidate>>, clients: usize) -> anyhow::Result<(usize, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, base, candidates, next, failures) = (client.clone(), base.to_owned(), Arc::clone(candidates), Arc::clone(&next), Arc::clone(&failures));
            tokio::spawn(async move {
                let mut accepted = 0usize;
                loop {
                    let taken = next.fetch_add(1, Ordering::Relaxed);
                    let Some(candidate) = candidates.get(taken) else { break };
                    if taken > 0 && taken % 2000 == 0 {
                        eprintln!("  {taken} of {} sent after {:.1}s", candidates.len(), started.elapsed().as_secs_f64());
                    }
                    let url = format!("{base}/api/v1/me/applications/{}/submission", candidate.application);
                    if succeeds(client.post(url).bearer_auth(&candidate.token).json(&json!({})), &failures).await {
                        accepted += 1;
                    }
                }
                accepted
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await?;
    }
    let took = started.elapsed();
    report_failures(&failures);
    if accepted < candidates.len() {
        bail!("{} of {} submissions were refused", candidates.len() - accepted, candidates.len());
    }
    Ok((accepted, took))
}

/// Sends `request` and reads the whole answer: true when it succeeded, else counted in `failures`.
async fn succeeds(request: reqwest::RequestBuilder, failures: &AtomicU64) -> bool {
    match request.send().await {
        Ok(response) if response.status().is_success() => response.bytes().await.is_ok(),
        _ => {
            failures.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
}

fn report_failures(failures: &AtomicU64) {
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("  ({failed} requests did not answer as expected)");
    }
}

/// The 申请表 drawn on every core with no HTTP and no database: the ceiling for phase 4.
fn raw_pdf_rate(state: &web::AppState, photo: &[u8], threads: usize, duration: Duration) -> anyhow::Result<f64> {
    let fonts = web::flows::application_form::loaded_fonts(state).map_err(|e| anyhow::anyhow!("fonts: {e:?}"))?.clone();
    let content = Arc::new(documents::form::FormContent {
        title: "2027年度卫生专业技术资格考试报名申请表".into(),
        number: "2027110112345678".into(),
        rows: (0..14).map(|i| (format!("项目{i}"), "北京协和医院 护理学(中级) 基础知识、相关专业知识".to_owned())).collect(),
        photo_jpeg: Some(photo.to_vec()),
        qr_payload: "KW1:2027110112345678:0123456789abcdef0123".into(),
        pledge: "本人承诺：以上信息真实、准确、完整。".into(),
        footer: "打印时间 2026-12-06 10:00。".into(),
    });
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (fonts, content, count) = (fonts.clone(), Arc::clone(&content), Arc::clone(&count));
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    documents::form::render(&fonts, &content).expect("the form draws");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| anyhow::anyhow!("a drawing thread failed"))?;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / duration.as_secs_f64())
}
