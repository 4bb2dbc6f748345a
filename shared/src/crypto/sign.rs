//! ML-DSA-65 (FIPS 204) signatures: hedged signing with a context string per
//! use, keys from a 32-byte seed ξ.

use ml_dsa::{EncodedVerifyingKey, MlDsa65, Signature as RawSignature};
use rand_core::CryptoRng;

use super::secret::Secret32;

/// Verifying-key length.
pub const PUBLIC_KEY_LEN: usize = 1952;
/// Signature length.
pub const SIGNATURE_LEN: usize = 3309;
/// Longest context string FIPS 204 allows.
pub const MAX_CONTEXT_LEN: usize = 255;

/// The context string of every signing use, so a signature made for one
/// purpose never verifies for another.
pub mod contexts {
    /// Vault file trailer.
    pub const VAULT_FILE: &[u8] = b"quantumvault/v1/vault-file";
    /// Server login challenge (used by the server/app engineers).
    pub const AUTH_CHALLENGE: &[u8] = b"quantumvault/v1/auth-challenge";
    /// Key-rotation statement signed by the previous key.
    pub const ROTATION_STATEMENT: &[u8] = b"quantumvault/v1/rotation";
    /// BB84 link-key delivery.
    pub const LINK_KEY_DELIVERY: &[u8] = b"quantumvault/v1/link-key";
    /// Self-signature of new keys at registration and rotation (server API).
    pub const REGISTER: &[u8] = b"quantumvault/v1/register";
    /// The server's signed checkpoint of an audit-chain head.
    pub const AUDIT_CHECKPOINT: &[u8] = b"quantumvault/v1/audit-checkpoint";
}

/// ML-DSA failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// Wrong public-key length.
    #[error("an ML-DSA-65 public key must be {PUBLIC_KEY_LEN} bytes")]
    InvalidPublicKey,
    /// Wrong signature length or encoding.
    #[error("malformed ML-DSA-65 signature")]
    MalformedSignature,
    /// The signature does not verify for this key, message and context.
    #[error("the signature does not verify")]
    BadSignature,
    /// Context longer than 255 bytes.
    #[error("the signing context is longer than 255 bytes")]
    ContextTooLong,
    /// Signing failed (randomness unavailable or rejection loop exhausted).
    #[error("signing failed")]
    SigningFailed,
}

/// ML-DSA-65 signing key.
pub struct SigningKey {
    sk: ml_dsa::SigningKey<MlDsa65>,
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKey(redacted)")
    }
}

/// ML-DSA-65 verifying key.
#[derive(Clone)]
pub struct VerifyingKey {
    vk: ml_dsa::VerifyingKey<MlDsa65>,
    bytes: [u8; PUBLIC_KEY_LEN],
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for VerifyingKey {}

impl core::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VerifyingKey({:02x?}…)", self.bytes.get(..8))
    }
}

impl SigningKey {
    /// ML-DSA.KeyGen_internal(ξ).
    #[must_use]
    pub fn from_seed(seed: &Secret32) -> Self {
        Self { sk: ml_dsa::SigningKey::<MlDsa65>::from_seed(&(*seed.expose()).into()) }
    }

    /// The matching verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        let vk = self.sk.expanded_key().verifying_key();
        let bytes = vk.encode().into();
        VerifyingKey { vk, bytes }
    }

    /// Hedged ML-DSA.Sign(sk, msg, ctx): 32 bytes of `rng` enter the nonce, so
    /// fault attacks on deterministic signing do not apply. A caller that
    /// passes an all-zero RNG gets the deterministic variant (tests only).
    ///
    /// # Errors
    /// [`SignError::ContextTooLong`], [`SignError::SigningFailed`].
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        msg: &[u8],
        ctx: &[u8],
        rng: &mut R,
    ) -> Result<[u8; SIGNATURE_LEN], SignError> {
        if ctx.len() > MAX_CONTEXT_LEN {
            return Err(SignError::ContextTooLong);
        }
        let sig = self.sk.expanded_key().sign_randomized(msg, ctx, rng).map_err(|_| SignError::SigningFailed)?;
        Ok(sig.encode().into())
    }
}

impl VerifyingKey {
    /// Parses a 1952-byte verifying key.
    ///
    /// # Errors
    /// [`SignError::InvalidPublicKey`] on a wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignError> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| SignError::InvalidPublicKey)?;
        let enc: EncodedVerifyingKey<MlDsa65> = arr.into();
        Ok(Self { vk: ml_dsa::VerifyingKey::<MlDsa65>::decode(&enc), bytes: arr })
    }

    /// The 1952-byte encoding.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// ML-DSA.Verify(pk, msg, sig, ctx).
    ///
    /// # Errors
    /// [`SignError::MalformedSignature`], [`SignError::ContextTooLong`],
    /// [`SignError::BadSignature`].
    pub fn verify(&self, msg: &[u8], ctx: &[u8], signature: &[u8]) -> Result<(), SignError> {
        if ctx.len() > MAX_CONTEXT_LEN {
            return Err(SignError::ContextTooLong);
        }
        let sig = RawSignature::<MlDsa65>::try_from(signature).map_err(|_| SignError::MalformedSignature)?;
        if self.vk.verify_with_context(msg, ctx, &sig) { Ok(()) } else { Err(SignError::BadSignature) }
    }
}
