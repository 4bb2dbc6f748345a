//! Parameter estimation: disclose a random sample of the sifted key,
//! count disagreements, bound the QBER of the rest.

use serde::{Deserialize, Serialize};

use super::bits::{BitVec, compress, low_mask};
use super::rng::{Bernoulli, SimRng};

/// The disclosed sample and the remaining key.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Alice's key without the sample.
    pub alice: BitVec,
    /// Bob's key without the sample.
    pub bob: BitVec,
    /// Which sifted positions were disclosed.
    pub disclosed: BitVec,
    /// Sample size k.
    pub bits: u64,
    /// Disagreements in the sample.
    pub errors: u64,
}

/// The QBER estimate and its one-sided confidence bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QberEstimate {
    /// errors / k.
    pub estimate: f64,
    /// Statistical margin μ(ε_PE).
    pub margin: f64,
    /// min(estimate + μ, 0.5): used for the key length.
    pub upper_bound: f64,
}

/// Discloses each sifted bit independently with probability `fraction`.
pub fn sample(alice: &BitVec, bob: &BitVec, fraction: f64, rng: &mut SimRng) -> Sample {
    let pick = Bernoulli::new(fraction);
    let n = alice.len().min(bob.len());
    let mut ka = BitVec::with_capacity(n);
    let mut kb = BitVec::with_capacity(n);
    let mut disclosed = BitVec::with_capacity(n);
    let (mut bits, mut errors) = (0u64, 0u64);
    let mut i = 0;
    while i < n {
        let take = (n - i).min(64);
        let valid = low_mask(take);
        let m = pick.mask(rng) & valid;
        let wa = alice.word_at(i) & valid;
        let wb = bob.word_at(i) & valid;
        bits += u64::from(m.count_ones());
        errors += u64::from(((wa ^ wb) & m).count_ones());
        disclosed.push_word(m, take);
        let keep = !m & valid;
        let (out_a, k) = compress(wa, keep);
        let (out_b, _) = compress(wb, keep);
        ka.push_word(out_a, k);
        kb.push_word(out_b, k);
        i += take;
    }
    Sample {
        alice: ka,
        bob: kb,
        disclosed,
        bits,
        errors,
    }
}

/// Bounds the QBER of the `n` unsampled bits from `errors` in a sample of
/// `k`, except with probability `eps_pe` (random-sampling bound of the form
/// used by Tomamichel, Lim, Gisin and Renner, Nat. Commun. 3, 634 (2012)):
/// μ = √( (n+k)/(n·k) · (k+1)/k · ln(1/ε_PE) ).
pub fn bound_qber(errors: u64, k: u64, n: u64, eps_pe: f64) -> QberEstimate {
    if k == 0 || n == 0 {
        return QberEstimate {
            estimate: 0.5,
            margin: 0.5,
            upper_bound: 0.5,
        };
    }
    let (kf, nf) = (k as f64, n as f64);
    let estimate = errors as f64 / kf;
    let margin = ((nf + kf) / (nf * kf) * (kf + 1.0) / kf * (1.0 / eps_pe).ln()).sqrt();
    QberEstimate {
        estimate,
        margin,
        upper_bound: (estimate + margin).min(0.5),
    }
}
