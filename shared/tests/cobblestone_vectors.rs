//! Every vector of `c2sp_chunked_encryption_aes_256_gcm_test.json` through
//! our streaming decryptor (committed mode), plus raw mode decryption and
//! byte-exact re-encryption, plus the sans-IO framers with an external
//! cipher.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{flags, hexf, tests, wycheproof};

use std::io::Read;

use shared::crypto::secret::Secret32;
use shared::format::stream::{
    self, Aes256GcmChunkCipher, ChunkCipher, OpenFramer, StreamDecryptor, StreamEncryptor,
    StreamError, StreamKeys,
};

fn inflate(hex_ct: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(hexf(hex_ct).as_slice())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Streams `ct` in uneven pieces; returns what was emitted and the result.
fn stream_decrypt(
    dec: &mut StreamDecryptor,
    ct: &[u8],
    piece: usize,
) -> (Vec<u8>, Result<(), StreamError>) {
    let mut out = Vec::new();
    let mut res = Ok(());
    for p in ct.chunks(piece.max(1)) {
        res = dec.update(p, &mut out);
        if res.is_err() {
            break;
        }
    }
    if res.is_ok() {
        res = dec.finish(&mut out);
    }
    (out, res)
}

#[test]
fn all_c2sp_chunked_encryption_vectors() {
    let doc = wycheproof("c2sp_chunked_encryption_aes_256_gcm_test.json");
    let mut counts = [0usize; 3];
    for (_, t) in tests(&doc) {
        let id = &t["tcId"];
        let fl = flags(t);
        let (key, ctx, ct) = (hexf(&t["key"]), hexf(&t["ctx"]), inflate(&t["ct"]));
        let valid = t["result"] == "valid";

        if fl.iter().any(|f| f == "InvalidKeySize") {
            assert_eq!(
                StreamDecryptor::new(&key, &ctx).err(),
                Some(StreamError::InvalidKeySize(key.len())),
                "tc {id}"
            );
            counts[2] += 1;
            continue;
        }
        for piece in [ct.len().max(1), 1000, 16400, 7] {
            let mut dec = StreamDecryptor::new(&key, &ctx).unwrap();
            let (out, res) = stream_decrypt(&mut dec, &ct, piece);
            if valid {
                assert_eq!(res, Ok(()), "tc {id}");
                assert_eq!(
                    out.len() as u64,
                    t["msgLength"].as_u64().unwrap(),
                    "tc {id}"
                );
                assert_eq!(
                    stream::sha512(&out).as_slice(),
                    hexf(&t["msgSha512"]).as_slice(),
                    "tc {id}"
                );
            } else {
                assert!(res.is_err(), "tc {id} must fail");
                // Nothing beyond the longest valid prefix, and it keeps failing.
                if fl.iter().any(|f| f == "PartialPlaintext") {
                    let max = usize::try_from(t["msgLength"].as_u64().unwrap()).unwrap();
                    assert!(out.len() <= max, "tc {id}: emitted {} > {max}", out.len());
                    if out.len() == max {
                        assert_eq!(
                            stream::sha512(&out).as_slice(),
                            hexf(&t["msgSha512"]).as_slice()
                        );
                    }
                } else {
                    assert!(out.is_empty(), "tc {id}: emitted {} bytes", out.len());
                }
                if fl.iter().any(|f| f == "HeaderFailure") {
                    assert!(
                        matches!(
                            res,
                            Err(StreamError::CommitmentMismatch | StreamError::HeaderTruncated)
                        ),
                        "tc {id}: {res:?}"
                    );
                }
                let mut more = Vec::new();
                assert_eq!(
                    dec.update(&[0u8; 100], &mut more),
                    Err(StreamError::Poisoned)
                );
                assert_eq!(dec.finish(&mut more), Err(StreamError::Poisoned));
                assert!(more.is_empty());
            }
        }
        // One-shot API agrees.
        assert_eq!(stream::decrypt(&key, &ctx, &ct).is_ok(), valid, "tc {id}");

        if !fl.iter().any(|f| f == "HeaderFailure") {
            raw_mode(t, &ct, valid);
        }
        counts[usize::from(!valid)] += 1;
    }
    assert_eq!(counts.iter().sum::<usize>(), 35, "{counts:?}");
}

/// Raw mode: strip the 56-byte header, decrypt with aeadKey/baseNonce, and
/// re-encrypting the message must reproduce the ciphertext exactly.
fn raw_mode(t: &serde_json::Value, ct: &[u8], valid: bool) {
    let id = &t["tcId"];
    let aead_key = Secret32::from_slice(&hexf(&t["aeadKey"])).unwrap();
    let base: [u8; 12] = hexf(&t["baseNonce"]).try_into().unwrap();
    let keys = StreamKeys::raw(aead_key, base);
    let body = ct.get(stream::HEADER_LEN..).unwrap_or(&[]);
    let mut dec = StreamDecryptor::raw(&keys);
    let (out, res) = stream_decrypt(&mut dec, body, 5000);
    assert_eq!(res.is_ok(), valid, "tc {id} raw: {res:?}");
    if valid {
        let mut again = Vec::new();
        let mut enc = StreamEncryptor::with_cipher(&keys, Aes256GcmChunkCipher::new(&keys), false);
        enc.update(&out, &mut again).unwrap();
        enc.finish(&mut again).unwrap();
        assert_eq!(again, body, "tc {id}: raw re-encryption differs");
        // Committed mode: derive from key/ctx with the salt from the vector.
        let salt: [u8; 24] = ct[..24].try_into().unwrap();
        let full = stream::encrypt(&hexf(&t["key"]), &salt, &hexf(&t["ctx"]), &out).unwrap();
        assert_eq!(full, ct, "tc {id}: committed re-encryption differs");
        let derived = StreamKeys::derive(&hexf(&t["key"]), &salt, &hexf(&t["ctx"])).unwrap();
        assert_eq!(
            derived.aead_key().expose().as_slice(),
            hexf(&t["aeadKey"]).as_slice()
        );
        assert_eq!(
            derived.base_nonce().as_slice(),
            hexf(&t["baseNonce"]).as_slice()
        );
    }
}

/// The browser path uses the sans-IO framer with an external cipher that
/// hands back `ciphertext ‖ tag` buffers; emulate that with detached
/// results and check the bytes match the synchronous driver.
#[test]
fn external_cipher_through_framers_matches_driver() {
    let key = [7u8; 32];
    let salt = [9u8; 24];
    let msg: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let expected = stream::encrypt(&key, &salt, b"ctx", &msg).unwrap();

    let keys = StreamKeys::derive(&key, &salt, b"ctx").unwrap();
    let reference = Aes256GcmChunkCipher::new(&keys);
    let mut framer = stream::SealFramer::new(&keys);
    let mut out = framer.header().to_vec();
    for piece in msg.chunks(30_000) {
        let mut batch = framer.push(piece).unwrap();
        for c in batch.chunks_mut().iter_mut().rev() {
            // out of order, as concurrent promises may settle
            let mut buf = c.data().to_vec();
            reference.seal(c.nonce(), &mut buf).unwrap();
            c.set_sealed(buf).unwrap();
        }
        out.extend(batch.into_output().unwrap());
    }
    let mut last = framer.finish().unwrap();
    for c in last.chunks_mut() {
        let mut buf = c.data().to_vec();
        reference.seal(c.nonce(), &mut buf).unwrap();
        assert!(
            c.set_sealed(vec![0; 3]).is_err(),
            "wrong length must be refused"
        );
        c.set_sealed(buf).unwrap();
    }
    out.extend(last.into_output().unwrap());
    assert_eq!(out, expected);

    // Opening: fail chunk 2 of a batch; only chunks 0 and 1 are released.
    let mut open = OpenFramer::new(&key, b"ctx").unwrap();
    let mut batch = open.push(&expected).unwrap();
    assert!(batch.len() >= 3);
    for c in batch.chunks_mut() {
        if c.counter() == 2 {
            c.set_failed();
        } else {
            let mut buf = c.data().to_vec();
            reference.open(c.nonce(), &mut buf).unwrap();
            c.set_opened(buf).unwrap();
        }
    }
    let mut plain = Vec::new();
    assert_eq!(
        open.release(batch, &mut plain),
        Err(StreamError::ChunkAuthentication { chunk: 2 })
    );
    assert_eq!(plain, msg[..2 * stream::CHUNK_SIZE]);
    assert_eq!(open.finish().err(), Some(StreamError::Poisoned));
}

mod props {
    use proptest::prelude::*;
    use shared::format::stream::{self, StreamDecryptor, StreamEncryptor};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Streaming in arbitrary pieces equals one-shot, and decrypts back.
        #[test]
        fn streaming_equals_one_shot(len in prop_oneof![0usize..70_000, Just(16_383), Just(16_384), Just(16_385), Just(3 * 1024 * 1024 + 7)],
                                     piece in 1usize..40_000, seed in any::<u8>()) {
            let msg: Vec<u8> = (0..len).map(|i| (i as u8) ^ seed).collect();
            let key = [seed; 32];
            let salt = [seed.wrapping_add(1); 24];
            let one = stream::encrypt(&key, &salt, b"c", &msg).unwrap();
            prop_assert_eq!(one.len() as u64, stream::ciphertext_len(len as u64).unwrap());
            let mut enc = StreamEncryptor::new(&key, &salt, b"c").unwrap();
            let mut out = Vec::new();
            for p in msg.chunks(piece) { enc.update(p, &mut out).unwrap(); }
            enc.finish(&mut out).unwrap();
            prop_assert_eq!(&out, &one);
            let mut dec = StreamDecryptor::new(&key, b"c").unwrap();
            let mut back = Vec::new();
            for p in one.chunks(piece) { dec.update(p, &mut back).unwrap(); }
            dec.finish(&mut back).unwrap();
            prop_assert_eq!(back, msg);
        }
    }
}
