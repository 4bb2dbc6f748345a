//! Where received plaintext goes while it is still *pending*: a File System
//! Access writable from `showSaveFilePicker` (its bytes land in a swap file
//! and reach the chosen file only on `close()`; `abort()` throws them
//! away), or, where that picker is missing, a scratch file in the origin
//! private file system (OPFS) that is offered as a download only after the
//! signature verified and deleted otherwise.
//!
//! When the receive runs in a background worker, the destination stays on
//! the page (a save-picker handle cannot be re-created in a worker) and the
//! worker writes into a [`Relay`]: a stream transferred to the worker whose
//! other end is piped into the destination here. The worker closes its end
//! only after the signature verified, and the page learns that the file was
//! really committed when the pipe completes.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetFileOptions, StreamPipeOptions,
    TransformStream, WritableStream, WritableStreamDefaultWriter,
};

use super::errors::VaultFailure;
use crate::platform::js_error_text;

fn save_err(e: &JsValue) -> VaultFailure {
    VaultFailure::Save(js_error_text(e))
}

async fn wait(p: Promise) -> Result<JsValue, VaultFailure> {
    JsFuture::from(p).await.map_err(|e| save_err(&e))
}

/// Whether this browser has `showSaveFilePicker`.
#[must_use]
pub fn has_save_picker() -> bool {
    web_sys::window().is_some_and(|w| Reflect::has(&w, &"showSaveFilePicker".into()).unwrap_or(false))
}

/// For the OPFS fallback: the scratch folder, file name and the name to offer.
type Scratch = (FileSystemDirectoryHandle, String, String);

/// A pending destination.
pub struct Sink {
    writable: WritableStream,
    writer: WritableStreamDefaultWriter,
    /// The file this writes to, when it is one the caller handed over (a
    /// picked file): a worker can open it itself ([`Self::into_file`]).
    file: Option<FileSystemFileHandle>,
    scratch: Option<Scratch>,
    written: u64,
    /// The write still running: the next one is queued before this one is
    /// awaited, so the disk works while the next batch is decrypted.
    pending: Option<JsFuture>,
}

/// What happened to the plaintext on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written to the file the user picked.
    Picked,
    /// Offered as a download from the browser's private storage.
    Downloaded,
}

impl Sink {
    /// Asks the user where to save (call from a click). `Ok(None)`: the user cancelled.
    ///
    /// # Errors
    /// [`VaultFailure::Save`].
    pub async fn pick(suggested_name: &str) -> Result<Option<Self>, VaultFailure> {
        let window = web_sys::window().ok_or_else(|| VaultFailure::Save("no window".into()))?;
        let picker: Function = Reflect::get(&window, &"showSaveFilePicker".into())
            .map_err(|e| save_err(&e))?
            .dyn_into()
            .map_err(|e| save_err(&e))?;
        let options = Object::new();
        let _ = Reflect::set(&options, &"suggestedName".into(), &safe_name(suggested_name).into());
        let promise: Promise =
            picker.call1(&window, &options).map_err(|e| save_err(&e))?.dyn_into().map_err(|e| save_err(&e))?;
        let handle = match JsFuture::from(promise).await {
            Ok(h) => h,
            // AbortError: the user closed the picker.
            Err(e)
                if Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).as_deref()
                    == Some("AbortError") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(save_err(&e)),
        };
        let handle: FileSystemFileHandle = handle.dyn_into().map_err(|e| save_err(&e))?;
        Self::to_handle(&handle).await.map(Some)
    }

    /// Writes to a file handle the caller already has (picked, or in OPFS);
    /// its content changes only on [`Self::commit`].
    ///
    /// # Errors
    /// [`VaultFailure::Save`].
    pub async fn to_handle(handle: &FileSystemFileHandle) -> Result<Self, VaultFailure> {
        let writable = wait(handle.create_writable()).await?.dyn_into().map_err(|e| save_err(&e))?;
        let mut sink = Self::new(writable, None)?;
        sink.file = Some(handle.clone());
        Ok(sink)
    }

    /// The picked file itself, for a writer elsewhere (a background worker)
    /// to open with a writable of its own, so the plaintext goes from the
    /// worker to the file without passing through this thread. This side's
    /// writable is aborted (nothing was written, the file is untouched).
    /// `Err(self)` when there is no such file (an OPFS scratch file, which
    /// only this side can offer as a download, or a plain stream).
    ///
    /// # Errors
    /// The sink itself, unchanged, when it has no file to hand over.
    pub async fn into_file(self) -> Result<FileSystemFileHandle, Self> {
        match (&self.file, &self.scratch, self.written) {
            (Some(file), None, 0) => {
                let file = file.clone();
                let _ = JsFuture::from(self.writer.abort()).await;
                Ok(file)
            }
            _ => Err(self),
        }
    }

    /// Writes into a plain stream: the worker's end of a [`Relay`]. Closing
    /// it (commit) or aborting it (discard) is all this side decides.
    ///
    /// # Errors
    /// [`VaultFailure::Save`] if the stream is already in use.
    pub fn to_stream(writable: WritableStream) -> Result<Self, VaultFailure> {
        Self::new(writable, None)
    }

    fn new(writable: WritableStream, scratch: Option<Scratch>) -> Result<Self, VaultFailure> {
        let writer = writable.get_writer().map_err(|e| save_err(&e))?;
        Ok(Self { writable, writer, file: None, scratch, written: 0, pending: None })
    }

    /// A scratch file in OPFS, offered as a download named `name` on commit.
    ///
    /// # Errors
    /// [`VaultFailure::Save`] (no OPFS).
    pub async fn scratch(name: &str) -> Result<Self, VaultFailure> {
        let storage = web_sys::window().ok_or_else(|| VaultFailure::Save("no window".into()))?.navigator().storage();
        let root: FileSystemDirectoryHandle =
            wait(storage.get_directory()).await?.dyn_into().map_err(|e| save_err(&e))?;
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(|_| VaultFailure::Save("no randomness".into()))?;
        let scratch_name = format!("qv-pending-{}.part", hex::encode(rnd));
        let opts = FileSystemGetFileOptions::new();
        opts.set_create(true);
        let handle: FileSystemFileHandle = wait(root.get_file_handle_with_options(&scratch_name, &opts))
            .await?
            .dyn_into()
            .map_err(|e| save_err(&e))?;
        let writable = wait(handle.create_writable()).await?.dyn_into().map_err(|e| save_err(&e))?;
        Self::new(writable, Some((root, scratch_name, safe_name(name))))
    }

    /// Picker if available, else OPFS scratch. `Ok(None)`: cancelled.
    ///
    /// # Errors
    /// [`VaultFailure::Save`].
    pub async fn choose(suggested_name: &str) -> Result<Option<Self>, VaultFailure> {
        if has_save_picker() { Self::pick(suggested_name).await } else { Self::scratch(suggested_name).await.map(Some) }
    }

    /// Appends pending bytes. The write is queued and runs while the caller
    /// goes on; this waits only for the write queued before it, so at most
    /// two writes (one in flight, one queued) are ever held.
    ///
    /// # Errors
    /// [`VaultFailure::Save`] (disk full, permission revoked), possibly of
    /// the previous write.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), VaultFailure> {
        if bytes.is_empty() {
            return Ok(());
        }
        // A copy: the write is queued, and wasm memory may move meanwhile.
        let copy = Uint8Array::from(bytes);
        let started = JsFuture::from(self.writer.write_with_chunk(&copy));
        self.flush().await?;
        self.pending = Some(started);
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Waits for the queued write, if any.
    async fn flush(&mut self) -> Result<(), VaultFailure> {
        match self.pending.take() {
            Some(p) => p.await.map(drop).map_err(|e| save_err(&e)),
            None => Ok(()),
        }
    }

    /// Releases the plaintext (only after the signature verified).
    ///
    /// # Errors
    /// [`VaultFailure::Save`].
    pub async fn commit(mut self) -> Result<Saved, VaultFailure> {
        self.flush().await?;
        wait(self.writer.close()).await?;
        release(self.scratch).await
    }

    /// Throws the pending plaintext away.
    pub async fn discard(mut self) {
        let _ = self.flush().await;
        let _ = JsFuture::from(self.writer.abort()).await;
        remove(self.scratch).await;
    }

    /// Hands this destination to a writer elsewhere (a worker): returns the
    /// stream to transfer and the [`Relay`] that pipes it in here. Nothing
    /// must have been written yet.
    ///
    /// # Errors
    /// [`VaultFailure::Save`] (streams the browser cannot pipe).
    pub fn relay(self) -> Result<(WritableStream, Relay), VaultFailure> {
        self.writer.release_lock();
        let pass = TransformStream::new().map_err(|e| save_err(&e))?;
        let abort = AbortController::new().map_err(|e| save_err(&e))?;
        let options = StreamPipeOptions::new();
        options.set_signal(&abort.signal());
        let pipe = JsFuture::from(pass.readable().pipe_to_with_options(&self.writable, &options));
        Ok((pass.writable(), Relay { pipe, abort, scratch: self.scratch }))
    }
}

/// The page's end of a destination written from elsewhere ([`Sink::relay`]).
pub struct Relay {
    pipe: JsFuture,
    abort: AbortController,
    scratch: Option<Scratch>,
}

impl Relay {
    /// Waits until the other end closed its stream and the destination
    /// committed (call after the writer reported a verified file).
    ///
    /// # Errors
    /// [`VaultFailure::Save`]: the destination refused a write or the commit,
    /// or the writer aborted.
    pub async fn commit(self) -> Result<Saved, VaultFailure> {
        match self.pipe.await {
            Ok(_) => release(self.scratch).await,
            Err(e) => {
                remove(self.scratch).await;
                Err(save_err(&e))
            }
        }
    }

    /// Throws the pending plaintext away, whatever the other end did (it
    /// may have been terminated mid-write).
    pub async fn discard(self) {
        self.abort.abort();
        let _ = self.pipe.await;
        remove(self.scratch).await;
    }
}

/// After the destination closed: offers an OPFS scratch file as a download.
async fn release(scratch: Option<Scratch>) -> Result<Saved, VaultFailure> {
    let Some((root, scratch, name)) = scratch else { return Ok(Saved::Picked) };
    let handle: FileSystemFileHandle =
        wait(root.get_file_handle(&scratch)).await?.dyn_into().map_err(|e| save_err(&e))?;
    let file: web_sys::Blob = wait(handle.get_file()).await?.dyn_into().map_err(|e| save_err(&e))?;
    offer_download(&file, &name)?;
    // The object URL keeps the bytes alive until the page goes away; the
    // scratch file is removed the next time the Vault page opens
    // ([`clean_scratch`]).
    Ok(Saved::Downloaded)
}

/// Deletes an OPFS scratch file, if any.
async fn remove(scratch: Option<Scratch>) {
    if let Some((root, scratch, _)) = scratch {
        let _ = JsFuture::from(root.remove_entry(&scratch)).await;
    }
}

/// Removes scratch files left by earlier downloads (OPFS fallback) once
/// they are an hour old, so a download the browser is still saving from one
/// keeps its bytes.
pub async fn clean_scratch() {
    let Some(window) = web_sys::window() else { return };
    let Ok(root) = JsFuture::from(window.navigator().storage().get_directory()).await else { return };
    let root: FileSystemDirectoryHandle = root.unchecked_into();
    let keys = root.keys();
    let mut names = Vec::new();
    while let Ok(next) = keys.next() {
        let Ok(step) = JsFuture::from(next).await else { break };
        if Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        if let Some(name) = Reflect::get(&step, &"value".into()).ok().and_then(|v| v.as_string())
            && name.starts_with("qv-pending-")
        {
            names.push(name);
        }
    }
    let hour_ago = js_sys::Date::now() - 3_600_000.0;
    for name in names {
        let Ok(handle) = JsFuture::from(root.get_file_handle(&name)).await else { continue };
        let handle: FileSystemFileHandle = handle.unchecked_into();
        let Ok(file) = JsFuture::from(handle.get_file()).await else { continue };
        if file.unchecked_into::<web_sys::File>().last_modified() < hour_ago {
            let _ = JsFuture::from(root.remove_entry(&name)).await;
        }
    }
}

/// Offers `blob` as a download named `name` (an `<a download>` click).
///
/// # Errors
/// [`VaultFailure::Save`].
pub fn offer_download(blob: &web_sys::Blob, name: &str) -> Result<(), VaultFailure> {
    let document =
        web_sys::window().and_then(|w| w.document()).ok_or_else(|| VaultFailure::Save("no document".into()))?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(|e| save_err(&e))?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|e| save_err(&e))?.dyn_into().map_err(|e| save_err(&e))?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    Ok(())
}

/// A file name without path separators or control characters.
#[must_use]
pub fn safe_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':') { '_' } else { c }).collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() { "file".to_owned() } else { trimmed.to_owned() }
}
