//! BB84 quantum key distribution: a faithful, fast simulator and its
//! post-processing.
//!
//! This is a *simulation*. Its key is only ever mixed into real
//! post-quantum key wrapping (DESIGN §6); security never rests on it.
//! See `docs/BB84.md` for the physics and the formulas.

pub mod bits;
pub mod cascade;
pub mod channel;
pub(crate) mod detector;
pub mod error;
pub mod estimate;
pub(crate) mod eve;
pub(crate) mod fft_buffers;
pub mod finite_key;
pub(crate) mod fork;
pub mod lab;
pub mod link;
pub mod models;
pub mod params;
pub mod privacy;
pub mod progress;
pub mod quantum;
pub mod rng;
pub mod run;
pub mod source;
pub mod timeline;
pub(crate) mod toeplitz_parity;
pub(crate) mod toeplitz_spectra;
pub mod verify;

pub use bits::BitVec;
pub use error::{Bb84Error, Result};
pub use params::{Attack, CascadeParams, ChannelParams, DetectorParams, PostParams, RunParams, Source};
pub use progress::{Progress, ProgressFn, Stage};
pub use quantum::QuantumCounts;
pub use run::{RunOutput, RunReport, RunStats, run, run_with_progress};
pub use timeline::{AbortReason, Basis, EveRow, Event, Fate, PhotonRow};
