//! AES-256-GCM with 96-bit nonces and 128-bit tags (the `aes-gcm` crate).
//!
//! Used for key wrapping, metadata, the backup file, the PIN-sealed token, and
//! (through [`crate::format::stream`]) every Cobblestone chunk.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::Zeroizing;

use super::secret::Secret32;

/// AES-256 key length in bytes.
pub const KEY_LEN: usize = 32;
/// GCM nonce length in bytes (the only size this wrapper accepts).
pub const NONCE_LEN: usize = 12;
/// GCM tag length in bytes.
pub const TAG_LEN: usize = 16;

/// What went wrong in an AEAD call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    /// The key is not 32 bytes (a programming or file-format error).
    #[error("the AES-256-GCM key must be 32 bytes, got {0}")]
    InvalidKeyLength(usize),
    /// The nonce is not 12 bytes.
    #[error("the AES-GCM nonce must be 12 bytes, got {0}")]
    InvalidNonceLength(usize),
    /// The ciphertext is shorter than a tag.
    #[error("the ciphertext is too short to hold an authentication tag")]
    TooShort,
    /// The tag did not verify: wrong key, or the data was changed.
    #[error("decryption failed: wrong key, or the data was modified")]
    Authentication,
    /// The message exceeds what GCM can encrypt under one nonce.
    #[error("the message is too long for AES-GCM")]
    TooLong,
}

/// An AES-256-GCM instance with its key schedule (zeroized on drop by the
/// `aes-gcm` crate's `zeroize` feature).
#[derive(Clone)]
pub struct Aes256GcmKey {
    cipher: Aes256Gcm,
}

impl core::fmt::Debug for Aes256GcmKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Aes256GcmKey(redacted)")
    }
}

impl Aes256GcmKey {
    /// Key from a typed 32-byte secret.
    #[must_use]
    pub fn new(key: &Secret32) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.expose().into()),
        }
    }

    /// Key from an untyped slice (test vectors, parsed input).
    ///
    /// # Errors
    /// [`AeadError::InvalidKeyLength`] unless the slice is 32 bytes.
    pub fn from_slice(key: &[u8]) -> Result<Self, AeadError> {
        let key = Secret32::from_slice(key).ok_or(AeadError::InvalidKeyLength(key.len()))?;
        Ok(Self::new(&key))
    }

    /// Encrypts `buf` in place and returns the tag.
    ///
    /// # Errors
    /// [`AeadError::TooLong`] past GCM's per-nonce limit.
    pub fn seal_in_place_detached(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let tag = self
            .cipher
            .encrypt_inout_detached(nonce.into(), aad, buf.into())
            .map_err(|_| AeadError::TooLong)?;
        Ok(tag.into())
    }

    /// Verifies `tag` and decrypts `buf` in place. On failure `buf` holds no
    /// plaintext (the crate only decrypts after the tag verified).
    ///
    /// # Errors
    /// [`AeadError::Authentication`] if the tag does not verify.
    pub fn open_in_place_detached(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        self.cipher
            .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
            .map_err(|_| AeadError::Authentication)
    }

    /// `ciphertext ‖ tag` of `plaintext`.
    ///
    /// # Errors
    /// [`AeadError::TooLong`] past GCM's per-nonce limit.
    pub fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
        out.extend_from_slice(plaintext);
        let tag = self.seal_in_place_detached(nonce, aad, &mut out)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Plaintext of `ciphertext ‖ tag`, in a buffer wiped on drop.
    ///
    /// # Errors
    /// [`AeadError::TooShort`] or [`AeadError::Authentication`].
    pub fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AeadError> {
        let split = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(AeadError::TooShort)?;
        let (ct, tag) = sealed.split_at(split);
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| AeadError::TooShort)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        self.open_in_place_detached(nonce, aad, &mut buf, &tag)?;
        Ok(buf)
    }

    /// [`Self::seal`] with a nonce given as a slice (test vectors).
    ///
    /// # Errors
    /// [`AeadError::InvalidNonceLength`] unless the nonce is 12 bytes.
    pub fn seal_with_slice_nonce(
        &self,
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        self.seal(&nonce_from_slice(nonce)?, aad, plaintext)
    }

    /// [`Self::open`] with a nonce given as a slice (test vectors).
    ///
    /// # Errors
    /// As [`Self::open`], plus [`AeadError::InvalidNonceLength`].
    pub fn open_with_slice_nonce(
        &self,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AeadError> {
        self.open(&nonce_from_slice(nonce)?, aad, sealed)
    }
}

fn nonce_from_slice(nonce: &[u8]) -> Result<[u8; NONCE_LEN], AeadError> {
    nonce
        .try_into()
        .map_err(|_| AeadError::InvalidNonceLength(nonce.len()))
}
