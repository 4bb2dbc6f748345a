//! The native crypto and BB84 figures again, in wasm in the browser (issue
//! 8): ML-DSA-65, X-Wing, ML-KEM-1024, Argon2id at the default and
//! calibrated parameters, BB84 photons/s, Cascade ms/frame, Toeplitz
//! Mbit/s. Each prints one JSON line for `cargo xtask bench`.

use core::ops::ControlFlow;
use std::hint::black_box;

use shared::bb84::cascade::{CascadePlan, bsc_frame};
use shared::bb84::privacy::{ToeplitzHasher, toeplitz_seed};
use shared::bb84::quantum::quantum_phase;
use shared::bb84::rng::sim_rng;
use shared::bb84::{Attack, RunParams};
use shared::crypto::backup_kem::MlKemSecretKey;
use shared::crypto::kem::XWingSecretKey;
use shared::crypto::password::{self, Argon2Params};
use shared::crypto::rng::os_rng;
use shared::crypto::secret::{Secret, Secret32};
use shared::crypto::sign::SigningKey;
use wasm_bindgen_test::console_log;

use super::{median, now};

/// How much work each figure gets (full run or smoke run).
pub struct CoreSizes {
    /// Operations per timing round for the post-quantum primitives.
    pub pq_ops: usize,
    /// Policy Argon2id parameters (false: a tiny insecure set, for smoke).
    pub argon_policy: bool,
    pub photons: u64,
    pub cascade_frames: usize,
    pub toeplitz_bits: usize,
}

/// Median milliseconds per call of `op` over three rounds of `n` calls.
fn per_op_ms(n: usize, mut op: impl FnMut()) -> f64 {
    let rounds = (0..3)
        .map(|_| {
            let t = now();
            for _ in 0..n {
                op();
            }
            (now() - t) / n as f64
        })
        .collect();
    median(rounds)
}

fn line(name: &str, ms: f64) {
    console_log!("{{\"bench\":\"{name}\",\"ms_per_op\":{ms:.5}}}");
}

pub fn post_quantum(s: &CoreSizes) {
    let sk = SigningKey::from_seed(&Secret32::from_bytes([1; 32]));
    let vk = sk.verifying_key();
    let msg = [0u8; 96];
    let sig = sk.sign(&msg, b"bench", &mut os_rng()).unwrap();
    line(
        "wasm_mldsa65_sign",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(sk.sign(&msg, b"bench", &mut os_rng()));
        }),
    );
    line(
        "wasm_mldsa65_verify",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(vk.verify(&msg, b"bench", &sig));
        }),
    );

    let xsk = XWingSecretKey::from_seed(&Secret32::from_bytes([2; 32]));
    let xpk = xsk.public_key();
    let (xct, _) = xpk.encapsulate(&mut os_rng());
    line(
        "wasm_xwing_encaps",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(xpk.encapsulate(&mut os_rng()));
        }),
    );
    line(
        "wasm_xwing_decaps",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(xsk.decapsulate(&xct));
        }),
    );

    let msk = MlKemSecretKey::from_seed(&Secret::from_bytes([3; 64]));
    let mpk = msk.public_key();
    let (mct, _) = mpk.encapsulate(&mut os_rng());
    line(
        "wasm_mlkem1024_encaps",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(mpk.encapsulate(&mut os_rng()));
        }),
    );
    line(
        "wasm_mlkem1024_decaps",
        per_op_ms(s.pq_ops, || {
            let _ = black_box(msk.decapsulate(&mct));
        }),
    );
}

pub fn argon2(s: &CoreSizes) {
    let derive_ms = |p: &Argon2Params| {
        let t = now();
        password::derive(b"passphrase", &[1; 32], p).unwrap();
        now() - t
    };
    let (default, calibrated) = if s.argon_policy {
        let calibrated = password::calibrate(password::MIN_MEMORY_KIB, 1.0, |p| derive_ms(p) / 1e3).unwrap();
        (Argon2Params::DEFAULT, calibrated)
    } else {
        let weak = Argon2Params::insecure_for_tests(64, 1).unwrap();
        (weak, weak)
    };
    line("wasm_argon2id_default", median((0..3).map(|_| derive_ms(&default)).collect()));
    let ms = derive_ms(&calibrated);
    console_log!(
        "{{\"bench\":\"wasm_argon2id_calibrated\",\"ms_per_op\":{ms:.3},\"memory_kib\":{},\"iterations\":{},\"target_secs\":1.0}}",
        calibrated.memory_kib(),
        calibrated.iterations()
    );
}

pub fn bb84(s: &CoreSizes) {
    // 50 km (few clicks) and 0 km with a perfect detector (every pulse
    // clicks: the worst case for sifting), as natively.
    for (config, km, efficiency) in [("50km", 50.0, 0.8), ("0km_all_click", 0.0, 1.0)] {
        let mut p = RunParams { photons: s.photons, attack: Attack::None, ..RunParams::default() };
        p.channel.distance_km = km;
        p.detector.efficiency = efficiency;
        let ms = median(
            (0..3)
                .map(|_| {
                    let t = now();
                    black_box(quantum_phase(&p, &mut |_| ControlFlow::Continue(()))).unwrap();
                    now() - t
                })
                .collect(),
        );
        console_log!(
            "{{\"bench\":\"wasm_bb84_photons\",\"config\":\"{config}\",\"photons\":{},\"ms\":{ms:.3},\"photons_per_s\":{:.0}}}",
            s.photons,
            s.photons as f64 / (ms / 1e3)
        );
    }

    for q in [0.01, 0.02, 0.05, 0.08] {
        let mut rng = sim_rng(77, (q * 1000.0) as u64);
        let plan = CascadePlan::new(10_000, q, 14, &mut rng).unwrap();
        let frames: Vec<_> = (0..s.cascade_frames).map(|_| bsc_frame(10_000, q, &mut rng)).collect();
        let t = now();
        for (a, b) in &frames {
            let _ = black_box(plan.reconcile(a, b));
        }
        let ms = (now() - t) / frames.len() as f64;
        console_log!("{{\"bench\":\"wasm_cascade_10k\",\"qber\":{q},\"ms_per_frame\":{ms:.4}}}");
    }

    let n = s.toeplitz_bits;
    let out = n / 10 * 8;
    let mut rng = sim_rng(5, 5);
    let x = toeplitz_seed(n + 1, 0, &mut rng);
    let seed = toeplitz_seed(n, out, &mut rng);
    let mut hasher = ToeplitzHasher::new(&seed, n, out).unwrap();
    let ms = per_op_ms(3, || {
        let _ = black_box(hasher.hash(&x));
    });
    console_log!(
        "{{\"bench\":\"wasm_toeplitz_prepared\",\"bits\":{n},\"ms\":{ms:.3},\"mbit_per_s\":{:.1}}}",
        n as f64 / 1e6 / (ms / 1e3)
    );
}
