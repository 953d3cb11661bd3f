//! The audit log of admin actions. Append-only: this module inserts and searches, nothing else, and the
//! database refuses UPDATE and DELETE on the table (triggers installed by `Db::migrate`).

use crate::{Store, StoreResult, on_db};
use domain::admin::Scope;

/// One admin action as it is recorded. ID numbers in `before` / `after` are masked by the caller.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub admin_id: String,
    pub admin_username: String,
    pub admin_role: String,
    pub action: String,
    pub account_id: Option<String>,
    /// The region the entry falls in (the candidate's, or the admin's own for actions on no candidate).
    pub province_code: Option<String>,
    pub site_code: Option<String>,
    pub reason: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client_ip: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: i64,
    pub admin_username: String,
    pub admin_role: String,
    pub action: String,
    pub account_id: Option<String>,
    pub username: Option<String>,
    pub site_code: Option<String>,
    pub reason: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub admin_username: Option<String>,
    /// An account id or a candidate's username.
    pub candidate: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The INSERT of one entry, to run inside the transaction of the action it records.
macro_rules! insert_audit {
    ($entry:expr) => {{
        let entry: &$crate::audit::AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit_log (id, at, admin_id, admin_username, admin_role, action, account_id, province_code, \
             site_code, reason, before_state, after_state, client_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind($crate::audit::entry_id())
        .bind(entry.at)
        .bind(entry.admin_id.as_str())
        .bind(entry.admin_username.as_str())
        .bind(entry.admin_role.as_str())
        .bind(entry.action.as_str())
        .bind(entry.account_id.as_deref())
        .bind(entry.province_code.as_deref())
        .bind(entry.site_code.as_deref())
        .bind(entry.reason.as_str())
        .bind(entry.before.as_deref())
        .bind(entry.after.as_deref())
        .bind(entry.client_ip.as_deref())
    }};
}
pub(crate) use insert_audit;

/// An entry's id: the time in microseconds first, so entries written in the same second still list in the
/// order they were made; random after, so two nodes never collide.
pub fn entry_id() -> String {
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
    format!("{micros:020}-{}", &crate::accounts::new_id()[..12])
}

/// Runs `$body` (statements on `$tx`) and records `$entry` in one transaction; the action and its audit
/// entry commit together or not at all. Evaluates to `Result<value of $body, sqlx::Error>`.
macro_rules! audited {
    ($store:expr, $entry:expr, $tx:ident => $body:block) => {
        $crate::on_db!(&$store.db, pool => async {
            let mut $tx = pool.begin().await?;
            let value = $body;
            $crate::audit::insert_audit!($entry).execute(&mut *$tx).await?;
            $tx.commit().await?;
            Ok::<_, sqlx::Error>(value)
        }.await)
    };
}
pub(crate) use audited;

/// The condition that keeps rows within an admin's scope: `$1` is the scope's kind, `$2` its code, and
/// `province` / `site` the row's region columns.
macro_rules! in_scope {
    ($province:literal, $site:literal) => {
        concat!("($1 = 'national' OR ($1 = 'province' AND ", $province, " = $2) OR ($1 = 'site' AND ", $site, " = $2))")
    };
}
pub(crate) use in_scope;

impl Store {
    /// Records an entry on its own (an action that changes nothing, such as revealing an ID number).
    pub async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        on_db!(&self.db, pool => insert_audit!(entry).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Entries within `scope`, newest first, filtered.
    pub async fn search_audit(&self, scope: &Scope, filter: &AuditFilter, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        const SQL: &str = concat!(
            "SELECT l.id, l.at, l.admin_username, l.admin_role, l.action, l.account_id, a.username, l.site_code, l.reason, \
             l.before_state, l.after_state, l.client_ip FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id WHERE ",
            in_scope!("l.province_code", "l.site_code"),
            " AND ($3 = '' OR l.admin_username = $3) AND ($4 = '' OR l.account_id = $4 OR a.username = $4) \
             AND ($5 = '' OR l.action = $5) AND l.at >= $6 AND l.at < $7 ORDER BY l.at DESC, l.id DESC LIMIT $8"
        );
        let (kind, code) = scope.filter();
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, AuditRecord>(SQL)
            .bind(kind)
            .bind(code)
            .bind(filter.admin_username.as_deref().unwrap_or(""))
            .bind(filter.candidate.as_deref().unwrap_or(""))
            .bind(filter.action.as_deref().unwrap_or(""))
            .bind(filter.from.unwrap_or(0))
            .bind(filter.to.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }
}
