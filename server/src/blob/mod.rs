//! Ciphertext storage. A blob is written once, atomically (it either exists
//! whole or not at all), and read back by byte range as a stream, so memory
//! stays flat whatever the size. [`local::LocalBlobs`] keeps blobs in a
//! folder; [`s3::S3Blobs`] in S3-compatible object storage.

mod block_pool;
mod file_range;
pub mod local;
pub mod s3;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

/// A failure of the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The incoming stream failed (client went away, or it exceeded its limit).
    #[error("the upload stream broke: {0}")]
    Incoming(std::io::Error),
    /// Reading or writing the storage failed.
    #[error("blob storage I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The object store reported an error.
    #[error("object store error: {0}")]
    Object(#[from] object_store::Error),
    /// A key with characters outside `[a-z0-9/-]` (never produced by the server).
    #[error("invalid blob key")]
    InvalidKey,
    /// The blob URL names no supported store.
    #[error("unsupported blob URL (expected s3://bucket[/prefix]): {0}")]
    UnsupportedUrl(String),
}

/// An incoming byte stream.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;
/// An outgoing byte stream.
pub type BlobStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// Where ciphertext lives.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `body` under `key` atomically; returns the number of bytes
    /// written. If the stream fails, nothing is left under `key`.
    async fn put(&self, key: &str, body: ByteStream) -> Result<u64, BlobError>;
    /// Streams bytes `start..start + len` of the blob.
    async fn get(&self, key: &str, start: u64, len: u64) -> Result<BlobStream, BlobError>;
    /// Deletes the blob under `key` (nothing there is not an error).
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Deletes every blob whose key starts with `prefix/`.
    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError>;
    /// Names of the immediate sub-folders of `prefix/` (one per file).
    async fn list_children(&self, prefix: &str) -> Result<Vec<String>, BlobError>;
    /// Removes leftovers of writes interrupted by a crash (called at start-up).
    async fn clean_interrupted(&self) -> Result<(), BlobError>;
}

/// Keys are made by the server from hex ids; refuse anything else so no
/// request-derived text can ever reach a path or object name.
fn check_key(key: &str) -> Result<(), BlobError> {
    let ok = !key.is_empty()
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'z' | b'-')));
    if ok { Ok(()) } else { Err(BlobError::InvalidKey) }
}

/// Opens the blob store named by `url`, or the folder `default_dir`.
pub async fn open(url: Option<&str>, default_dir: &std::path::Path) -> Result<Arc<dyn BlobStore>, BlobError> {
    match url {
        None => Ok(Arc::new(local::LocalBlobs::open(default_dir).await?)),
        Some(url) if url.starts_with("s3://") => Ok(Arc::new(s3::S3Blobs::open(url)?)),
        Some(url) if url.starts_with("file://") => {
            Ok(Arc::new(local::LocalBlobs::open(std::path::Path::new(&url["file://".len()..])).await?))
        }
        Some(url) => Err(BlobError::UnsupportedUrl(url.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_strict() {
        assert!(super::check_key("files/0123abcd/00000000000000000000-ff").is_ok());
        for bad in ["", "../x", "a//b", "/a", "a/", "A", "a/./b", "a\\b", "x y"] {
            assert!(super::check_key(bad).is_err(), "{bad}");
        }
    }
}
