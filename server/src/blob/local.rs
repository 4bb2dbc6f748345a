//! Blobs in a local folder: `objects/<key>`, written through `tmp/` with
//! temp file + fsync + rename + fsync of the folder, so a crash at any moment
//! leaves either the whole blob or nothing (plus a temp file swept at start-up).

use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::StreamExt;

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

/// Bytes gathered from the network before one write to disk.
const WRITE_BATCH: usize = 1024 * 1024;

/// A write to disk on the blocking pool, giving the file back.
type Writing = tokio::task::JoinHandle<std::io::Result<std::fs::File>>;

/// Writes `parts` (then syncs the file, when `sync`) on the blocking pool.
fn start_write(mut file: std::fs::File, parts: Vec<bytes::Bytes>, sync: bool) -> Writing {
    tokio::task::spawn_blocking(move || {
        for part in &parts {
            file.write_all(part)?;
        }
        if sync {
            file.sync_all()?;
        }
        Ok(file)
    })
}

async fn finish_write(writing: Writing) -> std::io::Result<std::fs::File> {
    writing.await.map_err(|e| std::io::Error::other(e.to_string()))?
}

/// Writes `body` to `file` and syncs it; returns the bytes written.
/// Incoming frames are small; they are gathered into [`WRITE_BATCH`]-byte
/// writes on the blocking pool, one running while the next batch arrives
/// (tokio's `File` would make one pool round trip and one extra copy per
/// frame).
async fn write_all(file: std::fs::File, mut body: ByteStream) -> Result<u64, BlobError> {
    let mut written = 0u64;
    let mut writing = start_write(file, Vec::new(), false);
    let mut parts = Vec::new();
    let mut gathered = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(BlobError::Incoming)?;
        written += chunk.len() as u64;
        gathered += chunk.len();
        parts.push(chunk);
        if gathered >= WRITE_BATCH {
            let file = finish_write(writing).await?;
            writing = start_write(file, std::mem::take(&mut parts), false);
            gathered = 0;
        }
    }
    let file = finish_write(writing).await?;
    finish_write(start_write(file, parts, true)).await?;
    Ok(written)
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, body: ByteStream) -> Result<u64, BlobError> {
        let dest = self.path(key)?;
        let mut name = [0u8; 16];
        getrandom::fill(&mut name).map_err(|e| std::io::Error::other(e.to_string()))?;
        let temp = self.tmp.join(format!("{}.tmp", hex::encode(name)));
        let file = tokio::fs::File::create(&temp).await?.into_std().await;
        let written = match write_all(file, body).await {
            Ok(n) => n,
            Err(err) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(err);
            }
        };
        let parent = dest.parent().ok_or(BlobError::InvalidKey)?;
        tokio::fs::create_dir_all(parent).await?;
        tokio::fs::rename(&temp, &dest).await?;
        sync_dir(parent).await?;
        Ok(written)
    }

    async fn get(&self, key: &str, start: u64, len: u64) -> Result<BlobStream, BlobError> {
        let file = tokio::fs::File::open(self.path(key)?).await?;
        Ok(super::file_range::stream(file.into_std().await, start, len))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => Ok(other?),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => Ok(other?),
        }
    }

    async fn list_children(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(self.path(prefix)?).await {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            other => other?,
        };
        while let Some(entry) = entries.next_entry().await? {
            if let Some(name) = entry.file_name().to_str() {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }

    async fn clean_interrupted(&self) -> Result<(), BlobError> {
        let mut entries = tokio::fs::read_dir(&self.tmp).await?;
        while let Some(entry) = entries.next_entry().await? {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
        Ok(())
    }
}
