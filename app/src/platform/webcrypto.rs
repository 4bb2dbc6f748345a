//! AES-256-GCM through the browser's WebCrypto (`crypto.subtle`) for the
//! Cobblestone chunk batches of `shared::format::stream` and vault files.
//!
//! Why: the pure-Rust `aes-gcm` runs at about 0.1 GB/s in wasm (no AES
//! instructions), WebCrypto at 0.7–2 GB/s (DESIGN §3 "Speed in the
//! browser"). Shared keeps every rule (key schedule, nonces, framing, the
//! final-chunk rule, "release only the authenticated prefix, then stay
//! failed"); this module only runs the cipher. The pure-Rust
//! [`Aes256GcmChunkCipher`] stays the reference and the fallback when
//! `crypto.subtle` is missing (insecure context, old browser), and
//! `app/tests/webcrypto.rs` proves both produce identical bytes.
//!
//! Throughput comes from concurrency: every chunk of a batch is one
//! `encrypt`/`decrypt` promise, all started before any is awaited, and a
//! second batch is started before the first is collected ([`Pipeline`]),
//! so the browser's crypto thread never waits for wasm to copy bytes.
//! Memory stays bounded: at most two batches of [`BATCH_CHUNKS`] chunks of
//! 16 KiB are alive, whatever the file size.

use js_sys::{Array, ArrayBuffer, Promise, Reflect, Uint8Array};
use shared::crypto::CryptoRng;
use shared::crypto::secret::Secret32;
use shared::format::stream::{
    Aes256GcmChunkCipher, Batch, CHUNK_SIZE, ChunkCipher, OpenFramer, SALT_LEN, SEALED_CHUNK_SIZE, SealFramer,
    StreamError, StreamKeys,
};
use shared::format::vault::{Metadata, Recipient, VaultDecoder, VaultEncoder, VaultError, Verified};
use shared::identity::{Fingerprint, Identity, Keyring, PublicIdentity};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use super::js_error_text;
use super::segment_digest::SegmentDigests;

/// Chunks per batch: 64 × 16 KiB = 1 MiB in flight per batch, enough to
/// keep WebCrypto busy while wasm copies the previous batch, small enough
/// that two batches cost about 2 MiB. (On a loaded 2-core machine, 32
/// measured 0.79–0.84 × raw WebCrypto and 64 0.86–0.90 at opt-level 2,
/// 0.94–1.03 in release; see `app/tests/bench.rs`.)
pub const BATCH_CHUNKS: usize = 64;

/// Failures of the browser cipher path. Stream and vault errors keep their
/// own (user-facing) sentences.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebCryptoError {
    /// `crypto.subtle` is missing (insecure context or old browser).
    #[error("this browser offers no WebCrypto (crypto.subtle); open the app over HTTPS in a current browser")]
    Unavailable,
    /// WebCrypto rejected a call for a reason other than a failed tag.
    #[error("the browser's WebCrypto failed: {0}")]
    Browser(String),
    /// A Cobblestone stream error (tampering, truncation, …).
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A vault-file error (not a recipient, bad signature, …).
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Which AES-GCM implementation runs the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// WebCrypto when `crypto.subtle` exists, else pure Rust.
    Auto,
    /// WebCrypto only; [`WebCryptoError::Unavailable`] without it.
    WebCrypto,
    /// The pure-Rust reference (`aes-gcm` crate).
    Rust,
}

/// `crypto.subtle` of the current global (window or worker), if any.
#[must_use]
pub fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    let crypto: web_sys::Crypto = crypto.dyn_into().ok()?;
    // `subtle` is undefined outside secure contexts although `crypto` exists.
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    subtle.dyn_into().ok()
}

fn browser(err: &JsValue) -> WebCryptoError {
    WebCryptoError::Browser(js_error_text(err))
}

/// An AES-256-GCM key imported once into WebCrypto, non-extractable, for
/// both directions.
#[derive(Debug, Clone)]
pub struct WebCryptoKey {
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl WebCryptoKey {
    /// `importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"])`.
    ///
    /// # Errors
    /// [`WebCryptoError::Unavailable`] without `crypto.subtle`,
    /// [`WebCryptoError::Browser`] if the import is rejected.
    pub async fn import(key: &Secret32) -> Result<Self, WebCryptoError> {
        let subtle = subtle().ok_or(WebCryptoError::Unavailable)?;
        // A JS copy of the key: importKey copies it synchronously, and we
        // wipe ours right after the call so it does not linger in the JS heap.
        let raw = Uint8Array::from(&key.expose()[..]);
        let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
        let promise = subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &usages);
        raw.fill(0, 0, raw.length());
        let key = JsFuture::from(promise.map_err(|e| browser(&e))?).await.map_err(|e| browser(&e))?;
        let key: CryptoKey = key.dyn_into().map_err(|e| browser(&e))?;
        Ok(Self { subtle, key })
    }

    /// Starts one `encrypt` (or `decrypt`) per chunk, all in flight, and
    /// returns the combined promise: `Promise.all` for sealing (any
    /// rejection is a backend failure), `Promise.allSettled` for opening
    /// (a rejection is a chunk that did not authenticate).
    fn start(&self, batch: &mut Batch, open: bool) -> Result<JsFuture, WebCryptoError> {
        let promises = Array::new_with_length(0);
        for chunk in batch.chunks_mut() {
            let iv = Uint8Array::from(&chunk.nonce()[..]);
            let params = AesGcmParams::new_with_u8_array("AES-GCM", &iv);
            params.set_tag_length(128);
            // The slice is a view of wasm memory; WebCrypto copies the bytes
            // before returning, so the chunk may move or be reused afterwards.
            let promise = if open {
                self.subtle.decrypt_with_object_and_u8_array(&params, &self.key, chunk.data())
            } else {
                self.subtle.encrypt_with_object_and_u8_array(&params, &self.key, chunk.data())
            }
            .map_err(|e| browser(&e))?;
            promises.push(&promise);
        }
        Ok(JsFuture::from(if open { Promise::all_settled(&promises) } else { Promise::all(&promises) }))
    }

    /// Seals every chunk of `batch` concurrently.
    ///
    /// # Errors
    /// [`WebCryptoError::Browser`], or a stream error if WebCrypto returned
    /// output of the wrong size.
    pub async fn seal_batch(&self, batch: &mut Batch) -> Result<(), WebCryptoError> {
        let future = self.start(batch, false)?;
        collect(batch, future.await, false)
    }

    /// Opens every chunk of `batch` concurrently; chunks whose tag fails
    /// are marked failed (the framer then releases only the prefix).
    ///
    /// # Errors
    /// [`WebCryptoError::Browser`] for rejections other than `OperationError`.
    pub async fn open_batch(&self, batch: &mut Batch) -> Result<(), WebCryptoError> {
        let future = self.start(batch, true)?;
        collect(batch, future.await, true)
    }
}

fn bytes_of(value: &JsValue) -> Result<Vec<u8>, WebCryptoError> {
    let buffer: &ArrayBuffer = value
        .dyn_ref()
        .ok_or_else(|| WebCryptoError::Browser("WebCrypto returned something other than bytes".into()))?;
    Ok(Uint8Array::new(buffer).to_vec())
}

/// Reports the settled promises of [`WebCryptoKey::start`] to the chunks.
fn collect(batch: &mut Batch, settled: Result<JsValue, JsValue>, open: bool) -> Result<(), WebCryptoError> {
    let results: Array = settled.map_err(|e| browser(&e))?.dyn_into().map_err(|e| browser(&e))?;
    if results.length() as usize != batch.len() {
        return Err(StreamError::CipherMisbehaved.into());
    }
    for (chunk, result) in batch.chunks_mut().iter_mut().zip(results.iter()) {
        if !open {
            chunk.set_sealed(bytes_of(&result)?)?;
            continue;
        }
        let field = |name: &str| Reflect::get(&result, &JsValue::from_str(name)).map_err(|e| browser(&e));
        if field("status")?.as_string().as_deref() == Some("fulfilled") {
            chunk.set_opened(bytes_of(&field("value")?)?)?;
            continue;
        }
        // A wrong tag rejects with an `OperationError` DOMException; any
        // other rejection is a broken backend, not a tampered file.
        let reason = field("reason")?;
        let name = Reflect::get(&reason, &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
        if name.as_deref() != Some("OperationError") {
            return Err(browser(&reason));
        }
        chunk.set_failed();
    }
    Ok(())
}

/// One chunk cipher, WebCrypto or the pure-Rust reference.
#[derive(Debug, Clone)]
pub enum BatchCipher {
    /// The browser's AES-GCM.
    WebCrypto(WebCryptoKey),
    /// The `aes-gcm` crate (boxed: its expanded key schedule is ~270 bytes).
    Rust(Box<Aes256GcmChunkCipher>),
}

impl BatchCipher {
    /// The cipher for `key` with the requested backend.
    ///
    /// # Errors
    /// [`WebCryptoError::Unavailable`] for [`Backend::WebCrypto`] without
    /// `crypto.subtle`; [`WebCryptoError::Browser`] if the import fails.
    pub async fn new(key: &Secret32, backend: Backend) -> Result<Self, WebCryptoError> {
        let web = match backend {
            Backend::Rust => false,
            Backend::WebCrypto => true,
            Backend::Auto => subtle().is_some(),
        };
        Ok(if web {
            Self::WebCrypto(WebCryptoKey::import(key).await?)
        } else {
            Self::Rust(Box::new(Aes256GcmChunkCipher::from_key(key)))
        })
    }

    /// Whether the chunks run in WebCrypto.
    #[must_use]
    pub fn is_webcrypto(&self) -> bool {
        matches!(self, Self::WebCrypto(_))
    }

    /// Starts sealing (`open = false`) or opening a batch. The Rust
    /// cipher finishes at once; WebCrypto returns the promise to await.
    fn start(&self, batch: &mut Batch, open: bool) -> Result<Option<JsFuture>, WebCryptoError> {
        match self {
            Self::WebCrypto(k) => k.start(batch, open).map(Some),
            Self::Rust(c) if open => {
                c.open_batch(batch);
                Ok(None)
            }
            Self::Rust(c) => c.seal_batch(batch).map(|()| None).map_err(Into::into),
        }
    }
}

/// At most two batches in flight: [`Pipeline::submit`] starts a batch and
/// hands back the previous one, completed, in order.
///
/// After any error it stays failed: a batch lost to an error would leave a
/// gap in the chunk sequence, and a sealer that went on would write a
/// stream with chunks missing.
#[derive(Debug)]
struct Pipeline {
    cipher: BatchCipher,
    open: bool,
    in_flight: Option<(Batch, Option<JsFuture>)>,
    failed: bool,
}

impl Pipeline {
    fn new(cipher: BatchCipher, open: bool) -> Self {
        Self { cipher, open, in_flight: None, failed: false }
    }

    fn check(&self) -> Result<(), WebCryptoError> {
        if self.failed { Err(StreamError::Poisoned.into()) } else { Ok(()) }
    }

    /// Records `r`'s failure, if any, for good.
    fn poison_on_err<T>(&mut self, r: Result<T, WebCryptoError>) -> Result<T, WebCryptoError> {
        self.failed |= r.is_err();
        r
    }

    /// Starts `batch` (unless empty) and returns the previously started
    /// batch once its chunks have all reported.
    async fn submit(&mut self, mut batch: Batch) -> Result<Option<Batch>, WebCryptoError> {
        self.check()?;
        if batch.is_empty() {
            return Ok(None);
        }
        let started = self.cipher.start(&mut batch, self.open);
        let future = self.poison_on_err(started)?;
        let previous = self.in_flight.replace((batch, future));
        let r = match previous {
            Some(p) => self.complete(p).await.map(Some),
            None => Ok(None),
        };
        self.poison_on_err(r)
    }

    /// The batch still in flight, completed.
    async fn drain(&mut self) -> Result<Option<Batch>, WebCryptoError> {
        self.check()?;
        let r = match self.in_flight.take() {
            Some(p) => self.complete(p).await.map(Some),
            None => Ok(None),
        };
        self.poison_on_err(r)
    }

    async fn complete(&self, (mut batch, future): (Batch, Option<JsFuture>)) -> Result<Batch, WebCryptoError> {
        if let Some(future) = future {
            collect(&mut batch, future.await, self.open)?;
        }
        Ok(batch)
    }
}

/// The opening side's pipeline, made on the first non-empty batch: the
/// chunk key only exists once the framer has checked the stream header.
#[derive(Debug)]
struct LazyOpen {
    backend: Backend,
    pipeline: Option<Pipeline>,
}

impl LazyOpen {
    fn new(backend: Backend) -> Self {
        Self { backend, pipeline: None }
    }

    /// As [`Pipeline::submit`]; `key` is the framer's chunk key.
    async fn submit(&mut self, batch: Batch, key: Option<&Secret32>) -> Result<Option<Batch>, WebCryptoError> {
        if batch.is_empty() {
            return Ok(None);
        }
        if self.pipeline.is_none() {
            let key = key.ok_or(StreamError::CipherMisbehaved)?;
            self.pipeline = Some(Pipeline::new(BatchCipher::new(key, self.backend).await?, true));
        }
        match self.pipeline.as_mut() {
            Some(p) => p.submit(batch).await,
            None => Ok(None),
        }
    }

    async fn drain(&mut self) -> Result<Option<Batch>, WebCryptoError> {
        match self.pipeline.as_mut() {
            Some(p) => p.drain().await,
            None => Ok(None),
        }
    }
}

/// Splits input so that no batch exceeds [`BATCH_CHUNKS`] chunks.
fn pieces(input: &[u8], chunk: usize) -> impl Iterator<Item = &[u8]> {
    input.chunks(chunk * BATCH_CHUNKS)
}

/// Streaming Cobblestone encryption with batches in flight. Output equals
/// `shared::format::stream::encrypt` byte for byte.
#[derive(Debug)]
pub struct StreamSealer {
    framer: SealFramer,
    pipeline: Pipeline,
    header: Option<[u8; shared::format::stream::HEADER_LEN]>,
}

impl StreamSealer {
    /// Sealer for a committed stream (`salt` drawn at random by the caller).
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`], or a backend error.
    pub async fn new(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
        backend: Backend,
    ) -> Result<Self, WebCryptoError> {
        let keys = StreamKeys::derive(input_key, salt, context)?;
        let mut sealer = Self::with_keys(&keys, backend).await?;
        sealer.header = Some(keys.header());
        Ok(sealer)
    }

    /// Sealer for already-derived keys, without header (raw mode, hazmat:
    /// see `StreamKeys::raw`).
    ///
    /// # Errors
    /// A backend error.
    pub async fn with_keys(keys: &StreamKeys, backend: Backend) -> Result<Self, WebCryptoError> {
        let cipher = BatchCipher::new(keys.aead_key(), backend).await?;
        Ok(Self { framer: SealFramer::new(keys), pipeline: Pipeline::new(cipher, false), header: None })
    }

    /// Whether the chunks run in WebCrypto.
    #[must_use]
    pub fn is_webcrypto(&self) -> bool {
        self.pipeline.cipher.is_webcrypto()
    }

    /// Encrypts `plaintext`, appending the ciphertext that is ready to
    /// `out` (up to two batches stay in flight until later calls).
    ///
    /// # Errors
    /// Stream or backend errors; afterwards every call fails
    /// ([`StreamError::Poisoned`]) and the output so far must be discarded.
    pub async fn update(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        self.pipeline.check()?;
        let r = self.update_inner(plaintext, out).await;
        self.pipeline.poison_on_err(r)
    }

    async fn update_inner(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        if let Some(h) = self.header.take() {
            out.extend_from_slice(&h);
        }
        for piece in pieces(plaintext, CHUNK_SIZE) {
            let batch = self.framer.push(piece)?;
            if let Some(done) = self.pipeline.submit(batch).await? {
                done.append_output(out)?;
            }
        }
        Ok(())
    }

    /// Seals the final chunk and appends everything still in flight.
    ///
    /// # Errors
    /// Stream or backend errors.
    pub async fn finish(mut self, out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        if let Some(h) = self.header.take() {
            out.extend_from_slice(&h);
        }
        let last = self.framer.finish()?;
        if let Some(done) = self.pipeline.submit(last).await? {
            done.append_output(out)?;
        }
        if let Some(done) = self.pipeline.drain().await? {
            done.append_output(out)?;
        }
        Ok(())
    }
}

/// Streaming Cobblestone decryption: appends only authenticated plaintext,
/// in order, and fails for good after the first error.
#[derive(Debug)]
pub struct StreamOpener {
    framer: OpenFramer,
    open: LazyOpen,
}

impl StreamOpener {
    /// Opener for a committed stream; the chunk key is imported once the
    /// header's commitment checked out.
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`].
    pub fn new(input_key: &[u8], context: &[u8], backend: Backend) -> Result<Self, WebCryptoError> {
        Ok(Self { framer: OpenFramer::new(input_key, context)?, open: LazyOpen::new(backend) })
    }

    /// Opener for a raw-mode stream (hazmat, see `StreamKeys::raw`).
    #[must_use]
    pub fn raw(keys: &StreamKeys, backend: Backend) -> Self {
        Self { framer: OpenFramer::raw(keys), open: LazyOpen::new(backend) }
    }

    /// Decrypts what it can of `ciphertext`, appending authenticated
    /// plaintext to `out`.
    ///
    /// # Errors
    /// Any stream error; afterwards every call fails.
    pub async fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        for piece in pieces(ciphertext, SEALED_CHUNK_SIZE) {
            let batch = self.framer.push(piece)?;
            if let Some(done) = self.open.submit(batch, self.framer.aead_key()).await? {
                self.framer.release(done, out)?;
            }
        }
        Ok(())
    }

    /// Ends the stream: the final chunk and everything in flight.
    ///
    /// # Errors
    /// [`StreamError::Truncated`], [`StreamError::ChunkAuthentication`], …
    pub async fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        let last = self.framer.finish()?;
        let previous = self.open.submit(last, self.framer.aead_key()).await?;
        let final_batch = self.open.drain().await?;
        for done in [previous, final_batch].into_iter().flatten() {
            self.framer.release(done, out)?;
        }
        Ok(())
    }
}

/// One-shot committed encryption of in-memory pieces (small data and tests;
/// for files use [`StreamSealer`] and write `out` as it grows).
///
/// # Errors
/// As [`StreamSealer`].
pub async fn seal_stream<'p>(
    input_key: &[u8],
    salt: &[u8; SALT_LEN],
    context: &[u8],
    pieces: impl IntoIterator<Item = &'p [u8]>,
    backend: Backend,
) -> Result<Vec<u8>, WebCryptoError> {
    let mut sealer = StreamSealer::new(input_key, salt, context, backend).await?;
    let mut out = Vec::new();
    for p in pieces {
        sealer.update(p, &mut out).await?;
    }
    sealer.finish(&mut out).await?;
    Ok(out)
}

/// One-shot decryption of in-memory pieces; the plaintext is returned only
/// if all of it authenticated.
///
/// # Errors
/// As [`StreamOpener`].
pub async fn open_stream<'p>(
    input_key: &[u8],
    context: &[u8],
    pieces: impl IntoIterator<Item = &'p [u8]>,
    backend: Backend,
) -> Result<Vec<u8>, WebCryptoError> {
    let mut opener = StreamOpener::new(input_key, context, backend)?;
    let mut out = Vec::new();
    for p in pieces {
        opener.update(p, &mut out).await?;
    }
    opener.finish(&mut out).await?;
    Ok(out)
}

/// [`VaultEncoder`] driven through its batch path with [`BatchCipher`];
/// with WebCrypto, the body's segment digests are WebCrypto's too
/// ([`SegmentDigests`]).
#[derive(Debug)]
pub struct WebVaultEncoder<'a> {
    encoder: VaultEncoder<'a>,
    pipeline: Pipeline,
    segments: Option<SegmentDigests>,
}

/// WebCrypto segment hashing for a WebCrypto cipher (the pure-Rust
/// reference path hashes in Rust too).
fn segment_digests(cipher: &BatchCipher) -> Option<SegmentDigests> {
    match cipher {
        BatchCipher::WebCrypto(k) => Some(SegmentDigests::new(k.subtle.clone())),
        BatchCipher::Rust(_) => None,
    }
}

impl<'a> WebVaultEncoder<'a> {
    /// Builds the header (returned: write it first) and imports the chunk key.
    ///
    /// # Errors
    /// As [`VaultEncoder::new`], or a backend error.
    pub async fn new<R: CryptoRng + ?Sized>(
        sender: &'a Identity,
        recipients: &[Recipient],
        metadata: &Metadata,
        rng: &mut R,
        backend: Backend,
    ) -> Result<(Self, Vec<u8>), WebCryptoError> {
        let (mut encoder, header) = VaultEncoder::new(sender, recipients, metadata, rng)?;
        let cipher = BatchCipher::new(encoder.chunk_key(), backend).await?;
        let segments = segment_digests(&cipher);
        if segments.is_some() {
            encoder.hash_segments_externally();
        }
        Ok((Self { encoder, pipeline: Pipeline::new(cipher, false), segments }, header))
    }

    /// Starts hashing the body segments completed so far; takes in the
    /// digests that are due.
    async fn hash_segments(&mut self) -> Result<(), WebCryptoError> {
        if let Some(s) = &mut self.segments {
            for d in s.push(self.encoder.take_segments()).await? {
                self.encoder.add_segment_digest(&d);
            }
        }
        Ok(())
    }

    /// Encrypts more content, appending the body bytes that are ready.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`] past the size in the metadata, backend
    /// errors; afterwards every call fails and the file must be discarded.
    pub async fn update(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        self.pipeline.check()?;
        let r = self.update_inner(plaintext, out).await;
        self.pipeline.poison_on_err(r)
    }

    async fn update_inner(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        for piece in pieces(plaintext, CHUNK_SIZE) {
            let batch = self.encoder.frame(piece)?;
            if let Some(done) = self.pipeline.submit(batch).await? {
                self.encoder.write_sealed(done, out)?;
                self.hash_segments().await?;
            }
        }
        Ok(())
    }

    /// Final chunk, everything in flight, and the signature trailer.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`], [`VaultError::SigningFailed`], backend errors.
    pub async fn finish<R: CryptoRng + ?Sized>(mut self, rng: &mut R, out: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        let last = self.encoder.frame_final()?;
        if let Some(done) = self.pipeline.submit(last).await? {
            self.encoder.write_sealed(done, out)?;
        }
        if let Some(done) = self.pipeline.drain().await? {
            self.encoder.write_sealed(done, out)?;
        }
        self.hash_segments().await?;
        if let Some(s) = &mut self.segments {
            for d in s.drain().await? {
                self.encoder.add_segment_digest(&d);
            }
        }
        out.extend_from_slice(&self.encoder.trailer(rng)?);
        Ok(())
    }
}

/// [`VaultDecoder`] driven through its batch path with [`BatchCipher`].
/// Plaintext appended to `pending` must not be released (committed) before
/// [`Self::finish`] returns `Ok`.
#[derive(Debug)]
pub struct WebVaultDecoder<'k> {
    decoder: VaultDecoder<'k>,
    open: LazyOpen,
    segments: Option<SegmentDigests>,
}

impl<'k> WebVaultDecoder<'k> {
    /// Decoder for files addressed to `keyring`, with this device's link keys.
    #[must_use]
    pub fn new(
        keyring: &'k Keyring,
        link_keys: &'k dyn Fn(&[u8; shared::format::vault::LINK_ID_LEN]) -> Option<Secret32>,
        backend: Backend,
    ) -> Self {
        let mut decoder = VaultDecoder::new(keyring, link_keys);
        let segments = match backend {
            Backend::Rust => None,
            Backend::Auto | Backend::WebCrypto => subtle().map(SegmentDigests::new),
        };
        if segments.is_some() {
            decoder.hash_segments_externally();
        }
        Self { decoder, open: LazyOpen::new(backend), segments }
    }

    /// Starts hashing the body segments received so far; takes in the
    /// digests that are due.
    async fn hash_segments(&mut self) -> Result<(), WebCryptoError> {
        if let Some(s) = &mut self.segments {
            for d in s.push(self.decoder.take_segments()).await? {
                self.decoder.add_segment_digest(&d);
            }
        }
        Ok(())
    }

    /// Metadata once the header was opened (pending, like the content).
    #[must_use]
    pub fn metadata(&self) -> Option<&Metadata> {
        self.decoder.metadata()
    }

    /// Feeds file bytes; appends pending plaintext.
    ///
    /// # Errors
    /// Any [`VaultError`]; afterwards every call fails.
    pub async fn update(&mut self, input: &[u8], pending: &mut Vec<u8>) -> Result<(), WebCryptoError> {
        for piece in pieces(input, SEALED_CHUNK_SIZE) {
            let batch = self.decoder.push(piece)?;
            self.hash_segments().await?;
            if let Some(done) = self.open.submit(batch, self.decoder.chunk_key()).await? {
                self.decoder.release(done, pending)?;
            }
        }
        Ok(())
    }

    /// Ends the file: last plaintext to `pending`, then the signature check.
    /// Only `Ok` makes `pending` and the metadata trustworthy.
    ///
    /// # Errors
    /// Any [`VaultError`].
    pub async fn finish(
        &mut self,
        pending: &mut Vec<u8>,
        lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>,
    ) -> Result<Verified, WebCryptoError> {
        let last = self.decoder.finish_body()?;
        let previous = self.open.submit(last, self.decoder.chunk_key()).await?;
        let final_batch = self.open.drain().await?;
        for done in [previous, final_batch].into_iter().flatten() {
            self.decoder.release(done, pending)?;
        }
        self.hash_segments().await?;
        if let Some(s) = &mut self.segments {
            for d in s.drain().await? {
                self.decoder.add_segment_digest(&d);
            }
        }
        Ok(self.decoder.verify(lookup)?)
    }
}
