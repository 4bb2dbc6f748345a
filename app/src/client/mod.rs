//! The HTTP API client (`docs/API.md`) over the browser's `fetch`, with the
//! same-origin cookie session. Every failure becomes a [`ClientError`] whose
//! sentence a person can act on; nothing secret is ever sent.

pub mod account;
pub mod api;
pub mod audit;
pub mod contacts;
pub mod keys;
pub mod local_store;
pub mod rotation;
pub mod transport;

pub use transport::ClientError;
