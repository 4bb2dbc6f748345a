//! Alice's source: random bits and bases, and the photon-number statistics
//! of a weak coherent (laser) pulse.

use rand_core::Rng;

use super::rng::SimRng;

/// Alice's choices for 64 pulses: lane `i` is pulse `i` of the word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AliceWord {
    /// The bit value she encodes.
    pub bit: u64,
    /// Her basis: 0 = rectilinear (+), 1 = diagonal (×).
    pub basis: u64,
}

/// Draws Alice's bits and bases for 64 pulses (uniform, independent).
#[inline]
pub(crate) fn prepare(rng: &mut SimRng) -> AliceWord {
    AliceWord {
        bit: rng.next_u64(),
        basis: rng.next_u64(),
    }
}

/// P(n photons) for a Poisson source of mean `mu`.
pub fn poisson(mu: f64, n: u32) -> f64 {
    let mut p = (-mu).exp();
    for k in 1..=n {
        p *= mu / f64::from(k);
    }
    p
}

/// Probability that a pulse holds two or more photons.
pub fn multi_photon_probability(mu: f64) -> f64 {
    (1.0 - (-mu).exp() * (1.0 + mu)).max(0.0)
}
