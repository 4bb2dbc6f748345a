//! BB84 benchmarks: photon simulation rate, Cascade time and efficiency per
//! 10⁴-bit frame, Toeplitz privacy-amplification throughput on 10⁶ bits.
//!
//! `cargo bench -p shared --bench bb84`
//! Cascade efficiency f at each QBER is printed once before timing (and
//! recorded for `cargo xtask bench`); `QV_BENCH_SMOKE=1` shrinks every input.
#![allow(missing_docs)]

mod support;

use core::ops::ControlFlow;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shared::bb84::cascade::{CascadePlan, binary_entropy, bsc_frame};
use shared::bb84::privacy::{ToeplitzHasher, toeplitz_hash, toeplitz_seed};
use shared::bb84::quantum::quantum_phase;
use shared::bb84::rng::sim_rng;
use shared::bb84::{Attack, RunParams, run};

/// Pulses per photon-simulation run (10⁷; 10⁴ in smoke mode).
fn pulses() -> u64 {
    support::size(10_000_000, 10_000) as u64
}

fn photons(c: &mut Criterion) {
    // Quantum phase + sifting only, 10⁷ pulses: at 50 km (few clicks) and at
    // 0 km with a perfect detector (every pulse clicks: worst case for sifting).
    let mut g = c.benchmark_group("bb84_photons");
    g.sample_size(10);
    for (name, km, eff, attack) in [
        ("10M_pulses_50km", 50.0, 0.8, Attack::None),
        ("10M_pulses_0km_all_click", 0.0, 1.0, Attack::None),
        ("10M_pulses_50km_eve_50pct", 50.0, 0.8, Attack::InterceptResend { fraction: 0.5 }),
    ] {
        let mut p = RunParams { photons: pulses(), attack, ..RunParams::default() };
        p.channel.distance_km = km;
        p.detector.efficiency = eff;
        g.throughput(Throughput::Elements(p.photons));
        g.bench_function(name, |b| b.iter(|| black_box(quantum_phase(&p, &mut |_| ControlFlow::Continue(())))));
    }
    // A whole run (quantum phase, Cascade, verification, PA) for scale.
    let mut p = RunParams { photons: pulses(), ..RunParams::default() };
    p.channel.distance_km = 50.0;
    g.throughput(Throughput::Elements(p.photons));
    g.bench_function("full_run_10M_pulses_50km", |b| b.iter(|| black_box(run(&p))));
    g.finish();
}

fn cascade(c: &mut Criterion) {
    let mut g = c.benchmark_group("bb84_cascade_10k");
    for q in [0.01, 0.02, 0.05, 0.08] {
        let mut rng = sim_rng(77, (q * 1000.0) as u64);
        let plan = match CascadePlan::new(10_000, q, 14, &mut rng) {
            Ok(p) => p,
            Err(e) => panic!("plan: {e}"),
        };
        let frames: Vec<_> = (0..support::size(1000, 4)).map(|_| bsc_frame(10_000, q, &mut rng)).collect();
        let (mut leaked, mut ideal, mut failed) = (0u64, 0.0, 0);
        for (a, b) in &frames {
            if let Ok(out) = plan.reconcile(a, b) {
                leaked += out.leaked;
                ideal += 10_000.0 * binary_entropy(a.hamming_distance(b) as f64 / 10_000.0);
                failed += usize::from(out.corrected != *a);
            }
        }
        println!(
            "cascade QBER {:.0}%: efficiency f = {:.3} over {} frames, {} not reconciled",
            q * 100.0,
            leaked as f64 / ideal,
            frames.len(),
            failed
        );
        support::record(&serde_json::json!({
            "bench": "cascade_efficiency",
            "qber": q,
            "frame_bits": 10_000,
            "frames": frames.len(),
            "efficiency": leaked as f64 / ideal,
            "not_reconciled": failed,
        }));
        let mut i = 0;
        g.bench_function(format!("qber_{:.0}pct", q * 100.0), |bch| {
            bch.iter(|| {
                let (a, b) = &frames[i % frames.len()];
                i += 1;
                black_box(plan.reconcile(a, b))
            })
        });
    }
    g.finish();
}

fn toeplitz(c: &mut Criterion) {
    let mut rng = sim_rng(5, 5);
    let n = support::size(1_000_000, 10_000);
    let out = n / 10 * 8;
    let x = toeplitz_seed(n + 1, 0, &mut rng);
    let s = toeplitz_seed(n, out, &mut rng);
    let mut g = c.benchmark_group("bb84_toeplitz");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("1M_in_800k_out_with_seed_fft", |b| b.iter(|| black_box(toeplitz_hash(&x, &s, out))));
    let mut hasher = match ToeplitzHasher::new(&s, n, out) {
        Ok(h) => h,
        Err(e) => panic!("hasher: {e}"),
    };
    g.bench_function("1M_in_800k_out_prepared_seed", |b| b.iter(|| black_box(hasher.hash(&x))));
    g.finish();
}

criterion_group!(benches, photons, cascade, toeplitz);
criterion_main!(benches);
