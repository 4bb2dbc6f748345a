//! The operating system's CSPRNG (`getrandom` 0.4), for callers that do not
//! bring their own. Natively this is the OS; in the browser it is
//! `crypto.getRandomValues`, *provided the app crate enables
//! `getrandom/wasm_js`* (the shared crate never does, so that it stays free
//! of browser dependencies).

/// An infallible handle on the OS random source. Panics only if the OS
/// cannot deliver randomness at all, which no caller could recover from.
pub type OsRng = rand_core::UnwrapErr<getrandom::SysRng>;

/// A fresh handle on the OS random source.
#[must_use]
pub fn os_rng() -> OsRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}
