use crate::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// A pool on one of the two backends. Queries are written once in portable SQL (`$1` placeholders,
/// `RETURNING`, `ON CONFLICT`) and dispatched with [`on_db!`].
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct DbOptions {
    pub max_connections: u32,
    /// SQLite `synchronous=FULL` makes every commit survive power loss; NORMAL (WAL) only survives a process
    /// crash. FULL is the default; NORMAL is a stated trade an operator can choose.
    pub sqlite_synchronous_full: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { max_connections: 16, sqlite_synchronous_full: true }
    }
}

/// Runs the same expression against whichever pool the [`Db`] holds.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub async fn connect(url: &str, options: &DbOptions) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(connect)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if options.sqlite_synchronous_full { SqliteSynchronous::Full } else { SqliteSynchronous::Normal })
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(connect)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// One migration tree serves both backends: the DDL keeps to types both accept (TEXT, BIGINT, BOOLEAN,
    /// BYTEA — which SQLite stores as the blob it is given). Split the tree only when a backend needs its own SQL.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = sqlx::migrate!("./migrations");
        on_db!(self, pool => migrator.run(pool).await)?;
        self.guard_audit_log().await
    }

    /// Makes the audit log append-only in the database itself: an UPDATE or DELETE on it fails, whoever sends
    /// it. Trigger syntax is the one place the backends differ, so these statements live here (idempotent)
    /// rather than in the shared migration tree.
    async fn guard_audit_log(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(pool) => {
                for action in ["UPDATE", "DELETE"] {
                    let sql = format!(
                        "CREATE TRIGGER IF NOT EXISTS audit_log_append_only_{} BEFORE {action} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                        action.to_lowercase()
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
                }
            }
            Db::Postgres(pool) => {
                // Nodes starting together would otherwise replace the function at once ("tuple concurrently updated").
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7306616)").execute(&mut *tx).await?;
                sqlx::query(
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}
