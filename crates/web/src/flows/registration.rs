//! Registration (domain.md §1–2): parse everything, refuse duplicates early, hash the secrets, then create the
//! account. The pages split this around the double-entry step; the API does it in one request.

use super::FlowError;
use crate::state::{AppState, now};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::FieldError;
use domain::id_number::{IdNumber, IdType};
use domain::person_name::PersonName;
use domain::registration::{Identity, Registration};
use domain::username::Username;
use serde::{Deserialize, Serialize};
use store::accounts::{CreateAccountError, NewAccount};

/// A registration whose secrets are hashed, ready to become an account once the double entry matches.
#[derive(Serialize, Deserialize)]
pub struct PendingAccount {
    pub username: String,
    pub password_hash: String,
    pub name: String,
    pub name_uses_pinyin: bool,
    pub id_type: String,
    pub id_number: String,
    pub security_question: String,
    pub security_answer_hash: String,
    pub created_at: i64,
}

impl PendingAccount {
    pub fn identity(&self) -> Option<Identity> {
        let id_type = IdType::from_code(&self.id_type)?;
        Some(Identity {
            name: PersonName::from_trusted(self.name.clone()),
            name_uses_pinyin: self.name_uses_pinyin,
            id_number: IdNumber::from_trusted(id_type, self.id_number.clone()),
        })
    }
}

/// Refuses a username or ID document that already has an account, before any expensive work.
pub async fn ensure_available(state: &AppState, registration: &Registration) -> Result<(), FlowError> {
    if state.store.id_document_taken(&registration.identity.id_number).await? {
        return Err(FlowError::Conflict(FieldError::new("id_number", "id_number.taken")));
    }
    if state.store.username_taken(&registration.username).await? {
        return Err(FlowError::Conflict(FieldError::new("username", "username.taken")));
    }
    Ok(())
}

pub async fn hash_secrets(state: &AppState, registration: &Registration) -> Result<PendingAccount, FlowError> {
    let [password_hash, security_answer_hash] = state
        .hasher
        .hash_all([
            registration.password.expose().to_string(),
            registration.security_answer.normalized().to_string(),
        ])
        .await?;
    let identity = &registration.identity;
    Ok(PendingAccount {
        username: registration.username.as_str().to_string(),
        password_hash,
        name: identity.name.as_str().to_string(),
        name_uses_pinyin: identity.name_uses_pinyin,
        id_type: identity.id_number.id_type().code().to_string(),
        id_number: identity.id_number.as_str().to_string(),
        security_question: registration.security_question.as_str().to_string(),
        security_answer_hash,
        created_at: now(),
    })
}

/// Creates the account; a registration that raced another for the same username or document loses cleanly.
pub async fn create_account(state: &AppState, pending: &PendingAccount) -> Result<String, FlowError> {
    let identity = pending.identity().ok_or_else(|| FlowError::Invalid(FieldError::new("id_type", "id_type.unknown").into()))?;
    let username = Username::from_trusted(pending.username.clone());
    let created = state
        .store
        .create_account(&NewAccount {
            username: &username,
            password_hash: &pending.password_hash,
            name: &identity.name,
            name_uses_pinyin: identity.name_uses_pinyin,
            id_number: &identity.id_number,
            security_question: &pending.security_question,
            security_answer_hash: &pending.security_answer_hash,
            privacy_policy_version: &state.settings.privacy_policy_version,
            now: now(),
        })
        .await;
    match created {
        Ok(account_id) => {
            metrics::counter!("kaowu_accounts_registered_total").increment(1);
            tracing::info!(account_id = %account_id, id_type = %pending.id_type, "account registered");
            Ok(account_id)
        }
        Err(CreateAccountError::UsernameTaken) => Err(FlowError::Conflict(FieldError::new("username", "username.taken"))),
        Err(CreateAccountError::IdDocumentTaken) => Err(FlowError::Conflict(FieldError::new("id_number", "id_number.taken"))),
        Err(CreateAccountError::Store(error)) => Err(FlowError::Internal(error)),
    }
}

const SEAL_CONTEXT: &str = "registration.pending.v1";

/// Seals the first entry for the double-entry page: encrypted and authenticated, so the browser carries it
/// without being able to read or change it, and any node can continue the registration.
pub fn seal(state: &AppState, pending: &PendingAccount) -> String {
    let json = serde_json::to_string(pending).expect("plain struct serialises");
    let (ciphertext, key_id) = state.store.vault().seal(&json, SEAL_CONTEXT);
    format!("{key_id}.{}", URL_SAFE_NO_PAD.encode(ciphertext))
}

/// Opens a sealed first entry; `None` if it was tampered with or belongs to no key we hold.
pub fn unseal(state: &AppState, sealed: &str) -> Option<PendingAccount> {
    let (key_id, body) = sealed.split_once('.')?;
    let ciphertext = URL_SAFE_NO_PAD.decode(body).ok()?;
    let json = state.store.vault().open(&ciphertext, key_id, SEAL_CONTEXT).ok()?;
    serde_json::from_str(&json).ok()
}

pub fn is_expired(state: &AppState, pending: &PendingAccount) -> bool {
    now() - pending.created_at > state.settings.registration_confirm_secs
}
