//! Fixed-size secret byte strings: zeroized on drop, never printed, compared
//! in constant time.

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `N` secret bytes (a key, a seed, a shared secret).
///
/// Why a wrapper: `[u8; N]` is `Copy` and prints itself in `Debug`; this type
/// is neither, wipes itself when dropped, and its `==` is constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// Wraps bytes the caller already has (e.g. read from a token).
    #[must_use]
    pub fn from_bytes(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Copies `N` bytes out of a slice; `None` if the length differs.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; N] = bytes.try_into().ok()?;
        Some(Self(arr))
    }

    /// Fresh random bytes.
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; N];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The secret bytes. Callers must not copy them into long-lived,
    /// non-zeroizing storage.
    #[must_use]
    pub fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> core::fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret<{N}>(redacted)")
    }
}

/// 32 secret bytes: the size of every symmetric key and seed in suite v1.
pub type Secret32 = Secret<32>;

/// Constant-time equality of two byte strings (lengths are public).
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_print_bytes() {
        let s = Secret32::from_bytes([0xAB; 32]);
        let shown = format!("{s:?}");
        assert!(!shown.contains("ab") && !shown.contains("171"), "{shown}");
    }

    #[test]
    fn equality_and_slice_length() {
        assert_eq!(Secret32::from_bytes([1; 32]), Secret32::from_bytes([1; 32]));
        assert_ne!(Secret32::from_bytes([1; 32]), Secret32::from_bytes([2; 32]));
        assert!(Secret32::from_slice(&[0; 31]).is_none());
        assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"ab", b"abc"));
    }
}
