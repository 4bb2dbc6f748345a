//! The vault body's segment digests (`shared::format::body_digest`, version
//! 2) through WebCrypto's `digest("SHA-256")`.
//!
//! Why: a one-pass SHA-256 in wasm ran in software at ~0.3 GB/s on the
//! thread that also moves the file, the largest single cost of a share or a
//! receive. WebCrypto hashes natively (SHA extensions where the CPU has
//! them) on the browser's crypto threads. `digest` copies its input when
//! called, so a segment's buffer is dropped as soon as its hash started;
//! at most [`IN_FLIGHT`] digests wait at a time, then the oldest is awaited.

use std::collections::VecDeque;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::SubtleCrypto;

use super::webcrypto::WebCryptoError;
use crate::platform::js_error_text;

/// Digests started and not yet collected, at most (4 MiB of segments).
pub const IN_FLIGHT: usize = 4;

/// Ordered WebCrypto SHA-256 of segments; results come back in the order
/// the segments were started.
#[derive(Debug)]
pub struct SegmentDigests {
    subtle: SubtleCrypto,
    pending: VecDeque<JsFuture>,
}

impl SegmentDigests {
    /// Hashing through `subtle`.
    #[must_use]
    pub fn new(subtle: SubtleCrypto) -> Self {
        Self { subtle, pending: VecDeque::new() }
    }

    /// Starts hashing `segments` (in order) and returns the digests that are
    /// due: the oldest ones beyond [`IN_FLIGHT`], in order.
    ///
    /// # Errors
    /// [`WebCryptoError::Browser`] if WebCrypto refuses or fails.
    pub async fn push(&mut self, segments: Vec<Vec<u8>>) -> Result<Vec<[u8; 32]>, WebCryptoError> {
        for segment in segments {
            let promise = self
                .subtle
                .digest_with_str_and_u8_array("SHA-256", &segment)
                .map_err(|e| WebCryptoError::Browser(js_error_text(&e)))?;
            self.pending.push_back(JsFuture::from(promise));
        }
        let mut due = Vec::new();
        while self.pending.len() > IN_FLIGHT {
            due.push(self.next().await?);
        }
        Ok(due)
    }

    /// Every digest still outstanding, in order.
    ///
    /// # Errors
    /// [`WebCryptoError::Browser`].
    pub async fn drain(&mut self) -> Result<Vec<[u8; 32]>, WebCryptoError> {
        let mut due = Vec::with_capacity(self.pending.len());
        while !self.pending.is_empty() {
            due.push(self.next().await?);
        }
        Ok(due)
    }

    async fn next(&mut self) -> Result<[u8; 32], WebCryptoError> {
        let Some(future) = self.pending.pop_front() else {
            return Err(WebCryptoError::Browser("no digest was started".into()));
        };
        let value = future.await.map_err(|e| WebCryptoError::Browser(js_error_text(&e)))?;
        let buffer: ArrayBuffer = value
            .dyn_into()
            .map_err(|_| WebCryptoError::Browser("WebCrypto returned something other than a digest".into()))?;
        let bytes = Uint8Array::new(&buffer);
        let mut out = [0u8; 32];
        if bytes.length() != 32 {
            return Err(WebCryptoError::Browser("WebCrypto returned a digest of the wrong size".into()));
        }
        bytes.copy_to(&mut out);
        Ok(out)
    }
}
