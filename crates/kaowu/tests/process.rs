//! The real binary as an operator runs it: logs without personal data, graceful shutdown, `migrate`, and
//! the demo on PostgreSQL through `KAOWU_DATABASE_URL`, and `kaowu worker` processes sharing the job queue
//! while one of them is killed.

mod support;

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{PASSWORD, registration, unique_resident_id, unique_username};

const BIN: &str = env!("CARGO_BIN_EXE_kaowu");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    child: Child,
    base: String,
    log_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn start(subcommand: &str, envs: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = Command::new(BIN);
    command
        .args([subcommand, "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .env("KAOWU_LOG", "debug")
        .env("KAOWU_LOG_FORMAT", "json")
        .env("KAOWU_SECURE_COOKIES", "false")
        .stdout(Stdio::piped())
        .stderr(log);
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn().unwrap();
    Server { child, base: format!("http://127.0.0.1:{port}"), log_path, _dir: dir }
}

impl Server {
    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server not ready; log:\n{}", std::fs::read_to_string(&self.log_path).unwrap_or_default());
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        panic!("server did not stop after SIGTERM");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_request_ids_but_no_personal_data() {
    let mut server = start("serve", &[]);
    server.wait_ready().await;
    let client = reqwest::Client::new();
    let id = unique_resident_id();
    let mut body = registration(&unique_username(), "隐私测试", &id);
    body["security_answer"] = json!("秘密答案Z");
    let response = client.post(format!("{}/api/v1/accounts", server.base)).json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_string();
    for login in [id.clone(), "nobody".into()] {
        client.post(format!("{}/api/v1/sessions", server.base)).json(&json!({"login": login, "password": PASSWORD})).send().await.unwrap();
    }
    // A bad ID number in a form is an error the log must not echo either.
    let mut bad = registration(&unique_username(), "隐私测试", "110105194912310021");
    bad["confirm"]["id_number"] = json!("110105194912310021");
    client.post(format!("{}/api/v1/accounts", server.base)).json(&bad).send().await.unwrap();
    assert!(server.terminate().success(), "clean exit on SIGTERM");

    let log = server.log();
    let lines: Vec<serde_json::Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(lines.len() >= 5, "JSON log lines expected:\n{log}");
    assert!(lines.iter().any(|l| l.to_string().contains(&request_id)), "request id in the log");
    for secret in [id.as_str(), &id[..14], &id[6..], "秘密答案Z", PASSWORD, "110105194912310021"] {
        assert!(!log.contains(secret), "{secret:?} leaked into the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    // One hashing worker: twelve logins then take at least ~12 × 17 ms, so many are still waiting for the worker
    // when the signal arrives, yet all of them have long been sent.
    let mut server = start("serve", &[("KAOWU_HASH_QUEUE", "32"), ("KAOWU_HASH_WORKERS", "1")]);
    server.wait_ready().await;
    let client = reqwest::Client::new();
    // Three candidates, four logins each: one account never has more than a few checks in flight (the lockout
    // counter would ask the rest to wait).
    let mut usernames = Vec::new();
    for _ in 0..3 {
        let username = unique_username();
        let body = registration(&username, "关机测试", &unique_resident_id());
        assert_eq!(client.post(format!("{}/api/v1/accounts", server.base)).json(&body).send().await.unwrap().status().as_u16(), 201);
        usernames.push(username);
    }
    // Enough logins that several are still hashing when the signal arrives.
    let in_flight: Vec<_> = (0..12)
        .map(|i| {
            let (client, url, username) = (client.clone(), format!("{}/api/v1/sessions", server.base), usernames[i % 3].clone());
            tokio::spawn(async move { client.post(url).json(&json!({"login": username, "password": PASSWORD})).send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(120)).await;
    let log_path = server.log_path.clone();
    let dir = std::mem::replace(&mut server._dir, tempfile::tempdir().unwrap());
    let status = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        drop(server);
        status
    });
    let mut answered = Vec::new();
    for request in in_flight {
        answered.push(request.await.unwrap());
    }
    assert!(status.await.unwrap().success());
    let _keep_log_until_read = dir;
    let completed = answered.iter().filter(|r| matches!(r, Ok(201))).count();
    assert!(answered.iter().all(|r| r.is_ok()), "every accepted request got its answer: {answered:?}");
    assert_eq!(completed, 12, "{answered:?}");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(log.contains("shutting down"), "the signal arrived while requests were in flight");
}

#[test]
fn migrate_applies_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let output = Command::new(BIN).args(["migrate", "--data-dir"]).arg(dir.path()).env("KAOWU_LOG_FORMAT", "json").output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));
    }
    assert!(dir.path().join("kaowu.db").exists());
}

#[test]
fn the_first_national_admin_comes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let create = |username: &str| {
        Command::new(BIN).args(["admin", "create-national", "--username", username, "--data-dir"]).arg(dir.path()).env("KAOWU_LOG_FORMAT", "json").output().unwrap()
    };
    let output = create("Head_Office");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("national admin head_office created"), "{stdout}");
    let password = stdout.lines().find_map(|l| l.strip_prefix("first password (shown once): ")).expect("the password is printed");
    assert!(password.len() >= 20);
    let again = create("head_office");
    assert!(!again.status.success(), "a second admin of that name is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_on_postgres_through_the_environment() {
    let admin_url = support::postgres_admin_url();
    let (name, url) = store::scratch::create_postgres_database(&admin_url, "kaowu_demo").await.expect("PostgreSQL reachable (the README's test command starts it)");
    let mut server = start("demo", &[("KAOWU_DATABASE_URL", &url)]);
    let stdout = server.child.stdout.take().unwrap();
    let banner = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let banner = lines.find(|l| l.contains("kaowu demo is running")).unwrap_or_default();
        std::thread::spawn(move || lines.for_each(drop));
        banner
    });
    server.wait_ready().await;
    assert!(banner.await.unwrap().contains(&server.base));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", server.base))
        .json(&json!({"login": kaowu::demo::DEMO_USERNAME, "password": kaowu::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "demo candidate can log in");
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1, "the demo data went to PostgreSQL");
    pool.close().await;
    assert!(server.terminate().success());
    store::scratch::drop_postgres_database(&admin_url, &name).await.unwrap();
}

#[test]
fn the_photo_command_prints_each_check_and_exits_by_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("原始照片.png");
    // A PNG under any name: the content decides.
    std::fs::write(&original, support::photos::portrait_png()).unwrap();
    let passed = Command::new(BIN).arg("photo").arg(&original).current_dir(dir.path()).output().unwrap();
    let stdout = String::from_utf8(passed.stdout).unwrap();
    assert!(passed.status.success(), "{stdout}");
    for check in ["✔ 文件大小", "✔ 文件格式：PNG", "✔ 人脸检测", "✔ 背景", "✔ 清晰度", "通过：已写入 一寸报名照片.jpg"] {
        assert!(stdout.contains(check), "{check} in:\n{stdout}");
    }
    let written = std::fs::read(dir.path().join("一寸报名照片.jpg")).unwrap();
    let photo = image::load_from_memory_with_format(&written, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((photo.width(), photo.height()), (295, 413));

    let two = dir.path().join("two.jpg");
    std::fs::write(&two, support::photos::two_faces_jpeg()).unwrap();
    let out = dir.path().join("out.jpg");
    let refused = Command::new(BIN).arg("photo").arg(&two).arg("-o").arg(&out).output().unwrap();
    let stdout = String::from_utf8(refused.stdout).unwrap();
    assert_eq!(refused.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✘ 人脸检测：2 张人脸") && stdout.contains("未通过：检测到多张人脸（photo.several_faces）"), "{stdout}");
    assert!(!out.exists(), "nothing written for a refused photo");

    // Another exam year's spec, from a file.
    let spec = dir.path().join("photo-2028.toml");
    std::fs::write(&spec, "min_source_width = 1500\nmin_source_height = 2000\n").unwrap();
    let strict = Command::new(BIN).arg("photo").arg(&original).arg("--spec").arg(&spec).arg("-o").arg(&out).output().unwrap();
    let stdout = String::from_utf8(strict.stdout).unwrap();
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout.contains("照片尺寸过小（photo.too_small）"), "{stdout}");

    let missing = Command::new(BIN).arg("photo").arg(dir.path().join("nope.jpg")).output().unwrap();
    assert!(!missing.status.success());
}

/// `kaowu worker` on `data_dir` (the server's), its log in `log`.
fn worker(data_dir: &std::path::Path, envs: &[(&str, &str)], log: &std::path::Path) -> Child {
    let mut command = Command::new(BIN);
    command.args(["worker", "--data-dir"]).arg(data_dir).env("KAOWU_LOG_FORMAT", "json").stdout(Stdio::null()).stderr(std::fs::File::create(log).unwrap());
    for (key, value) in envs {
        command.env(key, value);
    }
    command.spawn().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_finish_every_check_though_one_is_killed() {
    // The identity service: the FaceID simulator, served here.
    let faceid = integrations::tencent_faceid::FaceIdSimulator::new(kaowu::config::DEMO_FACEID_SECRET_ID, kaowu::config::DEMO_FACEID_SECRET_KEY, "");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let router = faceid.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let envs = [
        ("KAOWU_FACEID_SECRET_ID", kaowu::config::DEMO_FACEID_SECRET_ID),
        ("KAOWU_FACEID_SECRET_KEY", kaowu::config::DEMO_FACEID_SECRET_KEY),
        ("KAOWU_FACEID_ENDPOINT", endpoint.as_str()),
        ("KAOWU_JOB_LEASE_SECONDS", "2"),
    ];
    // The server only serves (no workers of its own): registrations queue checks nobody runs yet.
    let server_envs: Vec<(&str, &str)> = envs.iter().copied().chain([("KAOWU_JOB_WORKERS", "0")]).collect();
    let mut server = start("serve", &server_envs);
    server.wait_ready().await;
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for n in 0..12 {
        let body = registration(&unique_username(), &format!("工人{}", ["甲", "乙", "丙", "丁"][n % 4]), &unique_resident_id());
        let created: serde_json::Value = client.post(format!("{}/api/v1/accounts", server.base)).json(&body).send().await.unwrap().json().await.unwrap();
        tokens.push(created["token"].as_str().unwrap().to_owned());
    }
    let state_of = |token: String| {
        let (client, base) = (client.clone(), server.base.clone());
        async move {
            let me: serde_json::Value = client.get(format!("{base}/api/v1/me")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            me["identity_verification"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(state_of(tokens[0].clone()).await, "pending");

    // Two worker processes on the same database; one is killed (SIGKILL, no goodbye) soon after it starts.
    let data_dir = server._dir.path().join("data");
    let logs = tempfile::tempdir().unwrap();
    let mut doomed = worker(&data_dir, &envs, &logs.path().join("doomed.log"));
    let mut survivor = worker(&data_dir, &envs, &logs.path().join("survivor.log"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();

    let mut all_passed = false;
    for _ in 0..200 {
        let mut states = Vec::new();
        for token in &tokens {
            states.push(state_of(token.clone()).await);
        }
        if states.iter().all(|s| s == "passed") {
            all_passed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(all_passed, "every check finished; survivor's log:\n{}", std::fs::read_to_string(logs.path().join("survivor.log")).unwrap_or_default());
    assert!(faceid.checks() >= 12, "each account was checked");
    Command::new("kill").args(["-TERM", &survivor.id().to_string()]).status().unwrap();
    assert!(survivor.wait().unwrap().success(), "the worker stops cleanly on SIGTERM");
    assert!(server.terminate().success());
}

#[test]
fn import_plan_prints_every_problem_with_its_line_and_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let import = |file: &std::path::Path| Command::new(BIN).args(["import", "plan"]).arg(file).arg("--data-dir").arg(dir.path()).env("KAOWU_LOG_FORMAT", "json").output().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let good = kaowu::plan::render_demo_plan(now);
    let bad = good.replacen("mode: paper", "mode: pen", 1).replacen("yuan: 65", "yuan: lots", 1);
    let bad_path = dir.path().join("plan-bad.yaml");
    std::fs::write(&bad_path, &bad).unwrap();
    let output = import(&bad_path);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["mode: pen", "yuan: lots"] {
        let line = bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert!(stderr.contains(&format!("plan-bad.yaml:{line}:")), "line {line} named in: {stderr}");
    }
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let good_path = dir.path().join("plan.yml");
    std::fs::write(&good_path, &good).unwrap();
    let output = import(&good_path);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("imported as revision 1") && stdout.contains("11 specialties"), "{stdout}");
    let output = import(&good_path);
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported as revision 2"));
}
