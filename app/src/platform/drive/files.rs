//! The fallback for browsers without folder access (Firefox, Safari): a
//! [`Drive`] over files the user uploads, kept in memory, whose writes are
//! collected so the app can offer them as downloads. The user then keeps
//! the downloaded files on the USB drives themselves.
//!
//! Uploaded names are placed by what they are: `backup_N.enc` and
//! `pair.json` belong in `.system_backup/`, everything else at the top.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use shared::drive::{Drive, Entry, IoError, Relation, layout};

#[derive(Debug, Default)]
struct Files {
    files: BTreeMap<String, Vec<u8>>,
    dirs: Vec<String>,
    /// Paths written or removed since the last [`FileSetDrive::take_changes`].
    changed: Vec<String>,
}

/// A set of uploaded files acting as one drive. Clones share the files.
#[derive(Debug, Clone, Default)]
pub struct FileSetDrive {
    label: String,
    inner: Rc<RefCell<Files>>,
}

/// A file to offer as a download after an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The path inside the drive folder (`.system_backup/backup_0.enc`).
    pub path: String,
    /// Its new content; `None` when the file should be deleted.
    pub data: Option<Vec<u8>>,
}

/// Where an uploaded file named `name` belongs in the drive layout.
pub fn place(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base == "pair.json" || (base.starts_with("backup_") && base.ends_with(".enc")) {
        format!("{}/{base}", layout::BACKUP_DIR)
    } else {
        base.to_owned()
    }
}

impl FileSetDrive {
    /// An empty set, shown to the user as `label` ("primary files").
    pub fn new(label: &str) -> Self {
        Self { label: label.to_owned(), inner: Rc::default() }
    }

    /// Adds an uploaded file (placed with [`place`]).
    pub fn add(&self, name: &str, data: Vec<u8>) {
        let path = place(name);
        let mut inner = self.inner.borrow_mut();
        if let Some((dir, _)) = path.split_once('/')
            && !inner.dirs.iter().any(|d| d == dir)
        {
            inner.dirs.push(dir.to_owned());
        }
        inner.files.insert(path, data);
    }

    /// Number of files held.
    pub fn len(&self) -> usize {
        self.inner.borrow().files.len()
    }

    /// Whether no file was uploaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files changed since the last call, with their final content.
    pub fn take_changes(&self) -> Vec<Download> {
        let mut inner = self.inner.borrow_mut();
        let mut paths = std::mem::take(&mut inner.changed);
        paths.sort();
        paths.dedup();
        paths.into_iter().map(|path| Download { data: inner.files.get(&path).cloned(), path }).collect()
    }
}

impl Drive for FileSetDrive {
    fn describe(&self) -> String {
        self.label.clone()
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        Ok(self.inner.borrow().files.get(path).cloned())
    }

    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
        let mut inner = self.inner.borrow_mut();
        inner.files.insert(path.to_owned(), data.to_vec());
        inner.changed.push(path.to_owned());
        Ok(())
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
        let inner = self.inner.borrow();
        if !dir.is_empty() && !inner.dirs.iter().any(|d| d == dir) {
            return Ok(None);
        }
        let mut out: Vec<Entry> = inner
            .files
            .keys()
            .filter_map(|p| match (dir.is_empty(), p.split_once('/')) {
                (true, None) => Some(Entry { name: p.clone(), is_dir: false }),
                (false, Some((d, name))) if d == dir => Some(Entry { name: name.to_owned(), is_dir: false }),
                _ => None,
            })
            .collect();
        if dir.is_empty() {
            out.extend(inner.dirs.iter().map(|d| Entry { name: d.clone(), is_dir: true }));
        }
        out.sort();
        Ok(Some(out))
    }

    async fn remove(&self, path: &str) -> Result<(), IoError> {
        let mut inner = self.inner.borrow_mut();
        if inner.files.remove(path).is_some() {
            inner.changed.push(path.to_owned());
        }
        Ok(())
    }

    async fn create_dir(&self, path: &str) -> Result<(), IoError> {
        let mut inner = self.inner.borrow_mut();
        if !inner.dirs.iter().any(|d| d == path) {
            inner.dirs.push(path.to_owned());
        }
        Ok(())
    }

    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
        Ok(if Rc::ptr_eq(&self.inner, &other.inner) { Relation::Same } else { Relation::Distinct })
    }
}
