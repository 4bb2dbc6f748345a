//! Per-user hash chain: entry *n* carries the hash of entry *n − 1*, so any
//! edit or deletion inside the chain breaks every later hash.

use sha2::{Digest, Sha256};
use shared::api::signing::audit_entry_preimage;

use crate::store::{AuditRow, Store, StoreError};

/// Hash of the entry before the first.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of an entry with these fields.
pub fn entry_hash(username_lower: &str, seq: u64, at: i64, event: &str, detail: &str, prev_hash: &[u8]) -> Vec<u8> {
    Sha256::digest(audit_entry_preimage(username_lower, seq, at, event, detail, prev_hash)).to_vec()
}

/// Appends an entry; concurrent appends race on the `(user, seq)` key and the loser retries.
pub async fn append(
    store: &dyn Store,
    user_id: i64,
    username_lower: &str,
    event: &str,
    detail: &str,
    at: i64,
) -> Result<(), StoreError> {
    for _ in 0..32 {
        let head = store.audit_head(user_id).await?;
        let (seq, prev_hash) = match head {
            Some(h) => (h.seq + 1, h.hash),
            None => (1, GENESIS.to_vec()),
        };
        let hash = entry_hash(username_lower, seq, at, event, detail, &prev_hash);
        let row = AuditRow { seq, at, event: event.to_owned(), detail: detail.to_owned(), prev_hash, hash };
        match store.insert_audit(user_id, &row).await {
            Err(StoreError::Conflict(_)) => continue,
            other => return other,
        }
    }
    Err(StoreError::Conflict("audit chain too contended"))
}

/// Index of the first entry that does not follow from its predecessor, if any.
pub fn first_break(username_lower: &str, entries: &[AuditRow]) -> Option<usize> {
    let mut prev = GENESIS.to_vec();
    for (i, e) in entries.iter().enumerate() {
        let expected = entry_hash(username_lower, e.seq, e.at, &e.event, &e.detail, &prev);
        if e.seq != i as u64 + 1 || e.prev_hash != prev || e.hash != expected {
            return Some(i);
        }
        prev = e.hash.clone();
    }
    None
}
