//! Background workers: claim jobs from the database queue (store::jobs) and run them. `kaowu serve` runs them
//! beside the HTTP server and `kaowu worker` runs only them; any number of nodes may, as claims are leases in
//! the database. Today's one kind of job is the identity check (实名核验) made at registration.

use crate::state::{AppState, now};
use domain::id_number::IdType;
use domain::identity_check::{IdentityState, RegistryAnswer, judge};
use std::time::Duration;
use store::identity::IDENTITY_CHECK_JOB;
use store::jobs::ClaimedJob;

/// Attempts before a job is left dead for an admin to look at and retry.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long an idle worker waits before looking again.
const IDLE: Duration = Duration::from_secs(1);

/// What running a job came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Worth trying again later (the service is down, busy or over its daily limit).
    Retry(String),
    /// Will not get better by retrying.
    Dead(String),
}

/// Seconds before attempt `attempts + 1`: 30 s doubling to at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(1, 20).saturating_sub(1)).min(3600)
}

/// Runs `count` workers (none: this node only serves) until `stop` resolves; a job in hand is finished first.
pub async fn run_workers(state: AppState, count: usize, stop: impl std::future::Future<Output = ()>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let node = hex::encode(store::pii::random_bytes::<6>());
    let workers: Vec<_> = (0..count)
        .map(|n| {
            let (state, mut rx, owner) = (state.clone(), rx.clone(), format!("{node}-{n}"));
            tokio::spawn(async move {
                while !*rx.borrow() {
                    let worked = work_once(&state, &owner).await;
                    if !worked {
                        tokio::select! {
                            _ = tokio::time::sleep(IDLE) => {}
                            _ = rx.changed() => {}
                        }
                    }
                }
            })
        })
        .collect();
    drop(rx);
    stop.await;
    let _ = tx.send(true);
    for worker in workers {
        let _ = worker.await;
    }
}

/// Claims and runs one job; false when there was none (or the queue could not be read).
pub async fn work_once(state: &AppState, owner: &str) -> bool {
    let job = match state.store.claim_job(owner, now(), state.settings.job_lease_secs).await {
        Ok(Some(job)) => job,
        Ok(None) => return false,
        Err(error) => {
            tracing::warn!(%error, "job queue unreadable");
            return false;
        }
    };
    run_and_settle(state, owner, &job).await;
    true
}

/// Runs a claimed job and settles it under `owner`'s lease: done, retried after a backoff, or dead.
pub async fn run_and_settle(state: &AppState, owner: &str, job: &ClaimedJob) {
    let outcome = run(state, job).await;
    let now = now();
    let (state_name, run_after, error) = match &outcome {
        Outcome::Done => ("done", now, None),
        Outcome::Retry(error) if job.attempts < MAX_ATTEMPTS => ("queued", now + backoff_secs(job.attempts), Some(error.as_str())),
        Outcome::Retry(error) | Outcome::Dead(error) => ("dead", now, Some(error.as_str())),
    };
    match state.store.settle_job(&job.id, owner, state_name, run_after, error, now).await {
        Ok(true) => tracing::info!(kind = %job.kind, attempts = job.attempts, outcome = state_name, "job settled"),
        Ok(false) => tracing::warn!(kind = %job.kind, "job lease lost before it was settled; its new owner settles it"),
        Err(error) => tracing::warn!(%error, "job not settled; it runs again when its lease ends"),
    }
    metrics::counter!("kaowu_jobs_total", "kind" => job.kind.clone(), "outcome" => state_name).increment(1);
}

async fn run(state: &AppState, job: &ClaimedJob) -> Outcome {
    match job.kind.as_str() {
        IDENTITY_CHECK_JOB => identity_check(state, &job.subject).await,
        other => Outcome::Dead(format!("unknown job kind {other}")),
    }
}

/// 实名核验 of one account: name and resident ID number against the national registry (Tencent FaceID
/// IdCardVerification). Other ID documents cannot be checked there and go to the 考点's manual review.
async fn identity_check(state: &AppState, account_id: &str) -> Outcome {
    let account = match state.store.account(account_id).await {
        Ok(Some(account)) => account,
        Ok(None) => return Outcome::Done,
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    let record = |check: IdentityState, code: Option<String>, request_id: Option<String>| async move {
        match state.store.set_identity_check(account_id, check.code(), code.as_deref(), request_id.as_deref(), now()).await {
            Ok(()) => Outcome::Done,
            Err(error) => Outcome::Retry(error.to_string()),
        }
    };
    if account.id_number.id_type() != IdType::ResidentId {
        return record(IdentityState::Manual, Some("not_resident_id".into()), None).await;
    }
    let Some(api) = state.faceid.as_ref() else {
        return Outcome::Dead("no identity service configured (faceid_secret_id)".into());
    };
    match api.id_card_verification(account.name.as_str(), account.id_number.as_str()).await {
        Ok(verdict) => match judge(&verdict.result) {
            RegistryAnswer::Settled(check) => record(check, Some(verdict.result), Some(verdict.request_id)).await,
            RegistryAnswer::TryLater => Outcome::Retry(format!("identity service answered {}: {}", verdict.result, verdict.description)),
        },
        Err(error) => Outcome::Retry(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(super::backoff_secs).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
