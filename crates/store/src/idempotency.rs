//! Idempotency keys for API writes: the first request with a key claims it, its response is kept (sealed,
//! since it may carry a session token), and a retry with the same key and body gets that response again.

use crate::{Store, StoreResult, on_db};

/// A claim older than this with no result belongs to a request that died; a retry may take it over.
const STALE_CLAIM_SECS: i64 = 60;
pub const RETENTION_SECS: i64 = 24 * 3600;

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This request runs; record its outcome with [`Store::finish_idempotent`] or [`Store::release_idempotent`].
    Claimed,
    /// The same key was used with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
    /// The first request finished: its status and body.
    Done { status: u16, body: String },
}

#[derive(sqlx::FromRow)]
struct Row {
    request_hash: String,
    status: i64,
    response_ciphertext: Option<Vec<u8>>,
    response_key_id: Option<String>,
}

fn context(scope: &str, key: &str) -> String {
    format!("idempotency:{scope}:{key}")
}

impl Store {
    /// Claims `key` for this request, or reports what became of the earlier request that claimed it.
    #[tracing::instrument(skip_all, fields(scope))]
    pub async fn claim_idempotent(&self, scope: &str, key: &str, request_hash: &str, now: i64) -> StoreResult<Claim> {
        const INSERT: &str = "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, status, created_at) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (scope, idempotency_key) DO NOTHING";
        let inserted = on_db!(&self.db, pool => sqlx::query(INSERT).bind(scope).bind(key).bind(request_hash).bind(now)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        // Expired results and abandoned claims are taken over by one conditional statement.
        const TAKE_OVER: &str = "UPDATE idempotency_keys SET request_hash = $3, status = 0, response_ciphertext = NULL, \
             response_key_id = NULL, created_at = $4 WHERE scope = $1 AND idempotency_key = $2 \
             AND ((status = 0 AND created_at < $5) OR created_at < $6)";
        let taken = on_db!(&self.db, pool => sqlx::query(TAKE_OVER).bind(scope).bind(key).bind(request_hash).bind(now)
            .bind(now - STALE_CLAIM_SECS).bind(now - RETENTION_SECS)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        if taken == 1 {
            return Ok(Claim::Claimed);
        }
        const SELECT: &str = "SELECT request_hash, status, response_ciphertext, response_key_id FROM idempotency_keys \
             WHERE scope = $1 AND idempotency_key = $2";
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(SELECT).bind(scope).bind(key).fetch_optional(pool).await)?;
        let Some(row) = row else { return Ok(Claim::InProgress) };
        if row.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        match (row.status, row.response_ciphertext, row.response_key_id) {
            (0, _, _) => Ok(Claim::InProgress),
            (status, Some(ciphertext), Some(key_id)) => {
                let body = self.vault().open(&ciphertext, &key_id, &context(scope, key))?;
                Ok(Claim::Done { status: status as u16, body })
            }
            _ => Ok(Claim::InProgress),
        }
    }

    #[tracing::instrument(skip_all, fields(scope, status))]
    pub async fn finish_idempotent(&self, scope: &str, key: &str, status: u16, body: &str) -> StoreResult<()> {
        let (ciphertext, key_id) = self.vault().seal(body, &context(scope, key));
        const SQL: &str = "UPDATE idempotency_keys SET status = $3, response_ciphertext = $4, response_key_id = $5 \
             WHERE scope = $1 AND idempotency_key = $2";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(scope).bind(key).bind(i64::from(status)).bind(&ciphertext).bind(&key_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives the key back after a failure worth retrying (busy, internal error).
    pub async fn release_idempotent(&self, scope: &str, key: &str) -> StoreResult<()> {
        const SQL: &str = "DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 AND status = 0";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(scope).bind(key).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn purge_idempotency_keys(&self, now: i64) -> StoreResult<u64> {
        const SQL: &str = "DELETE FROM idempotency_keys WHERE created_at < $1";
        Ok(on_db!(&self.db, pool => sqlx::query(SQL).bind(now - RETENTION_SECS).execute(pool).await.map(|r| r.rows_affected()))?)
    }
}
