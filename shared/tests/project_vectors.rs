//! The project's own test vectors (`shared/tests/vectors/*.json`): every
//! input (seeds, passphrases, RNG seeds) is in the file, so they are
//! re-derived here byte for byte, and each output is also decoded back.
//!
//! Regenerate after an intentional format change with
//! `QV_REGENERATE_VECTORS=1 cargo test -p shared --test project_vectors`.
//! The RNG is ChaCha20 (`rand_chacha`-compatible `chacha20::ChaCha20Rng`)
//! seeded with 32 copies of `rng_seed`; an independent implementation checks
//! the *decoding* direction with the listed secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::rng;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared::crypto::password::Argon2Params;
use shared::crypto::secret::Secret32;
use shared::format::body_digest::{self, DigestKind, SEGMENT_LEN};
use shared::format::{backup, stream, token, vault};
use shared::identity::{IdentitySeeds, Keyring, PublicIdentity};
use shared::recovery::RecoveryCode;

fn seeds(rotation: u32, a: u8, b: u8) -> IdentitySeeds {
    IdentitySeeds { rotation, sign_seed: Secret32::from_bytes([a; 32]), kem_seed: Secret32::from_bytes([b; 32]) }
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn identity_vectors() -> Value {
    let cases: Vec<Value> = [(0u32, 1u8, 2u8), (3, 0xAA, 0x55)]
        .iter()
        .map(|&(r, a, b)| {
            let s = seeds(r, a, b);
            let id = s.identity();
            let p = id.public();
            json!({
                "rotation": r,
                "sign_seed": hex::encode(s.sign_seed.expose()),
                "kem_seed": hex::encode(s.kem_seed.expose()),
                "public_identity": hex::encode(p.to_bytes()),
                "fingerprint": hex::encode(p.fingerprint().0),
                "fingerprint_human": p.fingerprint().to_human(),
            })
        })
        .collect();
    json!({"description": "identity seeds -> public identity (QVID) and fingerprint", "cases": cases})
}

fn recovery_vectors() -> Value {
    let cases: Vec<Value> = [[0u8; 32], [0xFF; 32], core::array::from_fn(|i| i as u8)]
        .iter()
        .map(|b| {
            let c = RecoveryCode::from_bytes(*b);
            json!({
                "bytes": hex::encode(b),
                "text": c.to_text().as_str(),
                "mlkem1024_ek_sha256": sha(c.backup_public_key().as_bytes()),
            })
        })
        .collect();
    json!({"description": "recovery code bytes -> text and ML-KEM-1024 encapsulation key", "cases": cases})
}

fn stream_vectors() -> Value {
    let cases: Vec<Value> = [0usize, 1, 16383, 16384, 16385, 40000]
        .iter()
        .map(|&len| {
            let key = [0x42u8; 32];
            let salt = [0x24u8; 24];
            let ctx = b"quantumvault test context";
            let ct = stream::encrypt(&key, &salt, ctx, &pattern(len)).unwrap();
            json!({
                "key": hex::encode(key), "salt": hex::encode(salt), "ctx": hex::encode(ctx),
                "msg": format!("pattern(i % 251) x {len}"), "msg_len": len,
                "ct_len": ct.len(), "ct_sha256": sha(&ct),
                "ct_prefix_hex": hex::encode(&ct[..ct.len().min(128)]),
            })
        })
        .collect();
    json!({"description": "Cobblestone-256 as used for vault bodies", "cases": cases})
}

fn keyring() -> (Keyring, RecoveryCode) {
    let code = RecoveryCode::from_bytes([7; 32]);
    let k = Keyring::new(seeds(0, 1, 2), code.backup_public_key()).rotated(seeds(1, 3, 4)).unwrap();
    (k, code)
}

fn token_vectors() -> Value {
    let (k, _) = keyring();
    let params = Argon2Params::insecure_for_tests(64, 1).unwrap();
    let plain = token::encode_plain(&k);
    let sealed = token::encode_pin_sealed(&k, b"2468", &params, &mut rng(11)).unwrap();
    json!({
        "description": "token: keyring = rotation 1 seeds (3..,4..), previous rotation 0 (seeds 1..,2..), backup key from recovery code 07*32",
        "plain_hex": hex::encode(&*plain),
        "pin": "2468", "argon2": {"m_kib": 64, "t": 1, "p": 1}, "rng_seed": 11,
        "pin_sealed_hex": hex::encode(&sealed),
    })
}

fn backup_vectors() -> Value {
    let (k, code) = keyring();
    let params = Argon2Params::insecure_for_tests(64, 1).unwrap();
    let file = backup::seal(&k, b"correct horse battery staple", &params, &mut rng(12)).unwrap();
    json!({
        "description": "backup of the token vector's keyring",
        "passphrase": "correct horse battery staple",
        "recovery_code": code.to_text().as_str(),
        "argon2": {"m_kib": 64, "t": 1, "p": 1}, "rng_seed": 12,
        "file_hex": hex::encode(&file),
    })
}

fn vault_vectors() -> Value {
    let sender = seeds(0, 1, 2);
    let bob = seeds(0, 5, 6);
    let link = vault::LinkKey { id: [0x11; 16], key: Secret32::from_bytes([0x22; 32]) };
    let content = pattern(20000);
    let meta = vault::Metadata {
        name: "vector.bin".into(),
        size: content.len() as u64,
        mime: "application/octet-stream".into(),
        modified: 1_767_225_600,
        note: "project vector".into(),
    };
    let recipients = [vault::Recipient { identity: bob.identity().public().clone(), link: Some(link.clone()) }];
    let file = vault::seal(&sender.identity(), &recipients, &meta, &content, &mut rng(13)).unwrap();
    let (raw, header_len) = vault::parse_header(&file).unwrap().unwrap();
    let body = &file[header_len..file.len() - vault::TRAILER_LEN];
    json!({
        "description": "vault file from sender (seeds 01*32, 02*32) to itself and bob (seeds 05*32, 06*32) with link key",
        "sender_sign_seed": hex::encode([1u8; 32]), "sender_kem_seed": hex::encode([2u8; 32]),
        "bob_sign_seed": hex::encode([5u8; 32]), "bob_kem_seed": hex::encode([6u8; 32]),
        "link_id": hex::encode(link.id), "link_key": hex::encode(link.key.expose()),
        "metadata": {"name": meta.name, "size": meta.size, "mime": meta.mime, "modified": meta.modified, "note": meta.note},
        "content": "pattern(i % 251) x 20000", "content_sha256": sha(&content),
        "rng_seed": 13,
        "header_len": header_len,
        "header_digest": hex::encode(raw.header_digest()),
        "body_digest": hex::encode(body_digest::digest_of(DigestKind::Segmented, body)),
        "file_hex": hex::encode(&file),
    })
}

/// The version 2 body digest on bodies spanning several segments (any
/// bytes: the rule does not look inside), with every segment's digest.
fn body_digest_vectors() -> Value {
    let cases: Vec<Value> = [72usize, SEGMENT_LEN - 1, SEGMENT_LEN, SEGMENT_LEN + 1, 2 * SEGMENT_LEN + 1000]
        .into_iter()
        .map(|len| {
            let body = pattern(len);
            let segments: Vec<String> = body.chunks(SEGMENT_LEN).map(sha).collect();
            json!({
                "body": format!("pattern(i % 251) x {len}"),
                "body_len": len,
                "body_sha256": sha(&body),
                "segment_sha256": segments,
                "body_digest_v2": hex::encode(body_digest::digest_of(DigestKind::Segmented, &body)),
                "body_digest_v1": hex::encode(body_digest::digest_of(DigestKind::Linear, &body)),
            })
        })
        .collect();
    json!({
        "description": "vault body digest B: v2 = SHA-256(\"quantumvault/v2/vault/body\" || segment digests || u64be(len)), 1 MiB segments; v1 = SHA-256(body)",
        "segment_len": SEGMENT_LEN,
        "cases": cases,
    })
}

fn check(name: &str, v: Value) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
    if std::env::var_os("QV_REGENERATE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} (regenerate?)"));
    assert!(stored == text, "{name}: re-derived bytes differ from the checked-in vector");
    serde_json::from_str(&stored).unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn identity_and_recovery() {
    let v = check("identity.json", identity_vectors());
    for c in v["cases"].as_array().unwrap() {
        let p = PublicIdentity::from_bytes(&unhex(&c["public_identity"])).unwrap();
        assert_eq!(hex::encode(p.fingerprint().0), c["fingerprint"].as_str().unwrap());
    }
    let v = check("recovery.json", recovery_vectors());
    for c in v["cases"].as_array().unwrap() {
        let code = RecoveryCode::parse(c["text"].as_str().unwrap()).unwrap();
        assert_eq!(code.as_secret().expose().to_vec(), unhex(&c["bytes"]));
    }
}

#[test]
fn stream() {
    let v = check("stream.json", stream_vectors());
    assert_eq!(v["cases"].as_array().unwrap().len(), 6);
}

#[test]
fn token_and_backup() {
    let v = check("token.json", token_vectors());
    let (k, code) = keyring();
    assert_eq!(token::decode(&unhex(&v["plain_hex"]), None).unwrap(), k);
    assert_eq!(token::decode(&unhex(&v["pin_sealed_hex"]), Some(b"2468")).unwrap(), k);
    let v = check("backup.json", backup_vectors());
    let code2 = RecoveryCode::parse(v["recovery_code"].as_str().unwrap()).unwrap();
    assert_eq!(code2, code);
    assert_eq!(backup::open(&unhex(&v["file_hex"]), b"correct horse battery staple", &code).unwrap(), k);
}

#[test]
fn vault() {
    let v = check("vault.json", vault_vectors());
    let file = unhex(&v["file_hex"]);
    let bob = Keyring::new(seeds(0, 5, 6), RecoveryCode::from_bytes([0; 32]).backup_public_key());
    let sender_pub = seeds(0, 1, 2).identity().public().clone();
    let links = |_: &[u8; 16]| Some(Secret32::from_bytes([0x22; 32]));
    let lookup = move |_: &shared::identity::Fingerprint| Some(sender_pub.clone());
    let (verified, content) = vault::open(&file, &bob, &links, &lookup).unwrap();
    assert_eq!(verified.metadata.name, "vector.bin");
    assert_eq!(sha(&content), v["content_sha256"].as_str().unwrap());
}

#[test]
fn body_digest() {
    let v = check("body-digest.json", body_digest_vectors());
    for c in v["cases"].as_array().unwrap() {
        // Recompute B from the listed segment digests alone, as an independent decoder would.
        let mut outer = b"quantumvault/v2/vault/body".to_vec();
        for d in c["segment_sha256"].as_array().unwrap() {
            outer.extend(unhex(d));
        }
        outer.extend(c["body_len"].as_u64().unwrap().to_be_bytes());
        assert_eq!(sha(&outer), c["body_digest_v2"].as_str().unwrap());
    }
}
