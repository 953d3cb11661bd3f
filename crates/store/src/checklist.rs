//! What the application checklist (photo, education, WeChat, identity) needs to know about a candidate, read in
//! one statement: it is asked on every application page and before every submission, so a registration storm
//! pays one round trip for it instead of five.

use crate::{Store, StoreResult, on_db};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChecklistFacts {
    pub has_photo: bool,
    pub has_education: bool,
    pub wechat_bound: bool,
    /// The bound WeChat follows the official account (false when none is bound).
    pub wechat_following: bool,
    /// The identity check's state code, if one was started.
    pub identity_state: Option<String>,
}

impl Store {
    #[tracing::instrument(skip(self))]
    pub async fn checklist_facts(&self, account_id: &str) -> StoreResult<ChecklistFacts> {
        const SQL: &str = "SELECT \
             EXISTS (SELECT 1 FROM photos WHERE account_id = $1) AS has_photo, \
             EXISTS (SELECT 1 FROM education_records WHERE account_id = $1) AS has_education, \
             EXISTS (SELECT 1 FROM wechat_bindings WHERE account_id = $1) AS wechat_bound, \
             EXISTS (SELECT 1 FROM wechat_bindings b JOIN wechat_followers f ON f.openid = b.openid \
                     WHERE b.account_id = $1 AND f.following) AS wechat_following, \
             (SELECT state FROM identity_checks WHERE account_id = $1) AS identity_state";
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, ChecklistFacts>(SQL).bind(account_id).fetch_one(pool).await)?)
    }
}
