//! Reference data the pages and the API offer as choices.

use crate::{Db, StoreResult, on_db};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct IdTypeRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Db {
    /// The identity document types currently offered, in display order.
    #[tracing::instrument(skip(self))]
    pub async fn enabled_id_types(&self) -> StoreResult<Vec<IdTypeRow>> {
        const SQL: &str = "SELECT code, name_zh, name_en FROM id_types WHERE enabled = TRUE ORDER BY sort_order";
        Ok(on_db!(self, pool => sqlx::query_as::<_, IdTypeRow>(SQL).fetch_all(pool).await)?)
    }
}
