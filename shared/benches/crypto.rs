//! Native benchmarks of the crypto core: `cargo bench -p shared --bench crypto`.
//! Stream throughput is compared with raw AES-256-GCM on the same 16 KiB
//! chunks, so the framing overhead is visible. `cargo xtask bench` runs it
//! and reads criterion's estimates; `QV_BENCH_SMOKE=1` shrinks every input.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_core::SeedableRng;
use shared::crypto::aead::Aes256GcmKey;
use shared::crypto::backup_kem::MlKemSecretKey;
use shared::crypto::kem::XWingSecretKey;
use shared::crypto::password::{self, Argon2Params};
use shared::crypto::secret::{Secret, Secret32};
use shared::crypto::sign::SigningKey;
use shared::format::stream::{self, CHUNK_SIZE};

fn rng() -> chacha20::ChaCha20Rng {
    chacha20::ChaCha20Rng::from_seed([1; 32])
}

fn stream_bench(c: &mut Criterion) {
    let len = support::size(16 * 1024 * 1024, 256 * 1024);
    let msg = vec![0xA5u8; len];
    let key = [7u8; 32];
    let salt = [9u8; 24];
    let ct = stream::encrypt(&key, &salt, b"ctx", &msg).unwrap();
    let mut g = c.benchmark_group("stream_16MiB");
    g.throughput(Throughput::Bytes(len as u64));
    g.sample_size(10);
    g.bench_function("cobblestone_encrypt", |b| b.iter(|| stream::encrypt(&key, &salt, b"ctx", &msg).unwrap()));
    g.bench_function("cobblestone_decrypt", |b| b.iter(|| stream::decrypt(&key, b"ctx", &ct).unwrap()));
    let raw = Aes256GcmKey::new(&Secret32::from_bytes(key));
    g.bench_function("raw_aes256gcm_16KiB_chunks", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(len + len / CHUNK_SIZE * 16);
            for (i, chunk) in msg.chunks(CHUNK_SIZE).enumerate() {
                let mut nonce = [0u8; 12];
                nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
                let mut buf = chunk.to_vec();
                let tag = raw.seal_in_place_detached(&nonce, &[], &mut buf).unwrap();
                out.extend_from_slice(&buf);
                out.extend_from_slice(&tag);
            }
            out
        })
    });
    // The same chunks sealed once, then opened into a fresh output each time
    // (as the stream decryptor does), so decryption has its anchor too.
    let sealed: Vec<([u8; 12], Vec<u8>, [u8; 16])> = msg
        .chunks(CHUNK_SIZE)
        .enumerate()
        .map(|(i, chunk)| {
            let mut nonce = [0u8; 12];
            nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
            let mut buf = chunk.to_vec();
            let tag = raw.seal_in_place_detached(&nonce, &[], &mut buf).unwrap();
            (nonce, buf, tag)
        })
        .collect();
    g.bench_function("raw_aes256gcm_16KiB_chunks_decrypt", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(len);
            for (nonce, ct, tag) in &sealed {
                let start = out.len();
                out.extend_from_slice(ct);
                raw.open_in_place_detached(nonce, &[], &mut out[start..], tag).unwrap();
            }
            out
        })
    });
    g.finish();
}

fn pq_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pq");
    let sk = SigningKey::from_seed(&Secret32::from_bytes([1; 32]));
    let vk = sk.verifying_key();
    let msg = [0u8; 96];
    let sig = sk.sign(&msg, b"bench", &mut rng()).unwrap();
    g.bench_function("mldsa65_sign", |b| b.iter(|| sk.sign(&msg, b"bench", &mut rng()).unwrap()));
    g.bench_function("mldsa65_verify", |b| b.iter(|| vk.verify(&msg, b"bench", &sig).unwrap()));

    let xsk = XWingSecretKey::from_seed(&Secret32::from_bytes([2; 32]));
    let xpk = xsk.public_key();
    let (xct, _) = xpk.encapsulate(&mut rng());
    g.bench_function("xwing_encaps", |b| b.iter(|| xpk.encapsulate(&mut rng())));
    g.bench_function("xwing_decaps", |b| b.iter(|| xsk.decapsulate(&xct).unwrap()));

    let msk = MlKemSecretKey::from_seed(&Secret::from_bytes([3; 64]));
    let mpk = msk.public_key();
    let (mct, _) = mpk.encapsulate(&mut rng());
    g.bench_function("mlkem1024_encaps", |b| b.iter(|| mpk.encapsulate(&mut rng())));
    g.bench_function("mlkem1024_decaps", |b| b.iter(|| msk.decapsulate(&mct).unwrap()));
    g.finish();
}

/// How long the app aims to spend on one passphrase derivation when it
/// calibrates Argon2id to the device (the default is the policy floor).
const CALIBRATION_TARGET_SECS: f64 = 1.0;

fn argon_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("argon2id");
    g.sample_size(10);
    let (default, calibrated) = if support::smoke() {
        // Policy-level memory would dominate a smoke run: 64 KiB, 1 pass.
        let weak = Argon2Params::insecure_for_tests(64, 1).unwrap();
        (weak, weak)
    } else {
        let measure = |p: &Argon2Params| {
            let t = Instant::now();
            password::derive(b"passphrase", &[1; 32], p).unwrap();
            t.elapsed().as_secs_f64()
        };
        let calibrated = password::calibrate(password::MIN_MEMORY_KIB, CALIBRATION_TARGET_SECS, measure).unwrap();
        (Argon2Params::DEFAULT, calibrated)
    };
    support::record(&serde_json::json!({
        "bench": "argon2id_calibrated_params",
        "target_secs": CALIBRATION_TARGET_SECS,
        "memory_kib": calibrated.memory_kib(),
        "iterations": calibrated.iterations(),
    }));
    g.bench_function("default_64MiB_t3_p1", |b| {
        b.iter(|| password::derive(b"passphrase", &[1; 32], &default).unwrap())
    });
    g.bench_function("calibrated_1s", |b| b.iter(|| password::derive(b"passphrase", &[1; 32], &calibrated).unwrap()));
    g.finish();
}

criterion_group!(benches, stream_bench, pq_bench, argon_bench);
criterion_main!(benches);
