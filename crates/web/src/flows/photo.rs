//! The registration photo: the upload goes through the photo tool (documents::photo) on a worker thread; a
//! photo that passes is stored as the candidate's current one, replacing the previous until the first exam
//! application locks it.

use super::FlowError;
use crate::state::{AppState, now};
use domain::FieldError;
use domain::photo::PhotoRejection;
use sha2::{Digest, Sha256};
use store::photos::{NewPhoto, ReplacePhotoError, StoredPhoto};

/// What a failed upload tells the candidate: the rejection, and every check's finding up to it.
#[derive(Debug)]
pub struct Rejected {
    pub rejection: PhotoRejection,
    pub findings: Vec<documents::photo::Finding>,
}

#[derive(Debug)]
pub enum PhotoError {
    Rejected(Rejected),
    Flow(FlowError),
}

impl<E: Into<FlowError>> From<E> for PhotoError {
    fn from(error: E) -> Self {
        PhotoError::Flow(error.into())
    }
}

impl PhotoError {
    pub fn into_flow(self) -> FlowError {
        match self {
            PhotoError::Rejected(rejected) => FieldError::new("photo", rejected.rejection.code()).into(),
            PhotoError::Flow(error) => error,
        }
    }
}

/// Processes `upload` and, if it passes, makes it the candidate's photo.
pub async fn replace_photo(state: &AppState, account_id: &str, upload: Vec<u8>) -> Result<StoredPhoto, PhotoError> {
    if upload.is_empty() {
        return Err(FieldError::new("photo", "photo.required").into());
    }
    let previous = state.store.photo(account_id).await?;
    if previous.as_ref().is_some_and(|current| current.locked_at.is_some()) {
        return Err(FlowError::Conflict(FieldError::new("photo", "photo.locked")).into());
    }
    // CPU-bound: a bounded number run at once on blocking threads; beyond that the answer is "busy".
    let permit = state.photo_slots.clone().try_acquire_owned().map_err(|_| FlowError::Busy)?;
    let spec = state.photo_spec.clone();
    let report = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        documents::photo::process(&spec, &upload)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "photo processing panicked");
        FlowError::Busy
    })?;
    let processed = match report.outcome {
        Ok(processed) => processed,
        Err(rejection) => {
            tracing::info!(rejection = rejection.code(), "photo refused");
            return Err(PhotoError::Rejected(Rejected { rejection, findings: report.findings }));
        }
    };

    let sha256 = hex::encode(Sha256::digest(&processed.jpeg));
    // Content-addressed under the account: a retried upload writes the same object, and no key can be guessed
    // from another candidate's.
    let object_key = format!("photos/{account_id}/{sha256}.jpg");
    let new = NewPhoto {
        object_key: object_key.clone(),
        sha256,
        byte_size: processed.jpeg.len() as i64,
        source_width: i64::from(processed.source_width),
        source_height: i64::from(processed.source_height),
    };
    state.objects.put(&object_key, processed.jpeg).await.map_err(storage_unavailable)?;
    match state.store.replace_photo(account_id, &new, now()).await {
        Ok(stored) => {
            if let Some(previous) = previous.filter(|p| p.object_key != object_key) {
                if let Err(error) = state.objects.delete(&previous.object_key).await {
                    tracing::warn!(%error, "the replaced photo could not be removed from object storage");
                }
            }
            Ok(stored)
        }
        Err(ReplacePhotoError::Locked) => {
            if previous.as_ref().is_none_or(|p| p.object_key != object_key) {
                let _ = state.objects.delete(&object_key).await;
            }
            Err(FlowError::Conflict(FieldError::new("photo", "photo.locked")).into())
        }
        Err(ReplacePhotoError::Store(error)) => Err(error.into()),
    }
}

/// The candidate's current photo (JPEG bytes and its record), if any.
pub async fn current_photo(state: &AppState, account_id: &str) -> Result<Option<(StoredPhoto, bytes::Bytes)>, FlowError> {
    let Some(photo) = state.store.photo(account_id).await? else { return Ok(None) };
    match state.objects.get(&photo.object_key).await.map_err(storage_unavailable)? {
        Some(bytes) => Ok(Some((photo, bytes))),
        None => {
            tracing::error!(key = %photo.object_key, "a recorded photo is missing from object storage");
            Ok(None)
        }
    }
}

pub(crate) fn storage_unavailable(error: store::objects::ObjectError) -> FlowError {
    tracing::error!(%error, "object storage failed");
    FlowError::Upstream("storage.unavailable")
}
