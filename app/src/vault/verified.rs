//! Which server files this browser has downloaded and verified (file ids
//! only, public), for the "verified" badge.

use std::collections::BTreeSet;

use crate::client::local_store;

const KEY: &str = "verified-files.v1";

/// Ids of files whose signature verified here.
#[must_use]
pub fn all() -> BTreeSet<String> {
    local_store::load(KEY).unwrap_or_default()
}

/// Records that `id` verified.
pub fn mark(id: &str) {
    let mut set = all();
    set.insert(id.to_owned());
    local_store::save(KEY, &set);
}
