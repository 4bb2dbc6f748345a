//! The exact bytes a client signs with ML-DSA-65, and the context string of
//! each use. Both sides build messages with these functions, so a signature
//! made for one purpose can never be replayed for another: the context
//! string differs per use and every message starts with its own domain tag.
//!
//! Encoding (see `docs/API.md`): `field(domain) ‖ field(f1) ‖ … ‖ field(fn)`
//! where `field(x) = u32_be(len(x)) ‖ x` and integers are 8-byte big-endian.

use super::PublicIdentity;
use crate::crypto::sign::contexts;

// The context strings are defined once, in `crypto::sign::contexts`; these
// names say which API message each one signs.

/// ML-DSA-65 context string of the self-signature made at registration.
pub const CONTEXT_REGISTER: &[u8] = contexts::REGISTER;
/// ML-DSA-65 context string of a sign-in challenge response.
pub const CONTEXT_SIGN_IN: &[u8] = contexts::AUTH_CHALLENGE;
/// ML-DSA-65 context string of a key-rotation statement (signed by the previous key).
pub const CONTEXT_ROTATE: &[u8] = contexts::ROTATION_STATEMENT;
/// ML-DSA-65 context string of the server's audit-chain checkpoints.
pub const CONTEXT_AUDIT_CHECKPOINT: &[u8] = contexts::AUDIT_CHECKPOINT;

/// Length of an ML-DSA-65 verifying key, in bytes (FIPS 204).
pub const MLDSA65_PUBLIC_KEY_LEN: usize = crate::crypto::sign::PUBLIC_KEY_LEN;
/// Length of an ML-DSA-65 signature, in bytes (FIPS 204).
pub const MLDSA65_SIGNATURE_LEN: usize = crate::crypto::sign::SIGNATURE_LEN;
/// Length of an X-Wing public key, in bytes.
pub const XWING_PUBLIC_KEY_LEN: usize = crate::crypto::kem::PUBLIC_KEY_LEN;

/// Length-prefixed concatenation of a domain tag and fields.
pub fn encode_fields(domain: &str, fields: &[&[u8]]) -> Vec<u8> {
    let total = 4 + domain.len() + fields.iter().map(|f| 4 + f.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    for field in std::iter::once(domain.as_bytes()).chain(fields.iter().copied()) {
        // Fields are public keys, names and hashes: far below 4 GiB.
        out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// The message a new identity signs about itself (registration and rotation),
/// proving possession of the ML-DSA key for `username` (lower case).
pub fn register_message(username_lower: &str, identity: &PublicIdentity) -> Vec<u8> {
    encode_fields(
        "QuantumVault register v1",
        &[username_lower.as_bytes(), &identity.mldsa65_public_key, &identity.xwing_public_key],
    )
}

/// The message that answers a sign-in challenge.
pub fn sign_in_message(challenge_id: &str, nonce: &[u8], username_lower: &str, origin: &str) -> Vec<u8> {
    encode_fields(
        "QuantumVault sign-in v1",
        &[challenge_id.as_bytes(), nonce, username_lower.as_bytes(), origin.as_bytes()],
    )
}

/// The rotation statement the *previous* signing key signs: it names the
/// account, the new rotation number, the previous fingerprint (the 32 bytes of
/// [`crate::identity::PublicIdentity::fingerprint`]) and the new keys.
pub fn rotation_message(
    username_lower: &str,
    new_rotation: u32,
    previous_fingerprint: &[u8],
    new_identity: &PublicIdentity,
) -> Vec<u8> {
    encode_fields(
        "QuantumVault rotation v1",
        &[
            username_lower.as_bytes(),
            &u64::from(new_rotation).to_be_bytes(),
            previous_fingerprint,
            &new_identity.mldsa65_public_key,
            &new_identity.xwing_public_key,
        ],
    )
}

/// The statement the server signs about the head of a user's audit chain.
pub fn checkpoint_message(username_lower: &str, seq: u64, head_hash: &[u8], at_ms: i64) -> Vec<u8> {
    encode_fields(
        "QuantumVault audit checkpoint v1",
        &[username_lower.as_bytes(), &seq.to_be_bytes(), head_hash, &at_ms.to_be_bytes()],
    )
}

/// What SHA-256 is taken of to get an audit entry's hash; `prev_hash` is the
/// previous entry's hash (32 zero bytes for the first entry).
pub fn audit_entry_preimage(
    username_lower: &str,
    seq: u64,
    at_ms: i64,
    event: &str,
    detail: &str,
    prev_hash: &[u8],
) -> Vec<u8> {
    encode_fields(
        "QuantumVault audit entry v1",
        &[
            username_lower.as_bytes(),
            &seq.to_be_bytes(),
            &at_ms.to_be_bytes(),
            event.as_bytes(),
            detail.as_bytes(),
            prev_hash,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::encode_fields;

    #[test]
    fn fields_are_length_prefixed() {
        assert_eq!(encode_fields("d", &[b"ab", b""]), [0, 0, 0, 1, b'd', 0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0]);
        // Moving a byte between fields changes the encoding.
        assert_ne!(encode_fields("d", &[b"ab", b"c"]), encode_fields("d", &[b"a", b"bc"]));
    }
}

#[cfg(test)]
mod vectors {
    //! The test vectors printed in `docs/API.md` ("Test vectors").
    use super::*;
    use crate::crypto::secret::Secret32;
    use crate::identity::IdentitySeeds;
    use sha2::{Digest, Sha256};

    fn hex(bytes: &[u8]) -> String {
        crate::drive::state::hex(bytes)
    }

    fn identity(sign: u8, kem: u8) -> (crate::identity::PublicIdentity, PublicIdentity) {
        let seeds = IdentitySeeds {
            rotation: 0,
            sign_seed: Secret32::from_bytes([sign; 32]),
            kem_seed: Secret32::from_bytes([kem; 32]),
        };
        let typed = seeds.identity().public().clone();
        let wire = PublicIdentity::from(&typed);
        (typed, wire)
    }

    #[test]
    fn documented_vectors() {
        let (typed, wire) = identity(1, 2);
        let (_, next) = identity(3, 4);
        let sha = |bytes: Vec<u8>| hex(&Sha256::digest(bytes));
        assert_eq!(
            sha(wire.mldsa65_public_key.clone()),
            "83ee80fcbcaf4872ed023e55cb10d7a2b4f1336a182115ea9c000f7449a7a9b0"
        );
        assert_eq!(
            sha(wire.xwing_public_key.clone()),
            "01eba7f63ebe3bde984385c499280859aac9a8c403804fe47ebbf31982d74353"
        );
        assert_eq!(hex(&typed.fingerprint().0), "112321c21f8463137eb66a45b9da5f7bdec1d20806b0fd53b77d0276410b8dff");
        assert_eq!(
            sha(register_message("alice", &wire)),
            "f7d3110964fb66ae5a0d1296a05411038002e922ff859875e6e5af78797a4999"
        );
        assert_eq!(
            hex(&sign_in_message("00112233445566778899aabbccddeeff", &[0x42; 32], "alice", "https://vault.example")),
            concat!(
                "000000175175616e74756d5661756c74207369676e2d696e207631",
                "000000203030313132323333343435353636373738383939616162626363646465656666",
                "000000204242424242424242424242424242424242424242424242424242424242424242",
                "00000005616c696365",
                "0000001568747470733a2f2f7661756c742e6578616d706c65"
            )
        );
        assert_eq!(
            sha(rotation_message("alice", 1, &typed.fingerprint().0, &next)),
            "eb39d9a07b92717dbfc92bc156e096a2b3964dabde1a8fcbb97146d9384b236a"
        );
        assert_eq!(
            hex(&checkpoint_message("alice", 7, &[0xAB; 32], 1_700_000_000_000)),
            concat!(
                "000000205175616e74756d5661756c7420617564697420636865636b706f696e74207631",
                "00000005616c696365",
                "000000080000000000000007",
                "00000020abababababababababababababababababababababababababababababababab",
                "000000080000018bcfe56800"
            )
        );
        assert_eq!(
            sha(audit_entry_preimage("alice", 1, 1_700_000_000_000, "register", "fingerprint=00", &[0; 32])),
            "7ae22796a650a82cc84338738ac5a10b714d5449d588f0c6f88cf96c072883e7"
        );
    }
}
