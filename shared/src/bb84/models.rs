//! Analytic key-rate models, for the Lab plots and for checking the simulator.

use serde::{Deserialize, Serialize};

use super::cascade::binary_entropy;
use super::channel::transmittance;
use super::error::{Result, check_probability, check_range};

/// Asymptotic secret fraction per sifted bit for BB84 with one-way
/// reconciliation of efficiency `f`: r = 1 − h(Q) − f·h(Q) (Shor–Preskill
/// with a practical error-correction cost), clamped at 0.
pub fn secret_fraction(qber: f64, f: f64) -> f64 {
    (1.0 - binary_entropy(qber) - f * binary_entropy(qber)).max(0.0)
}

/// The QBER where 1 − h(Q) − f·h(Q) reaches zero; for f = 1 this is the
/// Shor–Preskill threshold ≈ 11.0%.
pub fn threshold_qber(f: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 0.5);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if 1.0 - (1.0 + f) * binary_entropy(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A system for the decoy-state model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecoySystem {
    /// Fibre loss α in dB/km.
    pub attenuation_db_per_km: f64,
    /// Intrinsic (misalignment) error e_det.
    pub e_det: f64,
    /// Background yield Y0 (dark counts per pulse).
    pub y0: f64,
    /// Bob's efficiency η_Bob.
    pub eta_bob: f64,
    /// Error-correction efficiency f.
    pub f: f64,
    /// Sifting factor q (1/2 for BB84).
    pub q: f64,
}

impl DecoySystem {
    /// The GYS experiment (Gobby, Yuan, Shields 2004) as used by Lo, Ma and
    /// Chen (PRL 94, 230504, 2005): cutoff near 142 km.
    pub fn gys() -> Self {
        Self {
            attenuation_db_per_km: 0.21,
            e_det: 0.033,
            y0: 1.7e-6,
            eta_bob: 0.045,
            f: 1.22,
            q: 0.5,
        }
    }

    fn validate(&self) -> Result<()> {
        check_range(
            "attenuation_db_per_km",
            self.attenuation_db_per_km,
            0.0,
            100.0,
            "between 0 and 100 dB/km",
        )?;
        check_range("e_det", self.e_det, 0.0, 0.5, "between 0 and 0.5")?;
        check_probability("y0", self.y0)?;
        check_range("eta_bob", self.eta_bob, 1e-9, 1.0, "above 0 and at most 1")?;
        check_range("f", self.f, 1.0, 10.0, "between 1 and 10")?;
        check_range("q", self.q, 0.0, 1.0, "between 0 and 1")
    }

    fn eta(&self, km: f64) -> f64 {
        self.eta_bob * transmittance(km, self.attenuation_db_per_km)
    }

    /// Gain Q_μ and error rate E_μ of signal intensity `mu` at `km`.
    fn gain_error(&self, mu: f64, km: f64) -> (f64, f64) {
        let eta = self.eta(km);
        let gain = self.y0 + 1.0 - (-eta * mu).exp();
        let err = (0.5 * self.y0 + self.e_det * (1.0 - (-eta * mu).exp())) / gain;
        (gain, err)
    }

    /// Key rate per pulse with perfectly known single-photon yield and error
    /// (infinitely many decoys): R = q{−Q_μ f h(E_μ) + Q₁[1 − h(e₁)]}.
    pub fn rate_ideal_decoy(&self, mu: f64, km: f64) -> f64 {
        let eta = self.eta(km);
        let (gain, err) = self.gain_error(mu, km);
        let y1 = self.y0 + eta;
        let e1 = (0.5 * self.y0 + self.e_det * eta) / y1;
        let q1 = y1 * mu * (-mu).exp();
        (self.q * (-gain * self.f * binary_entropy(err) + q1 * (1.0 - binary_entropy(e1)))).max(0.0)
    }

    /// Key rate per pulse with one vacuum and one weak decoy of intensity
    /// `nu`, from this system's expected gains (see [`vacuum_weak_rate`]).
    pub fn rate_vacuum_weak(&self, mu: f64, nu: f64, km: f64) -> f64 {
        let (gain_mu, error_mu) = self.gain_error(mu, km);
        let (gain_nu, error_nu) = self.gain_error(nu, km);
        vacuum_weak_rate(
            &DecoyObservation {
                mu,
                nu,
                gain_mu,
                error_mu,
                gain_nu,
                error_nu,
                y0: self.y0,
            },
            self.f,
            self.q,
        )
    }
}

/// What Alice and Bob observe in a vacuum + weak decoy experiment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecoyObservation {
    /// Signal intensity μ.
    pub mu: f64,
    /// Weak decoy intensity ν (< μ).
    pub nu: f64,
    /// Gain Q_μ: clicks per signal pulse.
    pub gain_mu: f64,
    /// QBER of signal pulses E_μ.
    pub error_mu: f64,
    /// Gain Q_ν.
    pub gain_nu: f64,
    /// QBER of decoy pulses E_ν.
    pub error_nu: f64,
    /// Vacuum yield Y0 (clicks per empty pulse).
    pub y0: f64,
}

/// Key rate per pulse from vacuum + weak decoy observations (Ma, Qi, Zhao,
/// Lo, PRA 72, 012326 (2005)):
/// Y₁ ≥ μ/(μν − ν²)·(Q_ν e^ν − Q_μ e^μ ν²/μ² − (μ² − ν²)/μ²·Y0),
/// e₁ ≤ (E_ν Q_ν e^ν − Y0/2)/(Y₁ ν), Q₁ = Y₁ μ e^(−μ),
/// R = q{−Q_μ f h(E_μ) + Q₁[1 − h(e₁)]}, clamped at 0.
pub fn vacuum_weak_rate(o: &DecoyObservation, f: f64, q: f64) -> f64 {
    let (mu, nu) = (o.mu, o.nu);
    if !(nu > 0.0 && nu < mu) {
        return 0.0;
    }
    let y1 = mu / (mu * nu - nu * nu)
        * (o.gain_nu * nu.exp()
            - o.gain_mu * mu.exp() * nu * nu / (mu * mu)
            - (mu * mu - nu * nu) / (mu * mu) * o.y0);
    if y1.is_nan() || y1 <= 0.0 {
        return 0.0;
    }
    let e1 = ((o.error_nu * o.gain_nu * nu.exp() - 0.5 * o.y0) / (y1 * nu)).clamp(0.0, 0.5);
    let q1 = y1 * mu * (-mu).exp();
    (q * (-o.gain_mu * f * binary_entropy(o.error_mu) + q1 * (1.0 - binary_entropy(e1)))).max(0.0)
}

/// One point of the key-rate-vs-distance curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatePoint {
    /// Distance in km.
    pub distance_km: f64,
    /// Ideal-decoy rate per pulse at the best μ.
    pub ideal_decoy: f64,
    /// Vacuum + weak decoy rate per pulse at the best μ.
    pub vacuum_weak: f64,
    /// The μ that maximised the vacuum + weak rate.
    pub best_mu: f64,
}

/// Best rate over μ on a fixed grid (0.01 … 1.00), as the literature optimises μ per distance.
fn best_over_mu(rate: impl Fn(f64) -> f64) -> (f64, f64) {
    (1..=100)
        .map(|i| f64::from(i) * 0.01)
        .map(|mu| (rate(mu), mu))
        .fold(
            (0.0, 0.0),
            |best, cur| if cur.0 > best.0 { cur } else { best },
        )
}

/// Key rate vs distance for `sys`, with a weak decoy of intensity `nu`.
pub fn decoy_rate_curve(
    sys: &DecoySystem,
    nu: f64,
    distances_km: &[f64],
) -> Result<Vec<RatePoint>> {
    sys.validate()?;
    check_range(
        "nu",
        nu,
        1e-6,
        1.0,
        "a weak-decoy intensity above 0 and at most 1",
    )?;
    distances_km
        .iter()
        .map(|&d| {
            check_range("distance_km", d, 0.0, 10_000.0, "between 0 and 10 000 km")?;
            let (ideal, _) = best_over_mu(|mu| sys.rate_ideal_decoy(mu, d));
            let (vw, mu) = best_over_mu(|mu| {
                if mu > nu {
                    sys.rate_vacuum_weak(mu, nu, d)
                } else {
                    0.0
                }
            });
            Ok(RatePoint {
                distance_km: d,
                ideal_decoy: ideal,
                vacuum_weak: vw,
                best_mu: mu,
            })
        })
        .collect()
}

/// The largest distance (to 0.1 km) with a positive rate; `vacuum_weak`
/// selects the two-decoy bound (with decoy `nu`) instead of the ideal one.
pub fn cutoff_km(sys: &DecoySystem, vacuum_weak: bool, nu: f64) -> Result<f64> {
    sys.validate()?;
    let positive = |d: f64| {
        let (r, _) = if vacuum_weak {
            best_over_mu(|mu| {
                if mu > nu {
                    sys.rate_vacuum_weak(mu, nu, d)
                } else {
                    0.0
                }
            })
        } else {
            best_over_mu(|mu| sys.rate_ideal_decoy(mu, d))
        };
        r > 0.0
    };
    if !positive(0.0) {
        return Ok(0.0);
    }
    let (mut lo, mut hi) = (0.0, 1000.0);
    while hi - lo > 0.1 {
        let mid = 0.5 * (lo + hi);
        if positive(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shor_preskill_threshold_is_eleven_percent() {
        let t = threshold_qber(1.0);
        assert!((t - 0.110).abs() < 0.001, "{t}");
    }
}
