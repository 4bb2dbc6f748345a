//! Where the vault meets BB84 links (DESIGN §6): the link key of a pair is
//! mixed into that recipient's wrap key (the format's stanza has the slot),
//! and a received stanza names its link by id.
//!
//! This is the hook for the lab's `crate::links` module (link records over
//! the server relay, keys held in memory only). Until it is part of the app,
//! no pair has a link: shares use the X-Wing secret alone, which is the full
//! security of the format (the link key is only ever mixed in), and a file
//! whose stanza names a link is reported as needing a link key this device
//! does not have.

use shared::crypto::secret::Secret32;
use shared::format::vault::{LINK_ID_LEN, LinkKey};

/// The link key shared with `peer`, if this device has one.
#[must_use]
pub fn key_for(peer: &str) -> Option<LinkKey> {
    let _ = peer;
    None
}

/// A link key by the id a stanza names, if this device has it.
#[must_use]
pub fn key_by_id(id: &[u8; LINK_ID_LEN]) -> Option<Secret32> {
    let _ = id;
    None
}
