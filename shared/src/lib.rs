//! QuantumVault's core, shared by the browser app and the server.
//!
//! Everything with a rule in it lives here, free of browser and server
//! dependencies, so it is tested natively and fast and runs unchanged in wasm.
#![forbid(unsafe_code)]

pub mod api;
pub mod bb84;
pub mod crypto;
pub mod drive;
pub mod encoding;
pub mod format;
pub mod identity;
pub mod recovery;

/// The product version, as shown in the app and reported by the server.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
