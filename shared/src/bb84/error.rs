//! The one error type at the `bb84` boundary.
//!
//! Every message is a plain sentence a Lab user can act on, because the UI
//! shows it as is next to the parameter form.

use thiserror::Error;

/// Everything that can stop a BB84 run or a model evaluation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Bb84Error {
    /// A parameter is outside its physical or practical range.
    #[error("parameter `{name}` is {value}, but it must be {expected}")]
    InvalidParameter {
        /// Field name as it appears in the parameter struct.
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// Two parameters are each valid but do not make sense together.
    #[error("these parameters do not fit together: {0}")]
    Incompatible(&'static str),
    /// The caller's progress callback asked to stop.
    #[error("the run was cancelled")]
    Cancelled,
    /// Alice's and Bob's keys have different lengths where they must match.
    #[error("Alice's and Bob's keys have different lengths ({alice} and {bob} bits)")]
    LengthMismatch {
        /// Alice's length in bits.
        alice: usize,
        /// Bob's length in bits.
        bob: usize,
    },
}

/// Shorthand for results in this module.
pub type Result<T> = core::result::Result<T, Bb84Error>;

/// Checks that `value` is finite and within `[lo, hi]`.
pub(crate) fn check_range(
    name: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<()> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(Bb84Error::InvalidParameter {
            name,
            value: format!("{value}"),
            expected,
        })
    }
}

/// Checks that a probability is a finite number in `[0, 1]`.
pub(crate) fn check_probability(name: &'static str, value: f64) -> Result<()> {
    check_range(name, value, 0.0, 1.0, "a probability between 0 and 1")
}
