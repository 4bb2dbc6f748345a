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
    let part =
        blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| VaultFailure::Read(js_error_text(&e)))?;
    let buf = JsFuture::from(part.array_buffer()).await.map_err(|e| VaultFailure::Read(js_error_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// A local file read in [`READ_SIZE`] steps.
pub struct FileInput {
    blob: Blob,
    pos: u64,
    size: u64,
}

impl FileInput {
    /// Reads `blob` from the start.
    #[must_use]
    pub fn new(blob: Blob) -> Self {
        let size = blob.size() as u64;
        Self { blob, pos: 0, size }
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
        let bytes = read_slice(&self.blob, self.pos, end).await?;
        self.pos = end;
        Ok(Some(bytes))
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

    /// Next piece, `None` at the end. A broken connection is retried from
    /// the last byte received (`waiting` is called while waiting).
    ///
    /// # Errors
    /// [`VaultFailure::Client`] after repeated failures, [`VaultFailure::Cancelled`].
    pub async fn next(&mut self, cancel: &Cancel, waiting: &dyn Fn(bool)) -> Result<Option<Vec<u8>>, VaultFailure> {
        loop {
            if cancel.is_cancelled() {
                self.stop().await;
                return Err(VaultFailure::Cancelled);
            }
            if self.received >= self.size {
                return Ok(None);
            }
            match self.read_once().await {
                Ok(Some(bytes)) => {
                    self.retries = 0;
                    waiting(false);
                    return Ok(Some(bytes));
                }
                Ok(None) => {}
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

    /// One read; `Ok(None)` when the stream ended early (reopened next time).
    async fn read_once(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
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
        let bytes = value.dyn_into::<Uint8Array>().map_err(|_| ClientError::Malformed("chunk".into()))?.to_vec();
        self.received += bytes.len() as u64;
        if self.received > self.size {
            return Err(ClientError::Malformed("more bytes than the file has".into()));
        }
        Ok(Some(bytes))
    }

    async fn stop(&mut self) {
        if let Some(r) = self.reader.take() {
            let _ = JsFuture::from(r.cancel()).await;
        }
    }
}
