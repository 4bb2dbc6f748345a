//! Browser throughput of Cobblestone chunk encryption (issue 3, Performance):
//! raw WebCrypto AES-GCM on 16 KiB chunks, the project's WebCrypto stream
//! encryption and decryption with the same pipelining, and the pure-Rust
//! wasm path, in one headless-Chromium run. A benchmark, not a timed test:
//! it is `#[ignore]`d and prints JSON lines. Unoptimised wasm would
//! measure the compiler, hence the release build. Run it with `cargo xtask
//! bench-wasm` (this file alone) or `cargo xtask bench` (everything, into
//! docs/BENCHMARKS.md), i.e.
//!
//! ```text
//! WASM_BINDGEN_TEST_TIMEOUT=900 CHROMEDRIVER=/usr/bin/chromedriver \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$PWD/.tools/bin/wasm-bindgen-test-runner \
//! cargo test -p app --target wasm32-unknown-unknown --release --test bench -- --include-ignored --nocapture bench_full
//! ```
//!
//! `bench_smoke` runs the same code on tiny inputs (any build) so the
//! harness cannot rot; its figures mean nothing. `core_ops` adds the
//! post-quantum, Argon2id and BB84 figures.
//!
//! Memory stays bounded: the input is generated piece by piece (one 1 MiB
//! buffer, re-stamped for every piece) and the output is dropped as it comes.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use app::platform::webcrypto::{BATCH_CHUNKS, Backend, StreamOpener, StreamSealer, WebCryptoKey};
use js_sys::{Array, Promise, Uint8Array};
use shared::crypto::secret::Secret32;
use shared::format::stream::{self, CHUNK_SIZE, StreamDecryptor, StreamEncryptor};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AesGcmParams, CryptoKey};

#[path = "bench/core_ops.rs"]
mod core_ops;
#[path = "bench/memory.rs"]
mod memory;

use core_ops::CoreSizes;

wasm_bindgen_test_configure!(run_in_browser);

/// Input piece size, as a File would be read.
const PIECE: usize = 1 << 20;

/// How much data each measurement moves.
struct Sizes {
    /// Bytes through the WebCrypto paths (≥ 256 MiB, per the issue).
    web_total: usize,
    /// Bytes through the pure-Rust path (about 0.1 GB/s: keep it short).
    rust_total: usize,
    /// Rounds of the WebCrypto measurements (medians are compared).
    rounds: usize,
    /// Bytes through the stream encryptor while memory is watched.
    memory_total: usize,
    core: CoreSizes,
}

const FULL: Sizes = Sizes {
    web_total: 256 << 20,
    rust_total: 32 << 20,
    rounds: 5,
    memory_total: 2 << 30,
    core: CoreSizes {
        pq_ops: 50,
        argon_policy: true,
        photons: 4_000_000,
        cascade_frames: 200,
        toeplitz_bits: 1_000_000,
    },
};

const SMOKE: Sizes = Sizes {
    web_total: 2 * PIECE,
    rust_total: PIECE,
    rounds: 1,
    memory_total: 4 * PIECE,
    core: CoreSizes { pq_ops: 1, argon_policy: false, photons: 10_000, cascade_frames: 2, toeplitz_bits: 10_000 },
};

const KEY: [u8; 32] = [0x42; 32];
const SALT: [u8; stream::SALT_LEN] = [0x24; stream::SALT_LEN];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn now() -> f64 {
    web_sys::window().expect("window").performance().expect("performance").now()
}

fn report(name: &str, bytes: usize, ms: f64) -> f64 {
    let mb_s = bytes as f64 / 1e6 / (ms / 1e3);
    console_log!("{{\"bench\":\"{name}\",\"bytes\":{bytes},\"ms\":{ms:.1},\"mb_per_s\":{mb_s:.1}}}");
    mb_s
}

/// Pseudo-random input generated piece by piece in one reusable buffer.
struct Source {
    buf: Vec<u8>,
    piece: u64,
}

impl Source {
    fn new() -> Self {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let buf = (0..PIECE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        Self { buf, piece: 0 }
    }

    /// The next piece: the same noise stamped with the piece number, so no
    /// two pieces are equal and no whole input is ever held.
    fn next(&mut self) -> &[u8] {
        self.piece += 1;
        self.buf[..8].copy_from_slice(&self.piece.to_le_bytes());
        &self.buf
    }
}

async fn raw_key() -> CryptoKey {
    let subtle = app::platform::webcrypto::subtle().unwrap();
    let raw = Uint8Array::from(&KEY[..]);
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let p = subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &usages).unwrap();
    JsFuture::from(p).await.unwrap().dyn_into().unwrap()
}

/// One batch of raw `encrypt`/`decrypt` calls on `chunks`, all in flight.
fn raw_batch<'c>(key: &CryptoKey, chunks: impl Iterator<Item = &'c [u8]>, decrypt: bool) -> JsFuture {
    let subtle = app::platform::webcrypto::subtle().unwrap();
    let promises = Array::new();
    for (i, c) in chunks.enumerate() {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
        let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(&nonce[..]));
        params.set_tag_length(128);
        let p = if decrypt {
            subtle.decrypt_with_object_and_u8_array(&params, key, c)
        } else {
            subtle.encrypt_with_object_and_u8_array(&params, key, c)
        };
        promises.push(&p.unwrap());
    }
    JsFuture::from(Promise::all(&promises))
}

/// Raw WebCrypto AES-GCM with the project's pipelining: batches of
/// `BATCH_CHUNKS` 16 KiB chunks, two batches in flight, results dropped.
async fn raw_encrypt(key: &CryptoKey, total: usize) -> f64 {
    let mut src = Source::new();
    let t = now();
    let mut in_flight: Option<JsFuture> = None;
    for _ in 0..total / PIECE {
        let piece = src.next();
        for batch in piece.chunks(CHUNK_SIZE * BATCH_CHUNKS) {
            let next = raw_batch(key, batch.chunks(CHUNK_SIZE), false);
            if let Some(prev) = in_flight.replace(next) {
                prev.await.unwrap();
            }
        }
    }
    if let Some(prev) = in_flight {
        prev.await.unwrap();
    }
    report("raw_webcrypto_encrypt", total, now() - t)
}

/// Raw decryption: one batch of valid chunks, decrypted over and over.
async fn raw_decrypt(key: &CryptoKey, total: usize) -> f64 {
    let mut src = Source::new();
    let piece = src.next()[..CHUNK_SIZE * BATCH_CHUNKS].to_vec();
    let sealed: Array = raw_batch(key, piece.chunks(CHUNK_SIZE), false).await.unwrap().dyn_into().unwrap();
    let sealed: Vec<Vec<u8>> = sealed.iter().map(|b| Uint8Array::new(&b).to_vec()).collect();
    let t = now();
    let mut in_flight: Option<JsFuture> = None;
    for _ in 0..total / (CHUNK_SIZE * BATCH_CHUNKS) {
        let next = raw_batch(key, sealed.iter().map(Vec::as_slice), true);
        if let Some(prev) = in_flight.replace(next) {
            prev.await.unwrap();
        }
    }
    if let Some(prev) = in_flight {
        prev.await.unwrap();
    }
    report("raw_webcrypto_decrypt", total, now() - t)
}

/// The project's stream encryption (`StreamSealer`), output dropped as
/// it is produced (as if written to disk).
async fn project_encrypt(backend: Backend, total: usize, name: &str) -> f64 {
    let mut src = Source::new();
    let mut out = Vec::with_capacity(2 * PIECE);
    let t = now();
    let mut sealer = StreamSealer::new(&KEY, &SALT, b"bench", backend).await.unwrap();
    for _ in 0..total / PIECE {
        sealer.update(src.next(), &mut out).await.unwrap();
        out.clear();
    }
    sealer.finish(&mut out).await.unwrap();
    report(name, total, now() - t)
}

/// The project's stream decryption (`StreamOpener`): ciphertext is made
/// piece by piece by a sealer (untimed) and fed straight to the opener
/// (timed).
async fn project_decrypt(backend: Backend, total: usize, name: &str) -> f64 {
    let mut src = Source::new();
    let mut sealer = StreamSealer::new(&KEY, &SALT, b"bench", Backend::WebCrypto).await.unwrap();
    let mut opener = StreamOpener::new(&KEY, b"bench", backend).unwrap();
    let (mut ct, mut pt) = (Vec::with_capacity(2 * PIECE), Vec::with_capacity(2 * PIECE));
    let mut ms = 0.0;
    for _ in 0..total / PIECE {
        sealer.update(src.next(), &mut ct).await.unwrap();
        let t = now();
        opener.update(&ct, &mut pt).await.unwrap();
        ms += now() - t;
        ct.clear();
        pt.clear();
    }
    sealer.finish(&mut ct).await.unwrap();
    let t = now();
    opener.update(&ct, &mut pt).await.unwrap();
    opener.finish(&mut pt).await.unwrap();
    ms += now() - t;
    report(name, total, ms)
}

/// The synchronous pure-Rust drivers from `shared`, for reference.
fn rust_sync(total: usize) {
    let mut src = Source::new();
    let mut ct = Vec::with_capacity(2 * PIECE);
    let t = now();
    let mut enc = StreamEncryptor::new(&KEY, &SALT, b"bench").unwrap();
    for _ in 0..total / PIECE {
        enc.update(src.next(), &mut ct).unwrap();
        ct.clear();
    }
    enc.finish(&mut ct).unwrap();
    report("rust_sync_stream_encrypt", total, now() - t);

    let mut src = Source::new();
    let mut enc = StreamEncryptor::new(&KEY, &SALT, b"bench").unwrap();
    let mut dec = StreamDecryptor::new(&KEY, b"bench").unwrap();
    let mut pt = Vec::with_capacity(2 * PIECE);
    let mut ms = 0.0;
    for _ in 0..total / PIECE {
        ct.clear();
        enc.update(src.next(), &mut ct).unwrap();
        let t = now();
        dec.update(&ct, &mut pt).unwrap();
        ms += now() - t;
        pt.clear();
    }
    report("rust_sync_stream_decrypt", total, ms);
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored (cargo xtask bench)"]
async fn bench_full() {
    bench_all(&FULL).await;
}

#[wasm_bindgen_test]
#[ignore = "harness smoke run: cargo xtask bench --smoke"]
async fn bench_smoke() {
    bench_all(&SMOKE).await;
}

async fn bench_all(s: &Sizes) {
    // Warm-up: key import, JIT and allocator, so the first figure is not penalised.
    let key = raw_key().await;
    let _ = WebCryptoKey::import(&Secret32::from_bytes(KEY)).await.unwrap();
    project_encrypt(Backend::WebCrypto, s.web_total.min(16 * PIECE), "warmup").await;

    // The machine is shared: alternate raw and project runs and compare
    // medians, so a burst of load elsewhere does not decide the ratio.
    let (mut raw_enc, mut enc, mut raw_dec, mut dec) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..s.rounds {
        raw_enc.push(raw_encrypt(&key, s.web_total).await);
        enc.push(project_encrypt(Backend::WebCrypto, s.web_total, "project_webcrypto_stream_encrypt").await);
        raw_dec.push(raw_decrypt(&key, s.web_total).await);
        dec.push(project_decrypt(Backend::WebCrypto, s.web_total, "project_webcrypto_stream_decrypt").await);
    }
    let (raw_enc, enc, raw_dec, dec) = (median(raw_enc), median(enc), median(raw_dec), median(dec));
    let rust_enc = project_encrypt(Backend::Rust, s.rust_total, "project_rust_stream_encrypt").await;
    let rust_dec = project_decrypt(Backend::Rust, s.rust_total, "project_rust_stream_decrypt").await;
    rust_sync(s.rust_total);
    console_log!(
        "{{\"bench\":\"summary\",\"median_of\":{},\"bytes\":{},\"raw_encrypt_mb_s\":{raw_enc:.1},\"encrypt_mb_s\":{enc:.1},\"raw_decrypt_mb_s\":{raw_dec:.1},\"decrypt_mb_s\":{dec:.1},\"rust_encrypt_mb_s\":{rust_enc:.1},\"rust_decrypt_mb_s\":{rust_dec:.1},\"encrypt_vs_raw\":{:.3},\"decrypt_vs_raw\":{:.3},\"target_encrypt_vs_raw\":0.8,\"target_met\":{}}}",
        s.rounds,
        s.web_total,
        enc / raw_enc,
        dec / raw_dec,
        enc / raw_enc >= 0.8
    );

    // Before Argon2id, whose 64 MiB would hide any growth of wasm memory.
    memory::stream_encrypt_peak(s.memory_total).await;
    core_ops::post_quantum(&s.core);
    core_ops::argon2(&s.core);
    core_ops::bb84(&s.core);
    console_log!("{{\"bench\":\"done\"}}");
}
