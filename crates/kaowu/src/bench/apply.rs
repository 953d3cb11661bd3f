//! `kaowu bench apply`: exam applications through HTTP in one run, against baselines from the same run.
//!
//! An in-process server on a fresh SQLite database with the demo plan; candidates registered and logged in
//! through the API with their checklist done and a draft application each. Phase 1 (baseline) reads each
//! candidate's application (`GET`: session, plan, application) from as many clients as candidates; phase 2
//! submits and withdraws (each submission checks the checklist, the photo, eligibility and the window, and
//! writes the state and its event in one transaction); phase 3 draws the printable 申请表 without HTTP on every
//! core (the baseline), then phase 4 asks for it through HTTP.

use super::{free_port, register_candidate};
use anyhow::{Context, bail};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct ApplyBenchOptions {
    pub seconds: u64,
    pub candidates: usize,
}

pub struct ApplyBenchReport {
    pub cores: usize,
    pub candidates: usize,
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
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let duration = Duration::from_secs(options.seconds.max(2));
    let dir = tempfile::tempdir()?;
    let (app, base) = start_server(dir.path()).await?;
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;

    eprintln!("setting up: the demo plan and {} candidates with their checklist done and a draft application …", options.candidates);
    let entry = store::audit::AuditEntry { admin_id: "bench".into(), admin_username: "bench".into(), admin_role: "national".into(), reason: "bench".into(), at: web::state::now(), ..Default::default() };
    let (_, plan) = web::flows::plans::import(&state.store, &crate::plan::render_demo_plan(web::state::now()), domain::exam_plan::PlanFormat::Yaml, entry)
        .await
        .map_err(|e| anyhow::anyhow!("demo plan: {e:?}"))?;
    let photo = sample_photo()?;
    let mut candidates = Vec::new();
    for n in 0..options.candidates {
        candidates.push(ready_candidate(&client, &base, &state, n, plan.exam_year, &photo).await?);
    }
    let candidates = Arc::new(candidates);

    eprintln!("phase 1/4: reading applications through HTTP for {}s (baseline) …", duration.as_secs());
    let reads = drive(&client, &base, &candidates, duration, |c| vec![(reqwest::Method::GET, format!("/api/v1/me/applications/{}", c.application), 200)]).await?;
    eprintln!("phase 2/4: submitting and withdrawing for {}s …", duration.as_secs());
    let rounds = drive(&client, &base, &candidates, duration, |c| {
        vec![
            (reqwest::Method::POST, format!("/api/v1/me/applications/{}/submission", c.application), 200),
            (reqwest::Method::POST, format!("/api/v1/me/applications/{}/withdrawal", c.application), 200),
        ]
    })
    .await?;

    // The form needs a handed-in application.
    for c in candidates.iter() {
        let response = client.post(format!("{base}/api/v1/me/applications/{}/submission", c.application)).bearer_auth(&c.token).json(&json!({})).send().await?;
        if !response.status().is_success() {
            bail!("submitting before the PDF phases: {}", response.text().await.unwrap_or_default());
        }
    }
    let sample = client.get(format!("{base}/api/v1/me/applications/{}/form.pdf", candidates[0].application)).bearer_auth(&candidates[0].token).send().await?;
    if !sample.status().is_success() {
        bail!("the 申请表 is not served: {} {}", sample.status(), sample.text().await.unwrap_or_default());
    }
    let pdf_bytes = sample.bytes().await?.len();

    eprintln!("phase 3/4: drawing the 申请表 without HTTP on {cores} threads for {}s (baseline) …", duration.as_secs());
    let raw_pdfs_per_sec = raw_pdf_rate(&state, &photo, cores, duration)?;
    eprintln!("phase 4/4: the 申请表 through HTTP for {}s …", duration.as_secs());
    let pdfs = drive(&client, &base, &candidates, duration, |c| vec![(reqwest::Method::GET, format!("/api/v1/me/applications/{}/form.pdf", c.application), 200)]).await?;

    let _ = stop.send(());
    let _ = server.await;
    Ok(ApplyBenchReport {
        cores,
        candidates: options.candidates,
        reads_per_sec: reads as f64 / duration.as_secs_f64(),
        // Each round is one submission and one withdrawal.
        submissions_per_sec: rounds as f64 / duration.as_secs_f64(),
        raw_pdfs_per_sec,
        http_pdfs_per_sec: pdfs as f64 / duration.as_secs_f64(),
        pdf_bytes,
    })
}

impl ApplyBenchReport {
    pub fn print(&self) {
        println!("kaowu bench apply ({} cores, {} candidates, SQLite)", self.cores, self.candidates);
        println!("  application reads/s (baseline)    : {:>8.1}", self.reads_per_sec);
        println!("  submissions/s (each + a withdrawal): {:>8.1}   ratio {:.1} % of reads   (target ≥ 1000/s)", self.submissions_per_sec, 100.0 * self.submissions_per_sec / self.reads_per_sec);
        println!("  申请表 drawn/s without HTTP        : {:>8.1}", self.raw_pdfs_per_sec);
        println!("  申请表 PDFs/s through HTTP          : {:>8.1}   ratio {:.1} %   (target ≥ 200/s)", self.http_pdfs_per_sec, 100.0 * self.http_pdfs_per_sec / self.raw_pdfs_per_sec);
        println!("  one 申请表                          : {:>8.1} KB  (target < 100 KB)", self.pdf_bytes as f64 / 1024.0);
    }
}

async fn start_server(dir: &std::path::Path) -> anyhow::Result<(crate::app::Application, String)> {
    use base64::Engine;
    let key = || base64::engine::general_purpose::STANDARD.encode(store::pii::random_bytes::<32>());
    let settings: BTreeMap<String, String> = [
        ("listen", format!("127.0.0.1:{}", free_port()?)),
        ("data_dir", dir.display().to_string()),
        ("database_url", format!("sqlite://{}", dir.join("kaowu.db").display())),
        ("pii_key", key()),
        ("pii_index_key", key()),
        ("secure_cookies", "false".into()),
        // No background identity checks: the bench sets the outcome itself.
        ("job_workers", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
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

async fn ready_candidate(client: &reqwest::Client, base: &str, state: &web::AppState, n: usize, year: u16, photo: &[u8]) -> anyhow::Result<Candidate> {
    let username = format!("applicant{n:03}");
    register_candidate(client, base, &username, 200 + n).await?;
    let session: serde_json::Value = client.post(format!("{base}/api/v1/sessions")).json(&json!({"login": username, "password": super::PASSWORD})).send().await?.json().await?;
    let token = session["token"].as_str().context("a session token")?.to_owned();
    let me: serde_json::Value = client.get(format!("{base}/api/v1/me")).bearer_auth(&token).send().await?.json().await?;
    let account_id = me["account_id"].as_str().context("the account id")?.to_owned();
    let education = json!({"level": "bachelor", "school": "首都医科大学", "major": "护理学", "enrolled_on": "2008-09", "graduated_on": "2012-07"});
    expect(client.post(format!("{base}/api/v1/me/education")).bearer_auth(&token).json(&education).send().await?, 201, "education").await?;
    // The checklist's other steps, as the photo tool, WeChat and the identity check would have left them.
    let key = format!("photos/{account_id}");
    state.objects.put(&key, photo.to_vec()).await.map_err(|e| anyhow::anyhow!("photo: {e}"))?;
    let stored = store::photos::NewPhoto { object_key: key, sha256: "0".repeat(64), byte_size: photo.len() as i64, source_width: 295, source_height: 413 };
    state.store.replace_photo(&account_id, &stored, web::state::now()).await.map_err(|e| anyhow::anyhow!("photo: {e:?}"))?;
    let openid = format!("obench{n:022}");
    state.store.bind_wechat(&account_id, &openid, web::state::now()).await.map_err(|e| anyhow::anyhow!("wechat: {e:?}"))?;
    state.store.set_wechat_following(&openid, true, web::state::now()).await?;
    state.store.set_identity_check(&account_id, "passed", Some("0"), None, web::state::now()).await?;
    let body = json!({
        "exam": "health_title", "province": "11", "site": "1101", "specialty": "368", "work_unit": "北京协和医院",
        "started_work": format!("{}-07", year - 10), "highest_education": "bachelor", "held_title": "junior",
        "title_certificate_number": format!("{}-HS-{n:04}", year - 6)
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

/// One client per candidate, each repeating `requests` until the time is up; completed rounds (every request
/// answered as expected) in all.
async fn drive(client: &reqwest::Client, base: &str, candidates: &Arc<Vec<Candidate>>, duration: Duration, requests: fn(&Candidate) -> Vec<(reqwest::Method, String, u16)>) -> anyhow::Result<u64> {
    let deadline = Instant::now() + duration;
    let failures = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..candidates.len())
        .map(|i| {
            let (client, base, candidates, failures) = (client.clone(), base.to_owned(), Arc::clone(candidates), Arc::clone(&failures));
            tokio::spawn(async move {
                let candidate = &candidates[i];
                let round = requests(candidate);
                let mut rounds = 0u64;
                'outer: while Instant::now() < deadline {
                    for (method, path, status) in &round {
                        let sent = client.request(method.clone(), format!("{base}{path}")).bearer_auth(&candidate.token).json(&json!({})).send().await;
                        match sent {
                            Ok(response) if response.status().as_u16() == *status => {
                                let _ = response.bytes().await;
                            }
                            _ => {
                                failures.fetch_add(1, Ordering::Relaxed);
                                continue 'outer;
                            }
                        }
                    }
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await?;
    }
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("  ({failed} requests did not answer as expected)");
    }
    Ok(total)
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
