//! The bridge between the wire form of a public identity
//! ([`super::PublicIdentity`], two base64url byte strings) and the typed
//! [`crate::identity::PublicIdentity`]. Both the server and the browser go
//! through here, so they validate keys the same way and compute one and the
//! same fingerprint (`crate::identity::PublicIdentity::fingerprint`).

use super::PublicIdentity as WireIdentity;
use super::signing::{MLDSA65_PUBLIC_KEY_LEN, XWING_PUBLIC_KEY_LEN};
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
}
