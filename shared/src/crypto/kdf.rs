//! HKDF (RFC 5869) over SHA-256 and SHA-512, and the registry of every HKDF
//! label the product uses.
//!
//! Why a label registry: DESIGN §3 requires each derived key to have its own
//! label; keeping them in one place makes a collision visible in review and
//! lets `docs/FORMAT.md` list them from one source.

use hkdf::Hkdf;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use super::secret::Secret32;

/// HKDF failures (only output length can be wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    /// More output than HKDF can produce (255 × hash length).
    #[error("HKDF cannot produce {0} bytes of output")]
    OutputTooLong(usize),
    /// The HMAC key was refused (cannot happen for HMAC, which takes any length).
    #[error("the HKDF key was refused")]
    PrkTooShort,
}

/// HKDF-Extract-SHA-512 (tests use it to check [`hkdf_sha512_expand_raw`]).
#[must_use]
pub fn hkdf_sha512_extract(salt: &[u8], ikm: &[u8]) -> Zeroizing<Vec<u8>> {
    let (prk, _) = Hkdf::<Sha512>::extract(Some(salt), ikm);
    Zeroizing::new(prk.to_vec())
}

/// Every HKDF `info` label of suite v1. Each derived key has its own.
pub mod labels {
    /// Vault file: key that wraps the file key in a recipient stanza.
    pub const VAULT_WRAP_KEY: &[u8] = b"quantumvault/v1/vault/wrap-key";
    /// Vault file: key of the encrypted metadata section.
    pub const VAULT_METADATA_KEY: &[u8] = b"quantumvault/v1/vault/metadata-key";
    /// Vault file: Cobblestone-256 input key of the body.
    pub const VAULT_BODY_KEY: &[u8] = b"quantumvault/v1/vault/body-key";
    /// Backup file: AES-256-GCM key sealing the token.
    pub const BACKUP_KEY: &[u8] = b"quantumvault/v1/backup/aead-key";
    /// Recovery code → ML-KEM-1024 seed (d ‖ z).
    pub const RECOVERY_MLKEM_SEED: &[u8] = b"quantumvault/v1/recovery/ml-kem-1024-seed";
    /// PIN-sealed token: AES-256-GCM key.
    pub const TOKEN_PIN_KEY: &[u8] = b"quantumvault/v1/token/pin-key";
}

fn hkdf<H: hmac::EagerHash>(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, KdfError> {
    let mut out = Zeroizing::new(vec![0u8; out_len]);
    Hkdf::<H>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .map_err(|_| KdfError::OutputTooLong(out_len))?;
    Ok(out)
}

/// HKDF-SHA-256 (extract + expand) into `out_len` bytes.
///
/// # Errors
/// [`KdfError::OutputTooLong`] past 8160 bytes.
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, KdfError> {
    hkdf::<Sha256>(salt, ikm, info, out_len)
}

/// HKDF-SHA-512 (extract + expand) into `out_len` bytes.
///
/// # Errors
/// [`KdfError::OutputTooLong`] past 16320 bytes.
pub fn hkdf_sha512(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, KdfError> {
    hkdf::<Sha512>(salt, ikm, info, out_len)
}

/// HKDF-Expand-SHA-512 with any key length as the HMAC key, as
/// c2sp.org/chunked-encryption specifies (`prk = input key`, 32 bytes).
///
/// # Errors
/// [`KdfError::OutputTooLong`] past 16320 bytes.
pub fn hkdf_sha512_expand_raw(key: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<(), KdfError> {
    // RFC 5869 HKDF-Expand is T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i); the `hkdf`
    // crate refuses a PRK shorter than the hash, so we run the identical
    // construction through `hmac` for Cobblestone's 32-byte input key.
    use hmac::{KeyInit, Mac};
    type HmacSha512 = hmac::Hmac<Sha512>;
    const HASH_LEN: usize = 64;
    if out.len() > 255 * HASH_LEN {
        return Err(KdfError::OutputTooLong(out.len()));
    }
    let mut prev: Option<Zeroizing<[u8; HASH_LEN]>> = None;
    for (i, block) in out.chunks_mut(HASH_LEN).enumerate() {
        let mut mac =
            <HmacSha512 as KeyInit>::new_from_slice(key).map_err(|_| KdfError::PrkTooShort)?;
        if let Some(p) = &prev {
            mac.update(&p[..]);
        }
        for part in info {
            mac.update(part);
        }
        // `i` < 255 by the length check above.
        mac.update(&[u8::try_from(i + 1).map_err(|_| KdfError::OutputTooLong(0))?]);
        let t: Zeroizing<[u8; HASH_LEN]> = Zeroizing::new(mac.finalize().into_bytes().into());
        let n = block.len();
        block.copy_from_slice(t.get(..n).ok_or(KdfError::OutputTooLong(n))?);
        prev = Some(t);
    }
    Ok(())
}

/// A 32-byte key: HKDF-SHA-256(salt, ikm, label).
#[must_use]
pub fn derive_key32(salt: &[u8], ikm: &[u8], info: &[u8]) -> Secret32 {
    let mut out = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA-256 output length.
    let ok = Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .is_ok();
    debug_assert!(ok);
    let key = Secret32::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    key
}
