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

#[cfg(test)]
mod tests {
    use rand_core::Rng;

    #[test]
    fn os_rng_gives_distinct_output() {
        let mut r = super::os_rng();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        r.fill_bytes(&mut a);
        r.fill_bytes(&mut b);
        assert_ne!(a, b);
    }
}
