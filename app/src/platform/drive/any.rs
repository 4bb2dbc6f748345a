//! One drive type for the page: a picked folder where the browser can open
//! folders, or a set of uploaded files where it cannot ([`super::files`]).

use shared::drive::{Drive, Entry, IoError, Relation};

use super::files::{Download, FileSetDrive};
use super::folder::FolderDrive;

/// A drive as the page holds it.
#[derive(Debug, Clone)]
pub enum AnyDrive {
    /// A folder opened with the File System Access API.
    Folder(FolderDrive),
    /// Files uploaded by the user; changes are offered as downloads.
    Files(FileSetDrive),
}

impl AnyDrive {
    /// The folder, when this is one.
    pub fn folder(&self) -> Option<&FolderDrive> {
        match self {
            Self::Folder(f) => Some(f),
            Self::Files(_) => None,
        }
    }

    /// What to show as its name.
    pub fn name(&self) -> String {
        match self {
            Self::Folder(f) => f.handle().name(),
            Self::Files(f) => f.describe(),
        }
    }

    /// Files changed since the last call (always empty for a folder: its
    /// changes are already on the drive).
    pub fn take_changes(&self) -> Vec<Download> {
        match self {
            Self::Folder(_) => Vec::new(),
            Self::Files(f) => f.take_changes(),
        }
    }
}

impl Drive for AnyDrive {
    fn describe(&self) -> String {
        match self {
            Self::Folder(f) => f.describe(),
            Self::Files(f) => f.describe(),
        }
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        match self {
            Self::Folder(f) => f.read(path).await,
            Self::Files(f) => f.read(path).await,
        }
    }

    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
        match self {
            Self::Folder(f) => f.write_atomic(path, data).await,
            Self::Files(f) => f.write_atomic(path, data).await,
        }
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
        match self {
            Self::Folder(f) => f.list(dir).await,
            Self::Files(f) => f.list(dir).await,
        }
    }

    async fn remove(&self, path: &str) -> Result<(), IoError> {
        match self {
            Self::Folder(f) => f.remove(path).await,
            Self::Files(f) => f.remove(path).await,
        }
    }

    async fn create_dir(&self, path: &str) -> Result<(), IoError> {
        match self {
            Self::Folder(f) => f.create_dir(path).await,
            Self::Files(f) => f.create_dir(path).await,
        }
    }

    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
        match (self, other) {
            (Self::Folder(a), Self::Folder(b)) => a.relation_to(b).await,
            (Self::Files(a), Self::Files(b)) => a.relation_to(b).await,
            // Uploaded files and a folder are two different places.
            _ => Ok(Relation::Distinct),
        }
    }
}
