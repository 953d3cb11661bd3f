//! The authorities' side of applications: the review queue of a scope, filtered; one application in scope
//! (by id, or by the 报名号 typed or scanned at the 考点).

use crate::applications::{Application, COLUMNS};
use crate::audit::in_scope;
use crate::{Store, StoreResult, on_db};
use domain::admin::Scope;

/// What the queue can be narrowed by; empty means any.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    /// 0: any year.
    pub exam_year: i64,
    pub state: String,
    pub level: String,
    pub specialty: String,
    /// "yes", "no" or "" (any).
    pub eligible: String,
    /// Submitted at or after / before (Unix seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A queue line: the application and who filed it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueItem {
    #[sqlx(flatten)]
    pub application: Application,
    pub username: String,
    pub candidate_name: String,
}

const FILTERS: &str = " AND ($3 = '' OR ap.state = $3) AND ($4 = '' OR ap.level_code = $4) AND ($5 = '' OR ap.specialty_code = $5) \
     AND ($6 = '' OR ap.eligible = ($6 = 'yes')) AND COALESCE(ap.submitted_at, ap.created_at) >= $7 AND COALESCE(ap.submitted_at, ap.created_at) < $8 \
     AND ($9 = 0 OR ap.exam_year = $9) AND ap.state <> 'draft'";

macro_rules! bind_filter {
    ($query:expr, $scope:expr, $filter:expr) => {{
        let (kind, code) = $scope.filter();
        $query
            .bind(kind)
            .bind(code)
            .bind($filter.state.as_str())
            .bind($filter.level.as_str())
            .bind($filter.specialty.as_str())
            .bind($filter.eligible.as_str())
            .bind($filter.from.unwrap_or(0))
            .bind($filter.to.unwrap_or(i64::MAX))
            .bind($filter.exam_year)
    }};
}

impl Store {
    /// Applications in `scope` matching `filter`, oldest submission first (drafts are the candidate's own).
    pub async fn review_queue(&self, scope: &Scope, filter: &ReviewFilter, limit: i64) -> StoreResult<Vec<QueueItem>> {
        let sql = format!(
            "SELECT {COLUMNS}, a.username, a.name AS candidate_name FROM applications ap JOIN accounts a ON a.id = ap.account_id WHERE {}{FILTERS} \
             ORDER BY COALESCE(ap.submitted_at, ap.created_at), ap.id LIMIT $10",
            in_scope!("ap.province_code", "ap.site_code")
        );
        Ok(on_db!(&self.db, pool => bind_filter!(sqlx::query_as::<_, QueueItem>(sqlx::AssertSqlSafe(sql)), scope, filter).bind(limit).fetch_all(pool).await)?)
    }

    pub async fn count_review_queue(&self, scope: &Scope, filter: &ReviewFilter) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM applications ap WHERE {}{FILTERS}", in_scope!("ap.province_code", "ap.site_code"));
        Ok(on_db!(&self.db, pool => bind_filter!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)), scope, filter).fetch_one(pool).await)?)
    }

    /// An application within `scope` (not a draft: those are still the candidate's own).
    pub async fn application_in_scope(&self, scope: &Scope, id: &str) -> StoreResult<Option<QueueItem>> {
        let sql = format!(
            "SELECT {COLUMNS}, a.username, a.name AS candidate_name FROM applications ap JOIN accounts a ON a.id = ap.account_id \
             WHERE {} AND ap.id = $3 AND ap.state <> 'draft'",
            in_scope!("ap.province_code", "ap.site_code")
        );
        let (kind, code) = scope.filter();
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, QueueItem>(sqlx::AssertSqlSafe(sql)).bind(kind).bind(code).bind(id).fetch_optional(pool).await)?)
    }

    /// The id of the application with this 报名号, if it is within `scope`.
    pub async fn application_number_in_scope(&self, scope: &Scope, number: &str) -> StoreResult<Option<String>> {
        let sql = format!("SELECT ap.id FROM applications ap WHERE {} AND ap.number = $3 AND ap.state <> 'draft'", in_scope!("ap.province_code", "ap.site_code"));
        let (kind, code) = scope.filter();
        Ok(on_db!(&self.db, pool => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(kind).bind(code).bind(number).fetch_optional(pool).await)?)
    }
}
