//! ML-KEM-1024 (FIPS 203) for the backup file: its decapsulation key derives
//! from the recovery code, so the backup needs the code to open.

use ml_kem::{Decapsulate, Encapsulate, KeyExport, MlKem1024};

use super::secret::Secret;

/// Encapsulation key length.
pub const PUBLIC_KEY_LEN: usize = 1568;
/// Ciphertext length.
pub const CIPHERTEXT_LEN: usize = 1568;
/// Seed length (d ‖ z).
pub const SEED_LEN: usize = 64;

/// ML-KEM-1024 failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BackupKemError {
    /// Wrong length or a coefficient out of range (FIPS 203 §7.2 check).
    #[error("not a valid ML-KEM-1024 encapsulation key")]
    InvalidPublicKey,
    /// Wrong ciphertext length.
    #[error("an ML-KEM-1024 ciphertext must be {CIPHERTEXT_LEN} bytes")]
    InvalidCiphertext,
}

super::kem_keys::kem_secret_key! {
    /// ML-KEM-1024 decapsulation key, kept as its 64-byte seed by the crate.
    MlKemSecretKey(ml_kem::DecapsulationKey<MlKem1024>), public: MlKemPublicKey,
    bad_ciphertext: BackupKemError::InvalidCiphertext
}

super::kem_keys::kem_public_key! {
    /// ML-KEM-1024 encapsulation key (1568 bytes).
    MlKemPublicKey(ml_kem::EncapsulationKey<MlKem1024>), len: PUBLIC_KEY_LEN, ciphertext: CIPHERTEXT_LEN,
    invalid: BackupKemError::InvalidPublicKey
}

impl MlKemSecretKey {
    /// ML-KEM.KeyGen_internal(d, z) from the 64-byte seed d ‖ z.
    #[must_use]
    pub fn from_seed(seed: &Secret<SEED_LEN>) -> Self {
        Self { dk: ml_kem::DecapsulationKey::<MlKem1024>::from_seed((*seed.expose()).into()) }
    }
}
