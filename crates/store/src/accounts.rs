//! Candidate accounts: creation with the identity document encrypted, and the look-ups login needs.

use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::id_number::{IdNumber, IdType};
use domain::person_name::PersonName;
use domain::username::Username;

/// `SELECT <columns>` of the accounts a login identifier may mean ($1 the username, $2 the ID number's blind
/// index), username matches first: login and password recovery look accounts up the same way.
macro_rules! accounts_by_identifier {
    ($columns:literal, $limit:literal) => {
        concat!(
            "SELECT ", $columns, " FROM accounts WHERE username = $1 OR id_number_blind_index = $2 ",
            "ORDER BY CASE WHEN username = $1 THEN 0 ELSE 1 END LIMIT ", $limit
        )
    };
}
pub(crate) use accounts_by_identifier;

/// Everything an account is created with; secrets arrive already hashed.
pub struct NewAccount<'a> {
    pub username: &'a Username,
    pub password_hash: &'a str,
    pub name: &'a PersonName,
    pub name_uses_pinyin: bool,
    pub id_number: &'a IdNumber,
    pub security_question: &'a str,
    pub security_answer_hash: &'a str,
    pub privacy_policy_version: &'a str,
    pub now: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("username already registered")]
    UsernameTaken,
    #[error("an account with this identity document exists")]
    IdDocumentTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A candidate as the owner sees them; the ID number is decrypted, callers decide how to show it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: Username,
    pub name: PersonName,
    pub name_uses_pinyin: bool,
    pub id_number: IdNumber,
    pub created_at: i64,
}

/// What login needs to check a password, and nothing more.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginCandidate {
    pub id: String,
    pub username: String,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    username: String,
    name: String,
    name_uses_pinyin: bool,
    id_type: String,
    id_number_ciphertext: Vec<u8>,
    id_number_key_id: String,
    created_at: i64,
}

fn id_number_context(account_id: &str) -> String {
    format!("accounts.id_number:{account_id}")
}

impl Store {
    /// Creates the account in one statement; the unique constraints decide races between two registrations.
    #[tracing::instrument(skip_all, fields(username = %new.username.as_str()))]
    pub async fn create_account(&self, new: &NewAccount<'_>) -> Result<String, CreateAccountError> {
        let id = new_id();
        let (ciphertext, key_id) = self.vault().seal(new.id_number.as_str(), &id_number_context(&id));
        let blind_index = self.vault().blind_index(new.id_number.as_str());
        const SQL: &str = "INSERT INTO accounts (id, username, password_hash, name, name_uses_pinyin, id_type, \
             id_number_ciphertext, id_number_key_id, id_number_blind_index, security_question, security_answer_hash, \
             notice_accepted_at, privacy_accepted_at, privacy_policy_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $12)";
        const CHECK: &str = "INSERT INTO identity_checks (account_id, state, updated_at) VALUES ($1, 'pending', $2)";
        let job_id = new_id();
        // The account, its pending identity check and the job that runs it commit together: no account is left
        // without its check, whatever happens to the node.
        let result = on_db!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query(SQL)
            .bind(&id)
            .bind(new.username.as_str())
            .bind(new.password_hash)
            .bind(new.name.as_str())
            .bind(new.name_uses_pinyin)
            .bind(new.id_number.id_type().code())
            .bind(&ciphertext)
            .bind(&key_id)
            .bind(&blind_index)
            .bind(new.security_question)
            .bind(new.security_answer_hash)
            .bind(new.now)
            .bind(new.privacy_policy_version)
            .execute(&mut *tx)
            .await?;
            sqlx::query(CHECK).bind(&id).bind(new.now).execute(&mut *tx).await?;
            crate::jobs::enqueue_job_sql(&job_id, crate::identity::IDENTITY_CHECK_JOB, &id, new.now).execute(&mut *tx).await?;
            tx.commit().await
        }.await);
        match result {
            Ok(_) => Ok(id),
            Err(error) => match unique_violation(&error) {
                Some(what) if what.contains("username") => Err(CreateAccountError::UsernameTaken),
                Some(_) => Err(CreateAccountError::IdDocumentTaken),
                None => Err(StoreError::from(error).into()),
            },
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn username_taken(&self, username: &Username) -> StoreResult<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM accounts WHERE username = $1";
        let count: i64 = on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(username.as_str()).fetch_one(pool).await)?;
        Ok(count > 0)
    }

    #[tracing::instrument(skip_all)]
    pub async fn id_document_taken(&self, id_number: &IdNumber) -> StoreResult<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM accounts WHERE id_type = $1 AND id_number_blind_index = $2";
        let blind_index = self.vault().blind_index(id_number.as_str());
        let count: i64 = on_db!(&self.db, pool => sqlx::query_scalar(SQL)
            .bind(id_number.id_type().code())
            .bind(&blind_index)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Accounts a login identifier may mean: the one with this username, and those whose ID number (of any
    /// type) canonicalises to `id_number_lookup`. Username matches come first.
    #[tracing::instrument(skip_all)]
    pub async fn login_candidates(
        &self,
        username: Option<&Username>,
        id_number_lookup: &str,
    ) -> StoreResult<Vec<LoginCandidate>> {
        const SQL: &str = accounts_by_identifier!("id, username, password_hash", "3");
        let blind_index = self.vault().blind_index(id_number_lookup);
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LoginCandidate>(SQL)
            .bind(username.map(Username::as_str).unwrap_or(""))
            .bind(&blind_index)
            .fetch_all(pool)
            .await)?)
    }

    #[tracing::instrument(skip(self))]
    pub async fn account(&self, account_id: &str) -> StoreResult<Option<Account>> {
        const SQL: &str = "SELECT id, username, name, name_uses_pinyin, id_type, id_number_ciphertext, \
             id_number_key_id, created_at FROM accounts WHERE id = $1";
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, AccountRow>(SQL).bind(account_id).fetch_optional(pool).await)?;
        let Some(row) = row else { return Ok(None) };
        let plain = self.vault().open(&row.id_number_ciphertext, &row.id_number_key_id, &id_number_context(&row.id))?;
        let id_type = IdType::from_code(&row.id_type).ok_or_else(|| StoreError::Corrupt(format!("unknown id_type {:?}", row.id_type)))?;
        let id_number = IdNumber::from_trusted(id_type, plain);
        Ok(Some(Account {
            id: row.id,
            username: Username::from_trusted(row.username),
            name: PersonName::from_trusted(row.name),
            name_uses_pinyin: row.name_uses_pinyin,
            id_number,
            created_at: row.created_at,
        }))
    }

    /// The password hash of an account, for re-authentication before a sensitive change.
    pub async fn password_hash(&self, account_id: &str) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT password_hash FROM accounts WHERE id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(account_id).fetch_optional(pool).await)?)
    }
}

impl Store {
    /// Replaces the account's security question and the hash of its answer.
    pub async fn set_security_question(&self, account_id: &str, question: &str, answer_hash: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE accounts SET security_question = $2, security_answer_hash = $3 WHERE id = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(question).bind(answer_hash).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Replaces the account's password hash.
    pub async fn set_password_hash(&self, account_id: &str, password_hash: &str) -> StoreResult<()> {
        const SQL: &str = "UPDATE accounts SET password_hash = $2 WHERE id = $1";
        on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(password_hash).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}


/// Random, unguessable identifiers: account ids appear in URLs and API answers and must not reveal counts.
pub fn new_id() -> String {
    hex::encode(crate::pii::random_bytes::<16>())
}
