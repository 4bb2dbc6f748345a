//! Where the vault meets BB84 links (DESIGN §6, `crate::links`): the link
//! key of a pair is mixed into that recipient's wrap key (the stanza's link
//! slot), and a received stanza names its link by id. Link keys live in
//! memory only (`crate::links` re-reads them from the relay each session).

use shared::crypto::secret::Secret32;
use shared::format::vault::{LINK_ID_LEN, LinkKey};

/// The link key shared with `peer`, if this session has one.
#[must_use]
pub fn key_for(peer: &str) -> Option<LinkKey> {
    crate::links::link_key_for(peer)
}

/// Looks up link keys by the id a stanza names, among all the links with
/// `peer` (a rotation on either side makes a new link; older files keep
/// naming theirs).
pub fn for_peer(peer: &str) -> impl Fn(&[u8; LINK_ID_LEN]) -> Option<Secret32> + use<> {
    let links = crate::links::link_keys_for(peer);
    move |id| links.iter().find(|l| &l.id == id).map(|l| l.key.clone())
}

/// No link keys (files from disk whose sender is not known in advance).
#[must_use]
pub fn none(_: &[u8; LINK_ID_LEN]) -> Option<Secret32> {
    None
}
