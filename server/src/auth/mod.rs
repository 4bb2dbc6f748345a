//! Passwordless sign-in: ML-DSA-65 challenge–response ([`challenge`]),
//! hashed expiring sessions ([`session`]) and attempt limits ([`limits`]).

pub mod challenge;
pub mod limits;
pub mod session;

pub use session::Authed;
