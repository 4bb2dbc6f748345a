//! The backup file (`.system_backup/backup_{r}.enc`, DESIGN §4): the token
//! sealed with AES-256-GCM under
//! `HKDF-SHA-256(salt, Argon2id(passphrase, salt) ‖ ML-KEM-1024 shared secret)`.
//! Opening needs the backup drive, the passphrase *and* the recovery code.
//!
//! ```text
//! "QVBK" ‖ version (1) ‖ suite (1) ‖ rotation (u32)
//! ‖ argon2 params (12) ‖ salt (32)
//! ‖ recovery key id (32) = SHA-256("quantumvault/v1/backup/recovery-key-id" ‖ ML-KEM ek)
//! ‖ ML-KEM-1024 ciphertext (1568) ‖ nonce (12) ‖ sealed_len (u32)
//! ‖ AES-256-GCM(token) ‖ tag          AAD = every byte before the sealed token
//! ```
//! The recovery key id is public (the encapsulation key is public) and lets
//! a wrong recovery code be named as such before the slow Argon2id runs. No
//! passphrase check value is stored: that would let a thief of the backup
//! drive alone test passphrases offline.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::aead::{Aes256GcmKey, NONCE_LEN};
use crate::crypto::backup_kem::{self, MlKemPublicKey};
use crate::crypto::kdf::{derive_key32, labels};
use crate::crypto::password::{self, Argon2Params, PasswordError, SALT_LEN};
use crate::format::bytes::Reader;
use crate::format::token::{self, TokenError};
use crate::identity::Keyring;
use crate::recovery::RecoveryCode;

/// Magic.
pub const MAGIC: &[u8; 4] = b"QVBK";
/// Version.
pub const VERSION: u8 = 1;
/// Suite 1: Argon2id v0x13, ML-KEM-1024, HKDF-SHA-256, AES-256-GCM.
pub const SUITE: u8 = 1;
/// Largest sealed token accepted (bounds allocation on hostile input).
pub const MAX_SEALED_LEN: usize = 1 << 20;
const KEY_ID_DOMAIN: &[u8] = b"quantumvault/v1/backup/recovery-key-id";

/// Backup problems, each naming what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// Wrong magic.
    #[error("this file is not a QuantumVault backup")]
    NotABackup,
    /// Newer version.
    #[error("backup version {0} is not supported; update QuantumVault")]
    UnsupportedVersion(u8),
    /// Unknown suite.
    #[error("backup algorithm suite {0} is not supported; update QuantumVault")]
    UnsupportedSuite(u8),
    /// Damaged or truncated.
    #[error("the backup file is damaged ({0})")]
    Malformed(&'static str),
    /// The recovery code does not belong to this backup.
    #[error(
        "this recovery code does not belong to this backup; check the Emergency Kit for this backup drive"
    )]
    WrongRecoveryCode,
    /// AEAD failure with the right recovery code.
    #[error("wrong passphrase (or the backup file was modified)")]
    WrongPassphrase,
    /// Argon2id problem.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The sealed token did not parse.
    #[error(transparent)]
    Token(#[from] TokenError),
}

fn key_id(ek: &MlKemPublicKey) -> [u8; 32] {
    Sha256::new()
        .chain_update(KEY_ID_DOMAIN)
        .chain_update(ek.as_bytes())
        .finalize()
        .into()
}

fn backup_key(
    passphrase: &[u8],
    salt: &[u8; SALT_LEN],
    params: &Argon2Params,
    kem_secret: &[u8; 32],
) -> Result<Aes256GcmKey, PasswordError> {
    let stretched = password::derive(passphrase, salt, params)?;
    let mut ikm = Zeroizing::new([0u8; 64]);
    ikm[..32].copy_from_slice(stretched.expose());
    ikm[32..].copy_from_slice(kem_secret);
    Ok(Aes256GcmKey::new(&derive_key32(
        salt,
        &ikm[..],
        labels::BACKUP_KEY,
    )))
}

/// Seals `keyring` for the backup drive. The recovery code is not needed:
/// the keyring carries its encapsulation key.
///
/// # Errors
/// [`BackupError::Password`].
pub fn seal<R: CryptoRng + ?Sized>(
    keyring: &Keyring,
    passphrase: &[u8],
    params: &Argon2Params,
    rng: &mut R,
) -> Result<Vec<u8>, BackupError> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let (ct, ss) = keyring.backup_key.encapsulate(rng);
    let key = backup_key(passphrase, &salt, params, ss.expose())?;
    let body = token::encode_plain(keyring);
    let sealed_len =
        u32::try_from(body.len() + 16).map_err(|_| BackupError::Malformed("token too large"))?;
    let mut out = Vec::with_capacity(1700 + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[VERSION, SUITE]);
    out.extend_from_slice(&keyring.current.rotation.to_be_bytes());
    out.extend_from_slice(&params.to_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&key_id(&keyring.backup_key));
    out.extend_from_slice(&ct);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed_len.to_be_bytes());
    let sealed = key
        .seal(&nonce, &out, &body)
        .map_err(|_| BackupError::Malformed("token too large"))?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The public fields of a backup, parsed without any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// Rotation of the sealed token.
    pub rotation: u32,
    /// Argon2id parameters.
    pub params: Argon2Params,
}

struct Parsed<'a> {
    info: BackupInfo,
    salt: [u8; SALT_LEN],
    key_id: [u8; 32],
    kem_ct: &'a [u8],
    nonce: [u8; NONCE_LEN],
    aad: &'a [u8],
    sealed: &'a [u8],
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, BackupError> {
    let t = BackupError::Malformed("truncated");
    let mut r = Reader::new(bytes);
    if r.take(4) != Some(MAGIC.as_slice()) {
        return Err(BackupError::NotABackup);
    }
    let version = r.u8().ok_or(BackupError::NotABackup)?;
    if version != VERSION {
        return Err(BackupError::UnsupportedVersion(version));
    }
    let suite = r.u8().ok_or(t.clone())?;
    if suite != SUITE {
        return Err(BackupError::UnsupportedSuite(suite));
    }
    let rotation = r.u32().ok_or(t.clone())?;
    let params = Argon2Params::from_bytes(&r.array::<12>().ok_or(t.clone())?)?;
    let salt = r.array::<SALT_LEN>().ok_or(t.clone())?;
    let key_id = r.array::<32>().ok_or(t.clone())?;
    let kem_ct = r.take(backup_kem::CIPHERTEXT_LEN).ok_or(t.clone())?;
    let nonce = r.array::<NONCE_LEN>().ok_or(t.clone())?;
    let sealed_len = usize::try_from(r.u32().ok_or(t.clone())?).unwrap_or(usize::MAX);
    if !(16..=MAX_SEALED_LEN).contains(&sealed_len) {
        return Err(BackupError::Malformed("sealed length out of range"));
    }
    let aad = bytes.get(..r.position()).ok_or(t.clone())?;
    let sealed = r.rest();
    if sealed.len() < sealed_len {
        return Err(t);
    }
    if sealed.len() > sealed_len {
        return Err(BackupError::Malformed("trailing bytes"));
    }
    Ok(Parsed {
        info: BackupInfo { rotation, params },
        salt,
        key_id,
        kem_ct,
        nonce,
        aad,
        sealed,
    })
}

/// Reads the public fields (rotation, Argon2id cost) without secrets, e.g.
/// to tell the user how long the restore will take.
///
/// # Errors
/// Parse errors.
pub fn inspect(bytes: &[u8]) -> Result<BackupInfo, BackupError> {
    parse(bytes).map(|p| p.info)
}

/// Restores the keyring: needs the backup, the passphrase and the recovery code.
///
/// # Errors
/// [`BackupError::WrongRecoveryCode`], [`BackupError::WrongPassphrase`],
/// parse errors.
pub fn open(bytes: &[u8], passphrase: &[u8], code: &RecoveryCode) -> Result<Keyring, BackupError> {
    let p = parse(bytes)?;
    let dk = code.backup_secret_key();
    if key_id(&dk.public_key()) != p.key_id {
        return Err(BackupError::WrongRecoveryCode);
    }
    let ss = dk
        .decapsulate(p.kem_ct)
        .map_err(|_| BackupError::Malformed("ciphertext"))?;
    let key = backup_key(passphrase, &p.salt, &p.info.params, ss.expose())?;
    let body = key
        .open(&p.nonce, p.aad, p.sealed)
        .map_err(|_| BackupError::WrongPassphrase)?;
    let keyring = token::decode(&body, None)?;
    if keyring.current.rotation != p.info.rotation {
        return Err(BackupError::Malformed("rotation mismatch"));
    }
    Ok(keyring)
}
