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
pub(crate) mod eve;
pub mod params;
pub mod rng;
pub mod source;

pub use bits::BitVec;
pub use error::{Bb84Error, Result};
pub use params::{
    Attack, CascadeParams, ChannelParams, DetectorParams, PostParams, RunParams, Source,
};
