//! `kaowu bench login`: how close HTTP logins come to the machine's raw argon2id rate, measured in one run.
//!
//! Phase 1 verifies hashes on every core with no HTTP at all (the baseline). Phase 2 starts `kaowu serve` as a
//! child process on a fresh SQLite database and drives logins through the JSON API with enough clients to keep
//! the hashing workers busy. Phase 3 overloads the server to show excess work is refused at once (503) rather
//! than queued. The child's peak resident memory is read from /proc.

use anyhow::{Context, bail};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct LoginBenchOptions {
    pub seconds: u64,
}

pub struct LoginBenchReport {
    pub cores: usize,
    pub raw_per_sec: f64,
    pub http_per_sec: f64,
    pub overload_503: u64,
    pub overload_p99_ms: f64,
    pub overload_retry_after: bool,
    pub peak_rss_mb: f64,
}

use super::{PASSWORD, free_port};

pub async fn login(options: LoginBenchOptions) -> anyhow::Result<LoginBenchReport> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let duration = Duration::from_secs(options.seconds.max(2));

    // The baseline is measured in two halves, before and after the HTTP phase, and averaged: this machine's
    // speed drifts within minutes, and one sample taken before would make the ratio follow the drift.
    eprintln!("phase 1/3: raw argon2id verifications on {cores} threads for {}s (half now, half after phase 2) …", duration.as_secs());
    let raw_before = raw_argon2_rate(cores, duration / 2);

    eprintln!("phase 2/3: HTTP logins through `kaowu serve` …");
    let dir = tempfile_dir()?;
    let port = free_port()?;
    let mut server = ServerProcess::start(port, &dir)?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    server.wait_ready(&client, &base).await?;
    // A storm is many candidates logging in at once, each to their own account (one account has at most a few
    // checks in flight: the lockout counter asks the rest to wait).
    eprintln!("  registering {OVERLOAD_CLIENTS} bench accounts …");
    for n in 0..OVERLOAD_CLIENTS {
        register_bench_account(&client, &base, n).await?;
    }

    // As many clients as the server admits by default (hash_workers = cores, hash_queue = 8): each login also
    // waits for the database (the lockout counter before and after the check, the session and its history
    // entry), so fewer clients would leave hashing threads idle between requests — a storm has thousands.
    let clients = cores + 8;
    let (ok, _) = drive_logins(&client, &base, clients, duration, false).await;
    let http_per_sec = ok as f64 / duration.as_secs_f64();
    let raw_after = raw_argon2_rate(cores, duration / 2);
    let raw_per_sec = (raw_before + raw_after) / 2.0;

    eprintln!("phase 3/3: overload with {OVERLOAD_CLIENTS} clients for 3s …");
    let (_, overload) = drive_logins(&client, &base, OVERLOAD_CLIENTS, Duration::from_secs(3), true).await;
    let peak_rss_mb = server.peak_rss_mb().unwrap_or(f64::NAN);
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);

    let mut latencies = overload.latencies_ms;
    latencies.sort_by(|a, b| a.total_cmp(b));
    let overload_p99_ms = latencies.get((latencies.len() as f64 * 0.99) as usize).or(latencies.last()).copied().unwrap_or(f64::NAN);
    Ok(LoginBenchReport {
        cores,
        raw_per_sec,
        http_per_sec,
        overload_503: overload.refused,
        overload_p99_ms,
        overload_retry_after: overload.retry_after_seen,
        peak_rss_mb,
    })
}

impl LoginBenchReport {
    pub fn print(&self) {
        let ratio = 100.0 * self.http_per_sec / self.raw_per_sec;
        println!("kaowu bench login ({} cores)", self.cores);
        println!("  raw argon2id verifications/s : {:>8.1}", self.raw_per_sec);
        println!("  HTTP password logins/s       : {:>8.1}", self.http_per_sec);
        println!("  ratio                        : {:>7.1} %   (target ≥ 85 %; Keycloak ≈ 22 %)", ratio);
        println!("  server peak memory (VmHWM)   : {:>7.1} MB  (target < 300 MB)", self.peak_rss_mb);
        println!(
            "  overload: {} refused with 503, p99 {:.1} ms, Retry-After {} (target ≤ 50 ms)",
            self.overload_503,
            self.overload_p99_ms,
            if self.overload_retry_after { "present" } else { "MISSING" }
        );
    }
}

fn raw_argon2_rate(threads: usize, duration: Duration) -> f64 {
    let hash = web::passwords::hash_blocking(PASSWORD);
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (hash, count) = (hash.clone(), Arc::clone(&count));
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    assert!(web::passwords::verify_blocking(PASSWORD, &hash));
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("bench thread");
    }
    count.load(Ordering::Relaxed) as f64 / duration.as_secs_f64()
}

#[derive(Default)]
struct Overload {
    refused: u64,
    latencies_ms: Vec<f64>,
    retry_after_seen: bool,
}

async fn drive_logins(client: &reqwest::Client, base: &str, clients: usize, duration: Duration, overload: bool) -> (u64, Overload) {
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|n| {
            let (client, url, username) = (client.clone(), format!("{base}/api/v1/sessions"), bench_username(n));
            tokio::spawn(async move {
                let mut ok = 0u64;
                let mut seen = Overload::default();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let response = client.post(&url).json(&json!({"login": username, "password": PASSWORD})).send().await;
                    let Ok(response) = response else { continue };
                    match response.status().as_u16() {
                        201 => ok += 1,
                        503 => {
                            seen.refused += 1;
                            seen.latencies_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                            seen.retry_after_seen |= response.headers().contains_key("retry-after");
                            // A well-behaved client backs off instead of hammering.
                            tokio::time::sleep(Duration::from_millis(if overload { 20 } else { 5 })).await;
                        }
                        _ => {}
                    }
                }
                (ok, seen)
            })
        })
        .collect();
    let mut total = 0;
    let mut overload_stats = Overload::default();
    for task in tasks {
        if let Ok((ok, seen)) = task.await {
            total += ok;
            overload_stats.refused += seen.refused;
            overload_stats.latencies_ms.extend(seen.latencies_ms);
            overload_stats.retry_after_seen |= seen.retry_after_seen;
        }
    }
    (total, overload_stats)
}

/// Clients of the overload phase, each with an account of its own (the steady phase uses the first few).
const OVERLOAD_CLIENTS: usize = 64;

fn bench_username(n: usize) -> String {
    format!("benchuser{n:02}")
}

async fn register_bench_account(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<()> {
    super::register_candidate(client, base, &bench_username(n), 100 + n).await
}

struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    fn start(port: u16, dir: &std::path::Path) -> anyhow::Result<ServerProcess> {
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir)
            .env("KAOWU_LOG", "warn")
            .env("KAOWU_SECURE_COOKIES", "false")
            .env_remove("KAOWU_DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .context("starting kaowu serve")?;
        Ok(ServerProcess { child })
    }

    async fn wait_ready(&mut self, client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
        for _ in 0..200 {
            if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("kaowu serve exited early: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("kaowu serve did not become ready")
    }

    fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("kaowu-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
