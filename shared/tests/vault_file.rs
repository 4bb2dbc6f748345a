//! Vault file: round trips over many sizes, every region mutated, truncation
//! at every boundary, splices between files, wrong recipient / signer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::rng;

use proptest::prelude::*;
use shared::crypto::secret::Secret32;
use shared::crypto::sign::contexts;
use shared::format::body_digest::{self, DigestKind};
use shared::format::stream::{CHUNK_SIZE, HEADER_LEN, SEALED_CHUNK_SIZE};
use shared::format::vault::{
    self, LinkKey, Metadata, Recipient, STANZA_LEN, TRAILER_LEN, VaultDecoder, VaultError, parse_header,
};
use shared::identity::{Fingerprint, IdentitySeeds, Keyring, PublicIdentity};
use shared::recovery::RecoveryCode;

struct World {
    alice: Keyring,
    bob: Keyring,
    carol: Keyring,
    eve: Keyring,
    link: LinkKey,
}

fn keyring(n: u8) -> Keyring {
    let seeds = IdentitySeeds {
        rotation: 0,
        sign_seed: Secret32::from_bytes([n; 32]),
        kem_seed: Secret32::from_bytes([n + 100; 32]),
    };
    Keyring::new(seeds, RecoveryCode::from_bytes([n; 32]).backup_public_key())
}

fn world() -> World {
    World {
        alice: keyring(1),
        bob: keyring(2),
        carol: keyring(3),
        eve: keyring(4),
        link: LinkKey { id: [0x11; 16], key: Secret32::from_bytes([0x22; 32]) },
    }
}

impl World {
    fn directory(&self) -> Vec<PublicIdentity> {
        [&self.alice, &self.bob, &self.carol, &self.eve].iter().map(|k| k.current.identity().public().clone()).collect()
    }
    fn lookup(&self) -> impl Fn(&Fingerprint) -> Option<PublicIdentity> {
        let dir = self.directory();
        move |fp| dir.iter().find(|p| &p.fingerprint() == fp).cloned()
    }
    fn links(&self) -> impl Fn(&[u8; 16]) -> Option<Secret32> {
        let l = self.link.clone();
        move |id| (id == &l.id).then(|| l.key.clone())
    }
    fn seal(&self, content: &[u8], seed: u8) -> Vec<u8> {
        let recipients = vec![
            Recipient { identity: self.bob.current.identity().public().clone(), link: Some(self.link.clone()) },
            Recipient { identity: self.carol.current.identity().public().clone(), link: None },
        ];
        vault::seal(&self.alice.current.identity(), &recipients, &meta(content.len()), content, &mut rng(seed)).unwrap()
    }
    fn open(&self, who: &Keyring, file: &[u8]) -> Result<Vec<u8>, VaultError> {
        vault::open(file, who, &self.links(), &self.lookup()).map(|(v, c)| {
            assert_eq!(v.metadata, meta(c.len()));
            c.to_vec()
        })
    }
}

fn meta(size: usize) -> Metadata {
    Metadata {
        name: "report – ünïcode.pdf".into(),
        size: size as u64,
        mime: "application/pdf".into(),
        modified: 1_700_000_000,
        note: "for your eyes".into(),
    }
}

fn content(len: usize, seed: u32) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) as u8).collect()
}

/// Byte offsets of every region of a file sealed by `World::seal`.
struct Layout {
    stanzas: usize,
    meta_len: usize,
    meta: usize,
    body: usize,
    trailer: usize,
    end: usize,
}

fn layout(file: &[u8]) -> Layout {
    let (_, header_len) = parse_header(file).unwrap().unwrap();
    let stanzas = 41;
    let meta_len = stanzas + 3 * STANZA_LEN;
    Layout {
        stanzas,
        meta_len,
        meta: meta_len + 4,
        body: header_len,
        trailer: file.len() - TRAILER_LEN,
        end: file.len(),
    }
}

#[test]
fn round_trip_boundary_sizes_all_recipients() {
    let w = world();
    for len in
        [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5, 5 * 1024 * 1024 + 3]
    {
        let c = content(len, 7);
        let file = w.seal(&c, 1);
        let l = layout(&file);
        assert_eq!(l.trailer - l.body, shared::format::stream::ciphertext_len(len as u64).unwrap() as usize);
        for who in [&w.alice, &w.bob, &w.carol] {
            assert_eq!(w.open(who, &file).as_deref(), Ok(c.as_slice()), "len {len}");
        }
        assert_eq!(w.open(&w.eve, &file), Err(VaultError::NotARecipient));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn streaming_round_trip_any_split(len in 0usize..80_000, cuts in proptest::collection::vec(0usize..90_000, 0..6)) {
        let w = world();
        let c = content(len, 3);
        let file = w.seal(&c, 2);
        let mut points: Vec<usize> = cuts.into_iter().map(|x| x % (file.len() + 1)).collect();
        points.push(0);
        points.push(file.len());
        points.sort_unstable();
        let links = w.links();
        let lookup = w.lookup();
        let mut dec = VaultDecoder::new(&w.bob, &links);
        let mut pending = Vec::new();
        for pair in points.windows(2) {
            dec.update(&file[pair[0]..pair[1]], &mut pending).unwrap();
        }
        let v = dec.finish(&mut pending, &lookup).unwrap();
        prop_assert_eq!(v.metadata.size, len as u64);
        prop_assert_eq!(pending, c);
    }
}

#[test]
fn every_region_mutated_gives_the_right_error() {
    let w = world();
    let c = content(3 * CHUNK_SIZE + 100, 9);
    let file = w.seal(&c, 3);
    let l = layout(&file);
    use VaultError::*;
    let regions: Vec<(&str, usize, usize, Vec<VaultError>)> = vec![
        ("magic", 0, 4, vec![NotAVaultFile]),
        ("version", 4, 5, vec![UnsupportedVersion(4 ^ 1), UnsupportedVersion(1 ^ 2)]),
        ("suite", 5, 6, vec![]),
        ("flags", 6, 7, vec![Malformed("reserved flags set")]),
        ("sender", 7, 39, vec![TamperedHeader]),
        ("count", 39, 41, vec![]),
        ("alice stanza fp", l.stanzas, l.stanzas + 32, vec![NotARecipient]),
        ("alice stanza rest", l.stanzas + 32, l.stanzas + STANZA_LEN, vec![]),
        ("bob stanza", l.stanzas + STANZA_LEN, l.stanzas + 2 * STANZA_LEN, vec![]),
        ("carol stanza", l.stanzas + 2 * STANZA_LEN, l.meta_len, vec![]),
        ("metadata length", l.meta_len, l.meta, vec![]),
        ("metadata", l.meta, l.body, vec![TamperedHeader]),
        ("body header", l.body, l.body + HEADER_LEN, vec![TamperedBody]),
        ("body chunks", l.body + HEADER_LEN, l.trailer, vec![TamperedBody]),
        ("trailer", l.trailer, l.end, vec![BadSignature]),
    ];
    for (name, start, end, allowed) in regions {
        let positions = [start, (start + end) / 2, end - 1];
        for &pos in &positions {
            for bit in [0u8, 3, 7] {
                let mut f = file.clone();
                f[pos] ^= 1 << bit;
                let what = format!("{name} byte {pos} bit {bit}");
                let res = w.open(&w.alice, &f);
                let Err(e) = res else { panic!("{what}: accepted") };
                let ok = if allowed.is_empty() {
                    // Regions whose exact error depends on the bit: any
                    // header-class error, never a body or signature error.
                    matches!(
                        e,
                        Malformed(_)
                            | TamperedHeader
                            | Truncated
                            | UnsupportedSuite(_)
                            | MissingLinkKey
                            | NotARecipient
                    )
                } else if name == "version" {
                    matches!(e, UnsupportedVersion(_))
                } else {
                    allowed.contains(&e)
                };
                assert!(ok, "{what}: got {e:?}, wanted {allowed:?}");
            }
        }
    }
}

#[test]
fn truncation_at_every_boundary() {
    let w = world();
    let c = content(2 * CHUNK_SIZE + 10, 1);
    let file = w.seal(&c, 4);
    let l = layout(&file);
    let mut cuts = vec![0, 1, 3, 4, 5, 6, 7, 39, 41];
    for b in [l.stanzas + STANZA_LEN, l.stanzas + 2 * STANZA_LEN, l.meta_len, l.meta, l.body, l.body + HEADER_LEN] {
        cuts.extend([b - 1, b, b + 1]);
    }
    for k in 1..=2 {
        let b = l.body + HEADER_LEN + k * SEALED_CHUNK_SIZE;
        cuts.extend([b - 1, b, b + 1]);
    }
    cuts.extend([l.trailer - 1, l.trailer, l.trailer + 1, l.end - 1]);
    for cut in cuts {
        let res = w.open(&w.alice, &file[..cut]);
        assert_eq!(res, Err(VaultError::Truncated), "cut at {cut}");
    }
    let mut longer = file.clone();
    longer.push(0);
    assert_eq!(w.open(&w.alice, &longer), Err(VaultError::TrailingData));
}

#[test]
fn splices_between_files() {
    let w = world();
    let a = w.seal(&content(3 * CHUNK_SIZE + 1, 1), 10);
    let b = w.seal(&content(3 * CHUNK_SIZE + 1, 2), 11);
    let (la, lb) = (layout(&a), layout(&b));
    assert_eq!(la.body, lb.body);

    // Chunk 1 of B into A: body tampered, only chunk 0 ever pending.
    let c1 = la.body + HEADER_LEN + SEALED_CHUNK_SIZE;
    let mut f = a.clone();
    f[c1..c1 + SEALED_CHUNK_SIZE].copy_from_slice(&b[c1..c1 + SEALED_CHUNK_SIZE]);
    let links = w.links();
    let lookup = w.lookup();
    let mut dec = VaultDecoder::new(&w.bob, &links);
    let mut pending = Vec::new();
    assert_eq!(dec.update(&f, &mut pending), Err(VaultError::TamperedBody));
    assert_eq!(pending, content(3 * CHUNK_SIZE + 1, 1)[..CHUNK_SIZE]);
    assert_eq!(dec.update(&[], &mut pending), Err(VaultError::Poisoned));
    assert_eq!(dec.finish(&mut pending, &lookup), Err(VaultError::Poisoned));

    // Chunks 1 and 2 of A swapped.
    let mut f = a.clone();
    let c2 = c1 + SEALED_CHUNK_SIZE;
    f[c1..c1 + SEALED_CHUNK_SIZE].copy_from_slice(&a[c2..c2 + SEALED_CHUNK_SIZE]);
    f[c2..c2 + SEALED_CHUNK_SIZE].copy_from_slice(&a[c1..c1 + SEALED_CHUNK_SIZE]);
    assert_eq!(w.open(&w.carol, &f), Err(VaultError::TamperedBody));

    // Stanzas of A swapped in order; a stanza of B put into A.
    let s = la.stanzas;
    let mut f = a.clone();
    f[s..s + STANZA_LEN].copy_from_slice(&a[s + STANZA_LEN..s + 2 * STANZA_LEN]);
    f[s + STANZA_LEN..s + 2 * STANZA_LEN].copy_from_slice(&a[s..s + STANZA_LEN]);
    for who in [&w.alice, &w.bob, &w.carol] {
        assert_eq!(w.open(who, &f), Err(VaultError::TamperedHeader));
    }
    let mut f = a.clone();
    f[s + STANZA_LEN..s + 2 * STANZA_LEN].copy_from_slice(&b[s + STANZA_LEN..s + 2 * STANZA_LEN]);
    assert_eq!(w.open(&w.bob, &f), Err(VaultError::TamperedHeader));
    assert_eq!(w.open(&w.carol, &f), Err(VaultError::TamperedHeader));

    // A's header with B's body and trailer; A's header and body with B's trailer.
    let mut f = a[..la.body].to_vec();
    f.extend_from_slice(&b[lb.body..]);
    assert_eq!(w.open(&w.bob, &f), Err(VaultError::TamperedBody));
    let mut f = a[..la.trailer].to_vec();
    f.extend_from_slice(&b[lb.trailer..]);
    assert_eq!(w.open(&w.bob, &f), Err(VaultError::BadSignature));
}

#[test]
fn signers_and_link_keys() {
    let w = world();
    let c = content(1000, 5);
    let file = w.seal(&c, 20);

    // Unknown signer, and a directory that answers with the wrong identity.
    let none = |_: &Fingerprint| None;
    let alice_fp = w.alice.current.identity().public().fingerprint();
    assert_eq!(vault::open(&file, &w.bob, &w.links(), &none).err(), Some(VaultError::UnknownSigner(alice_fp)));
    let carol_pub = w.carol.current.identity().public().clone();
    let wrong = move |_: &Fingerprint| Some(carol_pub.clone());
    assert!(matches!(vault::open(&file, &w.bob, &w.links(), &wrong), Err(VaultError::WrongSigner { .. })));

    // Bob, a recipient, re-signs the file: the trailer is bob's valid
    // signature over the same digests, but the file names alice.
    let l = layout(&file);
    let (raw, _) = parse_header(&file).unwrap().unwrap();
    let mut msg = b"quantumvault/v1/vault/signature".to_vec();
    msg.extend_from_slice(&raw.header_digest());
    msg.extend_from_slice(&body_digest::digest_of(DigestKind::Segmented, &file[l.body..l.trailer]));
    let bob_sig = w.bob.current.identity().signing_key().sign(&msg, contexts::VAULT_FILE, &mut rng(1)).unwrap();
    let mut forged = file.clone();
    forged[l.trailer + 4..].copy_from_slice(&bob_sig);
    assert_eq!(w.open(&w.carol, &forged), Err(VaultError::BadSignature));
    // …and alice's own signature over the same message is what the file has.
    let alice_sig = w.alice.current.identity().signing_key().sign(&msg, contexts::VAULT_FILE, &mut rng(1)).unwrap();
    let mut resigned = file.clone();
    resigned[l.trailer + 4..].copy_from_slice(&alice_sig);
    assert_eq!(w.open(&w.carol, &resigned).as_deref(), Ok(c.as_slice()));

    // Bob's stanza mixes in the link key.
    let no_links = |_: &[u8; 16]| None;
    assert_eq!(vault::open(&file, &w.bob, &no_links, &w.lookup()).err(), Some(VaultError::MissingLinkKey));
    let bad_link = |_: &[u8; 16]| Some(Secret32::from_bytes([0x23; 32]));
    assert_eq!(vault::open(&file, &w.bob, &bad_link, &w.lookup()).err(), Some(VaultError::TamperedHeader));
    // Carol's stanza has none, so she needs no link key.
    assert!(vault::open(&file, &w.carol, &no_links, &w.lookup()).is_ok());
}

#[test]
fn files_stay_readable_after_rotation() {
    let w = world();
    let c = content(500, 1);
    let file = w.seal(&c, 30);
    let rotated = w.bob.rotated(IdentitySeeds::generate(1, &mut rng(9))).unwrap();
    assert_eq!(w.open(&rotated, &file).as_deref(), Ok(c.as_slice()));
}

#[test]
fn encoder_enforces_declared_size() {
    let w = world();
    let id = w.alice.current.identity();
    let (mut enc, mut out) = vault::VaultEncoder::new(&id, &[], &meta(10), &mut rng(1)).unwrap();
    enc.update(&[0; 5], &mut out).unwrap();
    assert_eq!(enc.update(&[0; 6], &mut out), Err(VaultError::SizeMismatch));
    let (mut enc, mut out) = vault::VaultEncoder::new(&id, &[], &meta(10), &mut rng(1)).unwrap();
    enc.update(&[0; 9], &mut out).unwrap();
    assert_eq!(enc.finish(&mut rng(2), &mut out), Err(VaultError::SizeMismatch));
}

#[test]
fn garbage_and_hostile_headers_never_panic() {
    let w = world();
    let links = w.links();
    let lookup = w.lookup();
    for len in [0usize, 1, 4, 40, 41, 100, 5000] {
        for seed in 0..4u8 {
            let mut junk = content(len, u32::from(seed));
            if len >= 4 && seed % 2 == 0 {
                junk[..4].copy_from_slice(b"QVLT");
                if len > 6 {
                    junk[4] = 1;
                    junk[5] = 1;
                    junk[6] = 0;
                }
            }
            let mut dec = VaultDecoder::new(&w.alice, &links);
            let mut pending = Vec::new();
            let res = dec.update(&junk, &mut pending).and_then(|()| dec.finish(&mut pending, &lookup));
            assert!(res.is_err());
            assert!(pending.is_empty());
        }
    }
}

/// The external-cipher path (what the browser does with WebCrypto, here
/// with chunks sealed/opened out of order by the reference cipher) gives
/// byte-identical files and the same plaintext as the built-in path.
#[test]
fn external_cipher_path_matches_builtin() {
    use shared::format::stream::{Aes256GcmChunkCipher, ChunkCipher};
    let w = world();
    let c = content(5 * CHUNK_SIZE + 77, 4);
    let id = w.alice.current.identity();
    let builtin = vault::seal(&id, &[], &meta(c.len()), &c, &mut rng(50)).unwrap();

    let mut r = rng(50);
    let (mut enc, mut out) = vault::VaultEncoder::new(&id, &[], &meta(c.len()), &mut r).unwrap();
    let cipher = Aes256GcmChunkCipher::from_key(enc.chunk_key());
    let seal_rev = |mut b: shared::format::stream::Batch| {
        for ch in b.chunks_mut().iter_mut().rev() {
            let mut buf = ch.data().to_vec();
            cipher.seal(ch.nonce(), &mut buf).unwrap();
            ch.set_sealed(buf).unwrap();
        }
        b
    };
    for piece in c.chunks(40_000) {
        let b = seal_rev(enc.frame(piece).unwrap());
        enc.write_sealed(b, &mut out).unwrap();
    }
    let b = seal_rev(enc.frame_final().unwrap());
    enc.write_sealed(b, &mut out).unwrap();
    out.extend(enc.trailer(&mut r).unwrap());
    assert_eq!(out, builtin);

    let links = w.links();
    let lookup = w.lookup();
    let mut dec = VaultDecoder::new(&w.alice, &links);
    let mut pending = Vec::new();
    let mut opener: Option<Aes256GcmChunkCipher> = None;
    let mut open_ext = |dec: &mut VaultDecoder<'_>, mut b: shared::format::stream::Batch, pending: &mut Vec<u8>| {
        if !b.is_empty() {
            let key = dec.chunk_key().unwrap();
            let o = opener.get_or_insert_with(|| Aes256GcmChunkCipher::from_key(key));
            for ch in b.chunks_mut().iter_mut().rev() {
                let mut buf = ch.data().to_vec();
                match o.open(ch.nonce(), &mut buf) {
                    Ok(()) => ch.set_opened(buf).unwrap(),
                    Err(_) => ch.set_failed(),
                }
            }
        }
        dec.release(b, pending)
    };
    for piece in builtin.chunks(30_000) {
        let b = dec.push(piece).unwrap();
        open_ext(&mut dec, b, &mut pending).unwrap();
    }
    let b = dec.finish_body().unwrap();
    open_ext(&mut dec, b, &mut pending).unwrap();
    let v = dec.verify(&lookup).unwrap();
    assert_eq!(v.metadata.size, c.len() as u64);
    assert_eq!(pending, c);
}

/// Segments hashed outside (what the browser does with WebCrypto's
/// `digest`): the same file as the built-in path, and a decoder that gets
/// the segments' digests back verifies it; wrong or missing digests do not.
#[test]
fn external_segment_hashing_matches_builtin() {
    use sha2::{Digest, Sha256};
    let w = world();
    let c = content(2 * vault::SEGMENT_LEN + 12_345, 6);
    let id = w.alice.current.identity();
    let builtin = vault::seal(&id, &[], &meta(c.len()), &c, &mut rng(51)).unwrap();

    let mut r = rng(51);
    let (mut enc, mut out) = vault::VaultEncoder::new(&id, &[], &meta(c.len()), &mut r).unwrap();
    enc.hash_segments_externally();
    let mut handed = 0;
    for piece in c.chunks(300_000) {
        enc.update(piece, &mut out).unwrap();
        for seg in enc.take_segments() {
            enc.add_segment_digest(&Sha256::digest(&seg).into());
            handed += 1;
        }
    }
    let mut tail = Vec::new();
    enc.finish(&mut r, &mut tail).unwrap();
    assert!(enc_took_all(handed, &out, &tail));
    out.extend(tail);
    assert_eq!(out, builtin);

    let links = w.links();
    let lookup = w.lookup();
    let decode = |digest: &dyn Fn(&[u8]) -> Option<[u8; 32]>| {
        let mut dec = VaultDecoder::new(&w.alice, &links);
        dec.hash_segments_externally();
        let mut pending = Vec::new();
        for piece in builtin.chunks(500_000) {
            dec.update(piece, &mut pending)?;
            for seg in dec.take_segments() {
                if let Some(d) = digest(&seg) {
                    dec.add_segment_digest(&d);
                }
            }
        }
        dec.finish(&mut pending, &lookup).map(|_| pending)
    };
    assert_eq!(decode(&|s| Some(Sha256::digest(s).into())), Ok(c.clone()));
    assert_eq!(decode(&|s| Some(Sha256::digest(&s[1..]).into())), Err(VaultError::BadSignature));
    assert!(matches!(decode(&|_| None), Err(VaultError::SegmentDigests(_))));
}

/// The encoder handed out every full segment of the body (the body is the
/// output after the header; the short last segment stays inside).
fn enc_took_all(handed: usize, out: &[u8], tail: &[u8]) -> bool {
    let (_, header_len) = parse_header(out).unwrap().unwrap();
    let body = out.len() + tail.len() - header_len - TRAILER_LEN;
    handed == body / vault::SEGMENT_LEN
}

/// Version 1 files (one-pass body digest) stay readable: the frozen
/// project vector `vault-v1.json` opens, and its version byte cannot be
/// swapped for 2 (the version is bound into the header).
#[test]
fn version_1_files_stay_readable() {
    use sha2::Digest;
    let v: serde_json::Value = serde_json::from_str(include_str!("vectors/vault-v1.json")).unwrap();
    let file = hex::decode(v["file_hex"].as_str().unwrap()).unwrap();
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
    let sender_pub = sender.identity().public().clone();
    let links = |_: &[u8; 16]| Some(Secret32::from_bytes([0x22; 32]));
    let lookup = move |_: &Fingerprint| Some(sender_pub.clone());
    let (verified, content) = vault::open(&file, &bob, &links, &lookup).unwrap();
    assert_eq!(verified.metadata.name, "vector.bin");
    assert_eq!(hex::encode(sha2::Sha256::digest(&content[..])), v["content_sha256"].as_str().unwrap());
    // The decoder's external mode leaves version 1 hashing inside.
    let mut dec = VaultDecoder::new(&bob, &links);
    dec.hash_segments_externally();
    let mut pending = Vec::new();
    dec.update(&file, &mut pending).unwrap();
    assert!(dec.take_segments().is_empty());
    assert!(dec.finish(&mut pending, &lookup).is_ok());

    let mut relabelled = file.clone();
    relabelled[4] = 2;
    assert_eq!(vault::open(&relabelled, &bob, &links, &lookup).err(), Some(VaultError::TamperedHeader));
    let mut future = file;
    future[4] = 3;
    assert_eq!(vault::open(&future, &bob, &links, &lookup).err(), Some(VaultError::UnsupportedVersion(3)));
}
