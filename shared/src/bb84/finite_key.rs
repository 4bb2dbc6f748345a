//! How many secret bits can be distilled: the leftover hash lemma with
//! finite-size terms.
//!
//! ℓ = ⌊ n·(1−Δ)·(1 − h(Q_U / (1−Δ))) − leak_EC − leak_verify − 2·log2(1/(2ε_PA)) ⌋
//!
//! * n: bits entering privacy amplification (verified frames).
//! * Q_U = Q̂ + μ(ε_PE): the sampled QBER plus the statistical margin
//!   (see [`super::estimate::bound_qber`]); the min-entropy of Alice's key
//!   given Eve's quantum side information is at least n(1 − h(Q_U)) for
//!   single photons (Tomamichel et al. 2012, via entropic uncertainty).
//! * Δ: worst-case fraction of detections that came from multi-photon pulses
//!   (GLLP, no decoy states): Δ = P(n ≥ 2) / P(click). Eve may know those bits
//!   outright (photon-number splitting), and all errors are attributed to the
//!   single-photon part. Δ = 0 for a single-photon source.
//! * leak_EC: every Cascade parity bit; leak_verify: every hash tag bit.
//! * 2·log2(1/(2ε_PA)): the leftover hash lemma's price for an output
//!   ε_PA-close to uniform.
//!
//! The total security parameter is ε = ε_PE + ε_EC + ε_PA (union bound).

use serde::{Deserialize, Serialize};

use super::cascade::binary_entropy;
use super::estimate::bound_qber;

/// Inputs to the key-length formula.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KeyLengthInputs {
    /// Bits entering privacy amplification.
    pub n: u64,
    /// Bits of the key the QBER bound must cover (the reconciled key before
    /// verification discarded any frame).
    pub n_estimated: u64,
    /// Sample size.
    pub sample_bits: u64,
    /// Errors in the sample.
    pub sample_errors: u64,
    /// Cascade parity bits revealed.
    pub leak_ec: u64,
    /// Verification tag bits revealed.
    pub leak_verify: u64,
    /// Multi-photon fraction Δ (0 for a single-photon source).
    pub multi_photon_fraction: f64,
    /// ε_PE.
    pub eps_pe: f64,
    /// ε_PA.
    pub eps_pa: f64,
    /// ε_EC (from verification).
    pub eps_ec: f64,
}

/// The bound and each of its terms, for display.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KeyLengthBound {
    /// Sampled QBER.
    pub qber_estimate: f64,
    /// Statistical margin μ.
    pub qber_margin: f64,
    /// Q_U.
    pub qber_upper: f64,
    /// Δ.
    pub multi_photon_fraction: f64,
    /// Lower bound on Eve-secret entropy before leakage: n(1−Δ)(1 − h(Q_U/(1−Δ))).
    pub entropy_bits: f64,
    /// leak_EC + leak_verify.
    pub leaked_bits: u64,
    /// 2·log2(1/(2ε_PA)).
    pub pa_penalty_bits: f64,
    /// ε_PE.
    pub eps_pe: f64,
    /// ε_EC.
    pub eps_ec: f64,
    /// ε_PA.
    pub eps_pa: f64,
    /// ε_PE + ε_EC + ε_PA.
    pub epsilon: f64,
    /// ℓ, the secret key length (0 when nothing is left).
    pub length: u64,
}

/// Evaluates the finite-key formula.
pub fn secure_key_length(i: &KeyLengthInputs) -> KeyLengthBound {
    let q = bound_qber(
        i.sample_errors,
        i.sample_bits,
        i.n_estimated.max(1),
        i.eps_pe,
    );
    let delta = i.multi_photon_fraction.clamp(0.0, 1.0);
    let single = 1.0 - delta;
    let entropy_bits = if single <= 0.0 {
        0.0
    } else {
        let e1 = (q.upper_bound / single).min(0.5);
        i.n as f64 * single * (1.0 - binary_entropy(e1))
    };
    let leaked_bits = i.leak_ec + i.leak_verify;
    let pa_penalty_bits = 2.0 * (1.0 / (2.0 * i.eps_pa)).log2();
    let raw = entropy_bits - leaked_bits as f64 - pa_penalty_bits;
    let length = if raw.is_finite() && raw > 0.0 {
        (raw.floor() as u64).min(i.n)
    } else {
        0
    };
    KeyLengthBound {
        qber_estimate: q.estimate,
        qber_margin: q.margin,
        qber_upper: q.upper_bound,
        multi_photon_fraction: delta,
        entropy_bits,
        leaked_bits,
        pa_penalty_bits,
        eps_pe: i.eps_pe,
        eps_ec: i.eps_ec,
        eps_pa: i.eps_pa,
        epsilon: i.eps_pe + i.eps_ec + i.eps_pa,
        length,
    }
}
