//! The quantum phase, 64 pulses per machine word: Alice prepares, Eve may
//! act, the fibre loses photons, Bob measures; then sifting keeps the
//! clicked pulses whose bases matched.

use serde::{Deserialize, Serialize};

use super::bits::{BitVec, compress, low_mask};
use super::channel::signal_click_probability;
use super::detector::measure;
use super::error::Result;
use super::eve::{PnsPlan, intercept_resend};
use super::params::{Attack, RunParams, Source};
use super::progress::{ProgressFn, Stage, report};
use super::rng::{Bernoulli, SimRng};
use super::source::prepare;
use super::timeline::{Basis, EveRow, Fate, PhotonRow};

/// Pulses between two progress reports / cancellation checks.
const PULSES_PER_REPORT: u64 = 1 << 18;

/// The simulator's counters for the quantum phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantumCounts {
    /// Pulses sent.
    pub pulses: u64,
    /// Pulses Eve measured or split.
    pub intercepted: u64,
    /// Pulses with a click at Bob.
    pub clicks: u64,
    /// Clicks caused by dark counts.
    pub dark_clicks: u64,
    /// Bits kept after sifting.
    pub sifted: u64,
    /// Sifted bits where Bob's bit differs from Alice's (true error count).
    pub sifted_errors: u64,
    /// Sifted bits whose value Eve knows exactly.
    pub eve_known: u64,
}

/// Sifted keys and counters.
#[derive(Debug, Clone)]
pub struct QuantumOut {
    /// Alice's sifted key.
    pub alice: BitVec,
    /// Bob's sifted key.
    pub bob: BitVec,
    /// Counters.
    pub counts: QuantumCounts,
    /// Per-photon table (small runs), fates of sifted rows still `Key`.
    pub rows: Option<Vec<PhotonRow>>,
    /// Row index of each sifted bit (when `rows` is recorded).
    pub sifted_rows: Vec<u32>,
}

/// Runs only the quantum phase and sifting (validated parameters, the run's
/// random stream): what the photon-rate benchmark measures.
pub fn quantum_phase(p: &RunParams, progress: &mut ProgressFn<'_>) -> Result<QuantumOut> {
    p.validate()?;
    let mut rng = super::rng::sim_rng(p.seed, super::run::QUANTUM_STREAM);
    simulate(p, &mut rng, progress)
}

/// Runs the quantum phase and sifting for `p.photons` pulses.
pub(crate) fn simulate(
    p: &RunParams,
    rng: &mut SimRng,
    progress: &mut ProgressFn<'_>,
) -> Result<QuantumOut> {
    let honest_click = signal_click_probability(p);
    let signal = Bernoulli::new(honest_click);
    let noise = Bernoulli::new(p.channel.noise);
    let dark = Bernoulli::new(p.detector.dark_count_probability);
    let (ir, pns) = match (p.attack, p.source) {
        (Attack::InterceptResend { fraction }, _) => (Some(Bernoulli::new(fraction)), None),
        (Attack::PhotonNumberSplitting, Source::WeakCoherent { mu }) => (
            None,
            Some(PnsPlan::new(mu, honest_click, p.detector.efficiency)),
        ),
        _ => (None, None),
    };
    let record = p.photons <= p.photon_table_limit;
    let mut rows = record.then(Vec::new);
    let mut sifted_rows = Vec::new();
    let expected =
        (p.photons as f64 * (honest_click + p.detector.dark_count_probability) * 0.55) as usize;
    let mut alice = BitVec::with_capacity(expected);
    let mut bob = BitVec::with_capacity(expected);
    let mut c = QuantumCounts {
        pulses: p.photons,
        ..QuantumCounts::default()
    };
    let mut done = 0u64;
    while done < p.photons {
        let chunk_end = (done + PULSES_PER_REPORT).min(p.photons);
        while done < chunk_end {
            let lanes = (chunk_end - done).min(64);
            let valid = low_mask(lanes as usize);
            let a = prepare(rng);
            let (in_basis, in_bit, touched, eve_basis, eve_bit, signal_mask, eve_copy) =
                if let Some(plan) = &pns {
                    let (clicks, copies) = plan.clicks(rng);
                    (a.basis, a.bit, 0, 0, 0, clicks, copies)
                } else {
                    let mask = ir.as_ref().map_or(0, |b| b.mask(rng)) & valid;
                    let r = intercept_resend(rng, &a, mask);
                    // Eve knows the bit where she happened to pick Alice's basis.
                    let knows = mask & !(r.eve_basis ^ a.basis);
                    (
                        r.basis,
                        r.bit,
                        r.touched,
                        r.eve_basis,
                        r.eve_bit,
                        signal.mask(rng),
                        knows,
                    )
                };
            let b = measure(rng, in_basis, in_bit, signal_mask & valid, &noise, &dark);
            let clicked = b.clicked & valid;
            let keep = clicked & !(a.basis ^ b.basis);
            c.intercepted += u64::from(if pns.is_some() {
                (signal_mask & eve_copy & valid).count_ones()
            } else {
                touched.count_ones()
            });
            c.clicks += u64::from(clicked.count_ones());
            c.dark_clicks += u64::from((b.dark & valid).count_ones());
            c.sifted += u64::from(keep.count_ones());
            c.sifted_errors += u64::from(((a.bit ^ b.bit) & keep).count_ones());
            // A dark count replaced the signal: Eve's copy no longer matches Bob's bit source,
            // but she still knows Alice's bit, so count it as known.
            c.eve_known += u64::from((eve_copy & keep).count_ones());
            let (wa, k) = compress(a.bit, keep);
            let (wb, _) = compress(b.bit, keep);
            alice.push_word(wa, k);
            bob.push_word(wb, k);
            if let Some(rows) = rows.as_mut() {
                for lane in 0..lanes as u32 {
                    let bit = |w: u64| (w >> lane) & 1 == 1;
                    let eve = if bit(touched) {
                        Some(EveRow {
                            basis: Some(Basis::from_bit(bit(eve_basis))),
                            bit: Some(bit(eve_bit)),
                        })
                    } else if pns.is_some() && bit(eve_copy) {
                        Some(EveRow {
                            basis: None,
                            bit: None,
                        })
                    } else {
                        None
                    };
                    let fate = if !bit(clicked) {
                        Fate::NoClick
                    } else if bit(keep) {
                        sifted_rows.push(rows.len() as u32);
                        Fate::Key
                    } else {
                        Fate::BasisMismatch
                    };
                    rows.push(PhotonRow {
                        index: done + u64::from(lane),
                        alice_bit: bit(a.bit),
                        alice_basis: Basis::from_bit(bit(a.basis)),
                        eve,
                        bob_basis: Basis::from_bit(bit(b.basis)),
                        bob_bit: bit(clicked).then(|| bit(b.bit)),
                        dark: bit(b.dark & valid),
                        fate,
                    });
                }
            }
            done += lanes;
        }
        report(progress, Stage::Quantum, done, p.photons)?;
    }
    Ok(QuantumOut {
        alice,
        bob,
        counts: c,
        rows,
        sifted_rows,
    })
}
