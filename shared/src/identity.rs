//! A user's keys per rotation, derived from two 32-byte seeds (ML-DSA ξ and
//! X-Wing); the public identity and its fingerprint; the keyring that the
//! token stores.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::crypto::backup_kem::MlKemPublicKey;
use crate::crypto::kem::{self, XWingPublicKey, XWingSecretKey};
use crate::crypto::secret::Secret32;
use crate::crypto::sign::{self, SigningKey, VerifyingKey};
use crate::format::bytes::Reader;

/// Magic of an encoded [`PublicIdentity`].
pub const PUBLIC_IDENTITY_MAGIC: &[u8; 4] = b"QVID";
/// Current version of the public-identity encoding.
pub const PUBLIC_IDENTITY_VERSION: u8 = 1;
/// Length of an encoded [`PublicIdentity`].
pub const PUBLIC_IDENTITY_LEN: usize = 4 + 1 + 4 + sign::PUBLIC_KEY_LEN + kem::PUBLIC_KEY_LEN;
const FINGERPRINT_DOMAIN: &[u8] = b"quantumvault/v1/fingerprint";

/// Identity decoding failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not a public identity (wrong magic or length).
    #[error("this is not a QuantumVault public identity")]
    NotAnIdentity,
    /// Made by a newer version.
    #[error("public identity version {0} is not supported; update QuantumVault")]
    UnsupportedVersion(u8),
    /// A key inside is invalid.
    #[error("the public identity contains an invalid key")]
    InvalidKey,
}

/// SHA-256 over both public keys: what people compare and what stanzas name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Human-readable form: Crockford base32 of all 32 bytes in groups of
    /// four (13 groups), e.g. `7K3Q-9D2M-…`. Comparing it digit by digit
    /// compares the full 256-bit hash.
    #[must_use]
    pub fn to_human(&self) -> String {
        const A: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut syms = Vec::with_capacity(52);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &b in &self.0 {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                syms.push(A[((acc >> bits) & 31) as usize]);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            syms.push(A[((acc << (5 - bits)) & 31) as usize]);
        }
        syms.chunks(4)
            .map(|g| g.iter().map(|&c| char::from(c)).collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl core::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_human())
    }
}

impl core::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fingerprint({})", self.to_human())
    }
}

/// The two seeds of one rotation. Everything secret derives from them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdentitySeeds {
    /// Rotation number (0 at set-up, +1 per rotation).
    pub rotation: u32,
    /// ML-DSA-65 ξ.
    pub sign_seed: Secret32,
    /// X-Wing seed.
    pub kem_seed: Secret32,
}

impl IdentitySeeds {
    /// Fresh seeds.
    pub fn generate<R: CryptoRng + ?Sized>(rotation: u32, rng: &mut R) -> Self {
        Self {
            rotation,
            sign_seed: Secret32::random(rng),
            kem_seed: Secret32::random(rng),
        }
    }

    /// The expanded keys.
    #[must_use]
    pub fn identity(&self) -> Identity {
        Identity::from_seeds(self)
    }
}

/// Expanded keys of one rotation.
#[derive(Debug)]
pub struct Identity {
    signing: SigningKey,
    kem: XWingSecretKey,
    public: PublicIdentity,
}

impl Identity {
    /// Derives both key pairs.
    #[must_use]
    pub fn from_seeds(seeds: &IdentitySeeds) -> Self {
        let signing = SigningKey::from_seed(&seeds.sign_seed);
        let kem = XWingSecretKey::from_seed(&seeds.kem_seed);
        let public = PublicIdentity {
            rotation: seeds.rotation,
            sign: signing.verifying_key(),
            kem: kem.public_key(),
        };
        Self {
            signing,
            kem,
            public,
        }
    }
    /// The public half.
    #[must_use]
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }
    /// ML-DSA-65 signing key.
    #[must_use]
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
    /// X-Wing private key.
    #[must_use]
    pub fn kem_key(&self) -> &XWingSecretKey {
        &self.kem
    }
}

/// Both public keys of one rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIdentity {
    /// Rotation number.
    pub rotation: u32,
    /// ML-DSA-65 verifying key.
    pub sign: VerifyingKey,
    /// X-Wing public key.
    pub kem: XWingPublicKey,
}

impl PublicIdentity {
    /// `SHA-256("quantumvault/v1/fingerprint" ‖ ML-DSA pk ‖ X-Wing pk)`.
    /// The rotation number is not hashed: new keys already give a new
    /// fingerprint.
    #[must_use]
    pub fn fingerprint(&self) -> Fingerprint {
        let h = Sha256::new()
            .chain_update(FINGERPRINT_DOMAIN)
            .chain_update(self.sign.as_bytes())
            .chain_update(self.kem.as_bytes())
            .finalize();
        Fingerprint(h.into())
    }

    /// `"QVID" ‖ version ‖ rotation (u32 BE) ‖ ML-DSA pk ‖ X-Wing pk`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PUBLIC_IDENTITY_LEN);
        out.extend_from_slice(PUBLIC_IDENTITY_MAGIC);
        out.push(PUBLIC_IDENTITY_VERSION);
        out.extend_from_slice(&self.rotation.to_be_bytes());
        out.extend_from_slice(self.sign.as_bytes());
        out.extend_from_slice(self.kem.as_bytes());
        out
    }

    /// Parses [`Self::to_bytes`].
    ///
    /// # Errors
    /// [`IdentityError`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        let mut r = Reader::new(bytes);
        if r.take(4) != Some(PUBLIC_IDENTITY_MAGIC.as_slice()) {
            return Err(IdentityError::NotAnIdentity);
        }
        let version = r.u8().ok_or(IdentityError::NotAnIdentity)?;
        if version != PUBLIC_IDENTITY_VERSION {
            return Err(IdentityError::UnsupportedVersion(version));
        }
        if r.remaining() != PUBLIC_IDENTITY_LEN - 5 {
            return Err(IdentityError::NotAnIdentity);
        }
        let rotation = r.u32().ok_or(IdentityError::NotAnIdentity)?;
        let sign_pk = r
            .take(sign::PUBLIC_KEY_LEN)
            .ok_or(IdentityError::NotAnIdentity)?;
        let kem_pk = r
            .take(kem::PUBLIC_KEY_LEN)
            .ok_or(IdentityError::NotAnIdentity)?;
        Ok(Self {
            rotation,
            sign: VerifyingKey::from_bytes(sign_pk).map_err(|_| IdentityError::InvalidKey)?,
            kem: XWingPublicKey::from_bytes(kem_pk).map_err(|_| IdentityError::InvalidKey)?,
        })
    }
}

/// The KEM key of an earlier rotation, kept so old files stay readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousKem {
    /// Its rotation.
    pub rotation: u32,
    /// The fingerprint that rotation's stanzas carry.
    pub fingerprint: Fingerprint,
    /// Its X-Wing seed.
    pub kem_seed: Secret32,
}

/// The secret content of the token: current seeds, earlier KEM seeds, and
/// the backup's ML-KEM-1024 encapsulation key (public; it lets a rotation
/// write a new backup without the recovery code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyring {
    /// This rotation's seeds.
    pub current: IdentitySeeds,
    /// Earlier rotations' KEM seeds, oldest first.
    pub previous: Vec<PreviousKem>,
    /// Encapsulation key derived from the recovery code.
    pub backup_key: MlKemPublicKey,
}

impl Keyring {
    /// A keyring at set-up.
    #[must_use]
    pub fn new(current: IdentitySeeds, backup_key: MlKemPublicKey) -> Self {
        Self {
            current,
            previous: Vec::new(),
            backup_key,
        }
    }

    /// The keyring after a rotation to `next` (whose rotation must be higher):
    /// the current KEM seed moves to `previous`.
    #[must_use]
    pub fn rotated(&self, next: IdentitySeeds) -> Self {
        let mut previous = self.previous.clone();
        previous.push(PreviousKem {
            rotation: self.current.rotation,
            fingerprint: self.current.identity().public().fingerprint(),
            kem_seed: self.current.kem_seed.clone(),
        });
        Self {
            current: next,
            previous,
            backup_key: self.backup_key.clone(),
        }
    }

    /// The X-Wing key a stanza addressed to `fingerprint` needs, if ours.
    #[must_use]
    pub fn kem_key_for(&self, fingerprint: &Fingerprint) -> Option<XWingSecretKey> {
        let current = self.current.identity();
        if &current.public().fingerprint() == fingerprint {
            return Some(XWingSecretKey::from_seed(&self.current.kem_seed));
        }
        self.previous
            .iter()
            .find(|p| &p.fingerprint == fingerprint)
            .map(|p| XWingSecretKey::from_seed(&p.kem_seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_identity_round_trip_and_errors() {
        let seeds = IdentitySeeds {
            rotation: 7,
            sign_seed: Secret32::from_bytes([1; 32]),
            kem_seed: Secret32::from_bytes([2; 32]),
        };
        let id = seeds.identity();
        let bytes = id.public().to_bytes();
        assert_eq!(bytes.len(), PUBLIC_IDENTITY_LEN);
        let back = PublicIdentity::from_bytes(&bytes);
        assert_eq!(back.as_ref(), Ok(id.public()));
        assert_eq!(
            id.public().fingerprint(),
            seeds.identity().public().fingerprint()
        );
        assert_eq!(id.public().fingerprint().to_human().len(), 52 + 12);
        let mut v2 = bytes.clone();
        v2[4] = 2;
        assert_eq!(
            PublicIdentity::from_bytes(&v2),
            Err(IdentityError::UnsupportedVersion(2))
        );
        for cut in [0, 3, 5, 9, bytes.len() - 1] {
            assert!(PublicIdentity::from_bytes(&bytes[..cut]).is_err());
        }
        let mut long = bytes;
        long.push(0);
        assert_eq!(
            PublicIdentity::from_bytes(&long),
            Err(IdentityError::NotAnIdentity)
        );
    }
}
