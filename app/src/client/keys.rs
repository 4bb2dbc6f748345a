//! Public keys between the wire (`shared::api`) and the crypto core
//! (`shared::identity`), and the client-side check of a user's key history:
//! every rotation's self-signature, and every rotation statement signed by
//! the keys before it. Fingerprints always come from
//! [`shared::identity::PublicIdentity::fingerprint`], never from the server.

use shared::api::signing::{CONTEXT_REGISTER, CONTEXT_ROTATE, register_message, rotation_message};
use shared::api::{self, KeyHistory};
use shared::crypto::kem::XWingPublicKey;
use shared::crypto::sign::VerifyingKey;
use shared::identity::{Fingerprint, PublicIdentity};

/// The wire form of a public identity.
#[must_use]
pub fn to_wire(identity: &PublicIdentity) -> api::PublicIdentity {
    api::PublicIdentity {
        mldsa65_public_key: identity.sign.as_bytes().to_vec(),
        xwing_public_key: identity.kem.as_bytes().to_vec(),
    }
}

/// The crypto form of a wire identity; `None` if a key is malformed.
#[must_use]
pub fn from_wire(identity: &api::PublicIdentity, rotation: u32) -> Option<PublicIdentity> {
    Some(PublicIdentity {
        rotation,
        sign: VerifyingKey::from_bytes(&identity.mldsa65_public_key).ok()?,
        kem: XWingPublicKey::from_bytes(&identity.xwing_public_key).ok()?,
    })
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// A fingerprint from its hex form.
#[must_use]
pub fn fingerprint_from_hex(text: &str) -> Option<Fingerprint> {
    let bytes = hex::decode(text).ok()?;
    Some(Fingerprint(bytes.try_into().ok()?))
}

/// What the check of a key history found.
#[derive(Debug, Clone)]
pub struct CheckedHistory {
    /// The rotations that verified, oldest first (a prefix of the history).
    pub valid: Vec<PublicIdentity>,
    /// Where the chain broke, in words, if it did.
    pub broken: Option<String>,
}

impl CheckedHistory {
    /// The newest verified identity.
    #[must_use]
    pub fn current(&self) -> Option<&PublicIdentity> {
        self.valid.last()
    }

    /// Whether `fp` is one of the verified rotations.
    #[must_use]
    pub fn find(&self, fp: &Fingerprint) -> Option<&PublicIdentity> {
        self.valid.iter().find(|p| &p.fingerprint() == fp)
    }
}

/// Verifies a key history from rotation 0: each entry's self-signature by
/// its own key, and for each later entry the rotation statement signed by
/// the previous entry's key. Stops at the first failure.
#[must_use]
pub fn check_history(history: &KeyHistory) -> CheckedHistory {
    let username = history.username.to_ascii_lowercase();
    let mut valid: Vec<PublicIdentity> = Vec::with_capacity(history.entries.len());
    for (i, entry) in history.entries.iter().enumerate() {
        let fail = |why: &str| Some(format!("rotation {}: {why}", entry.rotation));
        let Some(id) = from_wire(&entry.identity, entry.rotation) else {
            return CheckedHistory { valid, broken: fail("its keys are malformed") };
        };
        let expected_rotation = u32::try_from(i).unwrap_or(u32::MAX);
        if entry.rotation != expected_rotation {
            return CheckedHistory { valid, broken: fail("rotations are missing or out of order") };
        }
        if id
            .sign
            .verify(&register_message(&username, &entry.identity), CONTEXT_REGISTER, &entry.self_signature)
            .is_err()
        {
            return CheckedHistory { valid, broken: fail("its self-signature does not verify") };
        }
        if let Some(previous) = valid.last() {
            let Some(sig) = &entry.rotation_signature else {
                return CheckedHistory { valid, broken: fail("the rotation statement is missing") };
            };
            let msg = rotation_message(&username, entry.rotation, &previous.fingerprint().0, &entry.identity);
            if previous.sign.verify(&msg, CONTEXT_ROTATE, sig).is_err() {
                return CheckedHistory {
                    valid,
                    broken: fail("the rotation statement is not signed by the previous key"),
                };
            }
        }
        valid.push(id);
    }
    CheckedHistory { valid, broken: None }
}
