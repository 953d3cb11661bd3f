//! kaowu's persistence. One [`Store`] over SQLite (the zero-setup default) or PostgreSQL (the scale backend);
//! the SQL is portable and lives only in this crate, one module per aggregate. Personal data is encrypted here,
//! so nothing above this layer ever handles ciphertext or blind indexes.

mod db;
pub mod accounts;
pub mod admins;
pub mod announcements;
pub mod applications;
pub mod audit;
pub mod checklist;
pub mod console;
pub mod corrections;
pub mod education;
pub mod exam_plans;
pub mod idempotency;
pub mod identity;
pub mod jobs;
pub mod login_events;
pub mod objects;
pub mod passkeys;
pub mod photos;
pub mod pii;
pub mod recovery;
pub mod reference;
pub mod regions;
pub mod reviews;
pub mod scratch;
pub mod sessions;
mod transitions;
pub mod throttle;
pub mod wechat;

pub use db::{Backend, Db, DbOptions};
pub use pii::{PiiKeys, PiiVault};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("personal data could not be decrypted (key id {0})")]
    Decrypt(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database plus the keys that protect personal data in it.
#[derive(Clone)]
pub struct Store {
    pub db: Db,
    vault: PiiVault,
    /// On SQLite, application moves and session touches go through one writer task that commits them in
    /// batches (transitions.rs).
    sqlite_writer: std::sync::Arc<std::sync::OnceLock<tokio::sync::mpsc::Sender<transitions::Queued>>>,
    /// The newest exam plan of each year as last read, checked against the revision number on every use.
    plan_cache: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u16, exam_plans::StoredPlan>>>,
}

impl Store {
    pub fn new(db: Db, vault: PiiVault) -> Store {
        Store { db, vault, sqlite_writer: Default::default(), plan_cache: Default::default() }
    }

    pub fn vault(&self) -> &PiiVault {
        &self.vault
    }
}

/// Whether an error is a unique-constraint violation, and on which constraint or column, portably.
pub(crate) fn unique_violation(error: &sqlx::Error) -> Option<String> {
    let db_error = error.as_database_error()?;
    if !matches!(db_error.kind(), sqlx::error::ErrorKind::UniqueViolation) {
        return None;
    }
    // PostgreSQL names the constraint; SQLite names the columns in the message.
    Some(db_error.constraint().map(str::to_string).unwrap_or_else(|| db_error.message().to_string()))
}
