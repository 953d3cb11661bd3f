//! Education records. There is deliberately no update or delete here: a saved record stays as it is, and a
//! correction is a new record (domain.md §4).

use crate::{Store, StoreError, StoreResult, on_db, unique_violation};
use domain::education::{Degree, EducationLevel, EducationRecord, MAX_RECORDS, Verification, YearMonth};

#[derive(Debug, Clone)]
pub struct StoredEducation {
    pub id: String,
    pub position: i64,
    pub record: EducationRecord,
    pub source: String,
    pub verification: Verification,
    pub created_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum AddEducationError {
    #[error("the candidate already has the maximum number of records")]
    LimitReached,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    position: i64,
    level: String,
    school: String,
    major: String,
    enrolled_on: String,
    graduated_on: String,
    diploma_number: Option<String>,
    degree: Option<String>,
    degree_number: Option<String>,
    source: String,
    verification: String,
    created_at: i64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("education record: {what}"))
}

impl TryFrom<Row> for StoredEducation {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let month = |field: &str, value: &str| YearMonth::parse(field, value).map_err(|_| corrupt(field));
        let record = EducationRecord {
            level: EducationLevel::from_code(&row.level).ok_or_else(|| corrupt("level"))?,
            school: row.school,
            major: row.major,
            enrolled_on: month("enrolled_on", &row.enrolled_on)?,
            graduated_on: month("graduated_on", &row.graduated_on)?,
            diploma_number: row.diploma_number,
            degree: row.degree.as_deref().map(|d| Degree::from_code(d).ok_or_else(|| corrupt("degree"))).transpose()?,
            degree_number: row.degree_number,
        };
        Ok(StoredEducation {
            id: row.id,
            position: row.position,
            record,
            source: row.source,
            verification: Verification::from_code(&row.verification).ok_or_else(|| corrupt("verification"))?,
            created_at: row.created_at,
        })
    }
}

impl Store {
    #[tracing::instrument(skip(self))]
    pub async fn education_records(&self, account_id: &str) -> StoreResult<Vec<StoredEducation>> {
        const SQL: &str = "SELECT id, position, level, school, major, enrolled_on, graduated_on, diploma_number, degree, \
             degree_number, source, verification, created_at FROM education_records WHERE account_id = $1 ORDER BY position";
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(SQL).bind(account_id).fetch_all(pool).await)?;
        rows.into_iter().map(StoredEducation::try_from).collect()
    }

    pub async fn education_count(&self, account_id: &str) -> StoreResult<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM education_records WHERE account_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(SQL).bind(account_id).fetch_one(pool).await)?)
    }

    /// Adds a record in the next free place, in one statement: the place is computed and claimed together, and
    /// the unique (account, place) constraint settles a race between two additions.
    #[tracing::instrument(skip(self, record))]
    pub async fn add_education(
        &self,
        account_id: &str,
        record: &EducationRecord,
        source: &str,
        verification: Verification,
        now: i64,
    ) -> Result<StoredEducation, AddEducationError> {
        const SQL: &str = "INSERT INTO education_records (id, account_id, position, level, school, major, enrolled_on, \
             graduated_on, diploma_number, degree, degree_number, source, verification, created_at) \
             SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 \
             FROM education_records WHERE account_id = $2 HAVING COUNT(*) < $14 \
             RETURNING position";
        let id = crate::accounts::new_id();
        for _attempt in 0..3 {
            let inserted: Result<Option<i64>, sqlx::Error> = on_db!(&self.db, pool => sqlx::query_scalar(SQL)
                .bind(&id)
                .bind(account_id)
                .bind(record.level.code())
                .bind(&record.school)
                .bind(&record.major)
                .bind(record.enrolled_on.to_iso())
                .bind(record.graduated_on.to_iso())
                .bind(record.diploma_number.as_deref())
                .bind(record.degree.map(Degree::code))
                .bind(record.degree_number.as_deref())
                .bind(source)
                .bind(verification.code())
                .bind(now)
                .bind(MAX_RECORDS as i64)
                .fetch_optional(pool)
                .await);
            match inserted {
                Ok(Some(position)) => {
                    return Ok(StoredEducation {
                        id,
                        position,
                        record: record.clone(),
                        source: source.to_string(),
                        verification,
                        created_at: now,
                    });
                }
                Ok(None) => return Err(AddEducationError::LimitReached),
                // Another addition took the same place at the same moment: look again.
                Err(error) if unique_violation(&error).is_some() => continue,
                Err(error) => return Err(StoreError::from(error).into()),
            }
        }
        Err(AddEducationError::LimitReached)
    }
}
