//! The bridge between the wire form of a public identity
//! ([`super::PublicIdentity`], two base64url byte strings) and the typed
//! [`crate::identity::PublicIdentity`]. Both the server and the browser go
//! through here, so they validate keys the same way and compute one and the
//! same fingerprint (`crate::identity::PublicIdentity::fingerprint`).

use super::PublicIdentity as WireIdentity;
use super::signing::{
    CONTEXT_REGISTER, CONTEXT_ROTATE, MLDSA65_PUBLIC_KEY_LEN, XWING_PUBLIC_KEY_LEN, register_message, rotation_message,
};
use crate::crypto::kem::XWingPublicKey;
use crate::crypto::sign::VerifyingKey;
use crate::identity::{Fingerprint, PublicIdentity};

/// Why the keys of a wire identity were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityKeyError {
    /// The ML-DSA-65 verifying key has the wrong length.
    #[error("the ML-DSA-65 public key must be {MLDSA65_PUBLIC_KEY_LEN} bytes, got {0}")]
    MlDsaKeyLength(usize),
    /// The X-Wing public key has the wrong length.
    #[error("the X-Wing public key must be {XWING_PUBLIC_KEY_LEN} bytes, got {0}")]
    XWingKeyLength(usize),
    /// The X-Wing public key has the right length but is not a valid key
    /// (an ML-KEM-768 coefficient out of range, FIPS 203 §7.2).
    #[error("the X-Wing public key is malformed (its ML-KEM-768 part fails the FIPS 203 key check)")]
    XWingKeyMalformed,
}

impl WireIdentity {
    /// Validates both keys and returns the typed identity of `rotation`.
    ///
    /// # Errors
    /// [`IdentityKeyError`] naming the key at fault.
    pub fn parse(&self, rotation: u32) -> Result<PublicIdentity, IdentityKeyError> {
        let sign = VerifyingKey::from_bytes(&self.mldsa65_public_key)
            .map_err(|_| IdentityKeyError::MlDsaKeyLength(self.mldsa65_public_key.len()))?;
        if self.xwing_public_key.len() != XWING_PUBLIC_KEY_LEN {
            return Err(IdentityKeyError::XWingKeyLength(self.xwing_public_key.len()));
        }
        let kem =
            XWingPublicKey::from_bytes(&self.xwing_public_key).map_err(|_| IdentityKeyError::XWingKeyMalformed)?;
        Ok(PublicIdentity { rotation, sign, kem })
    }
}

impl From<&PublicIdentity> for WireIdentity {
    fn from(identity: &PublicIdentity) -> Self {
        Self {
            mldsa65_public_key: identity.sign.as_bytes().to_vec(),
            xwing_public_key: identity.kem.as_bytes().to_vec(),
        }
    }
}

/// The API's hex form of a fingerprint (64 lower-case hex digits).
#[must_use]
pub fn fingerprint_hex(fingerprint: &Fingerprint) -> String {
    crate::drive::state::hex(&fingerprint.0)
}

/// Why a key history from the directory was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyHistoryError {
    /// The history has no entries.
    #[error("the key history is empty")]
    Empty,
    /// Rotations must run 0, 1, 2, … without gaps.
    #[error("the key history skips or repeats a rotation: expected {expected}, found {found}")]
    OutOfOrder { expected: u32, found: u32 },
    /// A key of this rotation is malformed.
    #[error("rotation {rotation}: {error}")]
    InvalidKey { rotation: u32, error: IdentityKeyError },
    /// The fingerprint the server reports is not the keys' fingerprint.
    #[error("rotation {0}: the fingerprint does not match the keys")]
    FingerprintMismatch(u32),
    /// The keys do not sign for themselves under this username.
    #[error("rotation {0}: the self-signature does not verify")]
    BadSelfSignature(u32),
    /// A later rotation is not vouched for by the key before it.
    #[error("rotation {0}: the rotation statement is missing or not signed by the previous key")]
    BadRotationStatement(u32),
}

/// A key history checked from rotation 0 (see [`check_key_history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedHistory {
    /// The rotations that verified, oldest first: a prefix of the history.
    /// Earlier rotations stay usable (old files and signatures) even when a
    /// later entry is refused.
    pub valid: Vec<PublicIdentity>,
    /// The first fault, if any.
    pub broken: Option<KeyHistoryError>,
}

/// Checks a user's key history as a client must before trusting its last
/// entry: rotations run from 0 without gaps, every key is valid, every
/// fingerprint is the keys' own, every rotation signs for itself under this
/// username, and every rotation after 0 is vouched for by the previous
/// ML-DSA key. A server that swaps in keys of its own without the previous
/// private key is caught. Stops at the first fault.
#[must_use]
pub fn check_key_history(history: &super::KeyHistory) -> CheckedHistory {
    let username = history.username.to_ascii_lowercase();
    let mut valid: Vec<PublicIdentity> = Vec::with_capacity(history.entries.len());
    for (index, entry) in history.entries.iter().enumerate() {
        let rotation = entry.rotation;
        let expected = u32::try_from(index).unwrap_or(u32::MAX);
        let verdict = if rotation == expected {
            check_entry(&username, entry, valid.last())
        } else {
            Err(KeyHistoryError::OutOfOrder { expected, found: rotation })
        };
        match verdict {
            Ok(identity) => valid.push(identity),
            Err(fault) => return CheckedHistory { valid, broken: Some(fault) },
        }
    }
    CheckedHistory { valid, broken: None }
}

/// One entry of [`check_key_history`], given the verified entry before it.
fn check_entry(
    username: &str,
    entry: &super::KeyHistoryEntry,
    previous: Option<&PublicIdentity>,
) -> Result<PublicIdentity, KeyHistoryError> {
    let rotation = entry.rotation;
    let identity = entry.identity.parse(rotation).map_err(|error| KeyHistoryError::InvalidKey { rotation, error })?;
    if fingerprint_hex(&identity.fingerprint()) != entry.fingerprint {
        return Err(KeyHistoryError::FingerprintMismatch(rotation));
    }
    identity
        .sign
        .verify(&register_message(username, &entry.identity), CONTEXT_REGISTER, &entry.self_signature)
        .map_err(|_| KeyHistoryError::BadSelfSignature(rotation))?;
    if let Some(previous) = previous {
        let statement = rotation_message(username, rotation, &previous.fingerprint().0, &entry.identity);
        let signature = entry.rotation_signature.as_deref().ok_or(KeyHistoryError::BadRotationStatement(rotation))?;
        previous
            .sign
            .verify(&statement, CONTEXT_ROTATE, signature)
            .map_err(|_| KeyHistoryError::BadRotationStatement(rotation))?;
    }
    Ok(identity)
}

/// [`check_key_history`] for callers that accept a history only whole.
///
/// # Errors
/// The first [`KeyHistoryError`], or [`KeyHistoryError::Empty`].
pub fn verify_key_history(history: &super::KeyHistory) -> Result<Vec<PublicIdentity>, KeyHistoryError> {
    match check_key_history(history) {
        CheckedHistory { broken: Some(fault), .. } => Err(fault),
        CheckedHistory { valid, .. } if valid.is_empty() => Err(KeyHistoryError::Empty),
        CheckedHistory { valid, .. } => Ok(valid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::secret::Secret32;
    use crate::identity::IdentitySeeds;

    fn sample() -> PublicIdentity {
        let seeds = IdentitySeeds {
            rotation: 3,
            sign_seed: Secret32::from_bytes([1; 32]),
            kem_seed: Secret32::from_bytes([2; 32]),
        };
        seeds.identity().public().clone()
    }

    #[test]
    fn round_trip_keeps_keys_and_fingerprint() {
        let typed = sample();
        let wire = WireIdentity::from(&typed);
        let back = wire.parse(3);
        assert_eq!(back.as_ref(), Ok(&typed));
        assert_eq!(back.map(|b| b.fingerprint()), Ok(typed.fingerprint()));
        assert_eq!(fingerprint_hex(&typed.fingerprint()).len(), 64);
    }

    #[test]
    fn malformed_keys_are_typed_errors() {
        let good = WireIdentity::from(&sample());
        let mut short_sign = good.clone();
        short_sign.mldsa65_public_key.pop();
        assert_eq!(short_sign.parse(0), Err(IdentityKeyError::MlDsaKeyLength(MLDSA65_PUBLIC_KEY_LEN - 1)));
        let mut long_kem = good.clone();
        long_kem.xwing_public_key.push(0);
        assert_eq!(long_kem.parse(0), Err(IdentityKeyError::XWingKeyLength(XWING_PUBLIC_KEY_LEN + 1)));
        // 0xFF bytes decode to 12-bit coefficients 4095 ≥ q = 3329.
        let bad_kem = WireIdentity { xwing_public_key: vec![0xFF; XWING_PUBLIC_KEY_LEN], ..good };
        assert_eq!(bad_kem.parse(0), Err(IdentityKeyError::XWingKeyMalformed));
    }

    fn seeds(sign: u8, rotation: u32) -> IdentitySeeds {
        IdentitySeeds {
            rotation,
            sign_seed: Secret32::from_bytes([sign; 32]),
            kem_seed: Secret32::from_bytes([sign ^ 0x5A; 32]),
        }
    }

    /// A history for "Alice" with `n` rotations, each signed as a client would.
    fn history(n: u8) -> crate::api::KeyHistory {
        use crate::api::signing::{CONTEXT_REGISTER, CONTEXT_ROTATE, register_message, rotation_message};
        let mut rng = <chacha20::ChaCha20Rng as rand_core::SeedableRng>::from_seed([7; 32]);
        let mut entries: Vec<crate::api::KeyHistoryEntry> = Vec::new();
        for r in 0..n {
            let id = seeds(r + 1, u32::from(r)).identity();
            let wire = WireIdentity::from(id.public());
            let self_signature = id
                .signing_key()
                .sign(&register_message("alice", &wire), CONTEXT_REGISTER, &mut rng)
                .map(|s| s.to_vec());
            let rotation_signature = (r > 0).then(|| {
                let previous = seeds(r, u32::from(r - 1)).identity();
                let statement = rotation_message("alice", u32::from(r), &previous.public().fingerprint().0, &wire);
                previous.signing_key().sign(&statement, CONTEXT_ROTATE, &mut rng).map(|s| s.to_vec())
            });
            entries.push(crate::api::KeyHistoryEntry {
                rotation: u32::from(r),
                fingerprint: fingerprint_hex(&id.public().fingerprint()),
                identity: wire,
                self_signature: self_signature.unwrap_or_default(),
                rotation_signature: rotation_signature.map(Result::unwrap_or_default),
                created_at: 0,
            });
        }
        crate::api::KeyHistory { username: "Alice".into(), entries }
    }

    #[test]
    fn key_history_verifies_and_names_the_first_fault() {
        let good = history(3);
        let ids = verify_key_history(&good);
        assert_eq!(ids.as_ref().map(Vec::len), Ok(3));
        assert_eq!(ids.map(|v| v[2].fingerprint()), Ok(seeds(3, 2).identity().public().fingerprint()));

        let empty = crate::api::KeyHistory { username: "alice".into(), entries: Vec::new() };
        assert_eq!(verify_key_history(&empty), Err(KeyHistoryError::Empty));
        let mut gap = good.clone();
        gap.entries.remove(1);
        assert_eq!(verify_key_history(&gap), Err(KeyHistoryError::OutOfOrder { expected: 1, found: 2 }));
        let mut fpr = good.clone();
        fpr.entries[1].fingerprint = fpr.entries[0].fingerprint.clone();
        assert_eq!(verify_key_history(&fpr), Err(KeyHistoryError::FingerprintMismatch(1)));
        let mut key = good.clone();
        key.entries[2].identity.xwing_public_key = vec![0xFF; XWING_PUBLIC_KEY_LEN];
        assert!(matches!(verify_key_history(&key), Err(KeyHistoryError::InvalidKey { rotation: 2, .. })));
        let mut renamed = good.clone();
        renamed.username = "mallory".into();
        assert_eq!(verify_key_history(&renamed), Err(KeyHistoryError::BadSelfSignature(0)));
        // A server substituting rotation 2 with keys of its own (self-signed,
        // but not vouched for by rotation 1's key).
        let mut swapped = good.clone();
        let other = history(4);
        swapped.entries[2] = crate::api::KeyHistoryEntry { rotation: 2, ..other.entries[3].clone() };
        assert_eq!(verify_key_history(&swapped), Err(KeyHistoryError::BadRotationStatement(2)));
        let mut unsigned = good;
        unsigned.entries[1].rotation_signature = None;
        assert_eq!(verify_key_history(&unsigned), Err(KeyHistoryError::BadRotationStatement(1)));
        // The partial check keeps what verified before the fault.
        let checked = check_key_history(&swapped);
        assert_eq!(checked.valid.len(), 2);
        assert_eq!(checked.broken, Some(KeyHistoryError::BadRotationStatement(2)));
    }
}
