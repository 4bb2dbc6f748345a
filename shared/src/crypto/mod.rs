//! Thin, typed wrappers over maintained primitives (DESIGN §3).
//!
//! Nothing in here implements a primitive: every function forwards to a
//! RustCrypto crate and only adds types (so a 32-byte AES key cannot be
//! confused with an X-Wing seed), zeroize-on-drop for secrets, and error
//! values a caller can act on.
//!
//! Randomness: every function that needs randomness takes
//! `&mut impl rand_core::CryptoRng`. The crate never picks a randomness
//! backend itself, so it builds for `wasm32-unknown-unknown` without
//! `getrandom/wasm_js`; with the `os-rng` feature it offers `rng::OsRng`,
//! and the app crate enables `getrandom`'s `wasm_js` feature next to it.

pub mod aead;
pub mod backup_kem;
pub mod kdf;
pub mod kem;
mod kem_keys;
pub mod password;
#[cfg(feature = "os-rng")]
pub mod rng;
pub mod secret;
pub mod sign;

pub use rand_core::CryptoRng;
