//! Counting failed secret checks per key (an account, a client address) with a lock after too many. A check
//! is counted as pending before the secret is checked, and only while failures + pending checks stay under the
//! limit, so however many attempts run in parallel, at most `limit` wrong secrets are ever checked within a
//! window. The failure that reaches the limit locks the key. All keys of one attempt are handled by one
//! statement at each step, so a login costs two writes here however many keys it counts on.

use crate::{Store, StoreResult, on_db};

/// The limits of one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures allowed within the window; the one that reaches it locks.
    pub limit: i64,
    /// Failures older than this are forgotten.
    pub window_secs: i64,
    pub lock_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The secret may be checked; report the verdict with `attempt_failed` or `attempt_succeeded`.
    Allowed,
    /// So many checks are in flight that one more could pass the limit: try again in a moment.
    Busy,
    Locked { until: i64 },
}

/// The places a right secret gives back: every key's, and the failures of the keys in `forget`.
#[derive(Debug, Clone, Default)]
pub struct Release<'a> {
    pub keys: Vec<&'a str>,
    pub forget: Vec<&'a str>,
}

/// A pending check this old was lost (its node stopped mid-check) and no longer holds a place.
const PENDING_LOST_AFTER_SECS: i64 = 60;

/// `$first, $first+1, …` for `count` parameters. The statements here are put together from these numbered
/// placeholders only (hence `AssertSqlSafe`): every value is bound.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Counts a check in flight on every key, unless one of them is locked or the check could pass its limit
    /// (then nothing stays counted). One statement: the row locks (PostgreSQL) or the single writer (SQLite)
    /// order parallel attempts.
    #[tracing::instrument(skip(self))]
    pub async fn begin_attempt(&self, keys: &[(&str, ThrottleRule)], now: i64) -> StoreResult<Attempt> {
        if keys.is_empty() {
            return Ok(Attempt::Allowed);
        }
        // Rows are locked in key order by every statement here (the upsert row by row as listed, the updates
        // through the primary-key index), so parallel attempts on the same keys cannot deadlock on PostgreSQL.
        let mut keys = keys.to_vec();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        let keys = keys.as_slice();
        // $1 = now, $2 = how long a pending check may run; then per key: key, limit, window, lock.
        let rows: Vec<String> = (0..keys.len())
            .map(|i| {
                let p = 3 + 4 * i;
                format!("(${}, 0, 1, $1, $1, 0, ${}, ${}, ${})", p, p + 1, p + 2, p + 3)
            })
            .collect();
        // "fresh": the window is over, or an expired lock is left behind — count from zero.
        // "lost": the pending checks are too old to be running still.
        let fresh = "(login_throttle.window_started + excluded.window_secs <= $1 OR login_throttle.locked_until > 0)";
        let lost = "(login_throttle.pending_since + $2 <= $1)";
        let sql = format!(
            "INSERT INTO login_throttle (throttle_key, failures, pending, pending_since, window_started, locked_until, \
             max_failures, window_secs, lock_secs) VALUES {} \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN {fresh} THEN 0 ELSE login_throttle.failures END, \
               pending = CASE WHEN {lost} THEN 1 ELSE login_throttle.pending + 1 END, \
               pending_since = $1, \
               window_started = CASE WHEN {fresh} THEN $1 ELSE login_throttle.window_started END, \
               locked_until = 0, \
               max_failures = excluded.max_failures, window_secs = excluded.window_secs, lock_secs = excluded.lock_secs \
             WHERE login_throttle.locked_until <= $1 \
               AND (CASE WHEN {fresh} THEN 0 ELSE login_throttle.failures END) \
                 + (CASE WHEN {lost} THEN 0 ELSE login_throttle.pending END) < excluded.max_failures \
             RETURNING throttle_key",
            rows.join(", ")
        );
        let counted: Vec<String> = on_db!(&self.db, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(now).bind(PENDING_LOST_AFTER_SECS);
            for (key, rule) in keys {
                query = query.bind(*key).bind(rule.limit).bind(rule.window_secs).bind(rule.lock_secs);
            }
            query.fetch_all(pool).await
        })?;
        if counted.len() == keys.len() {
            return Ok(Attempt::Allowed);
        }
        // Refused on some key: give back the places taken on the others, then say why.
        let taken: Vec<&str> = counted.iter().map(String::as_str).collect();
        self.release_attempts(&taken, &[]).await?;
        let refused: Vec<&str> = keys.iter().map(|(key, _)| *key).filter(|key| !taken.contains(key)).collect();
        let sql = format!("SELECT MAX(locked_until) FROM login_throttle WHERE throttle_key IN ({})", placeholders(1, refused.len()));
        let until: Option<i64> = on_db!(&self.db, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for key in &refused {
                query = query.bind(*key);
            }
            query.fetch_one(pool).await
        })?;
        Ok(match until {
            Some(until) if until > now => Attempt::Locked { until },
            _ => Attempt::Busy,
        })
    }

    /// The check begun on `keys` found a wrong secret: a failure on each, and a key whose failures reach its
    /// limit is locked from `now`.
    #[tracing::instrument(skip(self))]
    pub async fn attempt_failed(&self, keys: &[&str], now: i64) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE login_throttle SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, failures = failures + 1, \
             locked_until = CASE WHEN failures + 1 >= max_failures THEN $1 + lock_secs ELSE locked_until END \
             WHERE throttle_key IN ({})",
            placeholders(2, keys.len())
        );
        on_db!(&self.db, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for key in keys {
                query = query.bind(*key);
            }
            query.execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// The check begun on `keys` found the right secret (or checked nothing): each gives its place back, and
    /// the keys in `forget` (the account's own) forget their failures too.
    #[tracing::instrument(skip(self))]
    pub async fn release_attempts(&self, keys: &[&str], forget: &[&str]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let sql = release_sql(keys.len(), forget.len());
        on_db!(&self.db, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for key in keys.iter().chain(forget) {
                query = query.bind(*key);
            }
            query.execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Lifts a lock and forgets the failures (an authority's action, or a reset that proved who it is).
    pub async fn lift_lock(&self, key: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE login_throttle SET failures = 0, locked_until = 0 WHERE throttle_key = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(key).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Forgets counters whose window and lock are over and that have nothing in flight.
    pub async fn purge_login_throttle(&self, now: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM login_throttle WHERE window_started + window_secs <= $1 AND locked_until <= $1 \
             AND pending_since + $2 <= $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(now).bind(PENDING_LOST_AFTER_SECS).execute(pool).await.map(|r| r.rows_affected()))?)
    }
}

/// The statement that gives back `keys` places and forgets the failures of the `forget` keys bound after them.
pub(crate) fn release_sql(keys: usize, forget: usize) -> String {
    let forget_clause = if forget == 0 {
        "failures".to_owned()
    } else {
        format!("CASE WHEN throttle_key IN ({}) THEN 0 ELSE failures END", placeholders(1 + keys, forget))
    };
    format!(
        "UPDATE login_throttle SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, failures = {forget_clause} \
         WHERE throttle_key IN ({})",
        placeholders(1, keys)
    )
}
