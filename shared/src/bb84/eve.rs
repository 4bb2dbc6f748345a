//! The eavesdropper's strategies.

use rand_core::Rng;

use super::rng::{Bernoulli, SimRng, uniform};
use super::source::{AliceWord, poisson};

/// What reaches Bob's station after Eve, and what she learnt, for 64 pulses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resent {
    /// Basis of the state arriving at Bob.
    pub basis: u64,
    /// Bit of the state arriving at Bob.
    pub bit: u64,
    /// Lanes Eve measured.
    pub touched: u64,
    /// Eve's basis on touched lanes.
    pub eve_basis: u64,
    /// Eve's result on touched lanes.
    pub eve_bit: u64,
}

/// Intercept-resend on the lanes of `mask`: Eve measures in a random basis
/// (right basis → Alice's bit; wrong basis → a coin flip) and resends her
/// result in her basis. Untouched lanes pass Alice's state on.
#[inline]
pub(crate) fn intercept_resend(rng: &mut SimRng, alice: &AliceWord, mask: u64) -> Resent {
    if mask == 0 {
        return Resent {
            basis: alice.basis,
            bit: alice.bit,
            touched: 0,
            eve_basis: 0,
            eve_bit: 0,
        };
    }
    let eve_basis = rng.next_u64();
    let coin = rng.next_u64();
    let wrong = eve_basis ^ alice.basis;
    let eve_bit = (alice.bit & !wrong) | (coin & wrong);
    Resent {
        basis: (alice.basis & !mask) | (eve_basis & mask),
        bit: (alice.bit & !mask) | (eve_bit & mask),
        touched: mask,
        eve_basis: eve_basis & mask,
        eve_bit: eve_bit & mask,
    }
}

/// Eve's photon-number-splitting plan, fixed before the run so that Bob's
/// click rate matches what the honest fibre would give (she then hides in
/// plain sight: no extra errors, no missing clicks).
#[derive(Debug, Clone)]
pub(crate) struct PnsPlan {
    mu: f64,
    vacuum: Bernoulli,
    single_given_nonvacuum: Bernoulli,
    single_click: Bernoulli,
    /// Probability a multi-photon pulse is forwarded (normally 1).
    multi_forward: f64,
    eta_bob: f64,
}

impl PnsPlan {
    /// Plans the attack for mean photon number `mu`, honest click probability
    /// `honest_click` = 1 − e^(−μη) and Bob's detector efficiency `eta_bob`.
    pub(crate) fn new(mu: f64, honest_click: f64, eta_bob: f64) -> Self {
        let p0 = poisson(mu, 0);
        let p1 = poisson(mu, 1);
        // Bob's click rate if every multi-photon pulse sends n−1 photons losslessly.
        let mut multi_click = 0.0;
        let mut pn = p1;
        for n in 2..200u32 {
            pn *= mu / f64::from(n);
            multi_click += pn * (1.0 - (1.0 - eta_bob).powi(n as i32 - 1));
            if pn < 1e-18 {
                break;
            }
        }
        let (single_pass, multi_forward) = if multi_click >= honest_click {
            (0.0, (honest_click / multi_click).min(1.0))
        } else {
            (
                ((honest_click - multi_click) / (p1 * eta_bob)).clamp(0.0, 1.0),
                1.0,
            )
        };
        let nonvacuum = 1.0 - p0;
        Self {
            mu,
            vacuum: Bernoulli::new(p0),
            single_given_nonvacuum: Bernoulli::new(if nonvacuum > 0.0 {
                p1 / nonvacuum
            } else {
                1.0
            }),
            single_click: Bernoulli::new(single_pass * eta_bob),
            multi_forward,
            eta_bob,
        }
    }

    /// Bob's signal clicks for 64 pulses, and the lanes whose bit Eve holds a
    /// copy of (multi-photon pulses that made Bob click).
    pub(crate) fn clicks(&self, rng: &mut SimRng) -> (u64, u64) {
        let vacuum = self.vacuum.mask(rng);
        let single = !vacuum & self.single_given_nonvacuum.mask(rng);
        let multi = !vacuum & !single;
        let single_clicks = single & self.single_click.mask(rng);
        let mut multi_clicks = 0u64;
        let mut m = multi;
        while m != 0 {
            let lane = m.trailing_zeros();
            m &= m - 1;
            if uniform(rng) >= self.multi_forward {
                continue;
            }
            let n = self.sample_multi(rng);
            let click = 1.0 - (1.0 - self.eta_bob).powi(n as i32 - 1);
            if uniform(rng) < click {
                multi_clicks |= 1u64 << lane;
            }
        }
        (single_clicks | multi_clicks, multi_clicks)
    }

    /// A photon number from the Poisson law conditioned on n ≥ 2 (inverse CDF).
    fn sample_multi(&self, rng: &mut SimRng) -> u32 {
        let p0 = poisson(self.mu, 0);
        let p1 = poisson(self.mu, 1);
        let tail = (1.0 - p0 - p1).max(f64::MIN_POSITIVE);
        let mut u = uniform(rng) * tail;
        let mut pn = p1;
        let mut n = 1u32;
        loop {
            n += 1;
            pn *= self.mu / f64::from(n);
            if u < pn || n >= 200 {
                return n;
            }
            u -= pn;
        }
    }
}
