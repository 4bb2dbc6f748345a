//! The vault's client-side logic in real headless Chromium: key-history and
//! audit-chain checks, the exact upload size, and the local pipelines
//! (File → WebCrypto → pending OPFS file → verify → commit), including a
//! tampered file that must leave nothing saved.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::client::audit::{self, Checkpoint};
use app::client::keys::{check_history, to_wire};
use app::vault::errors::VaultFailure;
use app::vault::input::FileInput;
use app::vault::progress::Cancel;
use app::vault::receive::{Source, decrypt};
use app::vault::send::{Destination, Outgoing, encrypt_file, vault_len};
use app::vault::sink::Sink;
use sha2::{Digest, Sha256};
use shared::api::identity::fingerprint_hex;
use shared::api::signing::{
    CONTEXT_AUDIT_CHECKPOINT, CONTEXT_REGISTER, CONTEXT_ROTATE, audit_entry_preimage, checkpoint_message,
    register_message, rotation_message,
};
use shared::api::{AuditCheckpoint, AuditEntry, AuditLog, KeyHistory, KeyHistoryEntry, ServerKey};
use shared::crypto::rng::os_rng;
use shared::crypto::secret::Secret32;
use shared::crypto::sign::SigningKey;
use shared::format::vault::{self, Metadata};
use shared::identity::{Identity, IdentitySeeds, Keyring, PublicIdentity};
use shared::recovery::RecoveryCode;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetFileOptions};

wasm_bindgen_test_configure!(run_in_browser);

fn seeds(rotation: u32, n: u8) -> IdentitySeeds {
    IdentitySeeds {
        rotation,
        sign_seed: Secret32::from_slice(&[n; 32]).unwrap(),
        kem_seed: Secret32::from_slice(&[n ^ 0x55; 32]).unwrap(),
    }
}

fn keyring(n: u8) -> Keyring {
    Keyring::new(seeds(0, n), RecoveryCode::from_bytes([n; 32]).backup_public_key())
}

fn entry(user: &str, id: &Identity, previous: Option<&Identity>) -> KeyHistoryEntry {
    let wire = to_wire(id.public());
    let rotation = id.public().rotation;
    let rotation_signature = previous.map(|p| {
        let msg = rotation_message(user, rotation, &p.public().fingerprint().0, &wire);
        p.signing_key().sign(&msg, CONTEXT_ROTATE, &mut os_rng()).unwrap().to_vec()
    });
    let self_signature =
        id.signing_key().sign(&register_message(user, &wire), CONTEXT_REGISTER, &mut os_rng()).unwrap().to_vec();
    KeyHistoryEntry {
        rotation,
        fingerprint: fingerprint_hex(&id.public().fingerprint()),
        identity: wire,
        self_signature,
        rotation_signature,
        created_at: 0,
    }
}

#[wasm_bindgen_test]
fn key_history_verifies_rotations_and_finds_the_break() {
    let (a0, a1, a2) = (seeds(0, 1).identity(), seeds(1, 2).identity(), seeds(2, 3).identity());
    let good = KeyHistory {
        username: "Alice".into(),
        entries: vec![entry("alice", &a0, None), entry("alice", &a1, Some(&a0)), entry("alice", &a2, Some(&a1))],
    };
    let checked = check_history(&good);
    assert!(checked.broken.is_none(), "{:?}", checked.broken);
    assert_eq!(checked.valid.len(), 3);
    assert_eq!(checked.current().unwrap().fingerprint(), a2.public().fingerprint());

    // Rotation 2 "signed" by a stranger's key instead of rotation 1's.
    let stranger = seeds(1, 9).identity();
    let mut forged = good.clone();
    forged.entries[2] = entry("alice", &a2, Some(&stranger));
    let checked = check_history(&forged);
    assert_eq!(checked.valid.len(), 2);
    assert!(checked.broken.unwrap().contains("rotation 2"));

    // A statement for another account does not transfer.
    let mut other = good.clone();
    other.entries[1] = entry("mallory", &a1, Some(&a0));
    assert_eq!(check_history(&other).valid.len(), 1);
}

fn chain(user: &str, n: u64) -> Vec<AuditEntry> {
    let mut prev = vec![0u8; 32];
    (1..=n)
        .map(|seq| {
            let (event, detail) = ("upload".to_owned(), format!("file {seq}"));
            let h = Sha256::digest(audit_entry_preimage(user, seq, 1000 + seq as i64, &event, &detail, &prev)).to_vec();
            let e = AuditEntry {
                seq,
                at: 1000 + seq as i64,
                event,
                detail,
                prev_hash: hex::encode(&prev),
                hash: hex::encode(&h),
            };
            prev = h;
            e
        })
        .collect()
}

#[wasm_bindgen_test]
fn audit_chain_and_checkpoint() {
    let server = SigningKey::from_seed(&Secret32::from_slice(&[42; 32]).unwrap());
    let key = ServerKey { mldsa65_public_key: server.verifying_key().as_bytes().to_vec() };
    let entries = chain("bob", 4);
    let head = hex::decode(&entries[3].hash).unwrap();
    let signature = server
        .sign(&checkpoint_message("bob", 4, &head, 77), CONTEXT_AUDIT_CHECKPOINT, &mut os_rng())
        .unwrap()
        .to_vec();
    let checkpoint = AuditCheckpoint { seq: 4, head_hash: entries[3].hash.clone(), at: 77, signature };
    let log = AuditLog { username: "bob".into(), entries: entries.clone(), checkpoint: Some(checkpoint) };

    let ok = audit::verify(&log, Some(&key));
    assert_eq!((ok.valid, ok.broken.clone(), ok.checkpoint), (4, None, Checkpoint::Valid { seq: 4 }));

    // An edited entry breaks the chain exactly there.
    let mut edited = log.clone();
    edited.entries[1].detail = "file 99".into();
    let r = audit::verify(&edited, Some(&key));
    assert_eq!(r.valid, 1);
    assert_eq!(r.broken.unwrap().0, 2);

    // Cutting the tail leaves a valid chain, but the checkpoint shows the cut.
    let mut cut = log.clone();
    cut.entries.truncate(2);
    let r = audit::verify(&cut, Some(&key));
    assert!(r.broken.is_none());
    assert!(matches!(r.checkpoint, Checkpoint::Invalid(ref why) if why.contains("cut")), "{:?}", r.checkpoint);

    // A checkpoint signed by another key is refused.
    let other = SigningKey::from_seed(&Secret32::from_slice(&[43; 32]).unwrap());
    let other_key = ServerKey { mldsa65_public_key: other.verifying_key().as_bytes().to_vec() };
    assert!(matches!(audit::verify(&log, Some(&other_key)).checkpoint, Checkpoint::Invalid(_)));

    // A removed middle entry.
    let mut gap = log;
    gap.entries.remove(1);
    assert_eq!(audit::verify(&gap, Some(&key)).broken.unwrap().0, 3);
}

#[wasm_bindgen_test]
fn vault_len_is_the_exact_encoded_size() {
    let sender = seeds(0, 5).identity();
    for size in [0usize, 1, 16_383, 16_384, 16_385, 100_000] {
        let meta =
            Metadata { name: "n".into(), size: size as u64, mime: String::new(), modified: 0, note: String::new() };
        let (_, header) = vault::VaultEncoder::new(&sender, &[], &meta, &mut os_rng()).unwrap();
        let bytes = vault::seal(&sender, &[], &meta, &vec![7u8; size], &mut os_rng()).unwrap();
        assert_eq!(vault_len(header.len(), size as u64), Some(bytes.len() as u64), "size {size}");
    }
}

async fn opfs_file(name: &str) -> FileSystemFileHandle {
    let root: FileSystemDirectoryHandle =
        JsFuture::from(web_sys::window().unwrap().navigator().storage().get_directory())
            .await
            .unwrap()
            .unchecked_into();
    let opts = FileSystemGetFileOptions::new();
    opts.set_create(true);
    JsFuture::from(root.get_file_handle_with_options(name, &opts)).await.unwrap().unchecked_into()
}

async fn read(handle: &FileSystemFileHandle) -> Vec<u8> {
    let file: web_sys::Blob = JsFuture::from(handle.get_file()).await.unwrap().unchecked_into();
    app::vault::input::read_slice(&file, 0, file.size() as u64).await.unwrap()
}

fn js_file(bytes: &[u8], name: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).unwrap()
}

#[wasm_bindgen_test]
async fn local_encrypt_then_decrypt_and_tampering_saves_nothing() {
    let alice_ring = keyring(11);
    let bob_ring = keyring(12);
    let alice = alice_ring.current.identity();
    let bob: PublicIdentity = bob_ring.current.identity().public().clone();
    // Several read steps (4 MiB each) and a short last chunk.
    let content: Vec<u8> = (0..9_000_017u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let file = js_file(&content, "report.pdf");

    let sealed = opfs_file("vault-test-sealed.qvault").await;
    let sink = Sink::to_handle(&sealed).await.unwrap();
    let outgoing = Outgoing { file: &file, note: "for bob" };
    let r = encrypt_file(
        &alice,
        &[vault::Recipient { identity: bob.clone(), link: None }],
        outgoing,
        Destination::Local(sink),
        &|_| {},
        &Cancel::default(),
        &|_| {},
    )
    .await;
    assert_eq!(r, Ok(None));
    let sealed_bytes = read(&sealed).await;
    let (_, header_len) = vault::parse_header(&sealed_bytes).unwrap().unwrap();
    let body_header = shared::format::stream::HEADER_LEN;
    assert_eq!(vault_len(header_len + body_header, content.len() as u64), Some(sealed_bytes.len() as u64));
    // Neither the name nor the note appear in the ciphertext.
    assert!(!sealed_bytes.windows(10).any(|w| w == b"report.pdf"));

    let alice_pub = alice.public().clone();
    let lookup = |fp: &shared::identity::Fingerprint| (alice_pub.fingerprint() == *fp).then(|| alice_pub.clone());

    // Bob decrypts into a pending file, committed after verification.
    let out = opfs_file("vault-test-out.bin").await;
    let sink = Sink::to_handle(&out).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&sealed_bytes, "x.qvault").into()));
    let (verified, _) =
        decrypt(&bob_ring, source, sink, &lookup, &app::vault::links::none, &|_| {}, &Cancel::default()).await.unwrap();
    assert_eq!(verified.metadata.name, "report.pdf");
    assert_eq!(verified.metadata.note, "for bob");
    assert!(read(&out).await == content);

    // One flipped byte in the body: refused, and the destination keeps its old content (nothing new saved).
    let mut tampered = sealed_bytes.clone();
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    let out2 = opfs_file("vault-test-out2.bin").await;
    let sink = Sink::to_handle(&out2).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&tampered, "x.qvault").into()));
    let r = decrypt(&bob_ring, source, sink, &lookup, &app::vault::links::none, &|_| {}, &Cancel::default()).await;
    assert!(matches!(r, Err(VaultFailure::Tampered(_))), "{:?}", r.err());
    assert!(read(&out2).await.is_empty());

    // Truncated file.
    let sink = Sink::to_handle(&out2).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&sealed_bytes[..sealed_bytes.len() - 100], "x").into()));
    let r = decrypt(&bob_ring, source, sink, &lookup, &app::vault::links::none, &|_| {}, &Cancel::default()).await;
    assert!(matches!(r, Err(VaultFailure::Truncated)), "{:?}", r.err());
    assert!(read(&out2).await.is_empty());

    // Carol is not a recipient.
    let sink = Sink::to_handle(&out2).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&sealed_bytes, "x").into()));
    let r = decrypt(&keyring(13), source, sink, &lookup, &app::vault::links::none, &|_| {}, &Cancel::default()).await;
    assert!(matches!(r, Err(VaultFailure::NotForYou)), "{:?}", r.err());

    // Unknown sender key.
    let sink = Sink::to_handle(&out2).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&sealed_bytes, "x").into()));
    let r = decrypt(&bob_ring, source, sink, &|_| None, &app::vault::links::none, &|_| {}, &Cancel::default()).await;
    assert!(matches!(r, Err(VaultFailure::UnknownSender(_))), "{:?}", r.err());
    assert!(read(&out2).await.is_empty());

    // An empty file works too.
    let empty = js_file(&[], "empty.txt");
    let sealed0 = opfs_file("vault-test-empty.qvault").await;
    let sink = Sink::to_handle(&sealed0).await.unwrap();
    let outgoing = Outgoing { file: &empty, note: "" };
    encrypt_file(&alice, &[], outgoing, Destination::Local(sink), &|_| {}, &Cancel::default(), &|_| {}).await.unwrap();
    let bytes0 = read(&sealed0).await;
    let sink = Sink::to_handle(&out2).await.unwrap();
    let source = Source::Local(FileInput::new(js_file(&bytes0, "x").into()));
    let (v, _) = decrypt(&alice_ring, source, sink, &lookup, &app::vault::links::none, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    assert_eq!(v.metadata.size, 0);
    assert!(read(&out2).await.is_empty());
}

fn unlocked(keyring: Keyring) -> std::sync::Arc<shared::drive::Unlocked> {
    let state = shared::drive::state::State {
        rotation: keyring.current.rotation,
        device_id: [1; 16],
        pair_id: [2; 16],
        fingerprint: keyring.current.identity().public().fingerprint(),
        created: shared::drive::time::UnixTime(0),
        updated: shared::drive::time::UnixTime(0),
        extra: Default::default(),
    };
    std::sync::Arc::new(shared::drive::Unlocked { state, keyring })
}

#[wasm_bindgen_test]
fn rotation_hand_over_signs_a_statement_the_key_history_check_accepts() {
    let before = keyring(21);
    let after = before.rotated(seeds(1, 22)).unwrap();
    let event = app::session::RotationEvent { previous: unlocked(before.clone()), current: unlocked(after.clone()) };
    let request = app::client::rotation::build("Alice", &event).unwrap();
    assert_eq!(request.rotation, 1);

    // What the server would list after registration and this rotation.
    let first = entry("alice", &before.current.identity(), None);
    let second = KeyHistoryEntry {
        rotation: request.rotation,
        identity: request.identity.clone(),
        fingerprint: fingerprint_hex(&after.current.identity().public().fingerprint()),
        self_signature: request.self_signature.clone(),
        rotation_signature: Some(request.rotation_signature.clone()),
        created_at: 0,
    };
    let history = KeyHistory { username: "alice".into(), entries: vec![first.clone(), second.clone()] };
    let checked = check_history(&history);
    assert!(checked.broken.is_none(), "{:?}", checked.broken);
    assert_eq!(checked.current().unwrap().fingerprint(), after.current.identity().public().fingerprint());

    // The statement is bound to the account name and to the previous key.
    let for_bob = app::client::rotation::build("bob", &event).unwrap();
    let mut wrong = history.clone();
    wrong.entries[1].rotation_signature = Some(for_bob.rotation_signature);
    assert!(check_history(&wrong).broken.is_some());
}
