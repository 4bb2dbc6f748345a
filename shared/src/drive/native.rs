//! [`Drive`] over a real folder with `std::fs` (native only; the browser has
//! its own implementation in the app). Work is done synchronously inside
//! the `async fn`s, so any executor — or none, via a trivial `block_on` —
//! can drive it.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::error::{IoError, IoErrorKind};
use super::layout::TEMP_SUFFIX;
use super::{Drive, Entry, Relation};

/// A folder on a local file system.
#[derive(Debug, Clone)]
pub struct FolderDrive {
    root: PathBuf,
}

fn io(path: &str, e: &std::io::Error) -> IoError {
    let kind = match e.kind() {
        std::io::ErrorKind::PermissionDenied => IoErrorKind::NotAllowed,
        _ => IoErrorKind::Other,
    };
    IoError::new(kind, path, e.to_string())
}

impl FolderDrive {
    /// Opens an existing folder; its canonical path is what
    /// [`Drive::relation_to`] compares (so symlinks and `..` cannot make one
    /// folder look like two).
    ///
    /// # Errors
    /// [`IoError`] if the folder does not exist or cannot be resolved.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, IoError> {
        let shown = root.as_ref().display().to_string();
        let root = fs::canonicalize(root.as_ref()).map_err(|e| io(&shown, &e))?;
        if !root.is_dir() {
            return Err(IoError::new(IoErrorKind::Other, &shown, "not a folder"));
        }
        Ok(Self { root })
    }

    /// The canonical path.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Only plain relative names below the root; the protocol never asks
    /// for anything else, so anything else is a bug, refused.
    fn resolve(&self, path: &str) -> Result<PathBuf, IoError> {
        let p = Path::new(path);
        let ok = path.is_empty() || (!path.contains('\\') && p.components().all(|c| matches!(c, Component::Normal(_))));
        if ok {
            Ok(self.root.join(p))
        } else {
            Err(IoError::new(IoErrorKind::InvalidPath, path, "path outside the drive layout"))
        }
    }
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable. Opening a folder fails on some platforms
    // (Windows); the rename itself is still atomic there.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Drive for FolderDrive {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        let full = self.resolve(path)?;
        match fs::read(&full) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(path, &e)),
        }
    }

    /// Write `name.qvtmp`, fsync it, rename over `name`, fsync the folder.
    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
        let full = self.resolve(path)?;
        let tmp_name = format!("{path}{TEMP_SUFFIX}");
        let tmp = self.resolve(&tmp_name)?;
        let result = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(data)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &full)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io(path, &e));
        }
        if let Some(parent) = full.parent() {
            sync_dir(parent);
        }
        Ok(())
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
        let full = self.resolve(dir)?;
        let rd = match fs::read_dir(&full) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(dir, &e)),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| io(dir, &e))?;
            let is_dir = entry.file_type().map_err(|e| io(dir, &e))?.is_dir();
            out.push(Entry { name: entry.file_name().to_string_lossy().into_owned(), is_dir });
        }
        out.sort();
        Ok(Some(out))
    }

    async fn remove(&self, path: &str) -> Result<(), IoError> {
        let full = self.resolve(path)?;
        match fs::remove_file(&full) {
            Ok(()) => {
                if let Some(parent) = full.parent() {
                    sync_dir(parent);
                }
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(path, &e)),
        }
    }

    async fn create_dir(&self, path: &str) -> Result<(), IoError> {
        let full = self.resolve(path)?;
        match fs::create_dir(&full) {
            Ok(()) => {
                sync_dir(&self.root);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && full.is_dir() => Ok(()),
            Err(e) => Err(io(path, &e)),
        }
    }

    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
        Ok(if self.root == other.root {
            Relation::Same
        } else if self.root.starts_with(&other.root) {
            Relation::InsideOther
        } else if other.root.starts_with(&self.root) {
            Relation::ContainsOther
        } else {
            Relation::Distinct
        })
    }
}
