//! 实名核验 and the job queue, on SQLite and PostgreSQL: registration queues the check with the account (one
//! commit); workers claim jobs by lease, so a job is never run by two workers at once and one whose worker died
//! is claimed again once the lease runs out; the service's answers map to the four states the candidate sees;
//! outages are retried with backoff and, after too many attempts, left dead for an admin to retry.

mod support;

use serde_json::{Value, json};
use support::{Backend, Options, TestApp};

on_both_databases!(
    a_registration_is_checked_in_the_background,
    the_registry_decides_the_state,
    outages_are_retried_then_left_dead,
    parallel_claimers_never_share_a_job,
    a_dead_workers_job_is_claimed_again,
);

fn settings(pairs: &[(&str, &str)]) -> Options {
    Options { settings: pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() }
}

/// An app whose identity checks go to the FaceID simulator; `workers` background workers.
async fn app_with_identity_service(backend: Backend, workers: &str) -> TestApp {
    let pairs = [
        ("faceid_secret_id", kaowu::config::DEMO_FACEID_SECRET_ID),
        ("faceid_secret_key", kaowu::config::DEMO_FACEID_SECRET_KEY),
        ("job_workers", workers),
    ];
    support::spawn_app_with(backend, settings(&pairs)).await
}

/// Registers a candidate; (bearer token, account id).
async fn register(app: &TestApp, body: Value) -> (String, String) {
    let token = app.register(&body).await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    (token, me["account_id"].as_str().unwrap().to_owned())
}

/// The identity state the candidate sees once it is no longer pending (or pending after 10 s).
async fn settled_identity(app: &TestApp, token: &str) -> String {
    for _ in 0..100 {
        let (_, me) = app.get_json("/api/v1/me", Some(token)).await;
        let state = me["identity_verification"].as_str().unwrap().to_owned();
        if state != "pending" {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    "pending".into()
}

async fn a_registration_is_checked_in_the_background(backend: Backend) {
    let app = app_with_identity_service(backend, "2").await;
    let (token, account) = register(&app, support::registration(&support::unique_username(), "周𪚥", &support::unique_resident_id())).await;
    assert_eq!(settled_identity(&app, &token).await, "passed");
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    assert!(me["checklist"].as_array().unwrap().contains(&json!({"step": "identity", "done": true})), "{me}");
    assert_eq!(app.store.checklist_facts(&account).await.unwrap().identity_state.as_deref(), Some("passed"), "the gate for exam applications");
    let check = app.store.identity_check(&account).await.unwrap().unwrap();
    assert_eq!(check.result_code.as_deref(), Some("0"));
    assert!(check.request_id.is_some_and(|id| !id.is_empty()), "the service's request id is kept for the 考点");
    assert_eq!(app.simulators.faceid.checks(), 1, "checked once");

    let browser = support::browser();
    let username = me["username"].as_str().unwrap().to_owned();
    assert_eq!(support::log_in(&app, &browser, &username, support::PASSWORD).await, 303);
    let page = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("class=\"done\" data-step=\"identity\"") && page.contains("核验通过"), "the candidate sees it");
    app.shutdown().await;
}

async fn the_registry_decides_the_state(backend: Backend) {
    let app = app_with_identity_service(backend, "1").await;
    // The registry knows this ID number under another name: 核验不通过, and the page says what to do.
    let id_number = support::unique_resident_id();
    app.simulators.faceid.register_person(&id_number, "周某某");
    let (token, _) = register(&app, support::registration(&support::unique_username(), "周𪚥", &id_number)).await;
    assert_eq!(settled_identity(&app, &token).await, "failed");
    // The registry holds no such ID number (-5): a person at the exam site looks.
    app.simulators.faceid.script_verdicts(&["-5"]);
    let (token, _) = register(&app, support::registration(&support::unique_username(), "吴一", &support::unique_resident_id())).await;
    assert_eq!(settled_identity(&app, &token).await, "manual");
    // A passport cannot be checked against the national registry at all: manual, without asking the service.
    let before = app.simulators.faceid.checks();
    let mut passport = support::registration(&support::unique_username(), "WANG WU", &format!("E{}", &support::unique_resident_id()[..8]));
    passport["id_type"] = json!("passport");
    passport["confirm"]["id_type"] = json!("passport");
    let (token, _) = register(&app, passport).await;
    assert_eq!(settled_identity(&app, &token).await, "manual");
    assert_eq!(app.simulators.faceid.checks(), before, "nothing was sent for the passport");
    app.shutdown().await;
}

/// The identity-check job of `account`.
async fn identity_job(app: &TestApp, account: &str) -> store::jobs::JobRow {
    let all = [app.store.jobs_in_state("queued", 100).await.unwrap(), app.store.jobs_in_state("dead", 100).await.unwrap(), app.store.jobs_in_state("done", 100).await.unwrap()];
    all.into_iter().flatten().find(|j| j.subject == account).expect("the account's job")
}

async fn outages_are_retried_then_left_dead(backend: Backend) {
    // No background workers: the test is the worker, at the times it chooses.
    let app = app_with_identity_service(backend, "0").await;
    let (token, account) = register(&app, support::registration(&support::unique_username(), "郑二", &support::unique_resident_id())).await;
    app.simulators.faceid.script_verdicts(&["-4"]);
    let t = web::state::now();
    let job = app.store.claim_job("test-worker", t, 60).await.unwrap().expect("the registration queued its check");
    assert_eq!((job.kind.as_str(), job.subject.as_str(), job.attempts), ("identity_check", account.as_str(), 1));
    web::jobs::run_and_settle(&app.state, "test-worker", &job).await;
    let row = identity_job(&app, &account).await;
    assert_eq!(row.state, "queued", "the registry was down: tried again later");
    assert!(row.run_after >= t + 30, "after a backoff");
    assert!(row.last_error.as_deref().unwrap().contains("-4"), "{:?}", row.last_error);
    assert_eq!(app.get_json("/api/v1/me", Some(&token)).await.1["identity_verification"], "pending");
    assert!(app.store.claim_job("test-worker", t + 1, 60).await.unwrap().is_none(), "not before its time");

    // Down at every attempt: after the last one the job is dead, visible, and an admin can retry it.
    let mut at = t;
    for _ in 1..web::jobs::MAX_ATTEMPTS {
        at += 3601;
        app.simulators.faceid.script_verdicts(&["-6"]);
        let job = app.store.claim_job("test-worker", at, 60).await.unwrap().expect("due again");
        web::jobs::run_and_settle(&app.state, "test-worker", &job).await;
    }
    let row = identity_job(&app, &account).await;
    assert_eq!((row.state.as_str(), row.attempts), ("dead", web::jobs::MAX_ATTEMPTS));
    assert!(app.store.jobs_in_state("dead", 10).await.unwrap().iter().any(|j| j.id == row.id), "dead letters are listed");
    assert!(app.store.retry_dead_job(&row.id, web::state::now()).await.unwrap());
    let job = app.store.claim_job("test-worker", web::state::now(), 60).await.unwrap().expect("queued again");
    web::jobs::run_and_settle(&app.state, "test-worker", &job).await;
    assert_eq!(app.get_json("/api/v1/me", Some(&token)).await.1["identity_verification"], "passed");
    app.shutdown().await;
}

async fn parallel_claimers_never_share_a_job(backend: Backend) {
    let app = support::spawn_app_with(backend, settings(&[("job_workers", "0")])).await;
    let t = web::state::now();
    for n in 0..40 {
        app.store.enqueue_job("test", &format!("subject-{n}"), t).await.unwrap();
    }
    let claimers = (0..8).map(|w| {
        let store = app.store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim_job(&format!("w{w}"), t, 60).await.unwrap() {
                mine.push(job.subject);
            }
            mine
        })
    });
    let mut claimed: Vec<String> = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.unwrap());
    }
    claimed.sort();
    let before = claimed.len();
    claimed.dedup();
    assert_eq!((before, claimed.len()), (40, 40), "every job claimed, none twice");
    app.shutdown().await;
}

async fn a_dead_workers_job_is_claimed_again(backend: Backend) {
    let app = support::spawn_app_with(backend, settings(&[("job_workers", "0")])).await;
    let t = web::state::now();
    let id = app.store.enqueue_job("test", "subject", t).await.unwrap();
    let first = app.store.claim_job("crashed", t, 60).await.unwrap().unwrap();
    assert_eq!(first.id, id);
    assert!(app.store.claim_job("other", t + 59, 60).await.unwrap().is_none(), "leased: nobody else runs it meanwhile");
    let again = app.store.claim_job("other", t + 61, 60).await.unwrap().expect("the lease ran out: claimed again");
    assert_eq!((again.id.as_str(), again.attempts), (id.as_str(), 2));
    assert!(!app.store.settle_job(&id, "crashed", "done", t + 62, None, t + 62).await.unwrap(), "the lost lease settles nothing");
    assert!(app.store.settle_job(&id, "other", "done", t + 62, None, t + 62).await.unwrap());
    assert_eq!(app.store.job(&id).await.unwrap().unwrap().state, "done");
    assert!(app.store.claim_job("other", t + 1000, 60).await.unwrap().is_none(), "done is done");
    app.shutdown().await;
}
