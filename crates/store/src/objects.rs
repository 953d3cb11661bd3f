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

/// How to reach an S3-compatible service. Anything left `None` comes from the standard `AWS_*` environment
/// variables (or the instance's role), as the AWS tools read them.
#[derive(Clone, Default)]
pub struct S3Options {
    /// e.g. `https://oss-cn-beijing.aliyuncs.com`, `http://minio:9000`; `None` is AWS itself.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint (a private network's MinIO, a test server).
    pub allow_http: bool,
    /// `bucket.endpoint` style addressing instead of `endpoint/bucket`.
    pub virtual_hosted: bool,
}

/// Where objects live, chosen by URL: a directory path or `file:///dir`, `s3://bucket/prefix` (with
/// [`S3Options`]), or `memory://`.
impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<redacted>"))
            .field("allow_http", &self.allow_http)
            .field("virtual_hosted", &self.virtual_hosted)
            .finish()
    }
}

#[derive(Clone)]
pub struct Objects {
    backend: Arc<dyn ObjectStore>,
    prefix: Path,
    description: String,
}

impl Objects {
    pub fn open(url: &str, s3_options: &S3Options) -> Result<Objects, ObjectError> {
        if url == "memory://" {
            return Ok(Objects::new(Arc::new(object_store::memory::InMemory::new()), Path::default(), "memory"));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(ObjectError::BadUrl(url.to_owned()));
            }
            let mut builder = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_allow_http(s3_options.allow_http)
                .with_virtual_hosted_style_request(s3_options.virtual_hosted);
            if let Some(endpoint) = &s3_options.endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            if let Some(region) = &s3_options.region {
                builder = builder.with_region(region);
            }
            if let (Some(id), Some(secret)) = (&s3_options.access_key_id, &s3_options.secret_access_key) {
                builder = builder.with_access_key_id(id).with_secret_access_key(secret);
            }
            let s3 = builder.build()?;
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
        let none = S3Options::default();
        round_trip(Objects::open(dir.to_str().unwrap(), &none).unwrap()).await;
        round_trip(Objects::open(&format!("file://{}", dir.display()), &none).unwrap()).await;
        round_trip(Objects::open("memory://", &none).unwrap()).await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The same round trip against a real S3 protocol server (moto, started by scripts/test.sh at
    /// `KAOWU_TEST_S3_ENDPOINT`): signed requests, bucket and prefix handling, 404 as "absent".
    #[tokio::test]
    async fn an_s3_compatible_service_behaves_alike() {
        let endpoint = test_s3_endpoint();
        let bucket = format!("kaowu-objects-{}", std::process::id());
        create_bucket(&endpoint, &bucket).await;
        let options = test_s3_options(&endpoint);
        round_trip(Objects::open(&format!("s3://{bucket}/prefix/one"), &options).unwrap()).await;
        let objects = Objects::open(&format!("s3://{bucket}/prefix/two"), &options).unwrap();
        objects.put("photos/b/2.jpg", b"two".to_vec()).await.unwrap();
        let other_prefix = Objects::open(&format!("s3://{bucket}/prefix/one"), &options).unwrap();
        assert_eq!(other_prefix.get("photos/b/2.jpg").await.unwrap(), None, "prefixes keep deployments apart");
        assert_eq!(objects.get("photos/b/2.jpg").await.unwrap().as_deref(), Some(&b"two"[..]));
    }

    pub fn test_s3_endpoint() -> String {
        std::env::var("KAOWU_TEST_S3_ENDPOINT").unwrap_or_else(|_| {
            panic!("KAOWU_TEST_S3_ENDPOINT is not set: scripts/test.sh starts an S3-compatible test server (moto) and sets it")
        })
    }

    pub fn test_s3_options(endpoint: &str) -> S3Options {
        S3Options {
            endpoint: Some(endpoint.to_owned()),
            region: Some("us-east-1".into()),
            access_key_id: Some("kaowu-test".into()),
            secret_access_key: Some("kaowu-test-secret".into()),
            allow_http: true,
            virtual_hosted: false,
        }
    }

    /// Buckets are made by the operator, not by kaowu; the test makes its own with a plain CreateBucket.
    pub async fn create_bucket(endpoint: &str, bucket: &str) {
        let response = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("S3 test server reachable");
        assert!(response.status().is_success(), "CreateBucket: {}", response.status());
    }

    #[test]
    fn unknown_schemes_are_refused() {
        let none = S3Options::default();
        assert!(matches!(Objects::open("ftp://host/x", &none), Err(ObjectError::BadUrl(_))));
        assert!(matches!(Objects::open("s3://", &none), Err(ObjectError::BadUrl(_))));
    }
}
