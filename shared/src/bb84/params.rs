//! Run parameters, their defaults and their validation.
//!
//! Every field is plain data (serde) so the Lab form, the runner and a
//! stored link timeline all describe a run the same way. [`RunParams::validate`]
//! turns every out-of-range value into a typed error instead of a panic.

use serde::{Deserialize, Serialize};

use super::error::{Bb84Error, Result, check_probability, check_range};

/// Largest run accepted: bounds memory (and the FFT in privacy amplification)
/// to what a browser tab can hold comfortably.
pub const MAX_PHOTONS: u64 = 20_000_000;

/// How Alice's pulses are made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// An ideal single-photon source: every pulse holds exactly one photon.
    SinglePhoton,
    /// An attenuated laser: the photon number is Poisson with mean `mu`.
    WeakCoherent {
        /// Mean photon number per pulse (μ), typically 0.1–0.8.
        mu: f64,
    },
}

/// What the eavesdropper does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attack {
    /// Nobody listens.
    None,
    /// Eve measures a random `fraction` of pulses in a random basis and resends
    /// what she saw; she causes 25% errors on the sifted bits she touched.
    InterceptResend {
        /// Fraction of pulses intercepted, in `[0, 1]`.
        fraction: f64,
    },
    /// Photon-number splitting on a weak coherent source: Eve keeps one photon
    /// of every multi-photon pulse, forwards the rest over a lossless line and
    /// blocks single-photon pulses so Bob's click rate looks like the honest
    /// fibre's. She causes no errors; only decoy states would reveal her.
    PhotonNumberSplitting,
}

/// The fibre between Alice and Bob.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChannelParams {
    /// Fibre length in km (≥ 0).
    pub distance_km: f64,
    /// Attenuation in dB/km (0.2 is standard telecom fibre at 1550 nm).
    pub attenuation_db_per_km: f64,
    /// Probability that a detected photon's bit is flipped by depolarisation or
    /// basis misalignment (the "intrinsic" QBER, e_det).
    pub noise: f64,
}

/// Bob's detectors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectorParams {
    /// Probability that a photon reaching Bob is detected (η_Bob).
    pub efficiency: f64,
    /// Probability per pulse of a click with no photon (Y0); its bit is random.
    pub dark_count_probability: f64,
}

/// Cascade settings; the defaults are the "option 8" setup of
/// Martinez-Mateo et al. (2015), as used by cascade-cpp.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CascadeParams {
    /// Bits per reconciliation frame (the last frame takes the remainder).
    pub frame_bits: usize,
    /// Number of Cascade passes.
    pub passes: u32,
}

/// Everything after the quantum phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PostParams {
    /// Fraction of sifted bits disclosed to estimate the QBER (then discarded).
    pub sample_fraction: f64,
    /// Abort when the estimated QBER is above this (0.11 ≈ Shor–Preskill).
    pub qber_threshold: f64,
    /// Cascade settings.
    pub cascade: CascadeParams,
    /// Bits of the per-frame verification hash (each one counts as leaked).
    pub verify_tag_bits: u32,
    /// Failure probability allowed to parameter estimation (ε_PE).
    pub eps_pe: f64,
    /// Privacy amplification's distance from an ideal key (ε_PA).
    pub eps_pa: f64,
}

/// A whole run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunParams {
    /// Pulses Alice sends.
    pub photons: u64,
    /// Alice's source.
    pub source: Source,
    /// The fibre.
    pub channel: ChannelParams,
    /// Bob's detectors.
    pub detector: DetectorParams,
    /// The eavesdropper.
    pub attack: Attack,
    /// Post-processing settings.
    pub post: PostParams,
    /// Seed of every random choice in the run (reproducible runs).
    pub seed: u64,
    /// Record a per-photon table when `photons` is at most this.
    pub photon_table_limit: u64,
}

impl Default for ChannelParams {
    fn default() -> Self {
        Self {
            distance_km: 10.0,
            attenuation_db_per_km: 0.2,
            noise: 0.01,
        }
    }
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self {
            efficiency: 0.8,
            dark_count_probability: 1e-6,
        }
    }
}

impl Default for CascadeParams {
    fn default() -> Self {
        Self {
            frame_bits: 10_000,
            passes: 14,
        }
    }
}

impl Default for PostParams {
    fn default() -> Self {
        Self {
            sample_fraction: 0.1,
            qber_threshold: 0.11,
            cascade: CascadeParams::default(),
            verify_tag_bits: 32,
            eps_pe: 1e-10,
            eps_pa: 1e-10,
        }
    }
}

impl Default for RunParams {
    fn default() -> Self {
        Self {
            photons: 200_000,
            source: Source::SinglePhoton,
            channel: ChannelParams::default(),
            detector: DetectorParams::default(),
            attack: Attack::None,
            post: PostParams::default(),
            seed: 1,
            photon_table_limit: 64,
        }
    }
}

impl RunParams {
    /// Checks every field; the first problem found is returned.
    pub fn validate(&self) -> Result<()> {
        if self.photons == 0 || self.photons > MAX_PHOTONS {
            return Err(Bb84Error::InvalidParameter {
                name: "photons",
                value: self.photons.to_string(),
                expected: "between 1 and 20 000 000",
            });
        }
        if let Source::WeakCoherent { mu } = self.source {
            check_range(
                "mu",
                mu,
                1e-6,
                20.0,
                "a mean photon number above 0 and at most 20",
            )?;
        }
        let c = &self.channel;
        check_range(
            "distance_km",
            c.distance_km,
            0.0,
            10_000.0,
            "between 0 and 10 000 km",
        )?;
        check_range(
            "attenuation_db_per_km",
            c.attenuation_db_per_km,
            0.0,
            100.0,
            "between 0 and 100 dB/km",
        )?;
        check_range(
            "noise",
            c.noise,
            0.0,
            0.5,
            "a flip probability between 0 and 0.5",
        )?;
        check_range(
            "efficiency",
            self.detector.efficiency,
            1e-9,
            1.0,
            "a detection efficiency above 0 and at most 1",
        )?;
        check_probability(
            "dark_count_probability",
            self.detector.dark_count_probability,
        )?;
        match self.attack {
            Attack::None => {}
            Attack::InterceptResend { fraction } => check_probability("fraction", fraction)?,
            Attack::PhotonNumberSplitting => {
                if !matches!(self.source, Source::WeakCoherent { .. }) {
                    return Err(Bb84Error::Incompatible(
                        "photon-number splitting needs a weak coherent (laser) source; a single-photon source has no extra photons to split",
                    ));
                }
            }
        }
        let p = &self.post;
        check_range(
            "sample_fraction",
            p.sample_fraction,
            1e-4,
            0.9,
            "a fraction between 0.0001 and 0.9",
        )?;
        check_range(
            "qber_threshold",
            p.qber_threshold,
            0.0,
            0.5,
            "between 0 and 0.5",
        )?;
        if p.cascade.frame_bits < 64 || p.cascade.frame_bits > 1_000_000 {
            return Err(Bb84Error::InvalidParameter {
                name: "frame_bits",
                value: p.cascade.frame_bits.to_string(),
                expected: "between 64 and 1 000 000 bits",
            });
        }
        if p.cascade.passes == 0 || p.cascade.passes > 64 {
            return Err(Bb84Error::InvalidParameter {
                name: "passes",
                value: p.cascade.passes.to_string(),
                expected: "between 1 and 64",
            });
        }
        if p.verify_tag_bits < 8 || p.verify_tag_bits > 256 {
            return Err(Bb84Error::InvalidParameter {
                name: "verify_tag_bits",
                value: p.verify_tag_bits.to_string(),
                expected: "between 8 and 256",
            });
        }
        check_range(
            "eps_pe",
            p.eps_pe,
            1e-300,
            0.5,
            "a probability above 0 and at most 0.5",
        )?;
        check_range(
            "eps_pa",
            p.eps_pa,
            1e-300,
            0.5,
            "a probability above 0 and at most 0.5",
        )?;
        Ok(())
    }
}
