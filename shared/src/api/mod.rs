//! Request and response types of the HTTP API, shared by the app and the server.
//!
//! Binary fields travel as base64url without padding ([`b64`]); times are
//! Unix milliseconds; fingerprints and hashes are lower-case hex.

pub mod b64;
pub mod identity;
pub mod signing;

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the server answers at all.
    pub status: String,
    /// The server's product version (see [`crate::VERSION`]).
    pub version: String,
}

/// The JSON body of every API error: a stable machine code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable, snake_case identifier of the failure (e.g. `not_found`).
    pub code: String,
    /// What went wrong, in plain words a user can act on.
    pub message: String,
}

/// Shortest accepted username.
pub const USERNAME_MIN: usize = 3;
/// Longest accepted username.
pub const USERNAME_MAX: usize = 32;

/// Checks a username: 3–32 ASCII letters, digits, `_`, `-` or `.`, starting
/// with a letter or digit. Returns a sentence saying what is wrong otherwise.
/// Usernames are unique ignoring case; the server keys them in lower case.
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.len() < USERNAME_MIN || name.len() > USERNAME_MAX {
        return Err(format!("a username has {USERNAME_MIN} to {USERNAME_MAX} characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err("a username may contain only letters a–z, digits, '_', '-' and '.'".to_owned());
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return Err("a username starts with a letter or a digit".to_owned());
    }
    Ok(())
}

/// A user's public identity for one rotation: what others encrypt to and verify against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicIdentity {
    /// ML-DSA-65 verifying key (1952 bytes), base64url.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub mldsa65_public_key: Vec<u8>,
    /// X-Wing public key (1216 bytes), base64url.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub xwing_public_key: Vec<u8>,
}

/// `POST /api/v1/users`: create an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: String,
    pub identity: PublicIdentity,
    /// ML-DSA-65 signature by `identity` over [`signing::register_message`], context [`signing::CONTEXT_REGISTER`].
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub self_signature: Vec<u8>,
}

/// A user's current public identity, as the directory answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// The username as registered (lookups ignore case).
    pub username: String,
    /// Rotation number of the current keys (0 at registration).
    pub rotation: u32,
    pub identity: PublicIdentity,
    /// [`crate::identity::PublicIdentity::fingerprint`] of `identity`, hex
    /// ([`identity::fingerprint_hex`]).
    pub fingerprint: String,
    pub created_at: i64,
}

/// One rotation in a user's key history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyHistoryEntry {
    pub rotation: u32,
    pub identity: PublicIdentity,
    /// [`crate::identity::PublicIdentity::fingerprint`] of `identity`, hex.
    pub fingerprint: String,
    /// Signature by these keys over [`signing::register_message`].
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub self_signature: Vec<u8>,
    /// For rotation > 0: signature by the previous rotation's ML-DSA key over
    /// [`signing::rotation_message`]; absent for rotation 0.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Byte))]
    pub rotation_signature: Option<Vec<u8>>,
    pub created_at: i64,
}

/// `GET /api/v1/users/{username}/keys`: every rotation, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyHistory {
    pub username: String,
    pub entries: Vec<KeyHistoryEntry>,
}

/// `POST /api/v1/users/me/rotations`: register new keys, vouched for by the previous ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Must be exactly the current rotation + 1 (compare-and-swap).
    pub rotation: u32,
    pub identity: PublicIdentity,
    /// Signature by the *previous* ML-DSA key over [`signing::rotation_message`], context [`signing::CONTEXT_ROTATE`].
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub rotation_signature: Vec<u8>,
    /// Signature by the *new* ML-DSA key over [`signing::register_message`], context [`signing::CONTEXT_REGISTER`].
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub self_signature: Vec<u8>,
}

/// `POST /api/v1/auth/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    pub username: String,
}

/// A sign-in challenge: sign [`signing::sign_in_message`] of these fields with context [`signing::CONTEXT_SIGN_IN`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeResponse {
    pub challenge_id: String,
    /// 32 random bytes.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub nonce: Vec<u8>,
    /// The username, lower-cased, as it enters the signed message.
    pub username: String,
    /// The origin the challenge is bound to; a browser checks it equals its own.
    pub origin: String,
    pub expires_at: i64,
}

/// `POST /api/v1/auth/session`: answer a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub challenge_id: String,
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub signature: Vec<u8>,
}

/// A session: the token is also set as the `qv_session` cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    pub username: String,
    /// Bearer token (32 random bytes, base64url); the server stores only its SHA-256.
    pub token: String,
    pub expires_at: i64,
}

/// `GET /api/v1/auth/session`: who the caller is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoAmI {
    pub username: String,
    pub expires_at: i64,
}

/// `POST /api/v1/files`: announce an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateFileRequest {
    /// Exact ciphertext size in bytes; finalize checks it.
    pub size: u64,
    /// Usernames who may fetch the file (the owner always may).
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// Server-side metadata of a file: all the server knows (names are inside the ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    /// 32 lower-case hex characters.
    pub id: String,
    pub owner: String,
    pub recipients: Vec<String>,
    pub size: u64,
    /// Bytes received and acknowledged so far (the resume offset).
    pub uploaded: u64,
    pub finalized: bool,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalized_at: Option<i64>,
}

/// `GET /api/v1/files?scope=mine|shared`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileList {
    pub files: Vec<FileInfo>,
}

/// State of an upload: where to resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    pub id: String,
    pub size: u64,
    /// The next piece must start here (`Upload-Offset` header).
    pub offset: u64,
    pub finalized: bool,
}

/// `POST /api/v1/links`: deliver a sealed, signed BB84 link record to a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendLinkRequest {
    pub to: String,
    /// Opaque to the server.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub record: Vec<u8>,
}

/// A stored link record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkRecord {
    pub id: String,
    pub from: String,
    pub to: String,
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub record: Vec<u8>,
    pub created_at: i64,
}

/// `GET /api/v1/links`: records sent by or addressed to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkList {
    pub links: Vec<LinkRecord>,
}

/// One entry of a user's audit hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: i64,
    /// e.g. `register`, `sign_in`, `sign_in_failed`, `rotate`, `upload`, `share`, `shared_with_me`, `download`, `delete`, `link_sent`.
    pub event: String,
    /// Public details (file id, peer username); never a secret.
    pub detail: String,
    /// Hash of the previous entry (64 zeros for the first), hex.
    pub prev_hash: String,
    /// SHA-256 of [`signing::audit_entry_preimage`], hex.
    pub hash: String,
}

/// The server's signed statement about the head of a user's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditCheckpoint {
    pub seq: u64,
    pub head_hash: String,
    pub at: i64,
    /// ML-DSA-65 signature by the server key over [`signing::checkpoint_message`],
    /// context [`signing::CONTEXT_AUDIT_CHECKPOINT`].
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub signature: Vec<u8>,
}

/// `GET /api/v1/audit`: my chain and the latest signed checkpoint of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    pub username: String,
    pub entries: Vec<AuditEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<AuditCheckpoint>,
}

/// `GET /api/v1/audit/server-key`: the key that signs checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerKey {
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Byte))]
    pub mldsa65_public_key: Vec<u8>,
}

/// `#[serde(with = "opt_b64")]` for `Option<Vec<u8>>`.
mod opt_b64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => serializer.serialize_str(&super::b64::encode(b)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
        match <Option<String>>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => super::b64::decode(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected base64url without padding")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::validate_username;

    #[test]
    fn usernames() {
        assert!(validate_username("alice").is_ok());
        assert!(validate_username("Bob_2.x-y").is_ok());
        for bad in ["ab", "../etc", "a/b", "_ali", ".ali", "ali ce", "ålice", &"a".repeat(33)] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }
}
