//! One whole BB84 run: quantum phase, sifting, estimation, Cascade,
//! verification, privacy amplification — with a timeline, progress and
//! cancellation.

use core::ops::ControlFlow;

use rand_core::Rng;
use serde::{Deserialize, Serialize};

use super::bits::BitVec;
use super::cascade::{CascadePlan, PassStats, binary_entropy};
use super::channel::transmittance;
use super::error::Result;
use super::estimate::{bound_qber, sample};
use super::finite_key::{KeyLengthBound, KeyLengthInputs, secure_key_length};
use super::params::{Attack, RunParams, Source};
use super::privacy::{ToeplitzHasher, toeplitz_seed};
use super::progress::{ProgressFn, Stage, report};
use super::quantum::{QuantumCounts, simulate};
use super::rng::sim_rng;
use super::source::multi_photon_probability;
use super::timeline::{AbortReason, Event, Fate, PhotonRow};
use super::verify::{eps_ec, frame_tag};

/// Stream of the quantum phase (shared with [`super::quantum::quantum_phase`]).
pub(crate) const QUANTUM_STREAM: u64 = 1;

/// Independent random streams drawn from the run's seed.
mod stream {
    pub const QUANTUM: u64 = super::QUANTUM_STREAM;
    pub const SAMPLE: u64 = 2;
    pub const CASCADE: u64 = 3;
    pub const VERIFY: u64 = 4;
    pub const PRIVACY: u64 = 5;
}

/// The run's figures (all public; the key is not here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// Quantum-phase counters.
    pub quantum: QuantumCounts,
    /// sifted / clicks.
    pub sifting_ratio: f64,
    /// Sample size.
    pub sample_bits: u64,
    /// Errors in the sample.
    pub sample_errors: u64,
    /// Estimated QBER (sample).
    pub qber_estimate: f64,
    /// True QBER over all sifted bits (simulator's view).
    pub qber_true: f64,
    /// Fraction of sifted bits Eve knows exactly (simulator's view).
    pub eve_known_fraction: f64,
    /// Bits entering Cascade.
    pub reconciled_bits: u64,
    /// Errors in them before Cascade.
    pub errors_before_cascade: u64,
    /// Errors left after Cascade (before verification).
    pub residual_errors: u64,
    /// Cascade parity bits revealed.
    pub leaked_parity_bits: u64,
    /// Verification tag bits revealed.
    pub leaked_verify_bits: u64,
    /// f = leaked parity bits / (n·h(Q)) with Q the frame's true error rate.
    pub efficiency: Option<f64>,
    /// Cascade frames.
    pub frames: u64,
    /// Frames discarded by verification.
    pub failed_frames: u64,
    /// Per-pass Cascade accounting, summed over frames.
    pub passes: Vec<PassStats>,
    /// The finite-key computation (when the run got that far).
    pub finite_key: Option<KeyLengthBound>,
    /// Final key length in bits (0 when aborted).
    pub final_key_bits: u64,
    /// Alice's and Bob's final keys are equal (simulator's check).
    pub keys_identical: bool,
}

/// Everything a run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The parameters, for reproduction.
    pub params: RunParams,
    /// The figures.
    pub stats: RunStats,
    /// The event log.
    pub timeline: Vec<Event>,
    /// Per-photon table for small runs.
    pub photons: Option<Vec<PhotonRow>>,
    /// Why the run aborted, if it did.
    pub abort: Option<AbortReason>,
}

impl RunReport {
    /// True when the run stopped without a key.
    pub fn aborted(&self) -> bool {
        self.abort.is_some()
    }
}

/// A report plus the key itself (kept out of the serialisable report so the
/// timeline can be shared without it).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// Public report.
    pub report: RunReport,
    /// Alice's final key (equal to Bob's when `stats.keys_identical`); `None` when aborted.
    pub key: Option<BitVec>,
}

/// Runs BB84 with no progress reporting.
pub fn run(params: &RunParams) -> Result<RunOutput> {
    run_with_progress(params, &mut |_| ControlFlow::Continue(()))
}

/// Runs BB84, calling `progress` between blocks of work; returning
/// `ControlFlow::Break(())` from it cancels with [`super::Bb84Error::Cancelled`].
/// A protocol abort (QBER too high, nothing left) is not an error: it comes
/// back as a report with `abort` set.
pub fn run_with_progress(params: &RunParams, progress: &mut ProgressFn<'_>) -> Result<RunOutput> {
    params.validate()?;
    let p = params;
    let mut timeline = Vec::new();
    let mut rng = sim_rng(p.seed, stream::QUANTUM);
    let q = simulate(p, &mut rng, progress)?;
    let c = q.counts;
    timeline.push(Event::Prepared { pulses: c.pulses, source: p.source });
    timeline.push(Event::Sent {
        pulses: c.pulses,
        distance_km: p.channel.distance_km,
        transmittance: transmittance(p.channel.distance_km, p.channel.attenuation_db_per_km),
    });
    if !matches!(p.attack, Attack::None) {
        timeline.push(Event::Intercepted { pulses: c.intercepted, attack: p.attack });
    }
    timeline.push(Event::Lost { pulses: c.pulses - c.clicks });
    timeline.push(Event::Measured { clicks: c.clicks, dark_clicks: c.dark_clicks });
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let sifting_ratio = ratio(c.sifted, c.clicks);
    timeline.push(Event::Sifted { bits: c.sifted, kept_fraction: sifting_ratio });
    let mut stats = RunStats {
        quantum: c,
        sifting_ratio,
        sample_bits: 0,
        sample_errors: 0,
        qber_estimate: 0.0,
        qber_true: ratio(c.sifted_errors, c.sifted),
        eve_known_fraction: ratio(c.eve_known, c.sifted),
        reconciled_bits: 0,
        errors_before_cascade: 0,
        residual_errors: 0,
        leaked_parity_bits: 0,
        leaked_verify_bits: 0,
        efficiency: None,
        frames: 0,
        failed_frames: 0,
        passes: Vec::new(),
        finite_key: None,
        final_key_bits: 0,
        keys_identical: false,
    };
    let mut rows = q.rows;
    let finish = |stats: RunStats, mut timeline: Vec<Event>, rows, reason: AbortReason| {
        timeline.push(Event::Aborted { message: reason.message(), reason: reason.clone() });
        Ok(RunOutput {
            report: RunReport { params: *p, stats, timeline, photons: rows, abort: Some(reason) },
            key: None,
        })
    };

    // Parameter estimation.
    let mut srng = sim_rng(p.seed, stream::SAMPLE);
    let s = sample(&q.alice, &q.bob, p.post.sample_fraction, &mut srng);
    if let Some(rows) = rows.as_mut() {
        for (i, &r) in q.sifted_rows.iter().enumerate() {
            if s.disclosed.get(i)
                && let Some(row) = rows.get_mut(r as usize)
            {
                row.fate = Fate::Sampled;
            }
        }
    }
    stats.sample_bits = s.bits;
    stats.sample_errors = s.errors;
    timeline.push(Event::Sampled { bits: s.bits, errors: s.errors });
    let key_bits = s.alice.len();
    if s.bits == 0 || key_bits < 64 {
        let stage = if s.bits == 0 { "sampling" } else { "sifting and sampling" };
        return finish(stats, timeline, rows, AbortReason::TooFewBits { stage: stage.into(), bits: key_bits as u64 });
    }
    let est = bound_qber(s.errors, s.bits, key_bits as u64, p.post.eps_pe);
    stats.qber_estimate = est.estimate;
    timeline.push(Event::Qber {
        estimate: est.estimate,
        upper_bound: est.upper_bound,
        true_qber: stats.qber_true,
        threshold: p.post.qber_threshold,
    });
    if est.estimate > p.post.qber_threshold {
        let reason = AbortReason::QberAboveThreshold { estimate: est.estimate, threshold: p.post.qber_threshold };
        return finish(stats, timeline, rows, reason);
    }

    // Cascade, frame by frame: frames of `frame_bits`, the last one taking the remainder.
    let frame_bits = p.post.cascade.frame_bits.min(key_bits);
    let frames = (key_bits / frame_bits).max(1);
    let last_len = key_bits - (frames - 1) * frame_bits;
    let mut crng = sim_rng(p.seed, stream::CASCADE);
    let plan = CascadePlan::new(frame_bits, est.estimate, p.post.cascade.passes, &mut crng)?;
    let last_plan = if last_len == frame_bits {
        None
    } else {
        Some(CascadePlan::new(last_len, est.estimate, p.post.cascade.passes, &mut crng)?)
    };
    let mut vrng = sim_rng(p.seed, stream::VERIFY);
    let mut salt = [0u8; 32];
    for chunk in salt.chunks_mut(8) {
        chunk.copy_from_slice(&vrng.next_u64().to_le_bytes());
    }
    let tag_bits = p.post.verify_tag_bits;
    let mut alice_ok = BitVec::with_capacity(key_bits);
    let mut bob_ok = BitVec::with_capacity(key_bits);
    let mut passes: Vec<PassStats> = Vec::new();
    for f in 0..frames {
        let start = f * frame_bits;
        let (len, plan) =
            if f + 1 == frames { (last_len, last_plan.as_ref().unwrap_or(&plan)) } else { (frame_bits, &plan) };
        let fa = s.alice.slice(start, len);
        let fb = s.bob.slice(start, len);
        stats.errors_before_cascade += fa.hamming_distance(&fb) as u64;
        let out = plan.reconcile(&fa, &fb)?;
        stats.leaked_parity_bits += out.leaked;
        stats.residual_errors += fa.hamming_distance(&out.corrected) as u64;
        for ps in &out.passes {
            match passes.get_mut(ps.pass as usize - 1) {
                Some(acc) => {
                    acc.parities += ps.parities;
                    acc.corrections += ps.corrections;
                }
                None => passes.push(*ps),
            }
        }
        let ta = frame_tag(&salt, f as u64, &fa, tag_bits);
        let tb = frame_tag(&salt, f as u64, &out.corrected, tag_bits);
        stats.leaked_verify_bits += u64::from(tag_bits);
        if ta == tb {
            alice_ok.extend(&fa);
            bob_ok.extend(&out.corrected);
        } else {
            stats.failed_frames += 1;
        }
        report(progress, Stage::Reconciliation, f as u64 + 1, frames as u64)?;
    }
    stats.frames = frames as u64;
    stats.reconciled_bits = key_bits as u64;
    stats.efficiency = {
        let h = key_bits as f64 * binary_entropy(ratio(stats.errors_before_cascade, key_bits as u64));
        (h > 0.0).then(|| stats.leaked_parity_bits as f64 / h)
    };
    for ps in &passes {
        timeline.push(Event::CascadePass(*ps));
    }
    stats.passes = passes;
    timeline.push(Event::Reconciled {
        frames: frames as u64,
        bits: key_bits as u64,
        leaked_bits: stats.leaked_parity_bits,
        efficiency: stats.efficiency,
        residual_errors: stats.residual_errors,
    });
    timeline.push(Event::Verified {
        frames: frames as u64,
        failed_frames: stats.failed_frames,
        tag_bits: stats.leaked_verify_bits,
    });

    // Finite-key length and privacy amplification.
    let delta = match p.source {
        Source::SinglePhoton => 0.0,
        Source::WeakCoherent { mu } => {
            (multi_photon_probability(mu) / ratio(c.clicks, c.pulses).max(f64::MIN_POSITIVE)).min(1.0)
        }
    };
    let bound = secure_key_length(&KeyLengthInputs {
        n: alice_ok.len() as u64,
        n_estimated: key_bits as u64,
        sample_bits: s.bits,
        sample_errors: s.errors,
        leak_ec: stats.leaked_parity_bits,
        leak_verify: stats.leaked_verify_bits,
        multi_photon_fraction: delta,
        eps_pe: p.post.eps_pe,
        eps_pa: p.post.eps_pa,
        eps_ec: eps_ec(frames as u64, tag_bits),
    });
    stats.finite_key = Some(bound);
    if bound.length == 0 {
        return finish(stats, timeline, rows, AbortReason::NoSecretKey);
    }
    report(progress, Stage::Amplification, 0, 1)?;
    let ell = bound.length as usize;
    let mut prng = sim_rng(p.seed, stream::PRIVACY);
    let seed = toeplitz_seed(alice_ok.len(), ell, &mut prng);
    let mut hasher = ToeplitzHasher::new(&seed, alice_ok.len(), ell)?;
    let ka = hasher.hash(&alice_ok)?;
    // Verified frames almost always agree: equal inputs hash equally, so
    // Bob's hash is only computed when a frame slipped through unequal.
    let kb = if bob_ok == alice_ok { ka.clone() } else { hasher.hash(&bob_ok)? };
    report(progress, Stage::Amplification, 1, 1)?;
    timeline.push(Event::Amplified {
        input_bits: alice_ok.len() as u64,
        output_bits: ell as u64,
        seed_bits: seed.len() as u64,
    });
    timeline.push(Event::FinalKey { bits: ell as u64, epsilon: bound.epsilon });
    stats.final_key_bits = ell as u64;
    stats.keys_identical = ka == kb;
    Ok(RunOutput { report: RunReport { params: *p, stats, timeline, photons: rows, abort: None }, key: Some(ka) })
}
