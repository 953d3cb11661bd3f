//! `kaowu admin create-national`: the first admin of a fresh installation (the console creates the rest).

use domain::admin::{Scope, parse_label};
use domain::username::Username;
use store::Store;
use store::admins::{CreateAdminError, NewAdmin};

/// Creates a national admin; the generated first password.
pub async fn create_national(store: &Store, username: &str, display_name: &str) -> anyhow::Result<String> {
    let username = Username::parse("username", username).map_err(|e| anyhow::anyhow!("username: {}", e.code))?;
    let display_name = parse_label("display_name", display_name, 50).map_err(|e| anyhow::anyhow!("display name: {}", e.code))?;
    let password = web::flows::admins::generated_password();
    let password_hash = web::passwords::hash_blocking(&password);
    let new = NewAdmin { username: username.as_str(), display_name: &display_name, password_hash: &password_hash, scope: &Scope::National, created_by: None, now: web::state::now() };
    match store.create_admin(&new, None).await {
        Ok(_) => Ok(password),
        Err(CreateAdminError::UsernameTaken) => anyhow::bail!("an admin named {} exists already", username.as_str()),
        Err(CreateAdminError::Store(error)) => Err(error.into()),
    }
}
