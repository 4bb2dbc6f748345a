//! Blobs in a local folder: `objects/<key>`, written through `tmp/` with
//! temp file + fsync + rename + fsync of the folder, so a crash at any moment
//! leaves either the whole blob or nothing (plus a temp file swept at start-up).

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::{BlobError, BlobStore, BlobStream, ByteStream, check_key};

/// Blob store over a folder.
pub struct LocalBlobs {
    objects: PathBuf,
    tmp: PathBuf,
}

impl LocalBlobs {
    /// Opens (creating) the store in `root`.
    pub async fn open(root: &Path) -> Result<Self, BlobError> {
        let objects = root.join("objects");
        let tmp = root.join("tmp");
        tokio::fs::create_dir_all(&objects).await?;
        tokio::fs::create_dir_all(&tmp).await?;
        Ok(Self { objects, tmp })
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        check_key(key)?;
        Ok(self.objects.join(key))
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

async fn write_all(file: &mut tokio::fs::File, mut body: ByteStream) -> Result<u64, BlobError> {
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(BlobError::Incoming)?;
        file.write_all(&chunk).await?;
        written += chunk.len() as u64;
    }
    file.sync_all().await?;
    Ok(written)
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, body: ByteStream) -> Result<u64, BlobError> {
        let dest = self.path(key)?;
        let mut name = [0u8; 16];
        getrandom::fill(&mut name).map_err(|e| std::io::Error::other(e.to_string()))?;
        let temp = self.tmp.join(format!("{}.tmp", hex::encode(name)));
        let mut file = tokio::fs::File::create(&temp).await?;
        let written = match write_all(&mut file, body).await {
            Ok(n) => n,
            Err(err) => {
                drop(file);
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(err);
            }
        };
        drop(file);
        let parent = dest.parent().ok_or(BlobError::InvalidKey)?;
        tokio::fs::create_dir_all(parent).await?;
        tokio::fs::rename(&temp, &dest).await?;
        sync_dir(parent).await?;
        Ok(written)
    }

    async fn get(&self, key: &str, start: u64, len: u64) -> Result<BlobStream, BlobError> {
        let mut file = tokio::fs::File::open(self.path(key)?).await?;
        file.seek(SeekFrom::Start(start)).await?;
        Ok(ReaderStream::with_capacity(file.take(len), 256 * 1024).map_err(BlobError::Io).boxed())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => Ok(other?),
        }
    }

    async fn clean_interrupted(&self) -> Result<(), BlobError> {
        let mut entries = tokio::fs::read_dir(&self.tmp).await?;
        while let Some(entry) = entries.next_entry().await? {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
        Ok(())
    }
}
