//! `state.json` on the primary drive (docs/FORMAT.md §6): which rotation is
//! current, which pair the drive belongs to, and the fingerprint the token
//! must have. Writing it is the commit point of every change.
//!
//! Parsing is strict (every field present with its exact type and
//! encoding; an unknown `format` is refused), but fields we do not know are
//! kept and written back, so a newer app's additions survive an older one.

use serde_json::{Map, Value};

use super::time::UnixTime;
use crate::identity::Fingerprint;

/// The `format` this code writes and reads.
pub const FORMAT: u64 = 1;
/// Largest `state.json` accepted (it is a few hundred bytes).
pub const MAX_LEN: usize = 64 * 1024;

/// Why `state.json` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Not JSON, not an object, or too large.
    #[error("not a JSON object: {0}")]
    NotJson(String),
    /// A newer (or older) format.
    #[error("format {0} is not supported; update QuantumVault")]
    UnsupportedFormat(String),
    /// A required field is absent.
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    /// A field has the wrong type or encoding.
    #[error("field `{0}` is invalid")]
    Invalid(&'static str),
}

/// 16 random bytes naming a drive or a pair.
pub type Id = [u8; 16];

/// The parsed `state.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Current rotation.
    pub rotation: u32,
    /// Random id of this primary drive.
    pub device_id: Id,
    /// Random id shared by the primary and its backup.
    pub pair_id: Id,
    /// Fingerprint of the current rotation's public identity.
    pub fingerprint: Fingerprint,
    /// Set-up time (of this primary: a restore starts a new one).
    pub created: UnixTime,
    /// Time of the last committed change.
    pub updated: UnixTime,
    /// Fields this version does not know, preserved on write.
    pub extra: Map<String, Value>,
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Exactly `N` bytes of lower-case hex.
#[must_use]
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let b = text.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (digit(*b.get(2 * i)?)? << 4) | digit(*b.get(2 * i + 1)?)?;
    }
    Some(out)
}

const KNOWN: [&str; 7] = ["format", "rotation", "device_id", "pair_id", "fingerprint", "created", "updated"];

impl State {
    /// Parses `state.json`.
    ///
    /// # Errors
    /// [`StateError`] naming the first problem.
    pub fn parse(bytes: &[u8]) -> Result<Self, StateError> {
        if bytes.len() > MAX_LEN {
            return Err(StateError::NotJson("larger than 64 KiB".into()));
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| StateError::NotJson(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(StateError::NotJson("not an object".into()));
        };
        let format = map.get("format").ok_or(StateError::Missing("format"))?;
        if format.as_u64() != Some(FORMAT) {
            return Err(StateError::UnsupportedFormat(format.to_string()));
        }
        let get = |k: &'static str| map.get(k).ok_or(StateError::Missing(k));
        let string = |k: &'static str| -> Result<&str, StateError> { get(k)?.as_str().ok_or(StateError::Invalid(k)) };
        let rotation =
            get("rotation")?.as_u64().and_then(|r| u32::try_from(r).ok()).ok_or(StateError::Invalid("rotation"))?;
        let device_id = unhex(string("device_id")?).ok_or(StateError::Invalid("device_id"))?;
        let pair_id = unhex(string("pair_id")?).ok_or(StateError::Invalid("pair_id"))?;
        let fingerprint = Fingerprint(unhex(string("fingerprint")?).ok_or(StateError::Invalid("fingerprint"))?);
        let created = UnixTime::parse_rfc3339(string("created")?).ok_or(StateError::Invalid("created"))?;
        let updated = UnixTime::parse_rfc3339(string("updated")?).ok_or(StateError::Invalid("updated"))?;
        for k in KNOWN {
            map.remove(k);
        }
        Ok(Self { rotation, device_id, pair_id, fingerprint, created, updated, extra: map })
    }

    /// Serialises (pretty, with a final newline), known fields first.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut map = Map::new();
        map.insert("format".into(), Value::from(FORMAT));
        map.insert("rotation".into(), Value::from(self.rotation));
        map.insert("device_id".into(), Value::from(hex(&self.device_id)));
        map.insert("pair_id".into(), Value::from(hex(&self.pair_id)));
        map.insert("fingerprint".into(), Value::from(hex(&self.fingerprint.0)));
        map.insert("created".into(), Value::from(self.created.to_rfc3339()));
        map.insert("updated".into(), Value::from(self.updated.to_rfc3339()));
        for (k, v) in &self.extra {
            if !KNOWN.contains(&k.as_str()) {
                map.insert(k.clone(), v.clone());
            }
        }
        let mut out = serde_json::to_vec_pretty(&Value::Object(map)).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// `.system_backup/pair.json` on the backup drive: written once at set-up,
/// it names the pair so a backup drive of another identity is recognised
/// before any passphrase is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairMarker {
    /// The pair id (same as the primary's `state.json`).
    pub pair_id: Id,
    /// When the pair was set up.
    pub created: UnixTime,
}

impl PairMarker {
    /// Parses `pair.json` (`{"format":1,"pair_id":"<32 hex>","created":"<RFC 3339>"}`).
    ///
    /// # Errors
    /// [`StateError`].
    pub fn parse(bytes: &[u8]) -> Result<Self, StateError> {
        if bytes.len() > MAX_LEN {
            return Err(StateError::NotJson("larger than 64 KiB".into()));
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| StateError::NotJson(e.to_string()))?;
        let format = value.get("format").ok_or(StateError::Missing("format"))?;
        if format.as_u64() != Some(FORMAT) {
            return Err(StateError::UnsupportedFormat(format.to_string()));
        }
        let pair_id = value
            .get("pair_id")
            .ok_or(StateError::Missing("pair_id"))?
            .as_str()
            .and_then(unhex)
            .ok_or(StateError::Invalid("pair_id"))?;
        let created = value
            .get("created")
            .ok_or(StateError::Missing("created"))?
            .as_str()
            .and_then(UnixTime::parse_rfc3339)
            .ok_or(StateError::Invalid("created"))?;
        Ok(Self { pair_id, created })
    }

    /// Serialises.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let v = serde_json::json!({
            "format": FORMAT,
            "pair_id": hex(&self.pair_id),
            "created": self.created.to_rfc3339(),
        });
        let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        State {
            rotation: 3,
            device_id: [1; 16],
            pair_id: [2; 16],
            fingerprint: Fingerprint([3; 32]),
            created: UnixTime(1_700_000_000),
            updated: UnixTime(1_800_000_000),
            extra: Map::new(),
        }
    }

    #[test]
    fn drive_state_round_trip_keeps_unknown_fields() {
        let s = sample();
        assert_eq!(State::parse(&s.to_bytes()), Ok(s.clone()));
        let mut v: Value = serde_json::from_slice(&s.to_bytes()).unwrap_or_default();
        v["future"] = Value::from("kept");
        let parsed = State::parse(&serde_json::to_vec(&v).unwrap_or_default());
        let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.extra.get("future"), Some(&Value::from("kept")));
        assert!(String::from_utf8_lossy(&parsed.to_bytes()).contains("\"future\": \"kept\""));
    }

    #[test]
    fn drive_state_strict_errors() {
        let good: Value = serde_json::from_slice(&sample().to_bytes()).unwrap_or_default();
        assert!(matches!(State::parse(b"{oops"), Err(StateError::NotJson(_))));
        assert!(matches!(State::parse(b"[1]"), Err(StateError::NotJson(_))));
        assert!(matches!(State::parse(&[0xff; 10]), Err(StateError::NotJson(_))));
        let cases: [(&str, Value, StateError); 8] = [
            ("format", Value::from(2), StateError::UnsupportedFormat("2".into())),
            ("rotation", Value::from(-1), StateError::Invalid("rotation")),
            ("rotation", Value::from(1u64 << 32), StateError::Invalid("rotation")),
            ("rotation", Value::from("3"), StateError::Invalid("rotation")),
            ("device_id", Value::from("00"), StateError::Invalid("device_id")),
            ("pair_id", Value::from("ZZ".repeat(16)), StateError::Invalid("pair_id")),
            ("fingerprint", Value::from("AB".repeat(32)), StateError::Invalid("fingerprint")),
            ("updated", Value::from("yesterday"), StateError::Invalid("updated")),
        ];
        for (field, value, want) in cases {
            let mut v = good.clone();
            v[field] = value;
            assert_eq!(State::parse(&serde_json::to_vec(&v).unwrap_or_default()), Err(want), "{field}");
        }
        for field in KNOWN {
            let mut v = good.clone();
            if let Value::Object(m) = &mut v {
                m.remove(field);
            }
            assert_eq!(State::parse(&serde_json::to_vec(&v).unwrap_or_default()), Err(StateError::Missing(field)));
        }
        let pair = PairMarker { pair_id: [9; 16], created: UnixTime(5) };
        assert_eq!(PairMarker::parse(&pair.to_bytes()), Ok(pair));
        assert!(PairMarker::parse(b"null").is_err());
    }
}
