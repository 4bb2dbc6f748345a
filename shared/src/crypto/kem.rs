//! X-Wing (X25519 + ML-KEM-768 hybrid KEM, draft-connolly-cfrg-xwing-kem)
//! for per-recipient key transport in vault files.
//!
//! Private keys are the 32-byte X-Wing seed; the crate expands them.

use x_wing::{Decapsulate, Decapsulator, Encapsulate, KeyExport, KeyInit, TryKeyInit};

use super::secret::Secret32;

/// Encapsulation (public) key length.
pub const PUBLIC_KEY_LEN: usize = x_wing::ENCAPSULATION_KEY_SIZE;
/// Ciphertext length.
pub const CIPHERTEXT_LEN: usize = x_wing::CIPHERTEXT_SIZE;
/// Seed (private key) length.
pub const SEED_LEN: usize = x_wing::DECAPSULATION_KEY_SIZE;

/// X-Wing failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KemError {
    /// The public key bytes are not a valid X-Wing key.
    #[error("not a valid X-Wing public key (wrong length or encoding)")]
    InvalidPublicKey,
    /// The ciphertext has the wrong length.
    #[error("an X-Wing ciphertext must be {CIPHERTEXT_LEN} bytes")]
    InvalidCiphertext,
}

super::kem_keys::kem_secret_key! {
    /// X-Wing private key (from its 32-byte seed).
    XWingSecretKey(x_wing::DecapsulationKey), public: XWingPublicKey, bad_ciphertext: KemError::InvalidCiphertext
}

super::kem_keys::kem_public_key! {
    /// X-Wing public key (1216 bytes).
    XWingPublicKey(x_wing::EncapsulationKey), len: PUBLIC_KEY_LEN, ciphertext: CIPHERTEXT_LEN,
    invalid: KemError::InvalidPublicKey
}

impl XWingSecretKey {
    /// Expands a seed. Deterministic: the seed *is* the private key.
    #[must_use]
    pub fn from_seed(seed: &Secret32) -> Self {
        Self { dk: x_wing::DecapsulationKey::new(seed.expose().into()) }
    }
}
