//! Every applicable public vector in `../shared/vectors/wycheproof/` (and the
//! X-Wing draft KATs) run through *our* wrappers, not the crates directly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{FixedRng, flags, hexf, tests, wycheproof};

use shared::crypto::aead::{AeadError, Aes256GcmKey};
use shared::crypto::backup_kem::MlKemSecretKey;
use shared::crypto::kdf;
use shared::crypto::kem::XWingSecretKey;
use shared::crypto::secret::{Secret, Secret32};
use shared::crypto::sign::{SignError, SigningKey, VerifyingKey};

#[test]
fn aes_gcm_256_bit_groups() {
    let doc = wycheproof("aes_gcm_test.json");
    let (mut ran, mut refused_nonce) = (0, 0);
    for (g, t) in tests(&doc) {
        if g["keySize"].as_u64() != Some(256) {
            continue;
        }
        assert_eq!(g["tagSize"].as_u64(), Some(128));
        let key = Aes256GcmKey::from_slice(&hexf(&t["key"])).unwrap();
        let (iv, aad, msg) = (hexf(&t["iv"]), hexf(&t["aad"]), hexf(&t["msg"]));
        let mut sealed = hexf(&t["ct"]);
        sealed.extend(hexf(&t["tag"]));
        let valid = t["result"] == "valid";
        let id = &t["tcId"];
        if iv.len() != 12 {
            // Our wrapper only accepts 96-bit nonces: other sizes must be refused.
            assert_eq!(
                key.open_with_slice_nonce(&iv, &aad, &sealed).err(),
                Some(AeadError::InvalidNonceLength(iv.len())),
                "tc {id}"
            );
            assert!(key.seal_with_slice_nonce(&iv, &aad, &msg).is_err());
            refused_nonce += 1;
            continue;
        }
        let opened = key.open_with_slice_nonce(&iv, &aad, &sealed);
        if valid {
            assert_eq!(
                opened.as_deref().map(|v| v.as_slice()),
                Ok(msg.as_slice()),
                "tc {id}"
            );
            assert_eq!(
                key.seal_with_slice_nonce(&iv, &aad, &msg).unwrap(),
                sealed,
                "tc {id}"
            );
        } else {
            assert!(opened.is_err(), "tc {id} must fail");
        }
        ran += 1;
    }
    assert!(
        ran >= 60 && refused_nonce > 0,
        "ran {ran}, refused {refused_nonce}"
    );
    // The 256-bit key check in the wrapper itself.
    assert_eq!(
        Aes256GcmKey::from_slice(&[0; 16]).err(),
        Some(AeadError::InvalidKeyLength(16))
    );
}

fn hkdf_file(name: &str, sha512: bool) {
    let doc = wycheproof(name);
    let mut ran = 0;
    for (_, t) in tests(&doc) {
        let (ikm, salt, info) = (hexf(&t["ikm"]), hexf(&t["salt"]), hexf(&t["info"]));
        let size = usize::try_from(t["size"].as_u64().unwrap()).unwrap();
        let got = if sha512 {
            kdf::hkdf_sha512(&salt, &ikm, &info, size)
        } else {
            kdf::hkdf_sha256(&salt, &ikm, &info, size)
        };
        let id = &t["tcId"];
        if t["result"] == "valid" {
            let okm = hexf(&t["okm"]);
            assert_eq!(
                got.as_deref().unwrap().as_slice(),
                okm.as_slice(),
                "tc {id}"
            );
            if sha512 {
                // Our hand-composed HKDF-Expand (Cobblestone needs a 32-byte
                // PRK, which the `hkdf` crate refuses) must agree as well.
                let prk = kdf::hkdf_sha512_extract(&salt, &ikm);
                let mut out = vec![0u8; size];
                kdf::hkdf_sha512_expand_raw(&prk, &[&info], &mut out).unwrap();
                assert_eq!(out, okm, "tc {id} (expand_raw)");
            }
        } else {
            assert!(got.is_err(), "tc {id} must fail");
            if sha512 {
                let mut out = vec![0u8; size];
                assert!(kdf::hkdf_sha512_expand_raw(&[1; 64], &[&info], &mut out).is_err());
            }
        }
        ran += 1;
    }
    assert!(ran > 80, "{ran}");
}

#[test]
fn hkdf_sha256() {
    hkdf_file("hkdf_sha256_test.json", false);
}

#[test]
fn hkdf_sha512() {
    hkdf_file("hkdf_sha512_test.json", true);
}

#[test]
fn mlkem_1024_keygen_from_seed() {
    let doc = wycheproof("mlkem_1024_keygen_seed_test.json");
    for (_, t) in tests(&doc) {
        let seed = Secret::<64>::from_slice(&hexf(&t["seed"])).unwrap();
        let pk = MlKemSecretKey::from_seed(&seed).public_key();
        assert_eq!(
            pk.as_bytes().as_slice(),
            hexf(&t["ek"]).as_slice(),
            "tc {}",
            t["tcId"]
        );
    }
}

#[test]
fn mlkem_1024_decapsulation() {
    let doc = wycheproof("mlkem_1024_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for (_, t) in tests(&doc) {
        let id = &t["tcId"];
        let seed = Secret::<64>::from_slice(&hexf(&t["seed"]));
        let outcome = seed.map(|s| {
            let sk = MlKemSecretKey::from_seed(&s);
            (sk.public_key(), sk.decapsulate(&hexf(&t["c"])))
        });
        if t["result"] == "valid" {
            let (pk, ss) = outcome.unwrap();
            assert_eq!(
                pk.as_bytes().as_slice(),
                hexf(&t["ek"]).as_slice(),
                "tc {id}"
            );
            assert_eq!(
                ss.unwrap().expose().as_slice(),
                hexf(&t["K"]).as_slice(),
                "tc {id}"
            );
            valid += 1;
        } else {
            // Invalid vectors here are malformed seeds or ciphertext lengths:
            // the wrapper must refuse them, never decapsulate.
            assert!(
                outcome.is_none_or(|(_, ss)| ss.is_err()),
                "tc {id} must be refused"
            );
            invalid += 1;
        }
    }
    assert!(valid > 100 && invalid > 20);
}

#[test]
fn mldsa_65_sign_from_seed() {
    let doc = wycheproof("mldsa_65_sign_seed_test.json");
    let (mut signed, mut internal_only) = (0, 0);
    for (g, t) in tests(&doc) {
        let id = &t["tcId"];
        let Some(seed) = Secret32::from_slice(&hexf(&g["privateSeed"])) else {
            assert_eq!(t["result"], "invalid", "tc {id}");
            continue;
        };
        let sk = SigningKey::from_seed(&seed);
        let vk = sk.verifying_key();
        assert_eq!(
            vk.as_bytes().as_slice(),
            hexf(&g["publicKey"]).as_slice(),
            "tc {id}"
        );
        if t.get("msg").is_none() {
            // External-mu signing (`Internal` flag) is not part of our API.
            assert!(flags(t).contains(&"Internal".to_string()));
            internal_only += 1;
            continue;
        }
        let (msg, ctx) = (hexf(&t["msg"]), hexf(&t["ctx"]));
        // Deterministic signing is hedged signing with rnd = 0^32.
        let rnd = t.get("rnd").map_or(vec![0u8; 32], hexf);
        let got = sk.sign(&msg, &ctx, &mut FixedRng(rnd, 0));
        if t["result"] == "valid" {
            let sig = got.unwrap();
            assert_eq!(sig.as_slice(), hexf(&t["sig"]).as_slice(), "tc {id}");
            vk.verify(&msg, &ctx, &sig).unwrap();
            signed += 1;
        } else {
            assert_eq!(got.err(), Some(SignError::ContextTooLong), "tc {id}");
        }
    }
    assert!(signed > 60 && internal_only > 0, "{signed} {internal_only}");
}

#[test]
fn mldsa_65_verify() {
    let doc = wycheproof("mldsa_65_verify_test.json");
    let (mut ok, mut rejected) = (0, 0);
    for (g, t) in tests(&doc) {
        let id = &t["tcId"];
        let (msg, ctx, sig) = (hexf(&t["msg"]), hexf(&t["ctx"]), hexf(&t["sig"]));
        let res = VerifyingKey::from_bytes(&hexf(&g["publicKey"]))
            .and_then(|vk| vk.verify(&msg, &ctx, &sig));
        if t["result"] == "valid" {
            assert_eq!(res, Ok(()), "tc {id}");
            ok += 1;
        } else {
            assert!(res.is_err(), "tc {id} must be rejected");
            rejected += 1;
        }
    }
    assert!(ok > 50 && rejected > 100);
}

#[test]
fn xwing_draft_kats() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/xwing_draft_kats.json"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let list = doc.as_array().unwrap();
    assert!(!list.is_empty());
    for v in list {
        let sk = XWingSecretKey::from_seed(&Secret32::from_slice(&hexf(&v["sk"])).unwrap());
        let pk = sk.public_key();
        assert_eq!(pk.as_bytes().as_slice(), hexf(&v["pk"]).as_slice());
        let (ct, ss) = pk.encapsulate(&mut FixedRng(hexf(&v["eseed"]), 0));
        assert_eq!(ct.as_slice(), hexf(&v["ct"]).as_slice());
        assert_eq!(ss.expose().as_slice(), hexf(&v["ss"]).as_slice());
        assert_eq!(sk.decapsulate(&ct).unwrap(), ss);
        assert!(sk.decapsulate(&ct[1..]).is_err());
    }
}
