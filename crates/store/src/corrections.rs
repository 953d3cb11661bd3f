//! 申请修改注册信息: candidates' requests to their 考点 to correct name / ID type / ID number. The new ID number
//! is sealed like the account's; the attachment lives in the object store under `corrections/`.

use crate::audit::{AuditEntry, audited, in_scope};
use crate::console::{CandidateInScope, CorrectIdentityError, correct_identity_in};
use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::admin::Scope;
use domain::id_number::{IdNumber, IdType};
use domain::person_name::PersonName;
use domain::registration::Identity;

pub struct NewCorrection<'a> {
    pub account_id: &'a str,
    pub site_code: &'a str,
    pub identity: &'a Identity,
    pub reason: &'a str,
    pub attachment_key: &'a str,
    pub attachment_type: &'a str,
    pub now: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum FileCorrectionError {
    #[error("a request is already open")]
    AlreadyOpen,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct Correction {
    pub id: String,
    pub account_id: String,
    pub site_code: String,
    pub state: String,
    pub identity: Identity,
    pub reason: String,
    pub attachment_key: String,
    pub attachment_type: String,
    pub decision_reason: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The candidate's username, for the queue.
    pub username: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    account_id: String,
    site_code: String,
    state: String,
    new_name: String,
    new_name_uses_pinyin: bool,
    new_id_type: String,
    new_id_number_ciphertext: Vec<u8>,
    new_id_number_key_id: String,
    reason: String,
    attachment_key: String,
    attachment_type: String,
    decision_reason: Option<String>,
    created_at: i64,
    decided_at: Option<i64>,
    username: String,
}

const COLUMNS: &str = "c.id, c.account_id, c.site_code, c.state, c.new_name, c.new_name_uses_pinyin, c.new_id_type, \
     c.new_id_number_ciphertext, c.new_id_number_key_id, c.reason, c.attachment_key, c.attachment_type, c.decision_reason, \
     c.created_at, c.decided_at, a.username";

fn context(request_id: &str) -> String {
    format!("correction_requests.new_id_number:{request_id}")
}

/// The UPDATE that records a decision on a pending request.
pub(crate) fn decide_sql<'q, DB: sqlx::Database>(id: &'q str, state: &'q str, admin_id: &'q str, reason: &'q str, now: i64) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE correction_requests SET state = $2, decided_by = $3, decision_reason = $4, decided_at = $5 WHERE id = $1 AND state = 'pending'")
        .bind(id)
        .bind(state)
        .bind(admin_id)
        .bind(reason)
        .bind(now)
}

impl Store {
    fn correction_from(&self, row: Row) -> StoreResult<Correction> {
        let plain = self.vault().open(&row.new_id_number_ciphertext, &row.new_id_number_key_id, &context(&row.id))?;
        let id_type = IdType::from_code(&row.new_id_type).ok_or_else(|| StoreError::Corrupt(format!("id_type {:?}", row.new_id_type)))?;
        let identity = Identity {
            name: PersonName::from_trusted(row.new_name),
            name_uses_pinyin: row.new_name_uses_pinyin,
            id_number: IdNumber::from_trusted(id_type, plain),
        };
        Ok(Correction {
            id: row.id,
            account_id: row.account_id,
            site_code: row.site_code,
            state: row.state,
            identity,
            reason: row.reason,
            attachment_key: row.attachment_key,
            attachment_type: row.attachment_type,
            decision_reason: row.decision_reason,
            created_at: row.created_at,
            decided_at: row.decided_at,
            username: row.username,
        })
    }

    /// Files a request; one may be open per candidate at a time.
    pub async fn file_correction(&self, new: &NewCorrection<'_>) -> Result<String, FileCorrectionError> {
        let id = crate::accounts::new_id();
        let (sealed, key_id) = self.vault().seal(new.identity.id_number.as_str(), &context(&id));
        const SQL: &str = "INSERT INTO correction_requests (id, account_id, site_code, state, new_name, new_name_uses_pinyin, new_id_type, \
             new_id_number_ciphertext, new_id_number_key_id, reason, attachment_key, attachment_type, created_at) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        let result = on_db!(&self.db, pool => sqlx::query(SQL)
            .bind(&id).bind(new.account_id).bind(new.site_code).bind(new.identity.name.as_str()).bind(new.identity.name_uses_pinyin)
            .bind(new.identity.id_number.id_type().code()).bind(&sealed).bind(&key_id).bind(new.reason).bind(new.attachment_key)
            .bind(new.attachment_type).bind(new.now).execute(pool).await.map(|_| ()));
        match result {
            Ok(_) => Ok(id),
            Err(error) if unique_violation(&error).is_some() => Err(FileCorrectionError::AlreadyOpen),
            Err(error) => Err(StoreError::from(error).into()),
        }
    }

    /// The candidate's requests, newest first.
    pub async fn corrections_of(&self, account_id: &str) -> StoreResult<Vec<Correction>> {
        let sql = format!("SELECT {COLUMNS} FROM correction_requests c JOIN accounts a ON a.id = c.account_id WHERE c.account_id = $1 ORDER BY c.created_at DESC, c.id");
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_all(pool).await)?;
        rows.into_iter().map(|r| self.correction_from(r)).collect()
    }

    /// Requests in `state` filed with 考点 within `scope`, oldest first (a queue).
    pub async fn correction_queue(&self, scope: &Scope, state: &str, limit: i64) -> StoreResult<Vec<Correction>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM correction_requests c JOIN accounts a ON a.id = c.account_id JOIN sites s ON s.code = c.site_code \
             WHERE c.state = $3 AND {} ORDER BY c.created_at, c.id LIMIT $4",
            in_scope!("s.province_code", "c.site_code")
        );
        let (kind, code) = scope.filter();
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(kind).bind(code).bind(state).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(|r| self.correction_from(r)).collect()
    }

    /// A request filed with a 考点 within `scope`.
    pub async fn correction_in_scope(&self, scope: &Scope, id: &str) -> StoreResult<Option<Correction>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM correction_requests c JOIN accounts a ON a.id = c.account_id JOIN sites s ON s.code = c.site_code \
             WHERE c.id = $3 AND {}",
            in_scope!("s.province_code", "c.site_code")
        );
        let (kind, code) = scope.filter();
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(kind).bind(code).bind(id).fetch_optional(pool).await)?;
        row.map(|r| self.correction_from(r)).transpose()
    }

    /// Approves a pending request: the correction and the decision commit together with the audit entry.
    pub async fn approve_correction(&self, candidate: &CandidateInScope, request: &Correction, admin_id: &str, reason: &str, entry: &AuditEntry) -> Result<(), CorrectIdentityError> {
        correct_identity_in(self, &candidate.account.id, &request.identity, entry, Some((&request.id, admin_id, reason))).await
    }

    /// Rejects a pending request; false when it was no longer pending.
    pub async fn reject_correction(&self, request: &Correction, admin_id: &str, reason: &str, entry: &AuditEntry) -> StoreResult<bool> {
        let result = audited!(self, entry, tx => {
            if decide_sql(&request.id, "rejected", admin_id, reason, entry.at).execute(&mut *tx).await?.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
        });
        crate::console::changed_or_not(result)
    }
}
