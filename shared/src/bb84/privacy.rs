//! Privacy amplification by Toeplitz hashing, computed with a real FFT.
//!
//! A Toeplitz matrix T (ℓ × n) is fixed by a public random seed s of
//! n + ℓ − 1 bits: T[i][j] = s[i − j + n − 1]. Toeplitz matrices form a
//! 2-universal family, which is what the leftover hash lemma needs. The
//! product y = T·x over GF(2) is the middle of the convolution s * x:
//! y_i = (Σ_j s[i+n−1−j]·x_j) mod 2. We compute the integer convolution with
//! one real FFT per operand and one inverse (length N ≥ n + ℓ − 1, a
//! 2^a·3^b·5^c number with b, c ≤ 2, so the cyclic wrap-around only touches outputs we drop) and
//! keep each sum's parity. Sums are at most n ≤ 2^25, far inside f64's exact
//! integer range, and rounding errors stay well below 0.5.

use rand_core::Rng;
use std::cell::RefCell;
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
    /// Work buffers kept between calls: at 10⁶ bits they are tens of MB, and
    /// fresh allocations cost more in page faults than the arithmetic.
    real_buf: Vec<f64>,
    spectrum_buf: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
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

thread_local! {
    /// FFT plans (twiddle tables) are costly to build and depend only on the
    /// length, so one planner per thread keeps them across calls.
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
}

/// The smallest even length ≥ `min` of the form 2^a·3^b·5^c with b, c ≤ 2:
/// RustFFT is fastest on such lengths (measured: higher powers of 3 and 5
/// are slower than the next power of two), and they sit closer to `min`
/// than the next power of two (1 843 200 = 2¹³·3²·5² instead of 2 097 152
/// for a 10⁶-bit input, and faster per point too).
pub fn fft_len(min: usize) -> usize {
    let min = min.max(2);
    [1usize, 3, 5, 9, 15, 25, 45, 75, 225]
        .iter()
        .map(|&odd| {
            let mut len = odd * 2;
            while len < min {
                len *= 2;
            }
            len
        })
        .min()
        .unwrap_or(min.next_power_of_two())
}

fn fft_err<E>(_: E) -> Bb84Error {
    Bb84Error::Incompatible("internal FFT size mismatch in privacy amplification")
}

impl ToeplitzHasher {
    /// Prepares T(seed) for `n`-bit inputs and `out_len`-bit outputs.
    pub fn new(seed: &BitVec, n: usize, out_len: usize) -> Result<Self> {
        check(n, seed, out_len)?;
        let size = fft_len((n + out_len).saturating_sub(1));
        let (fwd, inv) = PLANNER.with(|p| {
            let mut p = p.borrow_mut();
            (p.plan_fft_forward(size), p.plan_fft_inverse(size))
        });
        let mut real_buf = vec![0.0; size];
        bits_to_f64(seed, &mut real_buf);
        let mut seed_spectrum = fwd.make_output_vec();
        let scratch_len = fwd.get_scratch_len().max(inv.get_scratch_len());
        let mut scratch = vec![Complex::new(0.0, 0.0); scratch_len];
        fwd.process_with_scratch(&mut real_buf, &mut seed_spectrum, &mut scratch).map_err(fft_err)?;
        // The inverse FFT is unnormalised: fold its 1/N into the seed once.
        let scale = 1.0 / size as f64;
        for c in &mut seed_spectrum {
            *c *= scale;
        }
        let spectrum_buf = fwd.make_output_vec();
        Ok(Self { n, out_len, size, fwd, inv, seed_spectrum, real_buf, spectrum_buf, scratch })
    }

    /// Hashes one `n`-bit input.
    pub fn hash(&mut self, input: &BitVec) -> Result<BitVec> {
        if input.len() != self.n {
            return Err(Bb84Error::LengthMismatch { alice: self.n, bob: input.len() });
        }
        let (n, out_len) = (self.n, self.out_len);
        if out_len == 0 || n == 0 {
            return Ok(BitVec::new());
        }
        let xs = &mut self.real_buf;
        let fx = &mut self.spectrum_buf;
        bits_to_f64(input, xs);
        self.fwd.process_with_scratch(xs, fx, &mut self.scratch).map_err(fft_err)?;
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
        self.inv.process_with_scratch(fx, xs, &mut self.scratch).map_err(fft_err)?;
        let mut out = BitVec::with_capacity(out_len);
        for chunk in xs[n - 1..n - 1 + out_len].chunks(64) {
            let w = chunk.iter().enumerate().fold(0u64, |w, (k, &v)| w | (rounded_parity(v) << k));
            out.push_word(w, chunk.len());
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

/// 1.5·2⁵²: adding it to a float below 2⁵¹ in magnitude rounds it to the
/// nearest integer, whose lowest bit then sits in the mantissa's lowest bit.
const ROUNDING_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Parity of the integer nearest to `v` (|v| < 2⁵¹), without a call to
/// `round` (a library call on baseline x86-64 and in wasm). Ties cannot
/// occur: FFT round-off keeps every value within far less than 0.5 of an
/// integer, where round-half-even and round-half-away agree.
#[inline]
fn rounded_parity(v: f64) -> u64 {
    (v + ROUNDING_MAGIC).to_bits() & 1
}

/// Each byte's eight bits as 0.0/1.0, lowest bit first.
const BYTE_TO_F64: [[f64; 8]; 256] = {
    let mut table = [[0.0; 8]; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 8 {
            table[b][k] = ((b >> k) & 1) as f64;
            k += 1;
        }
        b += 1;
    }
    table
};

/// Writes `bits` as 0.0/1.0 into `out` (zero-filling the rest), a byte at a time.
fn bits_to_f64(bits: &BitVec, out: &mut [f64]) {
    let len = bits.len();
    let mut bytes = bits.words().iter().flat_map(|w| w.to_le_bytes());
    let (head, tail) = out.split_at_mut(len.min(out.len()));
    for chunk in head.chunks_mut(8) {
        let byte = bytes.next().unwrap_or(0);
        chunk.copy_from_slice(&BYTE_TO_F64[usize::from(byte)][..chunk.len()]);
    }
    tail.fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bb84::rng::sim_rng;

    #[test]
    fn fft_matches_direct_product() {
        let mut rng = sim_rng(5, 5);
        for (n, l) in [(1usize, 1usize), (7, 3), (64, 64), (1000, 613), (4099, 2000)] {
            let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
            let s = toeplitz_seed(n, l, &mut rng);
            let fast = toeplitz_hash(&x, &s, l).expect("valid sizes");
            let slow = toeplitz_hash_direct(&x, &s, l).expect("valid sizes");
            assert_eq!(fast, slow, "n={n} l={l}");
        }
    }

    #[test]
    fn fft_matches_direct_product_on_random_sizes() {
        let mut rng = sim_rng(11, 3);
        for _ in 0..12 {
            let n = 1 + (rng.next_u64() % 20_000) as usize;
            let l = 1 + (rng.next_u64() % n as u64) as usize;
            let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
            let s = toeplitz_seed(n, l, &mut rng);
            let mut hasher = ToeplitzHasher::new(&s, n, l).expect("valid sizes");
            let slow = toeplitz_hash_direct(&x, &s, l).expect("valid sizes");
            assert_eq!(hasher.hash(&x).expect("hashes"), slow, "n={n} l={l}");
            // A prepared hasher gives the same answer twice (its buffers are reused).
            assert_eq!(hasher.hash(&x).expect("hashes"), slow, "n={n} l={l}, second use");
        }
    }

    /// Output bit `i` of T(seed)·x, straight from the definition
    /// T[i][j] = seed[i − j + n − 1].
    fn direct_bit(x: &BitVec, seed: &BitVec, i: usize) -> bool {
        let n = x.len();
        (0..n).filter(|&j| x.get(j) && seed.get(i + n - 1 - j)).count() % 2 == 1
    }

    #[test]
    fn fft_is_exact_on_a_million_bits() {
        // Round-off grows with the length: check the largest everyday size
        // (10⁶ bits in, 8·10⁵ out) against the definition on sampled bits,
        // including all-ones inputs, whose sums are the largest.
        let mut rng = sim_rng(12, 4);
        let n = 1_000_000;
        let l = 800_000;
        let s = toeplitz_seed(n, l, &mut rng);
        for x in [toeplitz_seed(n + 1, 0, &mut rng).slice(0, n), BitVec::from_words(vec![u64::MAX; n / 64 + 1], n)] {
            let y = toeplitz_hash(&x, &s, l).expect("valid sizes");
            for i in (0..l).step_by(l / 97).chain([0, l - 1]) {
                assert_eq!(y.get(i), direct_bit(&x, &s, i), "bit {i}");
            }
        }
    }

    #[test]
    fn rounded_parity_rounds_to_nearest() {
        for (v, p) in
            [(0.0, 0), (0.49, 0), (0.51, 1), (1.0, 1), (2.3, 0), (-0.4, 0), (-0.6, 1), (999_999.6, 0), (1e6 + 1.2, 1)]
        {
            assert_eq!(rounded_parity(v), p, "{v}");
        }
    }

    #[test]
    fn fft_lengths_are_smooth_and_tight() {
        assert_eq!(fft_len(1_799_999), 1_843_200);
        assert_eq!(fft_len(0), 2);
        assert_eq!(fft_len(1025), 1152);
        assert_eq!(fft_len(4096), 4096);
        for min in [3usize, 17, 1000, 4097, 123_457] {
            let l = fft_len(min);
            let mut r = l;
            for f in [2, 3, 5] {
                while r.is_multiple_of(f) {
                    r /= f;
                }
            }
            assert!(l >= min && l.is_multiple_of(2) && r == 1, "{min} → {l}");
        }
    }

    #[test]
    fn bad_sizes_are_errors() {
        let x = BitVec::zeros(10);
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 11).is_err());
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 4).is_err());
    }
}
