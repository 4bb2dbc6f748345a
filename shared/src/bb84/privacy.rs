//! Privacy amplification by Toeplitz hashing, computed with a real FFT.
//!
//! A Toeplitz matrix T (ℓ × n) is fixed by a public random seed s of
//! n + ℓ − 1 bits: T[i][j] = s[i − j + n − 1]. Toeplitz matrices form a
//! 2-universal family, which is what the leftover hash lemma needs. The
//! product y = T·x over GF(2) is the middle of the convolution s * x:
//! y_i = (Σ_j s[i+n−1−j]·x_j) mod 2. We compute the integer convolution with
//! one real FFT per operand and one inverse (length N = next power of two
//! ≥ n + ℓ − 1, so the cyclic wrap-around only touches outputs we drop) and
//! keep each sum's parity. Sums are at most n ≤ 2^25, far inside f64's exact
//! integer range, and rounding errors stay well below 0.5.

use rand_core::Rng;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::bits::{BitVec, low_mask};
use super::error::{Bb84Error, Result};
use super::rng::SimRng;

/// Largest input accepted (keeps FFT round-off far below 0.5 and memory sane).
pub const MAX_INPUT_BITS: usize = 1 << 25;

/// A public Toeplitz seed of `n + out_len − 1` random bits.
pub fn toeplitz_seed(n: usize, out_len: usize, rng: &mut SimRng) -> BitVec {
    let len = (n + out_len).saturating_sub(1);
    let words = (0..len.div_ceil(64)).map(|_| rng.next_u64()).collect();
    BitVec::from_words(words, len)
}

fn check(n: usize, seed: &BitVec, out_len: usize) -> Result<()> {
    if n > MAX_INPUT_BITS {
        return Err(Bb84Error::InvalidParameter {
            name: "input_bits",
            value: n.to_string(),
            expected: "at most 33 554 432 bits",
        });
    }
    if out_len > n {
        return Err(Bb84Error::InvalidParameter {
            name: "out_len",
            value: out_len.to_string(),
            expected: "at most the input length",
        });
    }
    if seed.len() != (n + out_len).saturating_sub(1) {
        return Err(Bb84Error::InvalidParameter {
            name: "seed_bits",
            value: seed.len().to_string(),
            expected: "exactly input length + output length − 1",
        });
    }
    Ok(())
}

/// y = T(seed)·x, `out_len` bits, via FFT.
pub fn toeplitz_hash(input: &BitVec, seed: &BitVec, out_len: usize) -> Result<BitVec> {
    check(input.len(), seed, out_len)?;
    ToeplitzHasher::new(seed, input.len(), out_len)?.hash(input)
}

/// A Toeplitz hash with its seed's spectrum and FFT plans prepared, so that
/// hashing Alice's and Bob's keys (or many blocks) costs two FFTs each.
pub struct ToeplitzHasher {
    n: usize,
    out_len: usize,
    size: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    seed_spectrum: Vec<Complex<f64>>,
}

impl core::fmt::Debug for ToeplitzHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ToeplitzHasher")
            .field("n", &self.n)
            .field("out_len", &self.out_len)
            .field("fft_size", &self.size)
            .finish()
    }
}

fn fft_err<E>(_: E) -> Bb84Error {
    Bb84Error::Incompatible("internal FFT size mismatch in privacy amplification")
}

impl ToeplitzHasher {
    /// Prepares T(seed) for `n`-bit inputs and `out_len`-bit outputs.
    pub fn new(seed: &BitVec, n: usize, out_len: usize) -> Result<Self> {
        check(n, seed, out_len)?;
        let size = (n + out_len).saturating_sub(1).next_power_of_two().max(2);
        let mut planner = RealFftPlanner::<f64>::new();
        let fwd = planner.plan_fft_forward(size);
        let inv = planner.plan_fft_inverse(size);
        let mut ss = bits_to_f64(seed, size);
        let mut seed_spectrum = fwd.make_output_vec();
        fwd.process(&mut ss, &mut seed_spectrum).map_err(fft_err)?;
        Ok(Self {
            n,
            out_len,
            size,
            fwd,
            inv,
            seed_spectrum,
        })
    }

    /// Hashes one `n`-bit input.
    pub fn hash(&self, input: &BitVec) -> Result<BitVec> {
        if input.len() != self.n {
            return Err(Bb84Error::LengthMismatch {
                alice: self.n,
                bob: input.len(),
            });
        }
        let (n, out_len) = (self.n, self.out_len);
        if out_len == 0 || n == 0 {
            return Ok(BitVec::new());
        }
        let mut xs = bits_to_f64(input, self.size);
        let mut fx = self.fwd.make_output_vec();
        self.fwd.process(&mut xs, &mut fx).map_err(fft_err)?;
        for (a, b) in fx.iter_mut().zip(&self.seed_spectrum) {
            *a *= *b;
        }
        // The inverse needs purely real DC and Nyquist bins; they are, up to round-off.
        if let Some(first) = fx.first_mut() {
            *first = Complex::new(first.re, 0.0);
        }
        if let Some(last) = fx.last_mut() {
            *last = Complex::new(last.re, 0.0);
        }
        // Reuse the input buffer for the inverse's output.
        self.inv.process(&mut fx, &mut xs).map_err(fft_err)?;
        let scale = 1.0 / self.size as f64;
        let mut out = BitVec::with_capacity(out_len);
        let mut i = 0;
        while i < out_len {
            let take = (out_len - i).min(64);
            let mut w = 0u64;
            for (k, v) in xs[n - 1 + i..n - 1 + i + take].iter().enumerate() {
                w |= (((v * scale).round() as i64 & 1) as u64) << k;
            }
            out.push_word(w, take);
            i += take;
        }
        Ok(out)
    }
}

/// The same product computed directly, bit by bit: O(ℓ·n/64). A reference
/// for tests and small inputs.
pub fn toeplitz_hash_direct(input: &BitVec, seed: &BitVec, out_len: usize) -> Result<BitVec> {
    check(input.len(), seed, out_len)?;
    let n = input.len();
    // x reversed, so y_i = parity(seed[i .. i+n] & rev(x)).
    let mut rev = BitVec::with_capacity(n);
    for j in (0..n).rev() {
        rev.push(input.get(j));
    }
    let mut out = BitVec::with_capacity(out_len);
    for i in 0..out_len {
        let mut acc = 0u64;
        let mut j = 0;
        while j < n {
            let take = (n - j).min(64);
            acc ^= seed.word_at(i + j) & rev.word_at(j) & low_mask(take);
            j += take;
        }
        out.push(acc.count_ones() & 1 == 1);
    }
    Ok(out)
}

fn bits_to_f64(bits: &BitVec, size: usize) -> Vec<f64> {
    let mut v = vec![0.0f64; size];
    for (w, chunk) in bits.words().iter().zip(v.chunks_mut(64)) {
        for (k, slot) in chunk.iter_mut().enumerate() {
            *slot = ((w >> k) & 1) as f64;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bb84::rng::sim_rng;

    #[test]
    fn fft_matches_direct_product() {
        let mut rng = sim_rng(5, 5);
        for (n, l) in [
            (1usize, 1usize),
            (7, 3),
            (64, 64),
            (1000, 613),
            (4099, 2000),
        ] {
            let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
            let s = toeplitz_seed(n, l, &mut rng);
            let fast = toeplitz_hash(&x, &s, l).expect("valid sizes");
            let slow = toeplitz_hash_direct(&x, &s, l).expect("valid sizes");
            assert_eq!(fast, slow, "n={n} l={l}");
        }
    }

    #[test]
    fn bad_sizes_are_errors() {
        let x = BitVec::zeros(10);
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 11).is_err());
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 4).is_err());
    }
}
