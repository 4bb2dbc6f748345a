//! Client-side verification of my server audit chain (`docs/API.md`, "Audit
//! chain"): every entry's hash recomputed, `seq` without gaps, each
//! `prev_hash` equal to the previous entry's hash, and the server's signed
//! checkpoint over a chain head checked with the server's ML-DSA-65 key.

use sha2::{Digest, Sha256};
use shared::api::signing::{CONTEXT_AUDIT_CHECKPOINT, audit_entry_preimage, checkpoint_message};
use shared::api::{AuditLog, ServerKey};
use shared::crypto::sign::VerifyingKey;

/// How the checkpoint fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkpoint {
    /// The server has not signed this chain yet.
    None,
    /// Signature valid and it names entry `seq`'s hash.
    Valid {
        /// The entry it covers.
        seq: u64,
    },
    /// Something is wrong, in words.
    Invalid(String),
}

/// The outcome of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Entries that verified, from the first (all of them if `broken` is `None`).
    pub valid: usize,
    /// Where it breaks: the entry's `seq` and why.
    pub broken: Option<(u64, String)>,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
}

/// Checks `log` (and its checkpoint with `server_key`).
#[must_use]
pub fn verify(log: &AuditLog, server_key: Option<&ServerKey>) -> Report {
    let user = log.username.to_ascii_lowercase();
    let mut prev = [0u8; 32].to_vec();
    let mut valid = 0;
    let mut broken = None;
    for (i, e) in log.entries.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        let why = if e.seq != expected_seq {
            Some(format!("entry {} is out of sequence (expected {expected_seq}): entries were removed or moved", e.seq))
        } else if hex::decode(&e.prev_hash).ok().as_deref() != Some(prev.as_slice()) {
            Some(format!("entry {} does not link to the entry before it: the chain was cut or altered", e.seq))
        } else {
            let h = Sha256::digest(audit_entry_preimage(&user, e.seq, e.at, &e.event, &e.detail, &prev)).to_vec();
            if hex::decode(&e.hash).ok().as_deref() == Some(h.as_slice()) {
                prev = h;
                None
            } else {
                Some(format!("entry {} was modified (its hash does not match its content)", e.seq))
            }
        };
        if let Some(why) = why {
            broken = Some((e.seq, why));
            break;
        }
        valid += 1;
    }
    let checkpoint = match (&log.checkpoint, server_key) {
        (None, _) => Checkpoint::None,
        (Some(_), None) => Checkpoint::Invalid("the server's checkpoint key could not be fetched".to_owned()),
        (Some(c), Some(key)) => check_checkpoint(&user, log, c, key, valid),
    };
    Report { valid, broken, checkpoint }
}

fn check_checkpoint(
    user: &str,
    log: &AuditLog,
    c: &shared::api::AuditCheckpoint,
    key: &ServerKey,
    valid: usize,
) -> Checkpoint {
    let Ok(vk) = VerifyingKey::from_bytes(&key.mldsa65_public_key) else {
        return Checkpoint::Invalid("the server's checkpoint key is malformed".to_owned());
    };
    let Ok(head) = hex::decode(&c.head_hash) else {
        return Checkpoint::Invalid("the checkpoint is malformed".to_owned());
    };
    if vk.verify(&checkpoint_message(user, c.seq, &head, c.at), CONTEXT_AUDIT_CHECKPOINT, &c.signature).is_err() {
        return Checkpoint::Invalid("the checkpoint's signature does not verify".to_owned());
    }
    let covered = usize::try_from(c.seq).ok().and_then(|s| s.checked_sub(1)).and_then(|i| log.entries.get(i));
    match covered {
        None => Checkpoint::Invalid(format!(
            "the server signed entry {} but the chain has only {} entries: entries were cut",
            c.seq,
            log.entries.len()
        )),
        Some(e) if e.hash != c.head_hash => {
            Checkpoint::Invalid(format!("entry {} differs from what the server signed: the chain was rewritten", c.seq))
        }
        Some(_) if (c.seq as usize) > valid => {
            Checkpoint::Invalid(format!("the signed entry {} lies after the break in the chain", c.seq))
        }
        Some(_) => Checkpoint::Valid { seq: c.seq },
    }
}
