//! Public keys between the wire (`shared::api`) and the crypto core
//! (`shared::identity`), and the client-side check of a user's key history:
//! every rotation's self-signature, and every rotation statement signed by
//! the keys before it. Fingerprints always come from
//! [`shared::identity::PublicIdentity::fingerprint`], never from the server.

use shared::api::identity::check_key_history;
use shared::api::{self, KeyHistory};
use shared::identity::{Fingerprint, PublicIdentity};

/// The wire form of a public identity.
#[must_use]
pub fn to_wire(identity: &PublicIdentity) -> api::PublicIdentity {
    api::PublicIdentity::from(identity)
}

/// The crypto form of a wire identity; `None` if a key is malformed.
#[must_use]
pub fn from_wire(identity: &api::PublicIdentity, rotation: u32) -> Option<PublicIdentity> {
    identity.parse(rotation).ok()
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

/// Verifies a key history from rotation 0 with
/// [`shared::api::identity::check_key_history`] (the server's fingerprint of
/// each entry, its self-signature, and each rotation statement signed by the
/// previous key), keeping the verified prefix and the fault in words.
#[must_use]
pub fn check_history(history: &KeyHistory) -> CheckedHistory {
    let checked = check_key_history(history);
    CheckedHistory { valid: checked.valid, broken: checked.broken.map(|fault| fault.to_string()) }
}
