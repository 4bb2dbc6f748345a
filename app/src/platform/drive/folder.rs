//! [`Drive`] over a File System Access folder handle (a folder on a USB
//! drive the user picked), implemented exactly as the table on
//! [`shared::drive::Drive`] says.

use js_sys::{Array, AsyncIterator, Reflect, Uint8Array};
use shared::drive::{Drive, Entry, IoError, IoErrorKind, Relation};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    File, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions, FileSystemGetFileOptions,
    FileSystemHandle, FileSystemHandleKind, FileSystemWritableFileStream,
};

use super::dom_error::{io_error, is_not_found};

/// A picked folder. Cloning clones the handle (the same folder).
#[derive(Clone, Debug)]
pub struct FolderDrive {
    root: FileSystemDirectoryHandle,
}

/// A path of the drive layout split into its folder (if any) and its name.
struct Parts<'a> {
    dir: Option<&'a str>,
    name: &'a str,
}

fn valid(component: &str) -> bool {
    !component.is_empty() && component != "." && component != ".." && !component.contains('\\')
}

/// The layout is at most one folder deep; anything else is a bug, refused.
fn split(path: &str) -> Result<Parts<'_>, IoError> {
    let bad = || IoError::new(IoErrorKind::InvalidPath, path, "path outside the drive layout");
    let parts = match path.split_once('/') {
        None => Parts { dir: None, name: path },
        Some((dir, name)) => Parts { dir: Some(dir), name },
    };
    if parts.dir.is_some_and(|d| !valid(d)) || !valid(parts.name) || parts.name.contains('/') {
        return Err(bad());
    }
    Ok(parts)
}

async fn awaited(path: &str, promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, IoError> {
    let promise = promise.map_err(|e| io_error(path, &e))?;
    JsFuture::from(promise).await.map_err(|e| io_error(path, &e))
}

impl FolderDrive {
    /// Wraps a folder handle (from the picker or from IndexedDB).
    pub fn new(root: FileSystemDirectoryHandle) -> Self {
        Self { root }
    }

    /// The folder handle (to persist it, or check its permission).
    pub fn handle(&self) -> &FileSystemDirectoryHandle {
        &self.root
    }

    /// The sub-folder `dir` (or the root for `None`); `None` if it does not exist.
    async fn folder(&self, dir: Option<&str>, path: &str) -> Result<Option<FileSystemDirectoryHandle>, IoError> {
        let Some(dir) = dir else {
            return Ok(Some(self.root.clone()));
        };
        match JsFuture::from(self.root.get_directory_handle(dir)).await {
            Ok(h) => Ok(h.dyn_into().ok()),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(io_error(path, &e)),
        }
    }

    async fn writable(&self, path: &str) -> Result<FileSystemWritableFileStream, IoError> {
        let parts = split(path)?;
        let dir = self.folder(parts.dir, path).await?.ok_or_else(|| {
            IoError::new(IoErrorKind::Other, path, "its folder does not exist (was the drive unplugged?)")
        })?;
        let opts = FileSystemGetFileOptions::new();
        opts.set_create(true);
        let file: FileSystemFileHandle =
            awaited(path, Ok(dir.get_file_handle_with_options(parts.name, &opts))).await?.unchecked_into();
        Ok(awaited(path, Ok(file.create_writable())).await?.unchecked_into())
    }

    async fn entries_of(dir: &FileSystemDirectoryHandle, path: &str) -> Result<Vec<Entry>, IoError> {
        let iter: AsyncIterator = dir.entries();
        let mut out = Vec::new();
        loop {
            let step = awaited(path, iter.next()).await?;
            let done = Reflect::get(&step, &JsValue::from_str("done")).map(|d| d.is_truthy()).unwrap_or(true);
            if done {
                break;
            }
            let pair: Array =
                Reflect::get(&step, &JsValue::from_str("value")).map_err(|e| io_error(path, &e))?.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default();
            let handle: FileSystemHandle = pair.get(1).unchecked_into();
            out.push(Entry { name, is_dir: handle.kind() == FileSystemHandleKind::Directory });
        }
        out.sort();
        Ok(out)
    }
}

impl Drive for FolderDrive {
    fn describe(&self) -> String {
        format!("folder “{}”", self.root.name())
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        let parts = split(path)?;
        let Some(dir) = self.folder(parts.dir, path).await? else {
            return Ok(None);
        };
        let file: FileSystemFileHandle = match JsFuture::from(dir.get_file_handle(parts.name)).await {
            Ok(h) => h.unchecked_into(),
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(io_error(path, &e)),
        };
        let blob: File = awaited(path, Ok(file.get_file())).await?.unchecked_into();
        let buf = awaited(path, Ok(blob.array_buffer())).await?;
        Ok(Some(Uint8Array::new(&buf).to_vec()))
    }

    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
        let stream = self.writable(path).await?;
        // The browser writes to a swap file and only replaces the real one on
        // close(); abort() discards the swap file, leaving the old content.
        let written = awaited(path, stream.write_with_u8_array(data)).await;
        if let Err(e) = written {
            let _ = JsFuture::from(stream.abort()).await;
            return Err(e);
        }
        awaited(path, Ok(stream.close())).await.map(|_| ())
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
        let handle = if dir.is_empty() {
            Some(self.root.clone())
        } else {
            let parts = split(dir)?;
            if parts.dir.is_some() {
                return Err(IoError::new(IoErrorKind::InvalidPath, dir, "path outside the drive layout"));
            }
            self.folder(Some(parts.name), dir).await?
        };
        match handle {
            Some(h) => Self::entries_of(&h, dir).await.map(Some),
            None => Ok(None),
        }
    }

    async fn remove(&self, path: &str) -> Result<(), IoError> {
        let parts = split(path)?;
        let Some(dir) = self.folder(parts.dir, path).await? else {
            return Ok(());
        };
        match JsFuture::from(dir.remove_entry(parts.name)).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(io_error(path, &e)),
        }
    }

    async fn create_dir(&self, path: &str) -> Result<(), IoError> {
        let parts = split(path)?;
        if parts.dir.is_some() {
            return Err(IoError::new(IoErrorKind::InvalidPath, path, "path outside the drive layout"));
        }
        let opts = FileSystemGetDirectoryOptions::new();
        opts.set_create(true);
        awaited(path, Ok(self.root.get_directory_handle_with_options(parts.name, &opts))).await.map(|_| ())
    }

    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
        let (a, b): (&FileSystemHandle, &FileSystemHandle) = (self.root.as_ref(), other.root.as_ref());
        if awaited("", Ok(a.is_same_entry(b))).await?.is_truthy() {
            return Ok(Relation::Same);
        }
        if !awaited("", Ok(self.root.resolve(b))).await?.is_null() {
            return Ok(Relation::ContainsOther);
        }
        if !awaited("", Ok(other.root.resolve(a))).await?.is_null() {
            return Ok(Relation::InsideOther);
        }
        Ok(Relation::Distinct)
    }
}
