//! Seeded randomness for the simulator.
//!
//! Runs must be reproducible (tests, the runner, a link's timeline viewed by
//! both peers), so every random choice flows from one caller-supplied seed
//! through a fast, well-studied PRNG. This randomness models physics and
//! public choices; it never produces secrets used for real encryption.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The simulator's generator: xoshiro256++ (fast, 2^256 period, passes BigCrush).
pub type SimRng = Xoshiro256PlusPlus;

/// A generator for `seed`, with `stream` separating independent uses.
pub fn sim_rng(seed: u64, stream: u64) -> SimRng {
    SimRng::seed_from_u64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// A uniform `f64` in `[0, 1)` with 53 random bits.
#[inline]
pub fn uniform(rng: &mut SimRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Draws 64 independent Bernoulli(p) lanes at once.
///
/// Each lane compares a lazily drawn uniform 64-bit fraction with `p`, most
/// significant bit first; all 64 lanes are compared in parallel with one
/// random word per bit, and drawing stops once every lane is decided, so
/// the expected cost is about eight random words per 64 lanes whatever `p`.
/// `p` is quantised to 2^-64, far below any statistical effect we measure.
#[derive(Debug, Clone, Copy)]
pub struct Bernoulli {
    threshold: u64,
    always: bool,
}

impl Bernoulli {
    /// Lanes are 1 with probability `p` (clamped into `[0, 1]`).
    pub fn new(p: f64) -> Self {
        if p.is_nan() || p <= 0.0 {
            return Self {
                threshold: 0,
                always: false,
            };
        }
        if p >= 1.0 {
            return Self {
                threshold: 0,
                always: true,
            };
        }
        // p * 2^64, saturating; p < 1 so this fits.
        let threshold = (p * 18_446_744_073_709_551_616.0) as u64;
        Self {
            threshold,
            always: false,
        }
    }

    /// 64 lanes, each 1 with probability `p`.
    #[inline]
    pub fn mask(&self, rng: &mut SimRng) -> u64 {
        if self.always {
            return u64::MAX;
        }
        if self.threshold == 0 {
            return 0;
        }
        let mut less = 0u64;
        let mut undecided = u64::MAX;
        let mut bit = 63;
        loop {
            let r = rng.next_u64();
            if (self.threshold >> bit) & 1 == 1 {
                // Lanes whose random bit is 0 here are already below p.
                less |= undecided & !r;
                undecided &= r;
            } else {
                // Lanes whose random bit is 1 here are already above p.
                undecided &= !r;
            }
            if undecided == 0 || bit == 0 {
                return less;
            }
            if self.threshold & ((1u64 << bit) - 1) == 0 {
                // No more one bits in p: every undecided lane is ≥ p.
                return less;
            }
            bit -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bernoulli_mask_has_the_right_mean() {
        let mut rng = sim_rng(1, 0);
        for p in [0.0, 1e-3, 0.1, 0.25, 0.5, 0.73, 1.0] {
            let b = Bernoulli::new(p);
            let words = 20_000;
            let ones: u64 = (0..words)
                .map(|_| u64::from(b.mask(&mut rng).count_ones()))
                .sum();
            let n = (words * 64) as f64;
            let mean = ones as f64 / n;
            let sd = (p * (1.0 - p) / n).sqrt();
            assert!((mean - p).abs() <= 5.0 * sd + 1e-12, "p={p} mean={mean}");
        }
    }
}
