//! The console's view of candidates, always through an admin's scope: a search finds only candidates whose
//! 所在考点 lies within it, and every action on a candidate takes a [`CandidateInScope`], which only
//! [`Store::candidate_in_scope`] makes — so no action can skip the scope check. Each action commits together
//! with its audit entry.

use crate::audit::{AuditEntry, audited, in_scope};
use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::admin::Scope;
use domain::id_number::mask_id_number;
use domain::registration::Identity;

#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    /// The canonical lookup form of an ID number (found through the blind index).
    pub id_number_lookup: Option<String>,
    /// A name or its beginning.
    pub name: Option<String>,
    pub username: Option<String>,
    pub registered_from: Option<i64>,
    pub registered_to: Option<i64>,
    /// pending | passed | failed | manual
    pub identity_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CandidateRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub id_type: String,
    pub id_number_masked: String,
    pub site_code: Option<String>,
    pub identity_state: String,
    pub created_at: i64,
    pub locked: bool,
}

#[derive(sqlx::FromRow)]
struct RawCandidate {
    id: String,
    username: String,
    name: String,
    id_type: String,
    id_number_ciphertext: Vec<u8>,
    id_number_key_id: String,
    site_code: Option<String>,
    identity_state: Option<String>,
    created_at: i64,
    locked_at: Option<i64>,
}

/// A candidate an admin may act on: found within the admin's scope by the store.
#[derive(Debug, Clone)]
pub struct CandidateInScope {
    pub account: crate::accounts::Account,
    pub province_code: Option<String>,
    pub site_code: Option<String>,
    pub locked_at: Option<i64>,
    /// Private: only the store makes these, after the scope check.
    _scoped: (),
}

impl CandidateInScope {
    /// An audit entry about this candidate, in their region.
    pub fn audit(&self, base: &AuditEntry, action: &str, reason: &str) -> AuditEntry {
        AuditEntry {
            action: action.to_owned(),
            account_id: Some(self.account.id.clone()),
            province_code: self.province_code.clone(),
            site_code: self.site_code.clone(),
            reason: reason.to_owned(),
            ..base.clone()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// (day as days since 1970-01-01 in Beijing time, registrations)
    pub registrations_per_day: Vec<(i64, i64)>,
    /// (state, candidates)
    pub identity_states: Vec<(String, i64)>,
    pub candidates: i64,
    pub wechat_bound: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CorrectIdentityError {
    #[error("another account has this identity document")]
    IdDocumentTaken,
    #[error("the request was decided already")]
    NotPending,
    #[error(transparent)]
    Store(#[from] StoreError),
}

const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

fn id_number_context(account_id: &str) -> String {
    format!("accounts.id_number:{account_id}")
}

impl Store {
    /// Candidates within `scope` matching `filter`, newest first, their ID numbers masked.
    pub async fn search_candidates(&self, scope: &Scope, filter: &CandidateFilter, limit: i64) -> StoreResult<Vec<CandidateRow>> {
        const SQL: &str = concat!(
            "SELECT a.id, a.username, a.name, a.id_type, a.id_number_ciphertext, a.id_number_key_id, a.site_code, \
             ic.state AS identity_state, a.created_at, a.locked_at FROM accounts a LEFT JOIN sites s ON s.code = a.site_code \
             LEFT JOIN identity_checks ic ON ic.account_id = a.id WHERE ",
            in_scope!("s.province_code", "a.site_code"),
            " AND ($3 = '' OR a.id_number_blind_index = $3) AND ($4 = '' OR substr(a.name, 1, length($4)) = $4) \
             AND ($5 = '' OR a.username = $5) AND a.created_at >= $6 AND a.created_at < $7 \
             AND ($8 = '' OR COALESCE(ic.state, 'pending') = $8) ORDER BY a.created_at DESC, a.id LIMIT $9"
        );
        let (kind, code) = scope.filter();
        let blind_index = filter.id_number_lookup.as_deref().map(|n| self.vault().blind_index(n)).unwrap_or_default();
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, RawCandidate>(SQL)
            .bind(kind)
            .bind(code)
            .bind(&blind_index)
            .bind(filter.name.as_deref().unwrap_or(""))
            .bind(filter.username.as_deref().map(str::to_lowercase).unwrap_or_default())
            .bind(filter.registered_from.unwrap_or(0))
            .bind(filter.registered_to.unwrap_or(i64::MAX))
            .bind(filter.identity_state.as_deref().unwrap_or(""))
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        rows.into_iter()
            .map(|r| {
                let plain = self.vault().open(&r.id_number_ciphertext, &r.id_number_key_id, &id_number_context(&r.id))?;
                Ok(CandidateRow {
                    id_number_masked: mask_id_number(&plain),
                    id: r.id,
                    username: r.username,
                    name: r.name,
                    id_type: r.id_type,
                    site_code: r.site_code,
                    identity_state: r.identity_state.unwrap_or_else(|| "pending".into()),
                    created_at: r.created_at,
                    locked: r.locked_at.is_some(),
                })
            })
            .collect()
    }

    /// The candidate, if they are within `scope`; `None` otherwise (as if they did not exist).
    pub async fn candidate_in_scope(&self, scope: &Scope, account_id: &str) -> StoreResult<Option<CandidateInScope>> {
        const SQL: &str = concat!(
            "SELECT s.province_code, a.site_code, a.locked_at FROM accounts a LEFT JOIN sites s ON s.code = a.site_code WHERE a.id = $3 AND ",
            in_scope!("s.province_code", "a.site_code")
        );
        let (kind, code) = scope.filter();
        let row: Option<(Option<String>, Option<String>, Option<i64>)> =
            on_db!(&self.db, pool => sqlx::query_as(SQL).bind(kind).bind(code).bind(account_id).fetch_optional(pool).await)?;
        let Some((province_code, site_code, locked_at)) = row else { return Ok(None) };
        let Some(account) = self.account(account_id).await? else { return Ok(None) };
        Ok(Some(CandidateInScope { account, province_code, site_code, locked_at, _scoped: () }))
    }

    /// Figures for the dashboard of `scope`: registrations per day since `since`, identity states, WeChat.
    pub async fn dashboard(&self, scope: &Scope, since: i64) -> StoreResult<Dashboard> {
        const PER_DAY: &str = concat!(
            "SELECT (a.created_at + $4) / 86400 AS day, COUNT(*) FROM accounts a LEFT JOIN sites s ON s.code = a.site_code WHERE ",
            in_scope!("s.province_code", "a.site_code"),
            " AND a.created_at >= $3 GROUP BY (a.created_at + $4) / 86400 ORDER BY day"
        );
        const STATES: &str = concat!(
            "SELECT COALESCE(ic.state, 'pending') AS state, COUNT(*) FROM accounts a LEFT JOIN sites s ON s.code = a.site_code \
             LEFT JOIN identity_checks ic ON ic.account_id = a.id WHERE ",
            in_scope!("s.province_code", "a.site_code"),
            " GROUP BY COALESCE(ic.state, 'pending') ORDER BY state"
        );
        const WECHAT: &str = concat!(
            "SELECT COUNT(*), COUNT(w.account_id) FROM accounts a LEFT JOIN sites s ON s.code = a.site_code \
             LEFT JOIN wechat_bindings w ON w.account_id = a.id WHERE ",
            in_scope!("s.province_code", "a.site_code")
        );
        let (kind, code) = scope.filter();
        let registrations_per_day: Vec<(i64, i64)> =
            on_db!(&self.db, pool => sqlx::query_as(PER_DAY).bind(kind).bind(code).bind(since).bind(BEIJING_OFFSET_SECS).fetch_all(pool).await)?;
        let identity_states: Vec<(String, i64)> = on_db!(&self.db, pool => sqlx::query_as(STATES).bind(kind).bind(code).fetch_all(pool).await)?;
        let (candidates, wechat_bound): (i64, i64) = on_db!(&self.db, pool => sqlx::query_as(WECHAT).bind(kind).bind(code).fetch_one(pool).await)?;
        Ok(Dashboard { registrations_per_day, identity_states, candidates, wechat_bound })
    }

    /// Records that an admin saw something the console keeps masked (a full ID number).
    pub async fn record_view(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.append_audit(entry).await
    }

    /// An authority's lock: the account cannot log in and its sessions end. False when it was locked already.
    pub async fn lock_account(&self, candidate: &CandidateInScope, entry: &AuditEntry) -> StoreResult<bool> {
        let id = candidate.account.id.as_str();
        let result = audited!(self, entry, tx => {
            let changed = sqlx::query("UPDATE accounts SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL").bind(id).bind(entry.at).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
        });
        changed_or_not(result)
    }

    pub async fn unlock_account(&self, candidate: &CandidateInScope, entry: &AuditEntry) -> StoreResult<bool> {
        let id = candidate.account.id.as_str();
        let result = audited!(self, entry, tx => {
            let changed = sqlx::query("UPDATE accounts SET locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL").bind(id).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
        });
        changed_or_not(result)
    }

    /// Whether an authority locked the account (logins refuse it).
    pub async fn account_locked(&self, account_id: &str) -> StoreResult<bool> {
        const SQL: &str = "SELECT locked_at FROM accounts WHERE id = $1";
        let locked: Option<Option<i64>> = on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(account_id).fetch_optional(pool).await)?;
        Ok(matches!(locked, Some(Some(_))))
    }

    /// Lifts the brute-force lock of throttle key `key` (the candidate's account key).
    pub async fn lift_lock_audited(&self, _candidate: &CandidateInScope, key: &str, entry: &AuditEntry) -> StoreResult<()> {
        audited!(self, entry, tx => {
            sqlx::query("UPDATE login_throttle SET failures = 0, locked_until = 0 WHERE throttle_key = $1").bind(key).execute(&mut *tx).await?;
        })?;
        Ok(())
    }

    /// Unbinds the candidate's WeChat; its openid, if one was bound.
    pub async fn unbind_wechat_audited(&self, candidate: &CandidateInScope, entry: &AuditEntry) -> StoreResult<Option<String>> {
        let id = candidate.account.id.as_str();
        Ok(audited!(self, entry, tx => {
            sqlx::query_scalar::<_, String>("DELETE FROM wechat_bindings WHERE account_id = $1 RETURNING openid").bind(id).fetch_optional(&mut *tx).await?
        })?)
    }

    /// A one-time reset code for a candidate who came to the 考点 in person; earlier codes die.
    pub async fn issue_reset_code(&self, candidate: &CandidateInScope, code_hash: &str, expires_at: i64, entry: &AuditEntry) -> StoreResult<()> {
        let id = candidate.account.id.as_str();
        audited!(self, entry, tx => {
            sqlx::query("DELETE FROM password_resets WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO password_resets (token_hash, account_id, method, expires_at) VALUES ($1, $2, 'authority', $3)")
                .bind(code_hash).bind(id).bind(expires_at).execute(&mut *tx).await?;
        })?;
        Ok(())
    }

    /// Settles a 需人工核查 check (or overrides any) as `state`, recording the admin's decision.
    pub async fn settle_identity(&self, candidate: &CandidateInScope, state: &str, entry: &AuditEntry) -> StoreResult<()> {
        let id = candidate.account.id.as_str();
        audited!(self, entry, tx => {
            sqlx::query("INSERT INTO identity_checks (account_id, state, result_code, request_id, updated_at) VALUES ($1, $2, 'authority', NULL, $3) \
                 ON CONFLICT (account_id) DO UPDATE SET state = $2, result_code = 'authority', request_id = NULL, updated_at = $3")
                .bind(id).bind(state).bind(entry.at).execute(&mut *tx).await?;
        })?;
        Ok(())
    }

    /// Runs the identity check again: pending, with a new job due now.
    pub async fn rerun_identity(&self, candidate: &CandidateInScope, entry: &AuditEntry) -> StoreResult<()> {
        let id = candidate.account.id.as_str();
        let job_id = crate::accounts::new_id();
        audited!(self, entry, tx => {
            reset_identity_sql(id, entry.at).execute(&mut *tx).await?;
            crate::jobs::enqueue_job_sql(&job_id, crate::identity::IDENTITY_CHECK_JOB, id, entry.at).execute(&mut *tx).await?;
        })?;
        Ok(())
    }

    /// Corrects name, ID type and ID number (the registration rules already checked), and checks the new
    /// identity again. Another account with the new document refuses it.
    pub async fn correct_identity(&self, candidate: &CandidateInScope, identity: &Identity, entry: &AuditEntry) -> Result<(), CorrectIdentityError> {
        let id = candidate.account.id.as_str();
        correct_identity_in(self, id, identity, entry, None).await
    }

    /// Dead jobs about candidates within `scope`, newest first.
    pub async fn dead_jobs_in_scope(&self, scope: &Scope, limit: i64) -> StoreResult<Vec<crate::jobs::JobRow>> {
        const SQL: &str = concat!(
            "SELECT j.id, j.kind, j.subject, j.state, j.attempts, j.run_after, j.last_error, j.updated_at FROM jobs j \
             JOIN accounts a ON a.id = j.subject LEFT JOIN sites s ON s.code = a.site_code WHERE j.state = 'dead' AND ",
            in_scope!("s.province_code", "a.site_code"),
            " ORDER BY j.updated_at DESC, j.id LIMIT $3"
        );
        let (kind, code) = scope.filter();
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, crate::jobs::JobRow>(SQL).bind(kind).bind(code).bind(limit).fetch_all(pool).await)?)
    }

    /// Puts a dead job about a candidate in scope back in the queue.
    pub async fn retry_dead_job_audited(&self, candidate: &CandidateInScope, job_id: &str, entry: &AuditEntry) -> StoreResult<bool> {
        let subject = candidate.account.id.as_str();
        let result = audited!(self, entry, tx => {
            let changed = sqlx::query("UPDATE jobs SET state = 'queued', attempts = 0, run_after = $3, updated_at = $3 WHERE id = $1 AND subject = $2 AND state = 'dead'")
                .bind(job_id).bind(subject).bind(entry.at).execute(&mut *tx).await?.rows_affected();
            if changed == 0 {
                // Not this candidate's dead job: nothing happened, so nothing is recorded either.
                return Err(sqlx::Error::RowNotFound);
            }
        });
        changed_or_not(result)
    }
}

/// The outcome of an audited change whose body gave up with `RowNotFound` when there was nothing to change
/// (rolling back its audit entry too): whether it changed anything.
pub(crate) fn changed_or_not(result: Result<(), sqlx::Error>) -> StoreResult<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(sqlx::Error::RowNotFound) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

fn reset_identity_sql<'q, DB: sqlx::Database>(account_id: &'q str, now: i64) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO identity_checks (account_id, state, result_code, request_id, updated_at) VALUES ($1, 'pending', NULL, NULL, $2) \
         ON CONFLICT (account_id) DO UPDATE SET state = 'pending', result_code = NULL, request_id = NULL, updated_at = $2",
    )
    .bind(account_id)
    .bind(now)
}

/// The correction itself, with the decision on a correction request (`request`: its id and the deciding admin)
/// in the same transaction when there is one.
pub(crate) async fn correct_identity_in(store: &Store, account_id: &str, identity: &Identity, entry: &AuditEntry, request: Option<(&str, &str, &str)>) -> Result<(), CorrectIdentityError> {
    let (ciphertext, key_id) = store.vault().seal(identity.id_number.as_str(), &id_number_context(account_id));
    let blind_index = store.vault().blind_index(identity.id_number.as_str());
    let job_id = crate::accounts::new_id();
    const UPDATE: &str = "UPDATE accounts SET name = $2, name_uses_pinyin = $3, id_type = $4, id_number_ciphertext = $5, \
         id_number_key_id = $6, id_number_blind_index = $7 WHERE id = $1";
    let result = audited!(store, entry, tx => {
        if let Some((request_id, admin_id, reason)) = request {
            // Decided first: of two admins approving at once, one finds it decided and changes nothing.
            let decided = crate::corrections::decide_sql(request_id, "approved", admin_id, reason, entry.at).execute(&mut *tx).await?;
            if decided.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
        }
        sqlx::query(UPDATE)
            .bind(account_id)
            .bind(identity.name.as_str())
            .bind(identity.name_uses_pinyin)
            .bind(identity.id_number.id_type().code())
            .bind(&ciphertext)
            .bind(&key_id)
            .bind(&blind_index)
            .execute(&mut *tx)
            .await?;
        reset_identity_sql(account_id, entry.at).execute(&mut *tx).await?;
        crate::jobs::enqueue_job_sql(&job_id, crate::identity::IDENTITY_CHECK_JOB, account_id, entry.at).execute(&mut *tx).await?;
    });
    match result {
        Ok(()) => Ok(()),
        Err(sqlx::Error::RowNotFound) => Err(CorrectIdentityError::NotPending),
        Err(error) if unique_violation(&error).is_some() => Err(CorrectIdentityError::IdDocumentTaken),
        Err(error) => Err(StoreError::from(error).into()),
    }
}

/// Before/after of an identity for the audit log: the ID number masked.
pub fn identity_for_audit(name: &str, id_type: &str, id_number: &str) -> String {
    serde_json::json!({"name": name, "id_type": id_type, "id_number": mask_id_number(id_number)}).to_string()
}
