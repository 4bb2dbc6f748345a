//! X-Wing (X25519 + ML-KEM-768 hybrid KEM, draft-connolly-cfrg-xwing-kem)
//! for per-recipient key transport in vault files.
//!
//! Private keys are the 32-byte X-Wing seed; the crate expands them.

use rand_core::CryptoRng;
use x_wing::{Decapsulate, Encapsulate, KeyExport, KeyInit, TryKeyInit};

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

/// X-Wing private key (from its 32-byte seed).
pub struct XWingSecretKey {
    dk: x_wing::DecapsulationKey,
}

impl core::fmt::Debug for XWingSecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("XWingSecretKey(redacted)")
    }
}

/// X-Wing public key (1216 bytes).
#[derive(Clone)]
pub struct XWingPublicKey {
    ek: x_wing::EncapsulationKey,
    bytes: [u8; PUBLIC_KEY_LEN],
}

impl PartialEq for XWingPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for XWingPublicKey {}

impl core::fmt::Debug for XWingPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "XWingPublicKey({:02x?}…)", self.bytes.get(..8))
    }
}

impl XWingSecretKey {
    /// Expands a seed. Deterministic: the seed *is* the private key.
    #[must_use]
    pub fn from_seed(seed: &Secret32) -> Self {
        Self {
            dk: x_wing::DecapsulationKey::new(seed.expose().into()),
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> XWingPublicKey {
        use x_wing::Decapsulator;
        let ek = self.dk.encapsulation_key().clone();
        let bytes = ek.to_bytes().into();
        XWingPublicKey { ek, bytes }
    }

    /// Shared secret of a ciphertext. X-Wing decapsulation never fails on a
    /// well-sized ciphertext (implicit rejection gives an unrelated secret).
    ///
    /// # Errors
    /// [`KemError::InvalidCiphertext`] on a wrong length.
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<Secret32, KemError> {
        let ct: &[u8; CIPHERTEXT_LEN] = ciphertext
            .try_into()
            .map_err(|_| KemError::InvalidCiphertext)?;
        let ss = self.dk.decapsulate(&(*ct).into());
        Ok(Secret32::from_bytes(ss.into()))
    }
}

impl XWingPublicKey {
    /// Parses a public key.
    ///
    /// # Errors
    /// [`KemError::InvalidPublicKey`] on a wrong length or invalid encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KemError> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| KemError::InvalidPublicKey)?;
        let ek =
            x_wing::EncapsulationKey::new(&arr.into()).map_err(|_| KemError::InvalidPublicKey)?;
        Ok(Self { ek, bytes: arr })
    }

    /// The 1216-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// A fresh shared secret and the ciphertext that carries it.
    pub fn encapsulate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> ([u8; CIPHERTEXT_LEN], Secret32) {
        let (ct, ss) = self.ek.encapsulate_with_rng(rng);
        (ct.into(), Secret32::from_bytes(ss.into()))
    }
}
