//! Admin accounts and 考点 made from the console: national admins create province admins, province admins
//! create the 考点 of their province and their site admins. The new admin's first password is generated, shown
//! once to its creator, and the new admin adds a TOTP authenticator at the first login.

use super::FlowError;
use super::admin_login::base_entry;
use crate::sessions::Client;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::admin::{Scope, parse_label, parse_site_code};
use domain::username::Username;
use store::admins::{Admin, CreateAdminError, NewAdmin};
use store::regions::{CreateSiteError, Site};

/// What the creating admin typed.
#[derive(Debug, Clone, Default)]
pub struct NewAdminForm {
    pub username: String,
    pub display_name: String,
    /// The province (for a province admin) or the site (for a site admin) the new admin serves.
    pub region: String,
}

/// A first password: 20 characters from four classes, 110+ bits.
pub fn generated_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"!#%+=?@";
    let random = store::pii::random_bytes::<20>();
    random
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let set = match i % 5 {
                0 | 3 => LOWER,
                1 | 4 => UPPER,
                2 if i == 7 => SYMBOLS,
                _ => DIGITS,
            };
            set[*b as usize % set.len()] as char
        })
        .collect()
}

/// The scope the new admin gets: the next level down, inside the creator's region.
async fn scope_for(state: &AppState, creator: &Admin, region: &str) -> Result<Scope, FlowError> {
    let region = region.trim();
    let scope = match creator.scope.creates() {
        Some("province") => {
            let known = state.store.provinces().await?.into_iter().any(|p| p.code == region);
            known.then(|| Scope::Province { province: region.to_owned() })
        }
        Some("site") => state.store.site(region).await?.map(|site| Scope::Site { province: site.province_code, site: site.code }),
        _ => return Err(FlowError::Refused("admin.may_not_create")),
    };
    match scope {
        Some(scope) if creator.scope.may_create(&scope) => Ok(scope),
        _ => Err(FieldError::new("region", "admin.region_invalid").into()),
    }
}

/// Creates the admin; their first password (shown once).
pub async fn create(state: &AppState, creator: &Admin, client: &Client, form: &NewAdminForm) -> Result<String, FlowError> {
    let mut errors = domain::FieldErrors::default();
    let username = errors.collect(Username::parse("username", &form.username));
    let display_name = errors.collect(parse_label("display_name", &form.display_name, 50));
    let scope = match scope_for(state, creator, &form.region).await {
        Ok(scope) => Some(scope),
        Err(FlowError::Invalid(found)) => {
            errors.0.extend(found.0);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(username), Some(display_name), Some(scope)) = (username, display_name, scope) else {
        return Err(FlowError::Invalid(errors));
    };
    let password = generated_password();
    let password_hash = state.hasher.hash(password.clone()).await?;
    let mut entry = base_entry(creator, client);
    entry.action = "admin.create".into();
    entry.reason = format!("创建{}管理员", role_name(scope.role()));
    entry.province_code = scope.province().map(str::to_owned);
    entry.site_code = scope.site().map(str::to_owned);
    entry.after = Some(serde_json::json!({"username": username.as_str(), "role": scope.role(), "province": scope.province(), "site": scope.site()}).to_string());
    let new = NewAdmin { username: username.as_str(), display_name: &display_name, password_hash: &password_hash, scope: &scope, created_by: Some(&creator.id), now: now() };
    match state.store.create_admin(&new, Some(&entry)).await {
        Ok(_) => Ok(password),
        Err(CreateAdminError::UsernameTaken) => Err(FlowError::Conflict(FieldError::new("username", "username.taken"))),
        Err(CreateAdminError::Store(error)) => Err(error.into()),
    }
}

pub fn role_name(role: &str) -> &'static str {
    match role {
        "national" => "全国",
        "province" => "考区",
        _ => "考点",
    }
}

/// What a province admin typed for a new 考点.
#[derive(Debug, Clone, Default)]
pub struct NewSiteForm {
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

/// Adds a 考点 to the creator's province (only province admins do).
pub async fn create_site(state: &AppState, creator: &Admin, client: &Client, form: &NewSiteForm) -> Result<Site, FlowError> {
    let Scope::Province { province } = &creator.scope else { return Err(FlowError::Refused("admin.may_not_create")) };
    let mut errors = domain::FieldErrors::default();
    let code = errors.collect(parse_site_code("code", &form.code).and_then(|code| {
        if code.starts_with(province.as_str()) { Ok(code) } else { Err(FieldError::new("code", "site.code_province").with_detail(province.clone())) }
    }));
    let name = errors.collect(parse_label("name", &form.name, 60));
    let address = errors.collect(parse_label("address", &form.address, 120));
    let phone = errors.collect(parse_label("phone", &form.phone, 30));
    let (Some(code), Some(name), Some(address), Some(phone)) = (code, name, address, phone) else {
        return Err(FlowError::Invalid(errors));
    };
    let site = Site { code, province_code: province.clone(), name, address, phone };
    let mut entry = base_entry(creator, client);
    entry.action = "site.create".into();
    entry.reason = "新增考点".into();
    entry.site_code = Some(site.code.clone());
    entry.after = Some(serde_json::json!({"code": site.code, "name": site.name, "address": site.address, "phone": site.phone}).to_string());
    match state.store.create_site(&site, &entry).await {
        Ok(()) => Ok(site),
        Err(CreateSiteError::CodeTaken) => Err(FlowError::Conflict(FieldError::new("code", "site.code_taken"))),
        Err(CreateSiteError::Store(error)) => Err(error.into()),
    }
}
