//! `audit.log` on the primary drive: an append-only record of what was done
//! with the identity, one JSON object per line, each line hash-chained to
//! the previous one and MAC'd (docs/FORMAT.md §7).
//!
//! The MAC key of a line derives from the X-Wing seed of the rotation the
//! line names, `HKDF-SHA-256(salt = "", ikm = kem_seed, info =
//! "quantumvault/v1/drive/audit-mac", 32)`; the keyring keeps every earlier
//! rotation's KEM seed, so the whole history stays verifiable after
//! rotations and restores, while someone without the keys can neither
//! forge nor edit a line. The chain (`prev` = hash of the previous line)
//! makes deletions and reorderings visible. What a chain cannot show: the
//! *tail* being cut off after a line boundary (the remaining prefix is a
//! valid log); see [`verify`].

use hmac::{KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::layout;
use super::state::{Id, hex, unhex};
use super::time::UnixTime;
use super::{Drive, IoError};
use crate::crypto::kdf::derive_key32;
use crate::crypto::secret::{Secret32, ct_eq};
use crate::identity::Keyring;

/// HKDF label of the per-rotation MAC key.
pub const MAC_LABEL: &[u8] = b"quantumvault/v1/drive/audit-mac";
/// Domain prefix of a line's chain hash.
pub const CHAIN_DOMAIN: &[u8] = b"quantumvault/v1/drive/audit-chain";
/// Entry format version (the `v` field).
pub const VERSION: u64 = 1;
const MAC_MARK: &str = ",\"mac\":\"";

type HmacSha256 = hmac::Hmac<Sha256>;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The identity was created.
    Init,
    /// The drive was unlocked.
    Unlock,
    /// The keys were rotated.
    Rotate,
    /// The identity was restored onto this drive from the backup.
    Restore,
    /// The backup was verified.
    Verify,
    /// The backup passphrase was changed.
    PassphraseChange,
    /// A new backup drive was made.
    NewBackup,
    /// Failed attempts (wrong PIN, passphrase or recovery code) reported by the app.
    FailedAttempt,
}

impl Event {
    /// The `event` string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Unlock => "unlock",
            Self::Rotate => "rotate",
            Self::Restore => "restore",
            Self::Verify => "verify",
            Self::PassphraseChange => "passphrase_change",
            Self::NewBackup => "new_backup",
            Self::FailedAttempt => "failed_attempt",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Init,
            Self::Unlock,
            Self::Rotate,
            Self::Restore,
            Self::Verify,
            Self::PassphraseChange,
            Self::NewBackup,
            Self::FailedAttempt,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// One verified entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position (0 = first line).
    pub seq: u64,
    /// When.
    pub time: UnixTime,
    /// The rotation whose key MAC'd the line.
    pub rotation: u32,
    /// The pair the drive belongs to.
    pub pair_id: Id,
    /// What happened.
    pub event: Event,
    /// Free text.
    pub detail: String,
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditProblem {
    /// Not an entry (not JSON, fields missing or wrong).
    #[error("line {line} is not a valid entry")]
    Malformed {
        /// 1-based line number
        line: usize,
    },
    /// The last line has no final newline: the file was cut mid-line.
    #[error("line {line} is cut off: the log was truncated")]
    Torn {
        /// 1-based line number
        line: usize,
    },
    /// `seq` is not the line's position: lines were deleted, inserted or reordered.
    #[error("line {line} has number {found}, expected {expected}: entries are missing or out of order")]
    OutOfSequence {
        /// 1-based line number
        line: usize,
        /// expected seq
        expected: u64,
        /// seq found
        found: u64,
    },
    /// `prev` is not the hash of the line before: a line before it was changed, removed or moved.
    #[error("line {line} does not follow the line before it: an earlier entry was changed or removed")]
    ChainBroken {
        /// 1-based line number
        line: usize,
    },
    /// The MAC does not verify: the line was edited (or forged).
    #[error("line {line} was modified (its MAC does not verify)")]
    BadMac {
        /// 1-based line number
        line: usize,
    },
    /// The line names a rotation this keyring has no key for.
    #[error("line {line} names rotation {rotation}, which this identity has no key for")]
    UnknownRotation {
        /// 1-based line number
        line: usize,
        /// the rotation named
        rotation: u32,
    },
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The entries up to the first problem.
    pub entries: Vec<AuditEntry>,
    /// The first problem, if any.
    pub problem: Option<AuditProblem>,
}

fn mac_key(keyring: &Keyring, rotation: u32) -> Option<Secret32> {
    let seed = if keyring.current.rotation == rotation {
        &keyring.current.kem_seed
    } else {
        &keyring.previous.iter().find(|p| p.rotation == rotation)?.kem_seed
    };
    Some(derive_key32(&[], seed.expose(), MAC_LABEL))
}

fn mac(key: &Secret32, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this never takes the error path.
    let Ok(mut m) = <HmacSha256 as KeyInit>::new_from_slice(key.expose()) else {
        return [0; 32];
    };
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The chain hash of a line (without its newline).
#[must_use]
pub fn line_hash(line: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(CHAIN_DOMAIN).chain_update(line).finalize().into()
}

/// Builds one line (without newline) for `keyring`'s current rotation.
#[must_use]
pub fn seal_line(
    keyring: &Keyring,
    seq: u64,
    prev: &[u8; 32],
    pair_id: &Id,
    event: Event,
    detail: &str,
    now: UnixTime,
) -> String {
    let rotation = keyring.current.rotation;
    let mut m = Map::new();
    m.insert("v".into(), Value::from(VERSION));
    m.insert("seq".into(), Value::from(seq));
    m.insert("time".into(), Value::from(now.to_rfc3339()));
    m.insert("rotation".into(), Value::from(rotation));
    m.insert("pair_id".into(), Value::from(hex(pair_id)));
    m.insert("event".into(), Value::from(event.as_str()));
    m.insert("detail".into(), Value::from(detail));
    m.insert("prev".into(), Value::from(hex(prev)));
    let body = Value::Object(m).to_string();
    let key = derive_key32(&[], keyring.current.kem_seed.expose(), MAC_LABEL);
    let tag = mac(&key, body.as_bytes());
    let open = body.strip_suffix('}').unwrap_or(&body);
    format!("{open}{MAC_MARK}{}\"}}", hex(&tag))
}

/// Splits a line into (body that was MAC'd, tag).
fn split(line: &str) -> Option<(String, [u8; 32])> {
    let rest = line.strip_suffix("\"}")?;
    let cut = rest.len().checked_sub(64 + MAC_MARK.len())?;
    let (open, tail) = (rest.get(..cut)?, rest.get(cut..)?);
    let tag = unhex::<32>(tail.strip_prefix(MAC_MARK)?)?;
    Some((format!("{open}}}"), tag))
}

fn parse_body(body: &str) -> Option<(AuditEntry, [u8; 32])> {
    let v: Value = serde_json::from_str(body).ok()?;
    if v.get("v")?.as_u64()? != VERSION {
        return None;
    }
    let entry = AuditEntry {
        seq: v.get("seq")?.as_u64()?,
        time: UnixTime::parse_rfc3339(v.get("time")?.as_str()?)?,
        rotation: u32::try_from(v.get("rotation")?.as_u64()?).ok()?,
        pair_id: unhex(v.get("pair_id")?.as_str()?)?,
        event: Event::parse(v.get("event")?.as_str()?)?,
        detail: v.get("detail")?.as_str()?.to_owned(),
    };
    Some((entry, unhex(v.get("prev")?.as_str()?)?))
}

/// Verifies a whole log against a keyring and reports the valid entries up
/// to the first problem.
///
/// Detected: an edited line (MAC), a forged line (MAC: needs the keys), a
/// deleted, inserted or moved line (`seq` and `prev`), a line cut in the
/// middle (no final newline, or a malformed last line). **Not** detectable
/// from the log alone: removing whole lines *from the end*; the remaining
/// prefix is a valid log. An empty log is valid. Callers that know an
/// event must be present (e.g. the rotation named by `state.json`) can
/// check the last entry against it.
#[must_use]
pub fn verify(bytes: &[u8], keyring: &Keyring) -> AuditReport {
    let mut entries = Vec::new();
    let mut prev = [0u8; 32];
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.split('\n').collect();
    let torn = lines.last().is_some_and(|l| !l.is_empty());
    if !torn {
        lines.pop();
    }
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let n = i + 1;
        let fail = |problem| AuditReport { entries: entries.clone(), problem: Some(problem) };
        let Some((entry, line_prev, body, tag)) =
            split(line).and_then(|(body, tag)| parse_body(&body).map(|(e, p)| (e, p, body, tag)))
        else {
            if torn && n == count {
                return fail(AuditProblem::Torn { line: n });
            }
            return fail(AuditProblem::Malformed { line: n });
        };
        let expected = u64::try_from(i).unwrap_or(u64::MAX);
        if entry.seq != expected {
            return fail(AuditProblem::OutOfSequence { line: n, expected, found: entry.seq });
        }
        if !ct_eq(&line_prev, &prev) {
            return fail(AuditProblem::ChainBroken { line: n });
        }
        let Some(key) = mac_key(keyring, entry.rotation) else {
            return fail(AuditProblem::UnknownRotation { line: n, rotation: entry.rotation });
        };
        if !ct_eq(&mac(&key, body.as_bytes()), &tag) {
            return fail(AuditProblem::BadMac { line: n });
        }
        if torn && n == count {
            return fail(AuditProblem::Torn { line: n });
        }
        prev = line_hash(line.as_bytes());
        entries.push(entry);
    }
    AuditReport { entries, problem: None }
}

/// The `seq` and `prev` for a line appended to `bytes`. It continues from
/// whatever the last line is, without judging the log: a damaged log stays
/// damaged where it is, and [`verify`] reports it there.
fn next_link(bytes: &[u8]) -> (u64, [u8; 32]) {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split('\n').filter(|l| !l.is_empty()).collect();
    match lines.last() {
        None => (0, [0; 32]),
        Some(last) => (u64::try_from(lines.len()).unwrap_or(u64::MAX), line_hash(last.as_bytes())),
    }
}

/// The log with one more line (for `event`) appended; a log cut mid-line
/// first gets its newline so the new line stays whole.
#[must_use]
pub fn appended(
    existing: &[u8],
    keyring: &Keyring,
    pair_id: &Id,
    event: Event,
    detail: &str,
    now: UnixTime,
) -> Vec<u8> {
    let (seq, prev) = next_link(existing);
    let line = seal_line(keyring, seq, &prev, pair_id, event, detail, now);
    let mut out = existing.to_vec();
    if out.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
    }
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
    out
}

/// Appends one entry to the primary's `audit.log` (read, extend, atomic
/// rewrite: the log is small, and a crash leaves the old or the new log).
///
/// # Errors
/// [`IoError`].
pub async fn record<D: Drive>(
    primary: &D,
    keyring: &Keyring,
    pair_id: &Id,
    event: Event,
    detail: &str,
    now: UnixTime,
) -> Result<(), IoError> {
    let existing = primary.read(layout::AUDIT).await?.unwrap_or_default();
    let next = appended(&existing, keyring, pair_id, event, detail, now);
    primary.write_atomic(layout::AUDIT, &next).await
}

/// Reads and verifies the primary's `audit.log` (a missing log is empty).
///
/// # Errors
/// [`IoError`].
pub async fn read_and_verify<D: Drive>(primary: &D, keyring: &Keyring) -> Result<AuditReport, IoError> {
    let bytes = primary.read(layout::AUDIT).await?.unwrap_or_default();
    Ok(verify(&bytes, keyring))
}

/// The pair id named by the first line, without verifying anything: used
/// only to recognise the leftovers of an interrupted set-up (whose keys are
/// not available).
#[must_use]
pub fn first_pair_id(bytes: &[u8]) -> Option<Id> {
    let text = String::from_utf8_lossy(bytes);
    let first = text.split('\n').next()?;
    let (body, _) = split(first)?;
    parse_body(&body).map(|(e, _)| e.pair_id)
}
