//! Which photo is a candidate's current one, and whether it may still be replaced. The JPEG is in object
//! storage; [`crate::objects`] holds it.

use crate::{Store, StoreResult, on_db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    pub object_key: String,
    pub sha256: String,
    pub byte_size: i64,
    pub source_width: i64,
    pub source_height: i64,
    pub uploaded_at: i64,
    pub locked_at: Option<i64>,
}

/// What a new upload records.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub object_key: String,
    pub sha256: String,
    pub byte_size: i64,
    pub source_width: i64,
    pub source_height: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplacePhotoError {
    #[error("the photo is locked: an exam application has been submitted")]
    Locked,
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

#[derive(sqlx::FromRow)]
struct Row {
    object_key: String,
    sha256: String,
    byte_size: i64,
    source_width: i64,
    source_height: i64,
    uploaded_at: i64,
    locked_at: Option<i64>,
}

impl From<Row> for StoredPhoto {
    fn from(r: Row) -> Self {
        StoredPhoto {
            object_key: r.object_key,
            sha256: r.sha256,
            byte_size: r.byte_size,
            source_width: r.source_width,
            source_height: r.source_height,
            uploaded_at: r.uploaded_at,
            locked_at: r.locked_at,
        }
    }
}

impl Store {
    #[tracing::instrument(skip(self))]
    pub async fn photo(&self, account_id: &str) -> StoreResult<Option<StoredPhoto>> {
        const SQL: &str = "SELECT object_key, sha256, byte_size, source_width, source_height, uploaded_at, locked_at \
             FROM photos WHERE account_id = $1";
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(SQL).bind(account_id).fetch_optional(pool).await)?;
        Ok(row.map(StoredPhoto::from))
    }

    /// Makes `photo` the candidate's current photo unless the current one is locked, in one conditional
    /// statement (an upload racing the lock cannot slip past it).
    #[tracing::instrument(skip(self, photo))]
    pub async fn replace_photo(&self, account_id: &str, photo: &NewPhoto, now: i64) -> Result<StoredPhoto, ReplacePhotoError> {
        const SQL: &str = "INSERT INTO photos (account_id, object_key, sha256, byte_size, source_width, source_height, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_id) DO UPDATE SET object_key = excluded.object_key, sha256 = excluded.sha256, \
             byte_size = excluded.byte_size, source_width = excluded.source_width, \
             source_height = excluded.source_height, uploaded_at = excluded.uploaded_at \
             WHERE photos.locked_at IS NULL";
        let done = on_db!(&self.db, pool => sqlx::query(SQL)
            .bind(account_id)
            .bind(&photo.object_key)
            .bind(&photo.sha256)
            .bind(photo.byte_size)
            .bind(photo.source_width)
            .bind(photo.source_height)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(crate::StoreError::from)?;
        if done == 0 {
            return Err(ReplacePhotoError::Locked);
        }
        Ok(StoredPhoto {
            object_key: photo.object_key.clone(),
            sha256: photo.sha256.clone(),
            byte_size: photo.byte_size,
            source_width: photo.source_width,
            source_height: photo.source_height,
            uploaded_at: now,
            locked_at: None,
        })
    }

    /// Locks the photo (the first exam application was submitted). Returns whether there was a photo to lock;
    /// locking twice keeps the first time.
    #[tracing::instrument(skip(self))]
    pub async fn lock_photo(&self, account_id: &str, now: i64) -> StoreResult<bool> {
        const SQL: &str = "UPDATE photos SET locked_at = COALESCE(locked_at, $2) WHERE account_id = $1";
        let done = on_db!(&self.db, pool => sqlx::query(SQL).bind(account_id).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}
