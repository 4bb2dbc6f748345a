//! Keys and signatures, all through `shared`: wire identities are validated
//! by [`shared::api::PublicIdentity::parse`] (so the server and the browser
//! agree on what a valid key is and on its fingerprint), signatures are
//! checked by [`shared::crypto::sign`], and the server's own checkpoint key
//! is a [`shared::crypto::sign::SigningKey`].

use shared::crypto::rng::os_rng;
use shared::crypto::secret::Secret32;
use shared::crypto::sign::{SignError, SigningKey, VerifyingKey};

pub use shared::api::signing::{CONTEXT_AUDIT_CHECKPOINT, CONTEXT_REGISTER, CONTEXT_ROTATE, CONTEXT_SIGN_IN};

/// Verifies an ML-DSA-65 signature over `message` with context `context`
/// under a stored (encoded) verifying key.
///
/// # Errors
/// [`SignError`]: a wrong key length, a malformed or a bad signature.
pub fn verify(public_key: &[u8], message: &[u8], context: &[u8], signature: &[u8]) -> Result<(), SignError> {
    VerifyingKey::from_bytes(public_key)?.verify(message, context, signature)
}

/// The server's own ML-DSA-65 key, which signs audit checkpoints.
pub struct ServerSigner {
    key: SigningKey,
}

impl ServerSigner {
    /// Derives the key from its 32-byte seed.
    pub fn from_seed(seed: Secret32) -> Self {
        Self { key: SigningKey::from_seed(&seed) }
    }

    /// The verifying key, encoded (1952 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        self.key.verifying_key().as_bytes().to_vec()
    }

    /// Signs `message` with `context` (hedged: fresh randomness enters the nonce).
    ///
    /// # Errors
    /// [`SignError::SigningFailed`], [`SignError::ContextTooLong`].
    pub fn sign(&self, message: &[u8], context: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.key.sign(message, context, &mut os_rng())?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_context_separation() {
        let signer = ServerSigner::from_seed(Secret32::from_bytes([7; 32]));
        let sig = signer.sign(b"m", CONTEXT_SIGN_IN).expect("sign");
        assert_eq!(verify(&signer.public_key(), b"m", CONTEXT_SIGN_IN, &sig), Ok(()));
        assert_eq!(verify(&signer.public_key(), b"m", CONTEXT_REGISTER, &sig), Err(SignError::BadSignature));
        assert_eq!(verify(&signer.public_key(), b"x", CONTEXT_SIGN_IN, &sig), Err(SignError::BadSignature));
        assert_eq!(verify(&signer.public_key(), b"m", CONTEXT_SIGN_IN, &sig[1..]), Err(SignError::MalformedSignature));
        assert_eq!(verify(&[0; 10], b"m", CONTEXT_SIGN_IN, &sig), Err(SignError::InvalidPublicKey));
    }
}
