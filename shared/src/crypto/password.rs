//! Argon2id (RFC 9106) for passphrases and PINs, with the product's policy
//! on parameters and a calibration helper.
//!
//! Parameters travel with the ciphertext (backup file, PIN-sealed token), so
//! a file made on a fast desktop still opens on a phone, and parameters can
//! grow over the years without a format change.

use argon2::{Algorithm, Argon2, Params, Version};

use super::secret::Secret32;

/// Policy minimum for new files: 64 MiB of memory (DESIGN §3).
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;
/// Policy minimum for new files: 3 passes.
pub const MIN_ITERATIONS: u32 = 3;
/// Largest memory a *parser* accepts (2 GiB): a hostile file must not make
/// the browser try to allocate more than wasm32 can address.
pub const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;
/// Largest pass count a parser accepts (bounds the time a hostile file costs).
pub const MAX_ITERATIONS: u32 = 64;
/// Largest lane count a parser accepts.
pub const MAX_PARALLELISM: u32 = 16;
/// Salt length used by every format of suite v1.
pub const SALT_LEN: usize = 32;

/// Argon2id problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Parameters below the policy for new files.
    #[error(
        "Argon2id parameters too weak: need at least {MIN_MEMORY_KIB} KiB and {MIN_ITERATIONS} passes"
    )]
    BelowPolicy,
    /// Parameters outside what Argon2id or this product accepts.
    #[error(
        "Argon2id parameters out of range (memory {memory_kib} KiB, {iterations} passes, {parallelism} lanes)"
    )]
    OutOfRange {
        /// memory in KiB
        memory_kib: u32,
        /// passes
        iterations: u32,
        /// lanes
        parallelism: u32,
    },
    /// The hash could not be computed (e.g. out of memory).
    #[error("Argon2id failed; the device may be out of memory")]
    HashFailed,
}

/// Argon2id cost parameters, as stored in files (memory in KiB, passes,
/// lanes). Version is always 0x13.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Argon2Params {
    /// The defaults for new files: 64 MiB, 3 passes, 1 lane — the floor of
    /// the policy; [`calibrate`] raises the pass count to about a second.
    pub const DEFAULT: Self = Self {
        memory_kib: MIN_MEMORY_KIB,
        iterations: MIN_ITERATIONS,
        parallelism: 1,
    };

    /// Parameters for a *new* file: refuses anything below the policy.
    ///
    /// # Errors
    /// [`PasswordError::BelowPolicy`], [`PasswordError::OutOfRange`].
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, PasswordError> {
        if memory_kib < MIN_MEMORY_KIB || iterations < MIN_ITERATIONS {
            return Err(PasswordError::BelowPolicy);
        }
        Self::from_stored(memory_kib, iterations, parallelism)
    }

    /// Parameters read from an existing file: only range-checked, because a
    /// file made under an older policy (or by tests) must still open.
    ///
    /// # Errors
    /// [`PasswordError::OutOfRange`].
    pub fn from_stored(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> Result<Self, PasswordError> {
        let ok = (1..=MAX_PARALLELISM).contains(&parallelism)
            && (1..=MAX_ITERATIONS).contains(&iterations)
            && memory_kib <= MAX_MEMORY_KIB
            && memory_kib >= 8 * parallelism;
        if ok {
            Ok(Self {
                memory_kib,
                iterations,
                parallelism,
            })
        } else {
            Err(PasswordError::OutOfRange {
                memory_kib,
                iterations,
                parallelism,
            })
        }
    }

    /// Deliberately weak parameters for tests and test vectors only: the
    /// explicit name keeps them out of production code review by accident.
    ///
    /// # Errors
    /// [`PasswordError::OutOfRange`].
    pub fn insecure_for_tests(memory_kib: u32, iterations: u32) -> Result<Self, PasswordError> {
        Self::from_stored(memory_kib, iterations, 1)
    }

    /// Memory in KiB.
    #[must_use]
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }
    /// Passes.
    #[must_use]
    pub fn iterations(&self) -> u32 {
        self.iterations
    }
    /// Lanes.
    #[must_use]
    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// 12-byte encoding: memory, passes, lanes as big-endian u32.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.memory_kib.to_be_bytes());
        out[4..8].copy_from_slice(&self.iterations.to_be_bytes());
        out[8..].copy_from_slice(&self.parallelism.to_be_bytes());
        out
    }

    /// Inverse of [`Self::to_bytes`], range-checked like [`Self::from_stored`].
    ///
    /// # Errors
    /// [`PasswordError::OutOfRange`].
    pub fn from_bytes(bytes: &[u8; 12]) -> Result<Self, PasswordError> {
        let word = |i: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&bytes[i..i + 4]);
            u32::from_be_bytes(w)
        };
        Self::from_stored(word(0), word(4), word(8))
    }
}

/// Argon2id(passphrase, salt) → 32 bytes.
///
/// # Errors
/// [`PasswordError::OutOfRange`], [`PasswordError::HashFailed`].
pub fn derive(
    passphrase: &[u8],
    salt: &[u8; SALT_LEN],
    params: &Argon2Params,
) -> Result<Secret32, PasswordError> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|_| PasswordError::OutOfRange {
        memory_kib: params.memory_kib,
        iterations: params.iterations,
        parallelism: params.parallelism,
    })?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(passphrase, salt, &mut out)
        .map_err(|_| PasswordError::HashFailed)?;
    let key = Secret32::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    Ok(key)
}

/// Parameters that take about `target_secs` on this device, never below the
/// policy. `measure` runs one derivation with the given parameters and
/// returns the seconds it took; it is a closure because wasm32 has no
/// `std::time::Instant` (the app passes `performance.now()`).
///
/// Memory stays at `memory_kib` (a browser tab cannot count on more than a
/// few hundred MiB); the pass count scales linearly with time, up to
/// [`MAX_ITERATIONS`].
///
/// # Errors
/// [`PasswordError::BelowPolicy`] if `memory_kib` is below the policy.
pub fn calibrate(
    memory_kib: u32,
    target_secs: f64,
    mut measure: impl FnMut(&Argon2Params) -> f64,
) -> Result<Argon2Params, PasswordError> {
    let probe = Argon2Params::new(memory_kib, MIN_ITERATIONS, 1)?;
    let secs = measure(&probe);
    Ok(scale_iterations(probe, secs, target_secs))
}

/// The pure part of [`calibrate`]: given how long `probe` took, the passes
/// that reach `target_secs`, clamped to [policy minimum, maximum].
#[must_use]
pub fn scale_iterations(probe: Argon2Params, measured_secs: f64, target_secs: f64) -> Argon2Params {
    let per_pass = measured_secs / f64::from(probe.iterations.max(1));
    let wanted = if per_pass.is_finite() && per_pass > 0.0 {
        (target_secs / per_pass).round()
    } else {
        f64::from(MIN_ITERATIONS)
    };
    let clamped = wanted.clamp(f64::from(MIN_ITERATIONS), f64::from(MAX_ITERATIONS));
    // `clamped` is an integer in [3, 64], so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let iterations = clamped as u32;
    Argon2Params {
        iterations,
        ..probe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_is_enforced_at_creation_only() {
        assert_eq!(
            Argon2Params::new(32 * 1024, 3, 1),
            Err(PasswordError::BelowPolicy)
        );
        assert_eq!(
            Argon2Params::new(64 * 1024, 2, 1),
            Err(PasswordError::BelowPolicy)
        );
        assert!(Argon2Params::new(64 * 1024, 3, 1).is_ok());
        assert!(Argon2Params::from_stored(64, 1, 1).is_ok());
        assert!(Argon2Params::from_stored(MAX_MEMORY_KIB + 1, 3, 1).is_err());
        assert!(Argon2Params::from_stored(64, 0, 1).is_err());
        assert!(Argon2Params::from_stored(64, 1, 0).is_err());
        assert!(Argon2Params::from_stored(64, 1, 17).is_err());
        let p = Argon2Params::from_stored(1234, 5, 2).unwrap_or(Argon2Params::DEFAULT);
        assert_eq!(Argon2Params::from_bytes(&p.to_bytes()), Ok(p));
    }

    #[test]
    fn calibration_scales_passes_and_respects_floor() {
        let probe = Argon2Params::DEFAULT;
        assert_eq!(scale_iterations(probe, 0.3, 1.0).iterations(), 10);
        assert_eq!(scale_iterations(probe, 3.0, 1.0).iterations(), 3);
        assert_eq!(scale_iterations(probe, 0.0, 1.0).iterations(), 3);
        assert_eq!(
            scale_iterations(probe, 0.0001, 1.0).iterations(),
            MAX_ITERATIONS
        );
        let p =
            calibrate(MIN_MEMORY_KIB, 1.0, |p| 0.1 * f64::from(p.iterations())).unwrap_or(probe);
        assert_eq!(p.iterations(), 10);
        assert!(calibrate(1024, 1.0, |_| 1.0).is_err());
    }

    #[test]
    fn rfc9106_shape_and_determinism() {
        let p = Argon2Params::insecure_for_tests(64, 1).unwrap_or(Argon2Params::DEFAULT);
        let a = derive(b"pw", &[1; 32], &p);
        let b = derive(b"pw", &[1; 32], &p);
        let c = derive(b"pX", &[1; 32], &p);
        assert!(a.is_ok());
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
