//! Serde helpers for binary fields: base64url without padding, the one text
//! encoding of bytes on the wire (URL- and JSON-safe, no ambiguity).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serializer};

/// Encodes bytes as base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; `None` on anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// `#[serde(with = "b64")]` for `Vec<u8>` fields.
pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes))
}

/// `#[serde(with = "b64")]` for `Vec<u8>` fields.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    decode(&text).ok_or_else(|| serde::de::Error::custom("expected base64url without padding"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_rejects_padding() {
        let bytes = [0u8, 1, 2, 250, 251, 252, 253];
        let text = super::encode(&bytes);
        assert!(!text.contains('=') && !text.contains('+') && !text.contains('/'));
        assert_eq!(super::decode(&text).as_deref(), Some(&bytes[..]));
        assert_eq!(super::decode("AA=="), None);
    }
}
