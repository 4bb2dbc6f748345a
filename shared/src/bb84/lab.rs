//! Data series for the Lab page's plots. Each helper runs the simulator
//! (seed `base.seed + i` for point `i`, so a series is reproducible) and
//! pairs the simulated figures with the theory they should follow. The UI
//! draws them; nothing here knows about charts.

use core::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::cascade::{CascadePlan, binary_entropy, bsc_frame};
use super::error::{Bb84Error, Result, check_probability, check_range};
use super::models::{DecoyObservation, DecoySystem, secret_fraction, vacuum_weak_rate};
use super::params::{Attack, RunParams, Source};
use super::progress::{Progress, ProgressFn, Stage, report};
use super::quantum::quantum_phase;
use super::rng::sim_rng;
use super::run::run_with_progress;

/// Runs point `i` of `total` with a callback that reports the series'
/// progress (`i` points done) to the caller whenever the inner run checks
/// in, so a Cancel press stops even a long point promptly.
fn point<T>(
    progress: &mut ProgressFn<'_>,
    stage: Stage,
    i: usize,
    total: usize,
    f: impl FnOnce(&mut ProgressFn<'_>) -> Result<T>,
) -> Result<T> {
    let mut inner =
        |_p: Progress| -> ControlFlow<()> { progress(Progress { stage, done: i as u64, total: total as u64 }) };
    f(&mut inner)
}

/// QBER vs eavesdropping fraction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QberPoint {
    /// Fraction of pulses Eve intercepts.
    pub fraction: f64,
    /// Simulated QBER over all sifted bits.
    pub simulated: f64,
    /// Sifted bits behind the point.
    pub sifted_bits: u64,
    /// The textbook line 0.25·p.
    pub line: f64,
    /// With the channel's own noise e: e + 0.25·p·(1 − 2e).
    pub theory: f64,
}

/// Simulated QBER for each intercept-resend fraction (quantum phase only).
pub fn qber_vs_eavesdropping(
    base: &RunParams,
    fractions: &[f64],
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<QberPoint>> {
    let e = base.channel.noise;
    let mut out = Vec::with_capacity(fractions.len());
    for (i, &fraction) in fractions.iter().enumerate() {
        check_probability("fraction", fraction)?;
        let p = RunParams {
            attack: Attack::InterceptResend { fraction },
            seed: base.seed.wrapping_add(i as u64),
            photon_table_limit: 0,
            ..*base
        };
        let q = point(progress, Stage::Quantum, i, fractions.len(), |cb| quantum_phase(&p, cb))?;
        let c = q.counts;
        out.push(QberPoint {
            fraction,
            simulated: if c.sifted == 0 { 0.0 } else { c.sifted_errors as f64 / c.sifted as f64 },
            sifted_bits: c.sifted,
            line: 0.25 * fraction,
            theory: e + 0.25 * fraction * (1.0 - 2.0 * e),
        });
        report(progress, Stage::Quantum, i as u64 + 1, fractions.len() as u64)?;
    }
    Ok(out)
}

/// Secret key fraction vs QBER.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KeyFractionPoint {
    /// Channel noise set for the point.
    pub noise: f64,
    /// Simulated QBER.
    pub qber: f64,
    /// Final key bits per sifted bit (after sampling, leakage, finite size).
    pub simulated: f64,
    /// 1 − 2h(Q): Shor–Preskill with ideal reconciliation.
    pub theory_ideal: f64,
    /// 1 − h(Q) − f·h(Q) with the run's measured Cascade efficiency.
    pub theory_cascade: f64,
    /// The run's Cascade efficiency (if any errors were corrected).
    pub efficiency: Option<f64>,
    /// The run aborted.
    pub aborted: bool,
}

/// Full runs at each channel noise level.
pub fn key_fraction_vs_qber(
    base: &RunParams,
    noises: &[f64],
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<KeyFractionPoint>> {
    let mut out = Vec::with_capacity(noises.len());
    for (i, &noise) in noises.iter().enumerate() {
        check_range("noise", noise, 0.0, 0.5, "a flip probability between 0 and 0.5")?;
        let mut p =
            RunParams { attack: Attack::None, seed: base.seed.wrapping_add(i as u64), photon_table_limit: 0, ..*base };
        p.channel.noise = noise;
        let r = point(progress, Stage::Reconciliation, i, noises.len(), |cb| run_with_progress(&p, cb))?.report;
        let s = &r.stats;
        let f = s.efficiency.unwrap_or(1.0);
        out.push(KeyFractionPoint {
            noise,
            qber: s.qber_true,
            simulated: if s.quantum.sifted == 0 { 0.0 } else { s.final_key_bits as f64 / s.quantum.sifted as f64 },
            theory_ideal: secret_fraction(s.qber_true, 1.0),
            theory_cascade: secret_fraction(s.qber_true, f),
            efficiency: s.efficiency,
            aborted: r.abort.is_some(),
        });
        report(progress, Stage::Reconciliation, i as u64 + 1, noises.len() as u64)?;
    }
    Ok(out)
}

/// A simulated decoy-state point on the key-rate-vs-distance plot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimulatedRatePoint {
    /// Distance in km.
    pub distance_km: f64,
    /// Key rate per pulse from the simulated gains and errors.
    pub rate: f64,
    /// What was observed.
    pub observed: DecoyObservation,
}

/// Simulates a vacuum + weak decoy experiment at each distance: three
/// quantum phases of `photons` pulses each (signal μ, decoy ν, and vacuum,
/// modelled by μ = 10⁻⁶), with the system's fibre loss, detector,
/// misalignment and dark counts; the observed gains and error rates go
/// through [`vacuum_weak_rate`]. Statistical fluctuations of the gains are
/// not bounded (asymptotic formula), so points far out need many pulses.
pub fn simulated_decoy_rates(
    sys: &DecoySystem,
    mu: f64,
    nu: f64,
    photons: u64,
    distances_km: &[f64],
    seed: u64,
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<SimulatedRatePoint>> {
    check_range("mu", mu, 1e-3, 2.0, "a signal intensity between 0.001 and 2")?;
    check_range("nu", nu, 1e-4, mu, "a decoy intensity above 0 and below mu")?;
    let mut out = Vec::with_capacity(distances_km.len());
    for (i, &d) in distances_km.iter().enumerate() {
        let mut observe = |intensity: f64, stream: u64| -> Result<(f64, f64)> {
            let mut p = RunParams {
                photons,
                source: Source::WeakCoherent { mu: intensity },
                seed: seed.wrapping_add(i as u64 * 3 + stream),
                photon_table_limit: 0,
                ..RunParams::default()
            };
            p.channel.distance_km = d;
            p.channel.attenuation_db_per_km = sys.attenuation_db_per_km;
            p.channel.noise = sys.e_det;
            p.detector.efficiency = sys.eta_bob;
            p.detector.dark_count_probability = sys.y0;
            let c = point(progress, Stage::Quantum, i, distances_km.len(), |cb| quantum_phase(&p, cb))?.counts;
            let gain = c.clicks as f64 / c.pulses as f64;
            let err = if c.sifted == 0 { 0.0 } else { c.sifted_errors as f64 / c.sifted as f64 };
            Ok((gain, err))
        };
        let (gain_mu, error_mu) = observe(mu, 0)?;
        let (gain_nu, error_nu) = observe(nu, 1)?;
        let (y0, _) = observe(1e-6, 2)?;
        let observed = DecoyObservation { mu, nu, gain_mu, error_mu, gain_nu, error_nu, y0 };
        out.push(SimulatedRatePoint { distance_km: d, rate: vacuum_weak_rate(&observed, sys.f, sys.q), observed });
        report(progress, Stage::Quantum, i as u64 + 1, distances_km.len() as u64)?;
    }
    Ok(out)
}

/// Cascade efficiency at one QBER.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyPoint {
    /// Channel QBER of the frames.
    pub qber: f64,
    /// f = leaked / Σ n·h(actual frame error rate).
    pub efficiency: f64,
    /// Fraction of frames left with errors.
    pub frame_error_rate: f64,
    /// Mean parity bits revealed per frame.
    pub mean_leaked: f64,
}

/// Reconciles `frames` random frames of `frame_bits` at each QBER (a binary
/// symmetric channel, independent of the photon simulation).
pub fn cascade_efficiency_vs_qber(
    qbers: &[f64],
    frame_bits: usize,
    frames: u32,
    passes: u32,
    seed: u64,
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<EfficiencyPoint>> {
    let mut out = Vec::with_capacity(qbers.len());
    for (i, &q) in qbers.iter().enumerate() {
        check_range("qber", q, 0.0, 0.5, "between 0 and 0.5")?;
        if !(2..=1_000_000).contains(&frame_bits) {
            return Err(Bb84Error::InvalidParameter {
                name: "frame_bits",
                value: frame_bits.to_string(),
                expected: "between 2 and 1 000 000 bits",
            });
        }
        let mut rng = sim_rng(seed, i as u64);
        let plan = CascadePlan::new(frame_bits, q, passes, &mut rng)?;
        let (mut leaked, mut ideal, mut failed) = (0u64, 0.0, 0u32);
        for _ in 0..frames {
            let (a, b) = bsc_frame(frame_bits, q, &mut rng);
            let r = plan.reconcile(&a, &b)?;
            leaked += r.leaked;
            ideal += frame_bits as f64 * binary_entropy(a.hamming_distance(&b) as f64 / frame_bits as f64);
            failed += u32::from(r.corrected != a);
        }
        out.push(EfficiencyPoint {
            qber: q,
            efficiency: if ideal > 0.0 { leaked as f64 / ideal } else { 0.0 },
            frame_error_rate: f64::from(failed) / f64::from(frames.max(1)),
            mean_leaked: leaked as f64 / f64::from(frames.max(1)),
        });
        report(progress, Stage::Reconciliation, i as u64 + 1, qbers.len() as u64)?;
    }
    Ok(out)
}

/// One plot's worth of simulation, as the Lab page asks for it (plain data,
/// so it can be sent to a Web Worker as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "series", rename_all = "snake_case")]
pub enum SeriesRequest {
    /// [`qber_vs_eavesdropping`].
    QberVsEavesdropping {
        /// Base parameters (the attack is replaced).
        base: RunParams,
        /// Intercept-resend fractions.
        fractions: Vec<f64>,
    },
    /// [`key_fraction_vs_qber`].
    KeyFractionVsQber {
        /// Base parameters (noise and attack are replaced).
        base: RunParams,
        /// Channel noise levels.
        noises: Vec<f64>,
    },
    /// The decoy model curve for `system` plus [`simulated_decoy_rates`].
    DecoyRateVsDistance {
        /// The optical system (usually [`DecoySystem::gys`]).
        system: DecoySystem,
        /// Signal intensity μ of the simulated points.
        mu: f64,
        /// Weak decoy intensity ν.
        nu: f64,
        /// Pulses per intensity per simulated point.
        photons: u64,
        /// Distances of the model curve.
        curve_km: Vec<f64>,
        /// Distances of the simulated points.
        simulated_km: Vec<f64>,
        /// Seed of the simulated points.
        seed: u64,
    },
    /// [`cascade_efficiency_vs_qber`].
    CascadeEfficiencyVsQber {
        /// QBERs.
        qbers: Vec<f64>,
        /// Frame size in bits.
        frame_bits: usize,
        /// Frames per point.
        frames: u32,
        /// Cascade passes.
        passes: u32,
        /// Seed.
        seed: u64,
    },
}

/// The points of one plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "series", rename_all = "snake_case")]
pub enum SeriesResult {
    /// QBER vs eavesdropping fraction.
    QberVsEavesdropping {
        /// Points.
        points: Vec<QberPoint>,
    },
    /// Secret key fraction vs QBER.
    KeyFractionVsQber {
        /// Points.
        points: Vec<KeyFractionPoint>,
    },
    /// Key rate vs distance.
    DecoyRateVsDistance {
        /// The model curve.
        curve: Vec<super::models::RatePoint>,
        /// Simulated points.
        simulated: Vec<SimulatedRatePoint>,
        /// Distance where the vacuum + weak decoy rate reaches zero.
        cutoff_km: f64,
    },
    /// Cascade efficiency vs QBER.
    CascadeEfficiencyVsQber {
        /// Points.
        points: Vec<EfficiencyPoint>,
    },
}

/// Runs one [`SeriesRequest`].
pub fn run_series(request: &SeriesRequest, progress: &mut ProgressFn<'_>) -> Result<SeriesResult> {
    Ok(match request {
        SeriesRequest::QberVsEavesdropping { base, fractions } => {
            SeriesResult::QberVsEavesdropping { points: qber_vs_eavesdropping(base, fractions, progress)? }
        }
        SeriesRequest::KeyFractionVsQber { base, noises } => {
            SeriesResult::KeyFractionVsQber { points: key_fraction_vs_qber(base, noises, progress)? }
        }
        SeriesRequest::DecoyRateVsDistance { system, mu, nu, photons, curve_km, simulated_km, seed } => {
            let curve = super::models::decoy_rate_curve(system, *nu, curve_km)?;
            let cutoff_km = super::models::cutoff_km(system, true, *nu)?;
            let simulated = simulated_decoy_rates(system, *mu, *nu, *photons, simulated_km, *seed, progress)?;
            SeriesResult::DecoyRateVsDistance { curve, simulated, cutoff_km }
        }
        SeriesRequest::CascadeEfficiencyVsQber { qbers, frame_bits, frames, passes, seed } => {
            SeriesResult::CascadeEfficiencyVsQber {
                points: cascade_efficiency_vs_qber(qbers, *frame_bits, *frames, *passes, *seed, progress)?,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_request_travels_as_json_and_runs() {
        let request = SeriesRequest::CascadeEfficiencyVsQber {
            qbers: vec![0.02, 0.05],
            frame_bits: 10_000,
            frames: 2,
            passes: 14,
            seed: 7,
        };
        let json = serde_json::to_string(&request).expect("serialises");
        assert!(json.contains(r#""series":"cascade_efficiency_vs_qber""#), "{json}");
        let back: SeriesRequest = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, request);
        let mut calls = 0;
        let result = run_series(&back, &mut |_| {
            calls += 1;
            ControlFlow::Continue(())
        })
        .expect("runs");
        let SeriesResult::CascadeEfficiencyVsQber { points } = result else { panic!("wrong series") };
        assert_eq!(points.len(), 2);
        assert!(calls >= 2);
        assert!(points.iter().all(|p| p.efficiency > 1.0 && p.frame_error_rate == 0.0), "{points:?}");
    }

    #[test]
    fn a_cancelled_series_stops_with_an_error() {
        let request = SeriesRequest::QberVsEavesdropping { base: RunParams::default(), fractions: vec![0.0, 0.5] };
        let err = run_series(&request, &mut |_| ControlFlow::Break(())).expect_err("cancelled");
        assert_eq!(err, Bb84Error::Cancelled);
    }

    #[test]
    fn a_bad_series_request_is_a_typed_error() {
        let request = SeriesRequest::DecoyRateVsDistance {
            system: DecoySystem::gys(),
            mu: 0.5,
            nu: 0.9,
            photons: 1000,
            curve_km: vec![0.0],
            simulated_km: vec![10.0],
            seed: 1,
        };
        assert!(matches!(
            run_series(&request, &mut |_| ControlFlow::Continue(())),
            Err(Bb84Error::InvalidParameter { name: "nu", .. })
        ));
    }
}
