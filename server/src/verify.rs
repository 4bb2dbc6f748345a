//! The ML-DSA-65 adapter: length checks, fingerprints and signature
//! verification with a context string. Deliberately tiny, so it can be
//! swapped for `shared::identity` when that lands.

use ml_dsa::{EncodedSignature, EncodedVerifyingKey, MlDsa65, Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use shared::api::PublicIdentity;
use shared::api::signing::{MLDSA65_PUBLIC_KEY_LEN, MLDSA65_SIGNATURE_LEN, XWING_PUBLIC_KEY_LEN, fingerprint_preimage};

pub use shared::api::signing::{CONTEXT_AUDIT_CHECKPOINT, CONTEXT_REGISTER, CONTEXT_ROTATE, CONTEXT_SIGN_IN};

/// Why a key or signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the ML-DSA-65 public key must be {MLDSA65_PUBLIC_KEY_LEN} bytes, got {0}")]
    MlDsaKeyLength(usize),
    #[error("the X-Wing public key must be {XWING_PUBLIC_KEY_LEN} bytes, got {0}")]
    XWingKeyLength(usize),
    #[error("an ML-DSA-65 signature is {MLDSA65_SIGNATURE_LEN} bytes, got {0}")]
    SignatureLength(usize),
    #[error("the signature does not verify")]
    BadSignature,
}

/// Checks the sizes of a public identity.
pub fn check_identity(identity: &PublicIdentity) -> Result<(), VerifyError> {
    if identity.mldsa65_public_key.len() != MLDSA65_PUBLIC_KEY_LEN {
        return Err(VerifyError::MlDsaKeyLength(identity.mldsa65_public_key.len()));
    }
    if identity.xwing_public_key.len() != XWING_PUBLIC_KEY_LEN {
        return Err(VerifyError::XWingKeyLength(identity.xwing_public_key.len()));
    }
    Ok(())
}

/// SHA-256 of the domain-separated encoding of both public keys.
pub fn fingerprint(identity: &PublicIdentity) -> Vec<u8> {
    Sha256::digest(fingerprint_preimage(identity)).to_vec()
}

/// Verifies an ML-DSA-65 signature over `message` with context `context`.
pub fn verify(public_key: &[u8], message: &[u8], context: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let key = EncodedVerifyingKey::<MlDsa65>::try_from(public_key)
        .map_err(|_| VerifyError::MlDsaKeyLength(public_key.len()))?;
    let encoded =
        EncodedSignature::<MlDsa65>::try_from(signature).map_err(|_| VerifyError::SignatureLength(signature.len()))?;
    let signature = Signature::<MlDsa65>::decode(&encoded).ok_or(VerifyError::BadSignature)?;
    if VerifyingKey::<MlDsa65>::decode(&key).verify_with_context(message, context, &signature) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// The server's own ML-DSA-65 key, which signs audit checkpoints.
pub struct ServerSigner {
    key: ml_dsa::SigningKey<MlDsa65>,
}

impl ServerSigner {
    /// Derives the key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { key: ml_dsa::SigningKey::<MlDsa65>::from_seed(&seed.into()) }
    }

    /// The verifying key, encoded (1952 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        use ml_dsa::Keypair;
        self.key.verifying_key().encode().to_vec()
    }

    /// Signs `message` with `context`.
    pub fn sign(&self, message: &[u8], context: &[u8]) -> Result<Vec<u8>, VerifyError> {
        let sig =
            self.key.expanded_key().sign_deterministic(message, context).map_err(|_| VerifyError::BadSignature)?;
        Ok(sig.encode().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_context_separation() {
        let signer = ServerSigner::from_seed([7; 32]);
        let sig = signer.sign(b"m", CONTEXT_SIGN_IN).expect("sign");
        assert_eq!(verify(&signer.public_key(), b"m", CONTEXT_SIGN_IN, &sig), Ok(()));
        assert_eq!(verify(&signer.public_key(), b"m", CONTEXT_REGISTER, &sig), Err(VerifyError::BadSignature));
        assert_eq!(verify(&signer.public_key(), b"x", CONTEXT_SIGN_IN, &sig), Err(VerifyError::BadSignature));
        assert_eq!(
            verify(&signer.public_key(), b"m", CONTEXT_SIGN_IN, &sig[1..]),
            Err(VerifyError::SignatureLength(3308))
        );
        assert_eq!(verify(&[0; 10], b"m", CONTEXT_SIGN_IN, &sig), Err(VerifyError::MlDsaKeyLength(10)));
    }
}
