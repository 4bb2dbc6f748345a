//! The contacts store: the public keys of people I share with or receive
//! from, pinned on first use (trust on first use). A later, different key
//! is never used silently: the UI warns and shows whether the server's
//! rotation statements link the pinned key to the new one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::identity::{Fingerprint, PublicIdentity};

use super::keys::{CheckedHistory, check_history, hex};
use super::{ClientError, api, local_store};

const KEY: &str = "contacts.v1";

/// A pinned contact: public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Username as the server spells it.
    pub username: String,
    /// Pinned rotation.
    pub rotation: u32,
    /// Pinned public identity (`QVID` bytes, base64url).
    pub identity: String,
    /// Its fingerprint, hex.
    pub fingerprint: String,
}

impl Contact {
    fn of(username: &str, id: &PublicIdentity) -> Self {
        Self {
            username: username.to_owned(),
            rotation: id.rotation,
            identity: shared::api::b64::encode(&id.to_bytes()),
            fingerprint: hex(&id.fingerprint().0),
        }
    }

    /// The pinned identity.
    #[must_use]
    pub fn public(&self) -> Option<PublicIdentity> {
        PublicIdentity::from_bytes(&shared::api::b64::decode(&self.identity)?).ok()
    }
}

/// Every pinned contact, by lower-case username.
#[must_use]
pub fn all() -> BTreeMap<String, Contact> {
    local_store::load(KEY).unwrap_or_default()
}

/// Pins (or re-pins, after the user accepted a change) a contact's key.
pub fn pin(username: &str, id: &PublicIdentity) {
    let mut map = all();
    map.insert(username.to_ascii_lowercase(), Contact::of(username, id));
    local_store::save(KEY, &map);
}

/// A contact's pinned key, if any.
#[must_use]
pub fn pinned(username: &str) -> Option<Contact> {
    all().remove(&username.to_ascii_lowercase())
}

/// Finds a pinned identity by fingerprint (local mode: who signed this file?).
#[must_use]
pub fn by_fingerprint(fp: &Fingerprint) -> Option<(String, PublicIdentity)> {
    let hex_fp = hex(&fp.0);
    all().into_values().find(|c| c.fingerprint == hex_fp).and_then(|c| Some((c.username.clone(), c.public()?)))
}

/// What we know about someone's key right now.
#[derive(Debug, Clone)]
pub enum KeyStatus {
    /// First contact: the key was just pinned (trust on first use).
    FirstUse(PublicIdentity),
    /// Same key as pinned.
    Known(PublicIdentity),
    /// The server shows another key than the one pinned.
    Changed {
        /// The pinned key.
        pinned: Box<PublicIdentity>,
        /// The server's current key.
        current: Box<PublicIdentity>,
        /// Whether the rotation statements link the pinned key to it.
        rotation_valid: bool,
        /// Why not, in words.
        reason: Option<String>,
    },
}

impl KeyStatus {
    /// The key to encrypt to / verify with, if it may be used without asking.
    #[must_use]
    pub fn usable(&self) -> Option<&PublicIdentity> {
        match self {
            Self::FirstUse(p) | Self::Known(p) => Some(p),
            Self::Changed { .. } => None,
        }
    }
}

/// A person's verified key history and how it compares with the pin.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// Username as the server spells it.
    pub username: String,
    /// The verified history.
    pub history: CheckedHistory,
    /// Comparison with the pinned key.
    pub status: KeyStatus,
}

/// Fetches `username`'s key history, checks it, and compares it with the
/// pinned key (pinning it on first use).
///
/// # Errors
/// [`ClientError`]; [`ClientError::Malformed`] if no rotation verifies.
pub async fn lookup(username: &str) -> Result<Lookup, ClientError> {
    let history = api::key_history(username).await?;
    let name = history.username.clone();
    let checked = check_history(&history);
    let current = checked.current().cloned().ok_or_else(|| {
        ClientError::Malformed(checked.broken.clone().unwrap_or_else(|| "no keys for this user".to_owned()))
    })?;
    let status = match pinned(&name).and_then(|c| c.public()) {
        None => {
            pin(&name, &current);
            KeyStatus::FirstUse(current)
        }
        Some(p) if p.fingerprint() == current.fingerprint() => KeyStatus::Known(current),
        Some(p) => {
            // Valid only if the whole chain verified and the pinned key is in it, earlier.
            let in_chain = checked.find(&p.fingerprint()).is_some();
            let rotation_valid = checked.broken.is_none() && in_chain && p.rotation < current.rotation;
            let reason = if rotation_valid {
                None
            } else if let Some(b) = &checked.broken {
                Some(b.clone())
            } else {
                Some("the key you knew is not in this user's key history".to_owned())
            };
            KeyStatus::Changed { pinned: Box::new(p), current: Box::new(current), rotation_valid, reason }
        }
    };
    Ok(Lookup { username: name, history: checked, status })
}
