//! The token file (`token_{r}.bin` on the primary drive): the serialised
//! [`Keyring`], either plain or sealed under a PIN with Argon2id.
//!
//! ```text
//! token   = "QVTK" ‖ version (1) ‖ protection (u8) ‖ body
//! protection 0 (plain):  body = keyring
//! protection 1 (PIN):    body = argon2 params (12) ‖ salt (32) ‖ nonce (12)
//!                               ‖ sealed_len (u32) ‖ AES-256-GCM(keyring) ‖ tag
//!                        AAD  = every byte before the sealed keyring
//! keyring = rotation (u32) ‖ ML-DSA ξ (32) ‖ X-Wing seed (32)
//!           ‖ backup ML-KEM-1024 ek (1568)
//!           ‖ n_previous (u16) ‖ n × (rotation (u32) ‖ fingerprint (32) ‖ X-Wing seed (32))
//! ```
//! Integers are big-endian. Previous rotations are strictly increasing and
//! below the current one. Nothing may follow the last field.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::aead::{Aes256GcmKey, NONCE_LEN};
use crate::crypto::backup_kem::{self, MlKemPublicKey};
use crate::crypto::kdf::{derive_key32, labels};
use crate::crypto::password::{self, Argon2Params, PasswordError, SALT_LEN};
use crate::crypto::secret::Secret32;
use crate::format::bytes::Reader;
use crate::identity::{Fingerprint, IdentitySeeds, Keyring, PreviousKem};

/// Token magic.
pub const MAGIC: &[u8; 4] = b"QVTK";
/// Current token version.
pub const VERSION: u8 = 1;
/// Most earlier rotations a token may carry.
pub const MAX_PREVIOUS: usize = 4096;
const PLAIN: u8 = 0;
const PIN_SEALED: u8 = 1;

/// Token problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Wrong magic: another file.
    #[error("this file is not a QuantumVault token")]
    NotAToken,
    /// Newer version.
    #[error("token version {0} is not supported; update QuantumVault")]
    UnsupportedVersion(u8),
    /// Unknown protection byte.
    #[error("token protection {0} is not supported; update QuantumVault")]
    UnsupportedProtection(u8),
    /// Damaged or truncated.
    #[error("the token file is damaged ({0}); restore it from the backup drive")]
    Malformed(&'static str),
    /// The token is PIN-sealed and no PIN was given.
    #[error("this token is protected by a PIN; enter it")]
    PinRequired,
    /// Wrong PIN (or the sealed part was modified).
    #[error("wrong PIN (or the token was modified)")]
    WrongPin,
    /// Argon2id parameter problem.
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Serialises a keyring (the inner, secret layout).
#[must_use]
pub fn encode_keyring(k: &Keyring) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        100 + backup_kem::PUBLIC_KEY_LEN + 68 * k.previous.len(),
    ));
    out.extend_from_slice(&k.current.rotation.to_be_bytes());
    out.extend_from_slice(k.current.sign_seed.expose());
    out.extend_from_slice(k.current.kem_seed.expose());
    out.extend_from_slice(k.backup_key.as_bytes());
    let n = u16::try_from(k.previous.len().min(MAX_PREVIOUS)).unwrap_or(0);
    out.extend_from_slice(&n.to_be_bytes());
    for p in k.previous.iter().take(usize::from(n)) {
        out.extend_from_slice(&p.rotation.to_be_bytes());
        out.extend_from_slice(&p.fingerprint.0);
        out.extend_from_slice(p.kem_seed.expose());
    }
    out
}

fn secret(r: &mut Reader<'_>) -> Result<Secret32, TokenError> {
    let mut a = r.array::<32>().ok_or(TokenError::Malformed("truncated"))?;
    let s = Secret32::from_bytes(a);
    zeroize::Zeroize::zeroize(&mut a);
    Ok(s)
}

/// Parses [`encode_keyring`].
///
/// # Errors
/// [`TokenError::Malformed`].
pub fn decode_keyring(bytes: &[u8]) -> Result<Keyring, TokenError> {
    let t = TokenError::Malformed("truncated");
    let mut r = Reader::new(bytes);
    let rotation = r.u32().ok_or(t)?;
    let sign_seed = secret(&mut r)?;
    let kem_seed = secret(&mut r)?;
    let backup_key = MlKemPublicKey::from_bytes(r.take(backup_kem::PUBLIC_KEY_LEN).ok_or(t)?)
        .map_err(|_| TokenError::Malformed("invalid backup key"))?;
    let n = usize::from(r.u16().ok_or(t)?);
    if n > MAX_PREVIOUS {
        return Err(TokenError::Malformed("too many previous rotations"));
    }
    let mut previous = Vec::with_capacity(n.min(r.remaining() / 68));
    for _ in 0..n {
        let rot = r.u32().ok_or(t)?;
        let fp = r.array::<32>().ok_or(t)?;
        let seed = secret(&mut r)?;
        if previous
            .last()
            .is_some_and(|p: &PreviousKem| p.rotation >= rot)
            || rot >= rotation
        {
            return Err(TokenError::Malformed("rotations out of order"));
        }
        previous.push(PreviousKem {
            rotation: rot,
            fingerprint: Fingerprint(fp),
            kem_seed: seed,
        });
    }
    if r.remaining() != 0 {
        return Err(TokenError::Malformed("trailing bytes"));
    }
    Ok(Keyring {
        current: IdentitySeeds {
            rotation,
            sign_seed,
            kem_seed,
        },
        previous,
        backup_key,
    })
}

/// A plain token (the drive itself is the protection).
#[must_use]
pub fn encode_plain(k: &Keyring) -> Zeroizing<Vec<u8>> {
    let body = encode_keyring(k);
    let mut out = Zeroizing::new(Vec::with_capacity(6 + body.len()));
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(PLAIN);
    out.extend_from_slice(&body);
    out
}

/// A PIN-sealed token. `params` must already satisfy the policy (use
/// [`Argon2Params::new`] or calibration; tests use the explicit
/// low-parameter constructor).
///
/// # Errors
/// [`TokenError::Password`].
pub fn encode_pin_sealed<R: CryptoRng + ?Sized>(
    k: &Keyring,
    pin: &[u8],
    params: &Argon2Params,
    rng: &mut R,
) -> Result<Vec<u8>, TokenError> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let body = encode_keyring(k);
    let sealed_len =
        u32::try_from(body.len() + 16).map_err(|_| TokenError::Malformed("too large"))?;
    let mut out = Vec::with_capacity(70 + body.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(PIN_SEALED);
    out.extend_from_slice(&params.to_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed_len.to_be_bytes());
    let key = pin_key(pin, &salt, params)?;
    let sealed = key
        .seal(&nonce, &out, &body)
        .map_err(|_| TokenError::Malformed("too large"))?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn pin_key(
    pin: &[u8],
    salt: &[u8; SALT_LEN],
    params: &Argon2Params,
) -> Result<Aes256GcmKey, TokenError> {
    let stretched = password::derive(pin, salt, params)?;
    Ok(Aes256GcmKey::new(&derive_key32(
        salt,
        stretched.expose(),
        labels::TOKEN_PIN_KEY,
    )))
}

/// Whether a token needs a PIN (so the app can ask before decoding).
///
/// # Errors
/// As [`decode`] for the first six bytes.
pub fn needs_pin(bytes: &[u8]) -> Result<bool, TokenError> {
    let mut r = Reader::new(bytes);
    header(&mut r).map(|p| p == PIN_SEALED)
}

fn header(r: &mut Reader<'_>) -> Result<u8, TokenError> {
    if r.take(4) != Some(MAGIC.as_slice()) {
        return Err(TokenError::NotAToken);
    }
    let v = r.u8().ok_or(TokenError::NotAToken)?;
    if v != VERSION {
        return Err(TokenError::UnsupportedVersion(v));
    }
    let p = r.u8().ok_or(TokenError::Malformed("truncated"))?;
    if p != PLAIN && p != PIN_SEALED {
        return Err(TokenError::UnsupportedProtection(p));
    }
    Ok(p)
}

/// Decodes a token, plain or PIN-sealed.
///
/// # Errors
/// [`TokenError`] naming the problem; [`TokenError::PinRequired`] when the
/// token is sealed and `pin` is `None`.
pub fn decode(bytes: &[u8], pin: Option<&[u8]>) -> Result<Keyring, TokenError> {
    let mut r = Reader::new(bytes);
    if header(&mut r)? == PLAIN {
        return decode_keyring(r.rest());
    }
    let t = TokenError::Malformed("truncated");
    let params = Argon2Params::from_bytes(&r.array::<12>().ok_or(t)?)?;
    let salt = r.array::<SALT_LEN>().ok_or(t)?;
    let nonce = r.array::<NONCE_LEN>().ok_or(t)?;
    let sealed_len = usize::try_from(r.u32().ok_or(t)?).map_err(|_| t)?;
    let aad_len = r.position();
    let sealed = r.rest();
    if sealed.len() != sealed_len {
        return Err(TokenError::Malformed("length mismatch"));
    }
    let pin = pin.ok_or(TokenError::PinRequired)?;
    let aad = bytes.get(..aad_len).ok_or(t)?;
    let body = pin_key(pin, &salt, &params)?
        .open(&nonce, aad, sealed)
        .map_err(|_| TokenError::WrongPin)?;
    decode_keyring(&body)
}
