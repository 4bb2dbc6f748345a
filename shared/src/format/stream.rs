//! Cobblestone-256 (c2sp.org/chunked-encryption with SHA-512 and
//! AES-256-GCM): the streaming body encryption of vault files.
//!
//! # Layers
//!
//! 1. **Key schedule** — [`StreamKeys::derive`]: `key ‖ base nonce ‖
//!    commitment = HKDF-Expand-SHA-512(input key, "c2sp.org/chunked-encryption@v1+"
//!    ‖ "AEAD_AES_256_GCM" ‖ 0x00 ‖ salt ‖ context)`.
//! 2. **Framing** (sans-IO, no cipher inside) — [`SealFramer`] cuts plaintext
//!    into 16 KiB chunks and [`OpenFramer`] cuts ciphertext into
//!    `16 KiB + 16` chunks, each a [`Chunk`] with its counter and nonce
//!    (`base nonce XOR counter`). The caller seals/opens a whole [`Batch`]
//!    however it likes — synchronously with [`ChunkCipher`], or
//!    asynchronously with several WebCrypto `encrypt`/`decrypt` promises in
//!    flight — and hands the batch back. Only [`OpenFramer::release`] turns
//!    opened chunks into plaintext, and it releases exactly the prefix of
//!    chunks that authenticated, then stays failed.
//! 3. **Drivers** — [`StreamEncryptor`] / [`StreamDecryptor`] combine the two
//!    for synchronous callers (native, tests, wasm fallback).
//!
//! # Plugging in WebCrypto (browser)
//!
//! ```text
//! let keys   = StreamKeys::derive(input_key, &salt, context)?;
//! let key    = crypto.subtle.importKey("raw", keys.aead_key().expose(), "AES-GCM", false, ["encrypt"])
//! let mut f  = SealFramer::new(&keys);            // out: f.header() (56 bytes)
//! loop { let mut batch = f.push(next_slice)?;     // full 16 KiB chunks only
//!        for c in batch.chunks_mut() {            // start all, then await all
//!            let sealed = await subtle.encrypt({name:"AES-GCM", iv: c.nonce(), tagLength:128}, key, c.data());
//!            c.set_sealed(sealed)?; }               // ciphertext ‖ tag, as WebCrypto returns it
//!        out.write(batch.into_output()?) }
//! let mut last = f.finish()?;  /* same for the final (short, maybe empty) chunk */
//! ```
//! Decryption is the mirror image with [`OpenFramer::push`] /
//! [`OpenFramer::finish`], `subtle.decrypt` (a rejected promise →
//! [`Chunk::set_failed`]) and [`OpenFramer::release`]. AAD is never used
//! (the spec requires it empty). Because the framing, nonces and the
//! final-chunk rule live here, the browser path produces the same bytes as
//! [`Aes256GcmChunkCipher`]; tests compare them.

use sha2::{Digest, Sha512};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::aead::{AeadError, Aes256GcmKey, NONCE_LEN, TAG_LEN};
use crate::crypto::kdf::hkdf_sha512_expand_raw;
use crate::crypto::secret::{Secret32, ct_eq};

/// Plaintext bytes per full chunk.
pub const CHUNK_SIZE: usize = 16 * 1024;
/// Ciphertext bytes per full chunk.
pub const SEALED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;
/// Salt length.
pub const SALT_LEN: usize = 24;
/// Key-commitment length.
pub const COMMITMENT_LEN: usize = 32;
/// Salt + commitment.
pub const HEADER_LEN: usize = SALT_LEN + COMMITMENT_LEN;
/// Chunk counter limit from the spec (2^38 chunks, 4 PiB).
pub const MAX_CHUNKS: u64 = 1 << 38;
/// Chunks a synchronous driver handles per batch (bounds memory to
/// 16 × 16 KiB plus one partial chunk).
pub const DRIVER_BATCH: usize = 16;

const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00";

/// Stream failures. After any of them the decryptor stays failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The input key is not 32 bytes.
    #[error("the stream key must be 32 bytes, got {0}")]
    InvalidKeySize(usize),
    /// Fewer than 56 bytes: not even the salt and commitment are there.
    #[error("the encrypted data is truncated (its header is incomplete)")]
    HeaderTruncated,
    /// The key commitment does not match: wrong key, wrong context, or a
    /// modified salt/commitment. No chunk was decrypted.
    #[error("the encrypted data was made with another key or for another file")]
    CommitmentMismatch,
    /// The stream ended without its short final chunk.
    #[error("the encrypted data is truncated")]
    Truncated,
    /// A chunk did not authenticate: modified, reordered, spliced from
    /// another stream, or followed by trailing data.
    #[error("the encrypted data was modified (chunk {chunk} does not authenticate)")]
    ChunkAuthentication {
        /// zero-based chunk counter
        chunk: u64,
    },
    /// More than 2^38 chunks.
    #[error("the stream is longer than Cobblestone allows")]
    TooLong,
    /// A batch came back incomplete or with wrong sizes (a cipher backend bug).
    #[error("the chunk cipher returned malformed output")]
    CipherMisbehaved,
    /// A previous call failed; the stream is unusable.
    #[error("the stream already failed")]
    Poisoned,
}

/// Per-message AEAD key, base nonce and commitment.
pub struct StreamKeys {
    aead_key: Secret32,
    base_nonce: [u8; NONCE_LEN],
    commitment: [u8; COMMITMENT_LEN],
    salt: [u8; SALT_LEN],
}

impl core::fmt::Debug for StreamKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StreamKeys(redacted)")
    }
}

impl Drop for StreamKeys {
    fn drop(&mut self) {
        self.base_nonce.zeroize();
    }
}

impl StreamKeys {
    /// The Cobblestone key schedule.
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`] unless `input_key` is 32 bytes.
    pub fn derive(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
    ) -> Result<Self, StreamError> {
        if input_key.len() != 32 {
            return Err(StreamError::InvalidKeySize(input_key.len()));
        }
        let mut okm = Zeroizing::new([0u8; 32 + NONCE_LEN + COMMITMENT_LEN]);
        hkdf_sha512_expand_raw(input_key, &[INFO_PREFIX, salt, context], &mut okm[..])
            .map_err(|_| StreamError::InvalidKeySize(input_key.len()))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&okm[..32]);
        let mut base_nonce = [0u8; NONCE_LEN];
        base_nonce.copy_from_slice(&okm[32..32 + NONCE_LEN]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&okm[32 + NONCE_LEN..]);
        let aead_key = Secret32::from_bytes(key);
        key.zeroize();
        Ok(Self {
            aead_key,
            base_nonce,
            commitment,
            salt: *salt,
        })
    }

    /// Raw mode (spec appendix): key and base nonce given directly, no salt
    /// or commitment. Hazmat: only for test vectors and protocols that
    /// derive both uniformly at random themselves.
    #[must_use]
    pub fn raw(aead_key: Secret32, base_nonce: [u8; NONCE_LEN]) -> Self {
        Self {
            aead_key,
            base_nonce,
            commitment: [0; COMMITMENT_LEN],
            salt: [0; SALT_LEN],
        }
    }

    /// The per-chunk AES-256-GCM key (import it into WebCrypto once).
    #[must_use]
    pub fn aead_key(&self) -> &Secret32 {
        &self.aead_key
    }

    /// The base nonce.
    #[must_use]
    pub fn base_nonce(&self) -> &[u8; NONCE_LEN] {
        &self.base_nonce
    }

    /// `salt ‖ commitment`, the first 56 bytes of the ciphertext.
    #[must_use]
    pub fn header(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..SALT_LEN].copy_from_slice(&self.salt);
        h[SALT_LEN..].copy_from_slice(&self.commitment);
        h
    }
}

/// `base nonce XOR counter` (counter big-endian in the last 8 bytes; the
/// spec's 38-bit limit keeps it in the last 5).
#[must_use]
pub fn chunk_nonce(base: &[u8; NONCE_LEN], counter: u64) -> [u8; NONCE_LEN] {
    let mut n = *base;
    for (b, c) in n[NONCE_LEN - 8..].iter_mut().zip(counter.to_be_bytes()) {
        *b ^= c;
    }
    n
}

/// Where a chunk is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkState {
    /// Handed out; the cipher has not reported yet.
    Pending,
    /// Sealed or opened successfully.
    Done,
    /// The tag did not verify.
    Failed,
}

/// One chunk of work: its counter, nonce and data. For sealing, `data` is
/// plaintext until [`Chunk::set_sealed`]; for opening, `ciphertext ‖ tag`
/// until [`Chunk::set_opened`].
pub struct Chunk {
    counter: u64,
    nonce: [u8; NONCE_LEN],
    data: Zeroizing<Vec<u8>>,
    state: ChunkState,
}

impl core::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chunk")
            .field("counter", &self.counter)
            .field("len", &self.data.len())
            .field("state", &self.state)
            .finish()
    }
}

impl Chunk {
    /// Zero-based chunk counter.
    #[must_use]
    pub fn counter(&self) -> u64 {
        self.counter
    }
    /// The 12-byte AES-GCM nonce for this chunk.
    #[must_use]
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }
    /// Current bytes (input until the cipher reports).
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// Mutable bytes, for in-place ciphers.
    pub fn data_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }
    /// State.
    #[must_use]
    pub fn state(&self) -> ChunkState {
        self.state
    }

    /// Stores `ciphertext ‖ tag` from an external cipher.
    ///
    /// # Errors
    /// [`StreamError::CipherMisbehaved`] if the length is not plaintext + 16.
    pub fn set_sealed(&mut self, sealed: Vec<u8>) -> Result<(), StreamError> {
        if sealed.len() != self.data.len() + TAG_LEN {
            return Err(StreamError::CipherMisbehaved);
        }
        *self.data = sealed;
        self.state = ChunkState::Done;
        Ok(())
    }

    /// Stores the plaintext from an external cipher that verified the tag.
    ///
    /// # Errors
    /// [`StreamError::CipherMisbehaved`] if the length is not ciphertext − 16.
    pub fn set_opened(&mut self, plaintext: Vec<u8>) -> Result<(), StreamError> {
        if plaintext.len() + TAG_LEN != self.data.len() {
            return Err(StreamError::CipherMisbehaved);
        }
        *self.data = plaintext;
        self.state = ChunkState::Done;
        Ok(())
    }

    /// Records that the tag did not verify.
    pub fn set_failed(&mut self) {
        self.data.zeroize();
        self.data.clear();
        self.state = ChunkState::Failed;
    }
}

/// Chunks handed out together, in counter order.
#[derive(Debug, Default)]
pub struct Batch {
    chunks: Vec<Chunk>,
}

impl Batch {
    /// The chunks, to seal or open (in any order, concurrently if you like).
    pub fn chunks_mut(&mut self) -> &mut [Chunk] {
        &mut self.chunks
    }
    /// Number of chunks.
    #[must_use]
    pub fn len(&self) -> usize {
        self.chunks.len()
    }
    /// No chunks.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Concatenated sealed chunks (the ciphertext to write), once all are done.
    ///
    /// # Errors
    /// [`StreamError::CipherMisbehaved`] if a chunk was not sealed.
    pub fn into_output(self) -> Result<Vec<u8>, StreamError> {
        let mut out = Vec::with_capacity(self.chunks.iter().map(|c| c.data.len()).sum());
        for c in &self.chunks {
            if c.state != ChunkState::Done {
                return Err(StreamError::CipherMisbehaved);
            }
            out.extend_from_slice(&c.data);
        }
        Ok(out)
    }
}

/// A synchronous per-chunk AES-256-GCM with empty AAD. The pure-Rust
/// implementation is [`Aes256GcmChunkCipher`]; a browser may implement the
/// same contract over WebCrypto through the batch API of the framers.
pub trait ChunkCipher {
    /// Encrypts `buf` in place and appends the 16-byte tag.
    ///
    /// # Errors
    /// An [`AeadError`] from the backend.
    fn seal(&self, nonce: &[u8; NONCE_LEN], buf: &mut Vec<u8>) -> Result<(), AeadError>;

    /// Verifies the trailing tag of `buf` and decrypts in place, removing it.
    ///
    /// # Errors
    /// [`AeadError::Authentication`] if the tag does not verify.
    fn open(&self, nonce: &[u8; NONCE_LEN], buf: &mut Vec<u8>) -> Result<(), AeadError>;

    /// Seals every chunk of a batch. Override to parallelise.
    ///
    /// # Errors
    /// [`StreamError::CipherMisbehaved`] on a backend failure.
    fn seal_batch(&self, batch: &mut Batch) -> Result<(), StreamError> {
        for c in batch.chunks_mut() {
            let nonce = c.nonce;
            self.seal(&nonce, &mut c.data)
                .map_err(|_| StreamError::CipherMisbehaved)?;
            c.state = ChunkState::Done;
        }
        Ok(())
    }

    /// Opens every chunk of a batch, marking each done or failed; stops at
    /// the first failure (later chunks stay pending and are never released).
    fn open_batch(&self, batch: &mut Batch) {
        for c in batch.chunks_mut() {
            let nonce = c.nonce;
            match self.open(&nonce, &mut c.data) {
                Ok(()) => c.state = ChunkState::Done,
                Err(_) => {
                    c.set_failed();
                    return;
                }
            }
        }
    }
}

/// The reference [`ChunkCipher`]: the `aes-gcm` crate.
#[derive(Debug, Clone)]
pub struct Aes256GcmChunkCipher {
    key: Aes256GcmKey,
}

impl Aes256GcmChunkCipher {
    /// Cipher for a stream's AEAD key.
    #[must_use]
    pub fn new(keys: &StreamKeys) -> Self {
        Self {
            key: Aes256GcmKey::new(keys.aead_key()),
        }
    }
}

impl ChunkCipher for Aes256GcmChunkCipher {
    fn seal(&self, nonce: &[u8; NONCE_LEN], buf: &mut Vec<u8>) -> Result<(), AeadError> {
        let tag = self.key.seal_in_place_detached(nonce, &[], buf)?;
        buf.extend_from_slice(&tag);
        Ok(())
    }

    fn open(&self, nonce: &[u8; NONCE_LEN], buf: &mut Vec<u8>) -> Result<(), AeadError> {
        let split = buf.len().checked_sub(TAG_LEN).ok_or(AeadError::TooShort)?;
        let tag: [u8; TAG_LEN] = buf
            .get(split..)
            .and_then(|t| t.try_into().ok())
            .ok_or(AeadError::TooShort)?;
        let body = buf.get_mut(..split).ok_or(AeadError::TooShort)?;
        self.key.open_in_place_detached(nonce, &[], body, &tag)?;
        buf.truncate(split);
        Ok(())
    }
}

fn make_chunk(
    base: &[u8; NONCE_LEN],
    counter: &mut u64,
    data: Vec<u8>,
) -> Result<Chunk, StreamError> {
    if *counter >= MAX_CHUNKS {
        return Err(StreamError::TooLong);
    }
    let c = Chunk {
        counter: *counter,
        nonce: chunk_nonce(base, *counter),
        data: Zeroizing::new(data),
        state: ChunkState::Pending,
    };
    *counter += 1;
    Ok(c)
}

/// Sans-IO sealing side: cuts plaintext into chunks. Holds < 16 KiB.
pub struct SealFramer {
    base_nonce: [u8; NONCE_LEN],
    header: [u8; HEADER_LEN],
    next: u64,
    pending: Zeroizing<Vec<u8>>,
    finished: bool,
}

impl core::fmt::Debug for SealFramer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealFramer")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl SealFramer {
    /// Framer for one message.
    #[must_use]
    pub fn new(keys: &StreamKeys) -> Self {
        Self {
            base_nonce: keys.base_nonce,
            header: keys.header(),
            next: 0,
            pending: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            finished: false,
        }
    }

    /// `salt ‖ commitment`: write it before the first batch (not in raw mode).
    #[must_use]
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.header
    }

    /// Adds plaintext; returns the chunks that are now full (maybe none).
    ///
    /// # Errors
    /// [`StreamError::TooLong`], [`StreamError::Poisoned`] after `finish`.
    pub fn push(&mut self, mut plaintext: &[u8]) -> Result<Batch, StreamError> {
        if self.finished {
            return Err(StreamError::Poisoned);
        }
        let mut batch = Batch::default();
        while !plaintext.is_empty() {
            let take = (CHUNK_SIZE - self.pending.len()).min(plaintext.len());
            let (head, rest) = plaintext.split_at(take);
            self.pending.extend_from_slice(head);
            plaintext = rest;
            // A full chunk is never the final one (the final chunk must be
            // short; a message of k·16 KiB ends with an empty chunk), so it
            // can be sealed at once.
            if self.pending.len() == CHUNK_SIZE {
                self.flush_full(&mut batch)?;
            }
        }
        Ok(batch)
    }

    fn flush_full(&mut self, batch: &mut Batch) -> Result<(), StreamError> {
        let mut data = Vec::with_capacity(SEALED_CHUNK_SIZE);
        data.extend_from_slice(&self.pending);
        self.pending.zeroize();
        self.pending.clear();
        batch
            .chunks
            .push(make_chunk(&self.base_nonce, &mut self.next, data)?);
        Ok(())
    }

    /// Ends the message: the buffered full chunk (if any) and the short final
    /// chunk (possibly empty).
    ///
    /// # Errors
    /// [`StreamError::TooLong`], [`StreamError::Poisoned`] if called twice.
    pub fn finish(&mut self) -> Result<Batch, StreamError> {
        if self.finished {
            return Err(StreamError::Poisoned);
        }
        self.finished = true;
        let mut batch = Batch::default();
        let mut data = Vec::with_capacity(self.pending.len() + TAG_LEN);
        data.extend_from_slice(&self.pending);
        self.pending.zeroize();
        batch
            .chunks
            .push(make_chunk(&self.base_nonce, &mut self.next, data)?);
        Ok(batch)
    }
}

enum OpenState {
    AwaitHeader {
        input_key: Secret32,
        context: Vec<u8>,
    },
    Chunks,
    Failed,
    Finished,
}

/// Sans-IO opening side: checks the commitment, cuts ciphertext into
/// chunks, and releases plaintext only for chunks that authenticated, in
/// order. Holds < 16 KiB + 16 + 56 bytes between calls.
pub struct OpenFramer {
    state: OpenState,
    base_nonce: [u8; NONCE_LEN],
    aead_key: Option<Secret32>,
    next: u64,
    next_release: u64,
    buf: Vec<u8>,
}

impl core::fmt::Debug for OpenFramer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenFramer")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl OpenFramer {
    /// Framer for a committed stream (salt and commitment first).
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`].
    pub fn new(input_key: &[u8], context: &[u8]) -> Result<Self, StreamError> {
        let input_key =
            Secret32::from_slice(input_key).ok_or(StreamError::InvalidKeySize(input_key.len()))?;
        Ok(Self {
            state: OpenState::AwaitHeader {
                input_key,
                context: context.to_vec(),
            },
            base_nonce: [0; NONCE_LEN],
            aead_key: None,
            next: 0,
            next_release: 0,
            buf: Vec::new(),
        })
    }

    /// Framer for a raw-mode stream (no header). Hazmat, see [`StreamKeys::raw`].
    #[must_use]
    pub fn raw(keys: &StreamKeys) -> Self {
        Self {
            state: OpenState::Chunks,
            base_nonce: keys.base_nonce,
            aead_key: Some(keys.aead_key.clone()),
            next: 0,
            next_release: 0,
            buf: Vec::new(),
        }
    }

    /// The AEAD key, known once the header has been checked (import it into
    /// WebCrypto at that point).
    #[must_use]
    pub fn aead_key(&self) -> Option<&Secret32> {
        self.aead_key.as_ref()
    }

    fn fail(&mut self, e: StreamError) -> StreamError {
        self.state = OpenState::Failed;
        self.buf.clear();
        e
    }

    fn check_state(&self) -> Result<(), StreamError> {
        match self.state {
            OpenState::Failed | OpenState::Finished => Err(StreamError::Poisoned),
            _ => Ok(()),
        }
    }

    fn try_header(&mut self) -> Result<(), StreamError> {
        let OpenState::AwaitHeader { input_key, context } = &self.state else {
            return Ok(());
        };
        let (Some(salt), Some(commitment)) =
            (self.buf.get(..SALT_LEN), self.buf.get(SALT_LEN..HEADER_LEN))
        else {
            return Ok(());
        };
        let salt: [u8; SALT_LEN] = salt.try_into().map_err(|_| StreamError::HeaderTruncated)?;
        let keys = StreamKeys::derive(input_key.expose(), &salt, context)?;
        if !ct_eq(&keys.commitment, commitment) {
            return Err(self.fail(StreamError::CommitmentMismatch));
        }
        self.base_nonce = keys.base_nonce;
        self.aead_key = Some(keys.aead_key.clone());
        self.buf.drain(..HEADER_LEN);
        self.state = OpenState::Chunks;
        Ok(())
    }

    /// Adds ciphertext; returns the full chunks that can now be opened.
    ///
    /// # Errors
    /// [`StreamError::CommitmentMismatch`], [`StreamError::TooLong`],
    /// [`StreamError::Poisoned`].
    pub fn push(&mut self, mut ciphertext: &[u8]) -> Result<Batch, StreamError> {
        self.check_state()?;
        let mut batch = Batch::default();
        while !ciphertext.is_empty() {
            let want = if matches!(self.state, OpenState::AwaitHeader { .. }) {
                HEADER_LEN
            } else {
                SEALED_CHUNK_SIZE
            };
            let take = want.saturating_sub(self.buf.len()).min(ciphertext.len());
            let (head, rest) = ciphertext.split_at(take);
            self.buf.extend_from_slice(head);
            ciphertext = rest;
            if self.buf.len() < want {
                continue;
            }
            if matches!(self.state, OpenState::AwaitHeader { .. }) {
                self.try_header()?;
            } else {
                // A full-size sealed chunk is never the final one (the final
                // chunk is short), so it can be opened right away.
                let data = core::mem::take(&mut self.buf);
                match make_chunk(&self.base_nonce, &mut self.next, data) {
                    Ok(c) => batch.chunks.push(c),
                    Err(e) => return Err(self.fail(e)),
                }
            }
        }
        Ok(batch)
    }

    /// Ends the input: returns the final chunk to open.
    ///
    /// # Errors
    /// [`StreamError::HeaderTruncated`] or [`StreamError::Truncated`] (the
    /// framer is then failed), [`StreamError::Poisoned`].
    pub fn finish(&mut self) -> Result<Batch, StreamError> {
        self.check_state()?;
        if matches!(self.state, OpenState::AwaitHeader { .. }) {
            return Err(self.fail(StreamError::HeaderTruncated));
        }
        if self.buf.len() < TAG_LEN {
            return Err(self.fail(StreamError::Truncated));
        }
        let data = core::mem::take(&mut self.buf);
        let chunk = match make_chunk(&self.base_nonce, &mut self.next, data) {
            Ok(c) => c,
            Err(e) => return Err(self.fail(e)),
        };
        self.state = OpenState::Finished;
        Ok(Batch {
            chunks: vec![chunk],
        })
    }

    /// Plaintext of an opened batch, in order. If a chunk failed (or was
    /// left pending), the plaintext of the chunks before it is appended to
    /// `out`, nothing after it, and the framer fails for good.
    ///
    /// # Errors
    /// [`StreamError::ChunkAuthentication`], [`StreamError::CipherMisbehaved`],
    /// [`StreamError::Poisoned`].
    pub fn release(&mut self, batch: Batch, out: &mut Vec<u8>) -> Result<(), StreamError> {
        if matches!(self.state, OpenState::Failed) {
            return Err(StreamError::Poisoned);
        }
        for c in &batch.chunks {
            if c.counter != self.next_release {
                return Err(self.fail(StreamError::CipherMisbehaved));
            }
            match c.state {
                ChunkState::Done => {
                    out.extend_from_slice(&c.data);
                    self.next_release += 1;
                }
                ChunkState::Failed => {
                    return Err(self.fail(StreamError::ChunkAuthentication { chunk: c.counter }));
                }
                ChunkState::Pending => return Err(self.fail(StreamError::CipherMisbehaved)),
            }
        }
        Ok(())
    }
}

/// Synchronous streaming encryptor over any [`ChunkCipher`].
#[derive(Debug)]
pub struct StreamEncryptor<C: ChunkCipher> {
    framer: SealFramer,
    cipher: C,
    header_written: bool,
}

impl StreamEncryptor<Aes256GcmChunkCipher> {
    /// Encryptor with the pure-Rust AES-GCM.
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`].
    pub fn new(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
    ) -> Result<Self, StreamError> {
        let keys = StreamKeys::derive(input_key, salt, context)?;
        Ok(Self::with_cipher(
            &keys,
            Aes256GcmChunkCipher::new(&keys),
            true,
        ))
    }
}

impl<C: ChunkCipher> StreamEncryptor<C> {
    /// Encryptor with any cipher; `with_header = false` is raw mode.
    #[must_use]
    pub fn with_cipher(keys: &StreamKeys, cipher: C, with_header: bool) -> Self {
        Self {
            framer: SealFramer::new(keys),
            cipher,
            header_written: !with_header,
        }
    }

    fn header_once(&mut self, out: &mut Vec<u8>) {
        if !self.header_written {
            out.extend_from_slice(&self.framer.header());
            self.header_written = true;
        }
    }

    /// Encrypts `plaintext`, appending ciphertext to `out`.
    ///
    /// # Errors
    /// [`StreamError`] from the framer or the cipher.
    pub fn update(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        self.header_once(out);
        for piece in plaintext.chunks(CHUNK_SIZE * DRIVER_BATCH) {
            let mut batch = self.framer.push(piece)?;
            self.cipher.seal_batch(&mut batch)?;
            out.extend_from_slice(&batch.into_output()?);
        }
        Ok(())
    }

    /// Writes the final chunk.
    ///
    /// # Errors
    /// [`StreamError`] from the framer or the cipher.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        self.header_once(out);
        let mut batch = self.framer.finish()?;
        self.cipher.seal_batch(&mut batch)?;
        out.extend_from_slice(&batch.into_output()?);
        Ok(())
    }
}

/// Synchronous streaming decryptor: appends only authenticated plaintext,
/// and fails for good after the first error.
#[derive(Debug)]
pub struct StreamDecryptor {
    framer: OpenFramer,
    cipher: Option<Aes256GcmChunkCipher>,
}

impl StreamDecryptor {
    /// Decryptor for a committed stream.
    ///
    /// # Errors
    /// [`StreamError::InvalidKeySize`].
    pub fn new(input_key: &[u8], context: &[u8]) -> Result<Self, StreamError> {
        Ok(Self {
            framer: OpenFramer::new(input_key, context)?,
            cipher: None,
        })
    }

    /// Decryptor for a raw-mode stream (hazmat).
    #[must_use]
    pub fn raw(keys: &StreamKeys) -> Self {
        Self {
            framer: OpenFramer::raw(keys),
            cipher: Some(Aes256GcmChunkCipher::new(keys)),
        }
    }

    fn open(&mut self, mut batch: Batch, out: &mut Vec<u8>) -> Result<(), StreamError> {
        if batch.is_empty() {
            return Ok(());
        }
        if self.cipher.is_none() {
            let key = self
                .framer
                .aead_key()
                .ok_or(StreamError::CipherMisbehaved)?;
            self.cipher = Some(Aes256GcmChunkCipher {
                key: Aes256GcmKey::new(key),
            });
        }
        if let Some(c) = &self.cipher {
            c.open_batch(&mut batch);
        }
        self.framer.release(batch, out)
    }

    /// Decrypts what it can of `ciphertext`, appending plaintext to `out`.
    ///
    /// # Errors
    /// Any [`StreamError`]; afterwards every call fails.
    pub fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        for piece in ciphertext.chunks(SEALED_CHUNK_SIZE * DRIVER_BATCH) {
            let batch = self.framer.push(piece)?;
            self.open(batch, out)?;
        }
        Ok(())
    }

    /// Ends the stream, appending the last plaintext.
    ///
    /// # Errors
    /// Any [`StreamError`].
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        let batch = self.framer.finish()?;
        self.open(batch, out)
    }
}

/// One-shot encryption (salt given by the caller, who draws it at random).
///
/// # Errors
/// [`StreamError::InvalidKeySize`].
pub fn encrypt(
    input_key: &[u8],
    salt: &[u8; SALT_LEN],
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, StreamError> {
    let mut out = Vec::with_capacity(
        HEADER_LEN + plaintext.len() + plaintext.len() / CHUNK_SIZE * TAG_LEN + TAG_LEN,
    );
    let mut enc = StreamEncryptor::new(input_key, salt, context)?;
    enc.update(plaintext, &mut out)?;
    enc.finish(&mut out)?;
    Ok(out)
}

/// One-shot decryption; the plaintext is returned only if all of it
/// authenticated.
///
/// # Errors
/// Any [`StreamError`].
pub fn decrypt(
    input_key: &[u8],
    context: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StreamError> {
    let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    let mut dec = StreamDecryptor::new(input_key, context)?;
    dec.update(ciphertext, &mut out)?;
    dec.finish(&mut out)?;
    Ok(out)
}

/// Ciphertext length of a `plaintext_len`-byte message (with header), or
/// `None` past the chunk limit.
#[must_use]
pub fn ciphertext_len(plaintext_len: u64) -> Option<u64> {
    let chunks = plaintext_len / CHUNK_SIZE as u64 + 1;
    if chunks > MAX_CHUNKS {
        return None;
    }
    plaintext_len
        .checked_add(chunks * TAG_LEN as u64)?
        .checked_add(HEADER_LEN as u64)
}

/// SHA-512 helper for tests comparing against `msgSha512`.
#[doc(hidden)]
#[must_use]
pub fn sha512(data: &[u8]) -> [u8; 64] {
    Sha512::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_xors_counter_big_endian() {
        let base = [0xFF; 12];
        let n = chunk_nonce(&base, 0x01_0203_0405);
        assert_eq!(n[..7], [0xFF; 7]);
        assert_eq!(n[7..], [0xFE, 0xFD, 0xFC, 0xFB, 0xFA]);
    }

    #[test]
    fn chunk_limit_aborts() {
        let mut counter = MAX_CHUNKS - 1;
        assert!(make_chunk(&[0; 12], &mut counter, vec![]).is_ok());
        assert_eq!(
            make_chunk(&[0; 12], &mut counter, vec![]).err(),
            Some(StreamError::TooLong)
        );
    }

    #[test]
    fn lengths() {
        assert_eq!(ciphertext_len(0), Some(72));
        assert_eq!(ciphertext_len(16384), Some(56 + 16384 + 32));
        assert_eq!(ciphertext_len(u64::MAX), None);
    }
}
