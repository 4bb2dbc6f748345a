//! Progress reporting and cancellation for long runs.
//!
//! The UI runs the simulator in a Web Worker; it passes a callback that
//! posts progress messages and returns `ControlFlow::Break(())` once the
//! user pressed Cancel. The run checks it between blocks of work.

use core::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::error::{Bb84Error, Result};

/// Which part of the run is progressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Sending and measuring pulses (`done`/`total` in pulses).
    Quantum,
    /// Cascade (`done`/`total` in frames).
    Reconciliation,
    /// Privacy amplification (`done`/`total` in steps).
    Amplification,
}

/// One progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Current stage.
    pub stage: Stage,
    /// Units done.
    pub done: u64,
    /// Units in the stage.
    pub total: u64,
}

/// The callback type: return `Break` to cancel.
pub type ProgressFn<'a> = dyn FnMut(Progress) -> ControlFlow<()> + 'a;

/// Reports progress and turns a cancellation into [`Bb84Error::Cancelled`].
pub(crate) fn report(cb: &mut ProgressFn<'_>, stage: Stage, done: u64, total: u64) -> Result<()> {
    match cb(Progress { stage, done, total }) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Bb84Error::Cancelled),
    }
}
