//! The run's structured event log and per-photon table, as the UI shows them.
//!
//! Everything here is public information (what both parties and Eve could
//! see, plus the simulator's omniscient counters); the key itself is never
//! part of the timeline, so a link's timeline can be stored and shown to
//! both peers.

use serde::{Deserialize, Serialize};

use super::cascade::PassStats;
use super::params::{Attack, Source};

/// Why a run stopped without a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AbortReason {
    /// The estimated QBER exceeded the threshold: an eavesdropper (or too
    /// much noise) may know too much for any key to be distilled.
    QberAboveThreshold {
        /// Estimated QBER from the disclosed sample.
        estimate: f64,
        /// The configured threshold.
        threshold: f64,
    },
    /// Too few bits survived a stage to continue.
    TooFewBits {
        /// The stage that ran dry.
        stage: String,
        /// Bits left.
        bits: u64,
    },
    /// Leakage and finite-size penalties leave no secret bits.
    NoSecretKey,
}

impl AbortReason {
    /// A sentence for the UI.
    pub fn message(&self) -> String {
        match self {
            Self::QberAboveThreshold { estimate, threshold } => format!(
                "aborted: the estimated error rate {:.2}% is above the {:.2}% threshold, so an eavesdropper may know too much",
                estimate * 100.0,
                threshold * 100.0
            ),
            Self::TooFewBits { stage, bits } => {
                format!("aborted: only {bits} bits left after {stage}; send more photons")
            }
            Self::NoSecretKey => "aborted: after the information leaked during reconciliation and the finite-size penalties, no secret bits remain; send more photons or reduce noise".to_string(),
        }
    }
}

/// One step of the run, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Alice prepared random bits in random bases.
    Prepared {
        /// Pulses prepared.
        pulses: u64,
        /// Her source.
        source: Source,
    },
    /// The pulses entered the fibre.
    Sent {
        /// Pulses sent.
        pulses: u64,
        /// Fibre length.
        distance_km: f64,
        /// Fibre transmittance T.
        transmittance: f64,
    },
    /// Eve acted on some pulses.
    Intercepted {
        /// Pulses she measured (intercept-resend) or split (multi-photon pulses, PNS).
        pulses: u64,
        /// Her strategy.
        attack: Attack,
    },
    /// Pulses that gave Bob no click (fibre loss, detector inefficiency, vacuum, Eve's blocking).
    Lost {
        /// Pulses without a click.
        pulses: u64,
    },
    /// Bob measured in random bases.
    Measured {
        /// Pulses with a click.
        clicks: u64,
        /// Of which dark counts.
        dark_clicks: u64,
    },
    /// Bases were compared publicly; mismatches dropped.
    Sifted {
        /// Bits kept.
        bits: u64,
        /// Kept / clicks (≈ 0.5).
        kept_fraction: f64,
    },
    /// A random sample was disclosed to estimate the QBER.
    Sampled {
        /// Sample size.
        bits: u64,
        /// Disagreements in the sample.
        errors: u64,
    },
    /// The QBER estimate and its finite-size upper bound.
    Qber {
        /// Estimate from the sample.
        estimate: f64,
        /// Estimate plus the statistical margin μ(ε_PE).
        upper_bound: f64,
        /// The simulator's exact QBER over all sifted bits (not known to Alice and Bob).
        true_qber: f64,
        /// Abort threshold.
        threshold: f64,
    },
    /// One Cascade pass, summed over frames.
    CascadePass(PassStats),
    /// Cascade finished.
    Reconciled {
        /// Frames reconciled.
        frames: u64,
        /// Bits reconciled.
        bits: u64,
        /// Parity bits revealed.
        leaked_bits: u64,
        /// f = leaked / (n·h(Q)).
        efficiency: Option<f64>,
        /// Errors Cascade missed (simulator's view; caught by verification).
        residual_errors: u64,
    },
    /// Hash comparison of each frame.
    Verified {
        /// Frames checked.
        frames: u64,
        /// Frames whose hashes differed (discarded).
        failed_frames: u64,
        /// Hash bits revealed.
        tag_bits: u64,
    },
    /// Toeplitz privacy amplification.
    Amplified {
        /// Bits in.
        input_bits: u64,
        /// Bits out.
        output_bits: u64,
        /// Public random seed length (n + ℓ − 1).
        seed_bits: u64,
    },
    /// The final secret key.
    FinalKey {
        /// Its length.
        bits: u64,
        /// Total security parameter ε = ε_PE + ε_EC + ε_PA.
        epsilon: f64,
    },
    /// The run stopped without a key.
    Aborted {
        /// Why.
        #[serde(flatten)]
        reason: AbortReason,
        /// The same in words.
        message: String,
    },
}

/// A measurement basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// + (horizontal/vertical).
    Rectilinear,
    /// × (±45°).
    Diagonal,
}

impl Basis {
    pub(crate) fn from_bit(b: bool) -> Self {
        if b { Self::Diagonal } else { Self::Rectilinear }
    }
}

/// Eve's view of one pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EveRow {
    /// Her basis (intercept-resend); `None` for a split photon (measured
    /// later in the announced basis).
    pub basis: Option<Basis>,
    /// What she learnt or resent.
    pub bit: Option<bool>,
}

/// What became of one pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Bob saw nothing.
    NoClick,
    /// Bob's basis differed from Alice's: dropped at sifting.
    BasisMismatch,
    /// Kept, then disclosed for QBER estimation.
    Sampled,
    /// Kept for the key.
    Key,
}

/// One row of the per-photon table (small runs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotonRow {
    /// Pulse number.
    pub index: u64,
    /// Alice's bit.
    pub alice_bit: bool,
    /// Alice's basis.
    pub alice_basis: Basis,
    /// Eve's action, if any.
    pub eve: Option<EveRow>,
    /// Bob's basis.
    pub bob_basis: Basis,
    /// Bob's bit, if a detector clicked.
    pub bob_bit: Option<bool>,
    /// The click was a dark count.
    pub dark: bool,
    /// What became of the pulse.
    pub fate: Fate,
}
