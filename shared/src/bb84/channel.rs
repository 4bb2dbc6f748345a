//! The fibre: loss and the click probability of an honest (un-attacked) pulse.

use super::params::{RunParams, Source};

/// Fibre transmittance T = 10^(−α·L/10).
pub fn transmittance(distance_km: f64, attenuation_db_per_km: f64) -> f64 {
    10f64.powf(-attenuation_db_per_km * distance_km / 10.0)
}

/// Overall transmittance to a click: fibre × detector efficiency (η).
pub fn total_efficiency(p: &RunParams) -> f64 {
    transmittance(p.channel.distance_km, p.channel.attenuation_db_per_km) * p.detector.efficiency
}

/// Probability that a pulse causes a signal click (dark counts excluded):
/// η for a single photon; 1 − e^(−μη) for a Poisson pulse, because each
/// photon survives independently with probability η.
pub fn signal_click_probability(p: &RunParams) -> f64 {
    let eta = total_efficiency(p);
    match p.source {
        Source::SinglePhoton => eta,
        Source::WeakCoherent { mu } => 1.0 - (-mu * eta).exp(),
    }
}
