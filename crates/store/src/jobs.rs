//! The job queue in the database, the same on SQLite and PostgreSQL. Workers on any node claim a job with one
//! conditional UPDATE that takes a lease; the job is theirs until the lease runs out, and only the lease owner
//! can settle it (done, retry later, or dead). A worker that dies mid-job leaves a lease that expires, and
//! the job is claimed again: at least once, never twice at the same time.

use crate::{Db, Store, StoreResult, on_db};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub subject: String,
    /// Including this one.
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub run_after: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

/// A job claimable at `$3`: queued and due, or running under a lease that ran out.
const CLAIMABLE: &str = "((state = 'queued' AND run_after <= $3) OR (state = 'running' AND lease_until <= $3))";

impl Store {
    /// Queues a job of `kind` about `subject`, due now.
    pub async fn enqueue_job(&self, kind: &str, subject: &str, now: i64) -> StoreResult<String> {
        let id = crate::accounts::new_id();
        on_db!(&self.db, pool => enqueue_job_sql(&id, kind, subject, now).execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// Claims the next due job for `owner` until `now + lease_secs`, if there is one.
    pub async fn claim_job(&self, owner: &str, now: i64, lease_secs: i64) -> StoreResult<Option<ClaimedJob>> {
        // PostgreSQL: SKIP LOCKED lets parallel claimers pass each other; the outer condition is checked again
        // after a wait, so a job another worker just took is never taken twice. SQLite runs one writer at a time.
        let sql = |lock: &str| {
            format!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3 \
                 WHERE id = (SELECT id FROM jobs WHERE {CLAIMABLE} ORDER BY run_after, created_at LIMIT 1{lock}) AND {CLAIMABLE} \
                 RETURNING id, kind, subject, attempts"
            )
        };
        let claimed = match &self.db {
            Db::Sqlite(pool) => sqlx::query_as::<_, ClaimedJob>(sqlx::AssertSqlSafe(sql(""))).bind(owner).bind(now + lease_secs).bind(now).fetch_optional(pool).await,
            Db::Postgres(pool) => {
                sqlx::query_as::<_, ClaimedJob>(sqlx::AssertSqlSafe(sql(" FOR UPDATE SKIP LOCKED"))).bind(owner).bind(now + lease_secs).bind(now).fetch_optional(pool).await
            }
        };
        Ok(claimed?)
    }

    /// Settles a job its lease owner ran: `done`, `dead`, or `queued` again at `run_after`. False when the lease
    /// was lost (it ran out and another worker took the job): that worker settles it.
    pub async fn settle_job(&self, id: &str, owner: &str, state: &str, run_after: i64, error: Option<&str>, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE jobs SET state = $3, run_after = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, updated_at = $6 \
             WHERE id = $1 AND lease_owner = $2 AND state = 'running'";
        let settled = on_db!(&self.db, pool => sqlx::query(SQL).bind(id).bind(owner).bind(state).bind(run_after).bind(error).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(settled > 0)
    }

    /// Jobs in `state` (e.g. `dead`), newest first.
    pub async fn jobs_in_state(&self, state: &str, limit: i64) -> StoreResult<Vec<JobRow>> {
        const SQL: &str = "SELECT id, kind, subject, state, attempts, run_after, last_error, updated_at FROM jobs \
             WHERE state = $1 ORDER BY updated_at DESC, id LIMIT $2";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, JobRow>(SQL).bind(state).bind(limit).fetch_all(pool).await)?)
    }

    pub async fn job(&self, id: &str) -> StoreResult<Option<JobRow>> {
        const SQL: &str = "SELECT id, kind, subject, state, attempts, run_after, last_error, updated_at FROM jobs WHERE id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, JobRow>(SQL).bind(id).fetch_optional(pool).await)?)
    }

    /// Puts a dead job back in the queue, due now, with its attempts counted from zero.
    pub async fn retry_dead_job(&self, id: &str, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $2, updated_at = $2 WHERE id = $1 AND state = 'dead'";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected() > 0))?)
    }

    /// Drops finished jobs settled before `before`.
    pub async fn purge_done_jobs(&self, before: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM jobs WHERE state = 'done' AND updated_at < $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(before).execute(pool).await.map(|r| r.rows_affected()))?)
    }
}

/// The INSERT of a new due job (also run inside other transactions, e.g. with the account it checks).
pub(crate) fn enqueue_job_sql<'q, DB: sqlx::Database>(id: &'q str, kind: &'q str, subject: &'q str, now: i64) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("INSERT INTO jobs (id, kind, subject, state, attempts, run_after, created_at, updated_at) VALUES ($1, $2, $3, 'queued', 0, $4, $4, $4)")
        .bind(id)
        .bind(kind)
        .bind(subject)
        .bind(now)
}
