//! 公告: published by national and province admins (audited), read by candidates of the region they address.

use crate::audit::AuditEntry;
use crate::{Store, StoreResult, on_db};
use domain::admin::Scope;
use domain::announcement::Announcement;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAnnouncement {
    pub id: String,
    pub exam_year: i64,
    pub province_code: Option<String>,
    pub title: String,
    pub body: String,
    pub published_at: i64,
    pub published_by: String,
    pub withdrawn_at: Option<i64>,
}

const COLUMNS: &str = "id, exam_year, province_code, title, body, published_at, published_by, withdrawn_at";

impl Store {
    /// Publishes `announcement` and records `entry`, at once.
    pub async fn publish_announcement(&self, announcement: &Announcement, published_by: &str, entry: &AuditEntry) -> StoreResult<String> {
        const SQL: &str = "INSERT INTO announcements (id, exam_year, province_code, title, body, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let id = crate::accounts::new_id();
        crate::audit::audited!(self, entry, tx => {
            sqlx::query(SQL).bind(&id).bind(i64::from(announcement.exam_year)).bind(&announcement.province).bind(&announcement.title)
                .bind(&announcement.body).bind(entry.at).bind(published_by)
                .execute(&mut *tx).await?;
        })?;
        Ok(id)
    }

    /// What candidates of `province` (None: not yet tied to one) see for `exam_year`: the national notices and
    /// their province's, newest first.
    pub async fn announcements_for(&self, exam_year: u16, province: Option<&str>, limit: i64) -> StoreResult<Vec<StoredAnnouncement>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM announcements WHERE exam_year = $1 AND withdrawn_at IS NULL AND (province_code IS NULL OR province_code = $2) \
             ORDER BY published_at DESC, id LIMIT $3"
        );
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, StoredAnnouncement>(sqlx::AssertSqlSafe(sql)).bind(i64::from(exam_year)).bind(province.unwrap_or("")).bind(limit).fetch_all(pool).await)?)
    }

    /// What an admin sees in the console: everything for a national admin; the national notices and their own
    /// province's for the others. Withdrawn ones included, newest first.
    pub async fn announcements_in_scope(&self, scope: &Scope, limit: i64) -> StoreResult<Vec<StoredAnnouncement>> {
        let sql = format!("SELECT {COLUMNS} FROM announcements WHERE ($1 = '' OR province_code IS NULL OR province_code = $1) ORDER BY published_at DESC, id LIMIT $2");
        let province = scope.province().unwrap_or("");
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, StoredAnnouncement>(sqlx::AssertSqlSafe(sql)).bind(province).bind(limit).fetch_all(pool).await)?)
    }

    pub async fn announcement(&self, id: &str) -> StoreResult<Option<StoredAnnouncement>> {
        let sql = format!("SELECT {COLUMNS} FROM announcements WHERE id = $1");
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, StoredAnnouncement>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)?)
    }

    /// Withdraws a published announcement and records `entry`; false (nothing recorded) when it was already withdrawn.
    pub async fn withdraw_announcement(&self, id: &str, entry: &AuditEntry) -> StoreResult<bool> {
        const SQL: &str = "UPDATE announcements SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL";
        let changed = on_db!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(SQL).bind(id).bind(entry.at).execute(&mut *tx).await?.rows_affected() > 0;
            if changed {
                crate::audit::insert_audit!(entry).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed)
        }.await)?;
        Ok(changed)
    }
}
