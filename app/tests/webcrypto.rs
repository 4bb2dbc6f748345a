//! WebCrypto AES-GCM (`platform::webcrypto`) against the pure-Rust
//! reference, in real headless Chromium: identical bytes both ways, the
//! "authenticated prefix only, then stay failed" rule, truncation, C2SP
//! vectors, and vault files across the two paths.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::platform::webcrypto::{
    Backend, StreamOpener, StreamSealer, WebCryptoError, WebVaultDecoder, WebVaultEncoder, open_stream, seal_stream,
    subtle,
};
use shared::crypto::rng::os_rng;
use shared::crypto::secret::Secret32;
use shared::format::stream::{self, CHUNK_SIZE, HEADER_LEN, SEALED_CHUNK_SIZE, StreamError};
use shared::format::vault::{self, Metadata, VaultError};
use shared::identity::{Fingerprint, IdentitySeeds, Keyring};
use shared::recovery::RecoveryCode;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: [u8; 32] = [7; 32];
const SALT: [u8; stream::SALT_LEN] = [9; stream::SALT_LEN];
const CTX: &[u8] = b"webcrypto test";

fn content(len: usize, seed: u32) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) as u8).collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[wasm_bindgen_test]
fn chromium_has_webcrypto() {
    assert!(subtle().is_some());
}

#[wasm_bindgen_test]
async fn auto_backend_picks_webcrypto() {
    let s = StreamSealer::new(&KEY, &SALT, CTX, Backend::Auto).await.unwrap();
    assert!(s.is_webcrypto());
    let s = StreamSealer::new(&KEY, &SALT, CTX, Backend::Rust).await.unwrap();
    assert!(!s.is_webcrypto());
}

/// Both backends, fed in odd-sized pieces, give the bytes of the one-shot
/// reference, and each opens the other's output.
#[wasm_bindgen_test]
async fn webcrypto_and_rust_give_identical_bytes() {
    let sizes = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * CHUNK_SIZE + 77, 3 * CHUNK_SIZE, (1 << 20) + 3];
    for (i, &len) in sizes.iter().enumerate() {
        let msg = content(len, i as u32);
        let reference = stream::encrypt(&KEY, &SALT, CTX, &msg).unwrap();
        for piece in [7_001, CHUNK_SIZE, 100_000, len.max(1)] {
            let web = seal_stream(&KEY, &SALT, CTX, msg.chunks(piece), Backend::WebCrypto).await.unwrap();
            let rust = seal_stream(&KEY, &SALT, CTX, msg.chunks(piece), Backend::Rust).await.unwrap();
            assert_eq!(web, reference, "webcrypto, size {len}, pieces of {piece}");
            assert_eq!(rust, reference, "rust, size {len}, pieces of {piece}");
        }
        for piece in [5_000, SEALED_CHUNK_SIZE, reference.len()] {
            let by_web = open_stream(&KEY, CTX, reference.chunks(piece), Backend::WebCrypto).await.unwrap();
            let by_rust = open_stream(&KEY, CTX, reference.chunks(piece), Backend::Rust).await.unwrap();
            assert_eq!(by_web, msg, "webcrypto open, size {len}");
            assert_eq!(by_rust, msg, "rust open, size {len}");
        }
    }
}

/// Chunk 1 of 4 flipped: only chunk 0's plaintext comes out, the error
/// names chunk 1, and every later call fails.
#[wasm_bindgen_test]
async fn tampered_chunk_releases_only_the_authenticated_prefix() {
    let msg = content(3 * CHUNK_SIZE + 10, 3);
    let mut ct = stream::encrypt(&KEY, &SALT, CTX, &msg).unwrap();
    ct[HEADER_LEN + SEALED_CHUNK_SIZE + 5] ^= 1;
    for backend in [Backend::WebCrypto, Backend::Rust] {
        for piece in [1_000, ct.len()] {
            let mut opener = StreamOpener::new(&KEY, CTX, backend).unwrap();
            let mut out = Vec::new();
            let mut result = Ok(());
            for p in ct.chunks(piece) {
                result = opener.update(p, &mut out).await;
                if result.is_err() {
                    break;
                }
            }
            if result.is_ok() {
                result = opener.finish(&mut out).await;
            }
            assert_eq!(
                result,
                Err(WebCryptoError::Stream(StreamError::ChunkAuthentication { chunk: 1 })),
                "{backend:?}"
            );
            assert_eq!(out, msg[..CHUNK_SIZE], "{backend:?}: only chunk 0 is released");
            assert!(opener.update(&ct[..10], &mut out).await.is_err());
            assert!(opener.finish(&mut out).await.is_err());
            assert_eq!(out.len(), CHUNK_SIZE, "nothing after the failure");
        }
    }
}

#[wasm_bindgen_test]
async fn truncated_stream_fails() {
    let msg = content(2 * CHUNK_SIZE + 100, 4);
    let ct = stream::encrypt(&KEY, &SALT, CTX, &msg).unwrap();
    let without_final = HEADER_LEN + 2 * SEALED_CHUNK_SIZE;
    for cut in [without_final, without_final + 50, HEADER_LEN + SEALED_CHUNK_SIZE + 3, HEADER_LEN + 10, 20] {
        let r = open_stream(&KEY, CTX, [&ct[..cut]], Backend::WebCrypto).await;
        assert!(
            matches!(
                r,
                Err(WebCryptoError::Stream(
                    StreamError::Truncated | StreamError::HeaderTruncated | StreamError::ChunkAuthentication { .. }
                ))
            ),
            "cut at {cut}: {r:?}"
        );
    }
}

/// C2SP/Wycheproof Cobblestone vectors (see `data/c2sp_vectors.json` for
/// their origin) decrypted through WebCrypto.
#[wasm_bindgen_test]
async fn c2sp_vectors_through_webcrypto() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("data/c2sp_vectors.json")).unwrap();
    let tests = doc["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    for t in tests {
        let id = &t["tcId"];
        let key = hex(t["key"].as_str().unwrap());
        let ctx = hex(t["ctx"].as_str().unwrap());
        let ct = hex(t["ct"].as_str().unwrap());
        let valid = t["result"] == "valid";
        let mut opener = StreamOpener::new(&key, &ctx, Backend::WebCrypto).unwrap();
        let mut out = Vec::new();
        let mut r = opener.update(&ct, &mut out).await;
        if r.is_ok() {
            r = opener.finish(&mut out).await;
        }
        assert_eq!(r.is_ok(), valid, "tcId {id}: {r:?}");
        // Valid: the message; PartialPlaintext: exactly the valid prefix.
        if let Some(len) = t["msgLength"].as_u64() {
            assert_eq!(out.len() as u64, len, "tcId {id}");
            assert_eq!(stream::sha512(&out).to_vec(), hex(t["msgSha512"].as_str().unwrap()), "tcId {id}");
        } else {
            assert!(out.is_empty(), "tcId {id}");
        }
    }
}

fn keyring(n: u8) -> Keyring {
    let seeds = IdentitySeeds {
        rotation: 0,
        sign_seed: Secret32::from_bytes([n; 32]),
        kem_seed: Secret32::from_bytes([n + 100; 32]),
    };
    Keyring::new(seeds, RecoveryCode::from_bytes([n; 32]).backup_public_key())
}

fn meta(size: usize) -> Metadata {
    Metadata {
        name: "photo.jpg".into(),
        size: size as u64,
        mime: "image/jpeg".into(),
        modified: 1_700_000_000,
        note: String::new(),
    }
}

/// A seeded, deterministic RNG: tests only (two encoders given the same seed
/// must draw the same salts, KEM randomness and signing nonces).
struct SeededRng(u64);

impl rand_core::TryRng for SeededRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.try_next_u64().map(|x| x as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let x = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}

/// With the same randomness, the WebCrypto and Rust batch paths and the
/// built-in one-shot `vault::seal` write the same vault file (sizes past
/// two body segments, so WebCrypto's segment digests are in the signature).
#[wasm_bindgen_test]
async fn vault_encoder_paths_give_identical_bytes() {
    let alice = keyring(1);
    let bob = keyring(2);
    let id = alice.current.identity();
    let recipients = [vault::Recipient { identity: bob.current.identity().public().clone(), link: None }];
    for len in [0, CHUNK_SIZE, 3 * CHUNK_SIZE + 5, vault::SEGMENT_LEN - 56, 2 * vault::SEGMENT_LEN + 5] {
        let msg = content(len, 6);
        let reference = vault::seal(&id, &recipients, &meta(len), &msg, &mut SeededRng(len as u64)).unwrap();
        for backend in [Backend::WebCrypto, Backend::Rust] {
            let mut rng = SeededRng(len as u64);
            let (mut enc, mut file) =
                WebVaultEncoder::new(&id, &recipients, &meta(len), &mut rng, backend).await.unwrap();
            for piece in msg.chunks(200_000) {
                enc.update(piece, &mut file).await.unwrap();
            }
            enc.finish(&mut rng, &mut file).await.unwrap();
            assert!(file == reference, "{backend:?}, size {len}");
        }
    }
}

/// Vault files cross between the WebCrypto batch path and the built-in one.
#[wasm_bindgen_test]
async fn vault_files_cross_between_webcrypto_and_rust() {
    let alice = keyring(1);
    let id = alice.current.identity();
    let public = id.public().clone();
    let lookup = move |fp: &Fingerprint| (fp == &public.fingerprint()).then(|| public.clone());
    let no_links = |_: &[u8; 16]| -> Option<Secret32> { None };
    let msg = content(2 * vault::SEGMENT_LEN + 999, 5);

    // WebCrypto encoder → built-in decoder.
    let (mut enc, mut file) =
        WebVaultEncoder::new(&id, &[], &meta(msg.len()), &mut os_rng(), Backend::WebCrypto).await.unwrap();
    for piece in msg.chunks(100_000) {
        enc.update(piece, &mut file).await.unwrap();
    }
    enc.finish(&mut os_rng(), &mut file).await.unwrap();
    let (_, opened) = vault::open(&file, &alice, &no_links, &lookup).unwrap();
    assert_eq!(*opened, msg);

    // Built-in encoder → WebCrypto decoder, in small pieces.
    let file = vault::seal(&id, &[], &meta(msg.len()), &msg, &mut os_rng()).unwrap();
    let mut dec = WebVaultDecoder::new(&alice, &no_links, Backend::WebCrypto);
    let mut pending = Vec::new();
    for piece in file.chunks(30_000) {
        dec.update(piece, &mut pending).await.unwrap();
    }
    assert_eq!(dec.metadata().map(|m| m.name.as_str()), Some("photo.jpg"), "pending metadata");
    let verified = dec.finish(&mut pending, &lookup).await.unwrap();
    assert_eq!(pending, msg);
    assert_eq!(verified.metadata, meta(msg.len()));

    // A flipped body byte fails with TamperedBody through WebCrypto.
    let mut bad = file.clone();
    let body = file.len() - vault::TRAILER_LEN - 100;
    bad[body] ^= 0x40;
    let mut dec = WebVaultDecoder::new(&alice, &no_links, Backend::WebCrypto);
    let mut pending = Vec::new();
    let mut r = dec.update(&bad, &mut pending).await.map(|()| None);
    if r.is_ok() {
        r = dec.finish(&mut pending, &lookup).await.map(Some);
    }
    assert_eq!(r.err(), Some(WebCryptoError::Vault(VaultError::TamperedBody)));
}

/// An encoder that failed once refuses further content, so it can never
/// write a file with a gap in its chunk sequence.
#[wasm_bindgen_test]
async fn failed_encoder_stays_failed() {
    let alice = keyring(1);
    let id = alice.current.identity();
    let (mut enc, mut file) =
        WebVaultEncoder::new(&id, &[], &meta(10), &mut os_rng(), Backend::WebCrypto).await.unwrap();
    assert_eq!(enc.update(&[0; 20], &mut file).await, Err(WebCryptoError::Vault(VaultError::SizeMismatch)));
    assert_eq!(enc.update(&[0; 1], &mut file).await, Err(WebCryptoError::Stream(StreamError::Poisoned)));
    assert!(enc.finish(&mut os_rng(), &mut file).await.is_err());
}

/// A version 1 file (one-pass body digest; the frozen project vector)
/// still opens through the WebCrypto decoder, which hashes it in Rust.
#[wasm_bindgen_test]
async fn version_1_vault_file_opens_through_webcrypto() {
    let v: serde_json::Value = serde_json::from_str(include_str!("../../shared/tests/vectors/vault-v1.json")).unwrap();
    let file = hex(v["file_hex"].as_str().unwrap());
    assert_eq!(file[4], 1);
    let bob = Keyring::new(
        IdentitySeeds {
            rotation: 0,
            sign_seed: Secret32::from_bytes([5; 32]),
            kem_seed: Secret32::from_bytes([6; 32]),
        },
        RecoveryCode::from_bytes([0; 32]).backup_public_key(),
    );
    let sender = IdentitySeeds {
        rotation: 0,
        sign_seed: Secret32::from_bytes([1; 32]),
        kem_seed: Secret32::from_bytes([2; 32]),
    };
    let public = sender.identity().public().clone();
    let lookup = move |_: &Fingerprint| Some(public.clone());
    let links = |_: &[u8; 16]| Some(Secret32::from_bytes([0x22; 32]));
    let mut dec = WebVaultDecoder::new(&bob, &links, Backend::WebCrypto);
    let mut pending = Vec::new();
    dec.update(&file, &mut pending).await.unwrap();
    let verified = dec.finish(&mut pending, &lookup).await.unwrap();
    assert_eq!(verified.metadata.name, "vector.bin");
    assert_eq!(pending.len(), 20_000);
}
