//! Blobs in S3-compatible object storage via `object_store`. Large blobs go
//! up as multipart uploads (the object appears only when the upload
//! completes, so it is atomic); small ones as a single PUT.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;

use super::{BlobError, BlobStore, BlobStream, ByteStream, check_key};

/// Multipart part size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight per upload: memory per upload is about
/// `PART_BYTES × (PARTS_IN_FLIGHT + 1)`, whatever the file size.
const PARTS_IN_FLIGHT: usize = 2;

/// Blob store over an S3 bucket (and optional key prefix).
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
}

impl S3Blobs {
    /// `s3://bucket[/prefix]`; credentials, region and endpoint come from the
    /// standard `AWS_*` environment variables.
    pub fn open(url: &str) -> Result<Self, BlobError> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| BlobError::UnsupportedUrl(url.to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        crate::tls::use_ring();
        let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> =
            if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) };
        Ok(Self { store })
    }

    fn path(key: &str) -> Result<Path, BlobError> {
        check_key(key)?;
        Path::parse(key).map_err(|_| BlobError::InvalidKey)
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, mut body: ByteStream) -> Result<u64, BlobError> {
        let mut writer = BufWriter::with_capacity(Arc::clone(&self.store), Self::path(key)?, PART_BYTES)
            .with_max_concurrency(PARTS_IN_FLIGHT);
        let mut written = 0u64;
        let result: Result<(), BlobError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(BlobError::Incoming)?;
                writer.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            writer.shutdown().await?;
            Ok(())
        }
        .await;
        if let Err(err) = result {
            // Abort the multipart upload so no parts linger in the bucket.
            let _ = writer.abort().await;
            return Err(err);
        }
        Ok(written)
    }

    async fn get(&self, key: &str, start: u64, len: u64) -> Result<BlobStream, BlobError> {
        if len == 0 {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions { range: Some(GetRange::Bounded(start..start + len)), ..GetOptions::default() };
        let result = self.store.get_opts(&Self::path(key)?, options).await?;
        Ok(result.into_stream().map_err(BlobError::Object).boxed())
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&Self::path(key)?).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            other => Ok(other?),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        let prefix = Self::path(prefix)?;
        let mut listing = self.store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            self.store.delete(&meta?.location).await?;
        }
        Ok(())
    }

    async fn list_children(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        let listing = self.store.list_with_delimiter(Some(&Self::path(prefix)?)).await?;
        Ok(listing.common_prefixes.iter().filter_map(|p| p.filename().map(str::to_owned)).collect())
    }

    async fn clean_interrupted(&self) -> Result<(), BlobError> {
        // Interrupted multipart uploads leave no visible object; a bucket
        // lifecycle rule (AbortIncompleteMultipartUpload) reclaims their parts.
        Ok(())
    }
}
