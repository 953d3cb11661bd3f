//! Object storage for files too large for rows (photos now; application attachments later): a local
//! directory by default, any S3-compatible service in production, memory in tests. Keys are never shown to
//! users; files reach them only through handlers that check who is asking.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object storage URL not understood: {0}")]
    BadUrl(String),
    #[error("object storage: {0}")]
    Backend(#[from] object_store::Error),
    #[error("object storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Where objects live, chosen by URL: a directory path or `file:///dir`, `s3://bucket/prefix` (endpoint,
/// region and credentials from the standard `AWS_*` environment variables, e.g. `AWS_ENDPOINT` for MinIO or
/// Ceph, `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint), or `memory://`.
#[derive(Clone)]
pub struct Objects {
    backend: Arc<dyn ObjectStore>,
    prefix: Path,
    description: String,
}

impl Objects {
    pub fn open(url: &str) -> Result<Objects, ObjectError> {
        if url == "memory://" {
            return Ok(Objects::new(Arc::new(object_store::memory::InMemory::new()), Path::default(), "memory"));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(ObjectError::BadUrl(url.to_owned()));
            }
            let s3 = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
            return Ok(Objects::new(Arc::new(s3), Path::from(prefix), &format!("s3://{bucket}/{prefix}")));
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        if dir.is_empty() || url.contains("://") && !url.starts_with("file://") {
            return Err(ObjectError::BadUrl(url.to_owned()));
        }
        std::fs::create_dir_all(dir)?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Objects::new(Arc::new(local), Path::default(), &format!("directory {dir}")))
    }

    fn new(backend: Arc<dyn ObjectStore>, prefix: Path, description: &str) -> Objects {
        Objects { backend, prefix, description: description.to_owned() }
    }

    /// Where the objects are, for logs (no credentials).
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn path(&self, key: &str) -> Path {
        key.split('/').fold(self.prefix.clone(), |path, part| path.child(part))
    }

    #[tracing::instrument(skip(self, bytes), fields(bytes = bytes.len()))]
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError> {
        self.backend.put(&self.path(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// The object's bytes, or `None` if there is no such object.
    #[tracing::instrument(skip(self))]
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, ObjectError> {
        match self.backend.get(&self.path(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes an object; removing one that is already gone is not an error.
    #[tracing::instrument(skip(self))]
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        match self.backend.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(objects: Objects) {
        assert_eq!(objects.get("photos/a/1.jpg").await.unwrap(), None);
        objects.put("photos/a/1.jpg", b"jpeg".to_vec()).await.unwrap();
        assert_eq!(objects.get("photos/a/1.jpg").await.unwrap().as_deref(), Some(&b"jpeg"[..]));
        objects.delete("photos/a/1.jpg").await.unwrap();
        objects.delete("photos/a/1.jpg").await.unwrap();
        assert_eq!(objects.get("photos/a/1.jpg").await.unwrap(), None);
    }

    #[tokio::test]
    async fn local_directory_and_memory_behave_alike() {
        let dir = std::env::temp_dir().join(format!("kaowu-objects-{}", std::process::id()));
        round_trip(Objects::open(dir.to_str().unwrap()).unwrap()).await;
        round_trip(Objects::open(&format!("file://{}", dir.display())).unwrap()).await;
        round_trip(Objects::open("memory://").unwrap()).await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(matches!(Objects::open("ftp://host/x"), Err(ObjectError::BadUrl(_))));
        assert!(matches!(Objects::open("s3://"), Err(ObjectError::BadUrl(_))));
    }
}
