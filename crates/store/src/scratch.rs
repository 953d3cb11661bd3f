//! Throwaway PostgreSQL databases, for the test suite and `kaowu bench`: one of their own per test or run, made on
//! the server an administrative URL points at, and dropped afterwards.

use crate::StoreResult;

/// A new, empty database on the server of `admin_url` (a URL ending in `/DATABASE`), named `prefix` and a
/// random suffix: its name and its URL.
pub async fn create_postgres_database(admin_url: &str, prefix: &str) -> StoreResult<(String, String)> {
    let Some((server, _)) = admin_url.rsplit_once('/') else {
        return Err(crate::StoreError::Corrupt(format!("{admin_url}: expected a URL ending in /DATABASE")));
    };
    // The name is ours (a fixed prefix and hex), so it may be spliced into the statement.
    let name = format!("{prefix}_{}", crate::accounts::new_id());
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
    admin.close().await;
    Ok((name.clone(), format!("{server}/{name}")))
}

/// Drops a database made by [`create_postgres_database`], closing whatever is still connected to it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> StoreResult<()> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(crate::StoreError::Corrupt(format!("{name}: not a scratch database name")));
    }
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&admin).await?;
    admin.close().await;
    Ok(())
}
