//! Reusable pieces of UI.

pub mod capability_report;
pub mod emergency_kit;
pub mod passphrase_meter;
pub mod status;
