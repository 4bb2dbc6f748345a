//! Reusable pieces of UI.

pub mod capability_report;
pub mod status;
