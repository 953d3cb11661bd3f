//! 考区 and 考点: the regions admins are scoped by, and the 所在考点 a candidate chooses.

use crate::audit::{AuditEntry, audited};
use crate::{Store, StoreError, StoreResult, on_db, unique_violation};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Province {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Site {
    pub code: String,
    pub province_code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateSiteError {
    #[error("a site with this code exists")]
    CodeTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    pub async fn provinces(&self) -> StoreResult<Vec<Province>> {
        const SQL: &str = "SELECT code, name_zh, name_en FROM provinces ORDER BY sort_order";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Province>(SQL).fetch_all(pool).await)?)
    }

    /// Every 考点, by province then code.
    pub async fn sites(&self) -> StoreResult<Vec<Site>> {
        const SQL: &str = "SELECT s.code, s.province_code, s.name, s.address, s.phone FROM sites s \
             JOIN provinces p ON p.code = s.province_code ORDER BY p.sort_order, s.code";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Site>(SQL).fetch_all(pool).await)?)
    }

    pub async fn site(&self, code: &str) -> StoreResult<Option<Site>> {
        const SQL: &str = "SELECT code, province_code, name, address, phone FROM sites WHERE code = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Site>(SQL).bind(code).fetch_optional(pool).await)?)
    }

    /// Adds a 考点 (the province's code must prefix it, which the caller checked), recorded by `entry`.
    pub async fn create_site(&self, site: &Site, entry: &AuditEntry) -> Result<(), CreateSiteError> {
        const SQL: &str = "INSERT INTO sites (code, province_code, name, address, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        let result = audited!(self, entry, tx => {
            sqlx::query(SQL).bind(&site.code).bind(&site.province_code).bind(&site.name).bind(&site.address).bind(&site.phone).bind(entry.at)
                .execute(&mut *tx).await?;
        });
        match result {
            Ok(()) => Ok(()),
            Err(error) if unique_violation(&error).is_some() => Err(CreateSiteError::CodeTaken),
            Err(error) => Err(StoreError::from(error).into()),
        }
    }

    /// The candidate's 所在考点, if chosen.
    pub async fn account_site(&self, account_id: &str) -> StoreResult<Option<Site>> {
        const SQL: &str = "SELECT s.code, s.province_code, s.name, s.address, s.phone FROM accounts a \
             JOIN sites s ON s.code = a.site_code WHERE a.id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Site>(SQL).bind(account_id).fetch_optional(pool).await)?)
    }

    /// Sets the candidate's 所在考点; false when no such site exists.
    pub async fn set_account_site(&self, account_id: &str, site_code: &str) -> StoreResult<bool> {
        const SQL: &str = "UPDATE accounts SET site_code = $2 WHERE id = $1 AND EXISTS (SELECT 1 FROM sites WHERE code = $2)";
        let changed = on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(site_code).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }
}
