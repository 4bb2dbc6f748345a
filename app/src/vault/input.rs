//! Byte sources read piece by piece: a local `File` (by slices, so any
//! size works in a few MiB) and a download (the response body stream,
//! re-requested from the last received byte with `Range` when the
//! connection drops).

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ReadableStreamDefaultReader};

use super::errors::VaultFailure;
use super::progress::{Cancel, sleep_ms};
use crate::client::{ClientError, api};
use crate::platform::js_error_text;

/// Bytes read from a `File` per step.
pub const READ_SIZE: u64 = 4 * 1024 * 1024;

/// Reads `[start, end)` of a blob.
///
/// # Errors
/// [`VaultFailure::Read`].
pub async fn read_slice(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, VaultFailure> {
    let buf = start_slice(blob, start, end)?.await.map_err(|e| VaultFailure::Read(js_error_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// A local file read in [`READ_SIZE`] steps, the next step always being
/// read (by the browser) while the caller works on the current one.
pub struct FileInput {
    blob: Blob,
    pos: u64,
    size: u64,
    ahead: Option<JsFuture>,
}

/// Starts reading `[start, end)` of a blob.
fn start_slice(blob: &Blob, start: u64, end: u64) -> Result<JsFuture, VaultFailure> {
    let part =
        blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| VaultFailure::Read(js_error_text(&e)))?;
    Ok(JsFuture::from(part.array_buffer()))
}

impl FileInput {
    /// Reads `blob` from the start.
    #[must_use]
    pub fn new(blob: Blob) -> Self {
        let size = blob.size() as u64;
        Self { blob, pos: 0, size, ahead: None }
    }

    /// Total size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Next piece, `None` at the end.
    ///
    /// # Errors
    /// [`VaultFailure::Read`].
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, VaultFailure> {
        if self.pos >= self.size {
            return Ok(None);
        }
        let end = (self.pos + READ_SIZE).min(self.size);
        let current = match self.ahead.take() {
            Some(f) => f,
            None => start_slice(&self.blob, self.pos, end)?,
        };
        if end < self.size {
            self.ahead = Some(start_slice(&self.blob, end, (end + READ_SIZE).min(self.size))?);
        }
        let buf = current.await.map_err(|e| VaultFailure::Read(js_error_text(&e)))?;
        self.pos = end;
        Ok(Some(Uint8Array::new(&buf).to_vec()))
    }
}

/// A file's ciphertext from the server, resumed after a dropped connection.
pub struct DownloadInput {
    id: String,
    size: u64,
    received: u64,
    reader: Option<ReadableStreamDefaultReader>,
    retries: u32,
}

/// Bytes gathered from the network before they are handed on.
pub const DOWNLOAD_BATCH: usize = 4 * 1024 * 1024;

/// Attempts to resume a broken download before giving up.
const MAX_RETRIES: u32 = 20;

impl DownloadInput {
    /// Downloads file `id` of `size` ciphertext bytes.
    #[must_use]
    pub fn new(id: &str, size: u64) -> Self {
        Self { id: id.to_owned(), size, received: 0, reader: None, retries: 0 }
    }

    /// Ciphertext size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes received so far.
    #[must_use]
    pub fn received(&self) -> u64 {
        self.received
    }

    async fn open(&mut self) -> Result<ReadableStreamDefaultReader, ClientError> {
        let response = api::content(&self.id, self.received, None).await?;
        let body = response.body().ok_or_else(|| ClientError::Malformed("empty download".into()))?;
        body.get_reader().dyn_into::<ReadableStreamDefaultReader>().map_err(|_| ClientError::Malformed("reader".into()))
    }

    /// Next piece of at least [`DOWNLOAD_BATCH`] bytes (less only at the
    /// end), `None` at the end. The network hands over small reads; gathering
    /// them lets the decryptor fill whole batches and the sink write large
    /// blocks. A broken connection is retried from the last byte received
    /// (`waiting` is called while waiting).
    ///
    /// # Errors
    /// [`VaultFailure::Client`] after repeated failures, [`VaultFailure::Cancelled`].
    pub async fn next(&mut self, cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<Option<Vec<u8>>, VaultFailure> {
        let mut out = Vec::with_capacity(DOWNLOAD_BATCH + 1024 * 1024);
        while out.len() < DOWNLOAD_BATCH && self.read_into(&mut out, cancel, waiting).await? {}
        Ok(if out.is_empty() { None } else { Some(out) })
    }

    /// Appends one network read to `out`; `false` at the end.
    async fn read_into(
        &mut self,
        out: &mut Vec<u8>,
        cancel: &Cancel,
        waiting: &dyn Fn(bool),
    ) -> Result<bool, VaultFailure> {
        loop {
            if cancel.is_cancelled() {
                self.stop().await;
                return Err(VaultFailure::Cancelled);
            }
            if self.received >= self.size {
                return Ok(false);
            }
            match self.read_once(out).await {
                Ok(()) => {
                    if self.retries > 0 {
                        waiting(false);
                    }
                    self.retries = 0;
                    return Ok(true);
                }
                Err(e) if e.is_offline() && self.retries < MAX_RETRIES => {
                    self.retries += 1;
                    waiting(true);
                    self.reader = None;
                    sleep_ms(250 * i32::try_from(self.retries.min(8)).unwrap_or(8)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// One read, appended to `out`.
    async fn read_once(&mut self, out: &mut Vec<u8>) -> Result<(), ClientError> {
        let reader = match &self.reader {
            Some(r) => r.clone(),
            None => {
                let r = self.open().await?;
                self.reader = Some(r.clone());
                r
            }
        };
        let result = JsFuture::from(reader.read()).await.map_err(|_| ClientError::Offline)?;
        let done = Reflect::get(&result, &"done".into()).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            self.reader = None;
            // The server closed early: treat as a dropped connection.
            return Err(ClientError::Offline);
        }
        let value = Reflect::get(&result, &"value".into()).map_err(|_| ClientError::Offline)?;
        let chunk = value.dyn_into::<Uint8Array>().map_err(|_| ClientError::Malformed("chunk".into()))?;
        let len = chunk.length() as usize;
        self.received += len as u64;
        if self.received > self.size {
            return Err(ClientError::Malformed("more bytes than the file has".into()));
        }
        // Straight from the JS chunk into `out`: one copy.
        let at = out.len();
        out.resize(at + len, 0);
        chunk.copy_to(&mut out[at..]);
        Ok(())
    }

    async fn stop(&mut self) {
        if let Some(r) = self.reader.take() {
            let _ = JsFuture::from(r.cancel()).await;
        }
    }
}
