//! ML-KEM-1024 (FIPS 203) for the backup file: its decapsulation key derives
//! from the recovery code, so the backup needs the code to open.

use ml_kem::{Decapsulate, Encapsulate, KeyExport, MlKem1024};
use rand_core::CryptoRng;

use super::secret::{Secret, Secret32};

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

/// ML-KEM-1024 decapsulation key, kept as its 64-byte seed by the crate.
pub struct MlKemSecretKey {
    dk: ml_kem::DecapsulationKey<MlKem1024>,
}

impl core::fmt::Debug for MlKemSecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MlKemSecretKey(redacted)")
    }
}

/// ML-KEM-1024 encapsulation key.
#[derive(Clone)]
pub struct MlKemPublicKey {
    ek: ml_kem::EncapsulationKey<MlKem1024>,
    bytes: [u8; PUBLIC_KEY_LEN],
}

impl PartialEq for MlKemPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for MlKemPublicKey {}

impl core::fmt::Debug for MlKemPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlKemPublicKey({:02x?}…)", self.bytes.get(..8))
    }
}

impl MlKemSecretKey {
    /// ML-KEM.KeyGen_internal(d, z) from the 64-byte seed d ‖ z.
    #[must_use]
    pub fn from_seed(seed: &Secret<SEED_LEN>) -> Self {
        Self {
            dk: ml_kem::DecapsulationKey::<MlKem1024>::from_seed((*seed.expose()).into()),
        }
    }

    /// The matching encapsulation key.
    #[must_use]
    pub fn public_key(&self) -> MlKemPublicKey {
        let ek = self.dk.encapsulation_key().clone();
        let bytes = ek.to_bytes().into();
        MlKemPublicKey { ek, bytes }
    }

    /// Shared secret (implicit rejection: a tampered ciphertext yields an
    /// unrelated secret, so the AEAD above catches it).
    ///
    /// # Errors
    /// [`BackupKemError::InvalidCiphertext`] on a wrong length.
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<Secret32, BackupKemError> {
        let ct: &[u8; CIPHERTEXT_LEN] = ciphertext
            .try_into()
            .map_err(|_| BackupKemError::InvalidCiphertext)?;
        let ss = self.dk.decapsulate(&(*ct).into());
        Ok(Secret32::from_bytes(ss.into()))
    }
}

impl MlKemPublicKey {
    /// Parses and validates an encapsulation key.
    ///
    /// # Errors
    /// [`BackupKemError::InvalidPublicKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BackupKemError> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| BackupKemError::InvalidPublicKey)?;
        let ek = ml_kem::EncapsulationKey::<MlKem1024>::new(&arr.into())
            .map_err(|_| BackupKemError::InvalidPublicKey)?;
        Ok(Self { ek, bytes: arr })
    }

    /// The 1568-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// A fresh shared secret and its ciphertext.
    pub fn encapsulate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> ([u8; CIPHERTEXT_LEN], Secret32) {
        let (ct, ss) = self.ek.encapsulate_with_rng(rng);
        (ct.into(), Secret32::from_bytes(ss.into()))
    }
}
