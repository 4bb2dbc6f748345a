//! Bob's measurement: random basis, detector clicks, dark counts.

use rand_core::Rng;

use super::rng::{Bernoulli, SimRng};

/// Bob's record for 64 pulses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BobWord {
    /// Bob's basis (0 = +, 1 = ×).
    pub basis: u64,
    /// Bob's bit on clicked lanes.
    pub bit: u64,
    /// Lanes where a detector clicked (signal or dark).
    pub clicked: u64,
    /// Lanes with a dark count.
    pub dark: u64,
}

/// Measures the arriving states (`in_basis`, `in_bit`) on the lanes of
/// `signal` (photons that reached a detector). Same basis → the bit, flipped
/// with probability `noise` (misalignment/depolarisation); other basis → a
/// coin flip. A dark count gives a random bit: alone it is noise, and
/// together with a signal photon the double click is resolved at random.
#[inline]
pub(crate) fn measure(
    rng: &mut SimRng,
    in_basis: u64,
    in_bit: u64,
    signal: u64,
    noise: &Bernoulli,
    dark: &Bernoulli,
) -> BobWord {
    let basis = rng.next_u64();
    let coin = rng.next_u64();
    let flip = noise.mask(rng);
    let dark_lanes = dark.mask(rng);
    let same = !(basis ^ in_basis);
    let signal_bit = (same & (in_bit ^ flip)) | (!same & coin);
    // A fresh coin for dark lanes keeps them independent of the signal coin.
    let dark_bit = if dark_lanes != 0 { rng.next_u64() } else { 0 };
    BobWord {
        basis,
        bit: (signal_bit & !dark_lanes) | (dark_bit & dark_lanes),
        clicked: signal | dark_lanes,
        dark: dark_lanes,
    }
}
