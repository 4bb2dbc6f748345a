//! Privacy amplification by Toeplitz hashing, computed with f64 FFTs.
//!
//! A Toeplitz matrix T (ℓ × n) is fixed by a public random seed s of
//! n + ℓ − 1 bits: T[i][j] = s[i − j + n − 1]. Toeplitz matrices form a
//! 2-universal family, which is what the leftover hash lemma needs. The
//! product y = T·x over GF(2) is the middle of the convolution s * x:
//! y_i = (Σ_j s[i+n−1−j]·x_j) mod 2. We compute integer convolutions with
//! f64 FFTs (lengths 2^a·3^b·5^c·7^d with b, c ≤ 2, d ≤ 1, long enough that the
//! cyclic wrap-around only touches outputs we drop) and keep each sum's
//! parity. [`ToeplitzHasher`] packs two input bits per FFT point against the
//! seed's even and odd bits, which halves the FFT length; every value stays
//! an integer below 2⁴² and each result is checked to lie within 1/8 of an
//! integer, so the product is exact (the tests compare it with the direct
//! product).

use rand_core::Rng;
use std::cell::RefCell;
use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use super::bits::{BitVec, low_mask};
use super::error::{Bb84Error, Result};
use super::fft_buffers;
use super::fork::join;
use super::rng::SimRng;
use super::toeplitz_parity::{gather_parities, shift_down, xor_at};
use super::toeplitz_spectra::{Twiddles, half_products, input_table, seed_table, unpack};

type C64 = Complex<f64>;

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

/// A Toeplitz hash with its seed's spectra and FFT plans prepared, so that
/// hashing Alice's and Bob's keys (or many blocks) costs two forward complex
/// FFTs of N/4 points and two inverse ones of N/2 points each (N the cyclic
/// convolution's length, about (n + ℓ)/2 with two bits per point).
///
/// Why this shape. The input is packed two bits per point (x₂ₚ + B·x₂ₚ₊₁,
/// B = 2^b) and the seed's even and odd bits are the real and imaginary
/// parts of one complex sequence z = s₀ + i·s₁; z * x then carries both
/// phases' convolutions at once (x is real). Each phase convolved with the
/// packed input gives two digit sums per point, each at most ⌈n/2⌉ < B, so
/// the exact values stay below 2^(2b) ≈ 2³⁸ at 10⁶ bits — far inside f64's
/// exact range — and the parity of each digit is one bit of the rounded
/// value. Packing both operands (Kronecker substitution) would need three
/// digits, ~60 exact bits, which f64 cannot give. Inputs so long that two
/// digits would not fit [`PACKED_BITS_LIMIT`] fall back to one bit per point.
///
/// The length-N cyclic convolution is split into its even and odd outputs
/// (a polyphase split): with z and x cut into even- and odd-indexed halves,
/// (z * x)_even = z_e * x_e + shift(z_o * x_o) and (z * x)_odd =
/// z_e * x_o + z_o * x_e, all of length N/2. The seed's halves are
/// transformed once; the real input's two halves are one complex FFT
/// (u = x_e + i·x_o), itself computed from u's even and odd points. Every
/// step thus has two independent halves (seed FFTs, input FFT halves,
/// spectrum products, inverse FFTs), which natively run on two threads (see
/// [`super::fork`]).
pub struct ToeplitzHasher {
    n: usize,
    out_len: usize,
    layout: Layout,
    /// M = N/2: the length of the seed's and the inverse FFTs.
    half: usize,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
    /// Forward FFT of length M/2: the input's two halves, one per thread.
    fwd_quarter: Arc<dyn Fft<f64>>,
    /// Spectra of the seed's even- and odd-indexed points, scaled by 1/N
    /// (the inverse FFT is unnormalised).
    seed_even: Vec<C64>,
    seed_odd: Vec<C64>,
    twiddles: Twiddles,
    /// Each input byte's bits as `2 / pack` complex points u_2j, and as many
    /// points u_2j+1.
    input_tables: [Vec<C64>; 2],
    /// The input's spectrum U, then the even half's values.
    input: Vec<C64>,
    /// The input's packed points, then the odd half's values. The FFTs run
    /// out of place, which RustFFT does without scratch memory.
    spare: Vec<C64>,
    /// One per output half (even, odd). Work buffers are kept between
    /// calls, and come from [`fft_buffers`] (see there why).
    lanes: [Lane; 2],
}

/// One output half's work; each thread owns one.
struct Lane {
    /// The half's spectrum (consumed by its inverse FFT).
    spectrum: Vec<C64>,
    /// RustFFT's out-of-place scratch: empty for the lengths we use, but
    /// the plan decides.
    scratch: Vec<C64>,
    /// The half's digit parities, `2·pack` bits per point.
    stream: Vec<u64>,
}

impl Drop for ToeplitzHasher {
    fn drop(&mut self) {
        let [even, odd] = &mut self.lanes;
        for buffer in [
            &mut self.seed_even,
            &mut self.seed_odd,
            &mut self.input,
            &mut self.spare,
            &mut even.spectrum,
            &mut odd.spectrum,
        ] {
            fft_buffers::give_back(core::mem::take(buffer));
        }
    }
}

/// Largest exact value, in bits, a packed convolution may reach. f64 holds
/// integers to 2⁵³; the FFT's round-off grows with the values, and at 2⁴²
/// (inputs up to 2²² bits) the measured worst-case error (all-ones seed and
/// input) still leaves a wide margin below ½ (see the tests).
pub const PACKED_BITS_LIMIT: u32 = 42;

impl core::fmt::Debug for ToeplitzHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ToeplitzHasher")
            .field("n", &self.n)
            .field("out_len", &self.out_len)
            .field("bits_per_point", &self.layout.pack)
            .field("fft_size", &self.half)
            .finish()
    }
}

thread_local! {
    /// FFT plans (twiddle tables) are costly to build and depend only on the
    /// length, so one planner per thread keeps them across calls.
    static PLANNER: RefCell<FftPlanner<f64>> = RefCell::new(FftPlanner::new());
}

/// The smallest multiple of 4 ≥ `min` of the form 2^a·3^b·5^c·7^d with
/// b, c ≤ 2 and d ≤ 1: RustFFT is fastest on such lengths (measured: higher
/// powers of 3 and 5 are slower than the next power of two; one factor 7
/// costs no more per point than 2^a·225), and they sit closer to `min` than
/// the next power of two (917 504 = 2¹⁷·7 instead of 1 048 576 for a
/// 10⁶-bit input packed two bits per point, and faster per point too).
pub fn fft_len(min: usize) -> usize {
    let min = min.max(2);
    [1usize, 3, 5, 7, 9, 15, 25, 45, 75, 225]
        .iter()
        .map(|&odd| {
            // A multiple of 4, so that N/2 splits in two once more.
            let mut len = odd * 4;
            while len < min {
                len *= 2;
            }
            len
        })
        .min()
        .unwrap_or(min.next_power_of_two())
}

/// How an `n`-bit input is laid out on FFT points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    /// Input bits per point = number of seed phases (1 or 2).
    pub(super) pack: usize,
    /// log2 of the digit base: every digit sum is < 2^digit_bits.
    pub(super) digit_bits: u32,
}

impl Layout {
    fn for_input(n: usize) -> Self {
        // A digit sums one product per packed input point.
        let digit_bits = usize::BITS - n.div_ceil(2).leading_zeros();
        if 2 * digit_bits <= PACKED_BITS_LIMIT { Self { pack: 2, digit_bits } } else { Self { pack: 1, digit_bits: 0 } }
    }

    /// Points holding the packed input.
    fn input_points(self, n: usize) -> usize {
        n.div_ceil(self.pack)
    }

    /// Points holding seed phase `r`: bits r, r + pack, r + 2·pack, …
    fn phase_points(self, seed_len: usize, r: usize) -> usize {
        seed_len.saturating_sub(r).div_ceil(self.pack)
    }

    /// The convolution indices t whose digits land on output positions
    /// n − 1 ‥ n + ℓ − 2 for phase `r` (digit e of point t is position
    /// pack·t + r + e of the full product).
    fn read_range(self, n: usize, out_len: usize, r: usize) -> core::ops::Range<usize> {
        let first = (n - 1).saturating_sub(r + self.pack - 1).div_ceil(self.pack);
        let last = (n + out_len - 2).saturating_sub(r) / self.pack;
        first..last + 1
    }

    /// A cyclic length at which nothing read wraps around: linear index
    /// t + N must lie past the last nonzero term for every t read.
    fn fft_size(self, n: usize, out_len: usize) -> usize {
        let seed_len = n + out_len - 1;
        let longest_phase = self.phase_points(seed_len, 0);
        let last_term = longest_phase + self.input_points(n) - 2;
        let first_read = (0..self.pack).map(|r| self.read_range(n, out_len, r).start).min().unwrap_or(0);
        fft_len((last_term + 1 - first_read).max(longest_phase))
    }

    /// Full-product positions one output point (an even or odd convolution
    /// index pair 2m, 2m + 1) spans: `pack` per convolution index.
    fn bits_per_half_point(self) -> usize {
        2 * self.pack
    }

    /// The half-length points m whose digits can land on output positions
    /// n − 1 ‥ n + ℓ − 2, clamped to the FFT: point m of the even half holds
    /// positions 2·pack·m + (0‥pack), of the odd half 2·pack·m + pack + (0‥pack).
    fn half_range(self, n: usize, out_len: usize, half: usize) -> core::ops::Range<usize> {
        let per = self.bits_per_half_point();
        let first = ((n - 1) / per).saturating_sub(1);
        let end = ((n + out_len - 2) / per + 1).min(half);
        first..end
    }
}

fn internal(what: &'static str) -> Bb84Error {
    Bb84Error::Incompatible(what)
}

impl ToeplitzHasher {
    /// Prepares T(seed) for `n`-bit inputs and `out_len`-bit outputs.
    pub fn new(seed: &BitVec, n: usize, out_len: usize) -> Result<Self> {
        Self::with_layout(seed, n, out_len, Layout::for_input(n))
    }

    fn with_layout(seed: &BitVec, n: usize, out_len: usize, layout: Layout) -> Result<Self> {
        check(n, seed, out_len)?;
        let size = if n == 0 || out_len == 0 { 2 } else { layout.fft_size(n, out_len) };
        let half = size / 2;
        let (fwd, inv, fwd_quarter) = PLANNER.with(|p| {
            let mut p = p.borrow_mut();
            (p.plan_fft_forward(half), p.plan_fft_inverse(half), p.plan_fft_forward(half / 2))
        });
        let scratch_len = [&fwd, &inv, &fwd_quarter].iter().map(|f| f.get_outofplace_scratch_len()).max().unwrap_or(0);
        let lane = || Lane {
            spectrum: fft_buffers::take(half),
            scratch: vec![C64::new(0.0, 0.0); scratch_len],
            stream: Vec::new(),
        };
        let mut hasher = Self {
            n,
            out_len,
            layout,
            half,
            twiddles: Twiddles::new(half),
            input_tables: [input_table(layout, 0), input_table(layout, 2 * layout.pack)],
            seed_even: fft_buffers::take(half),
            seed_odd: fft_buffers::take(half),
            input: fft_buffers::take(half),
            spare: fft_buffers::take(half),
            lanes: [lane(), lane()],
            fwd,
            inv,
            fwd_quarter,
        };
        // The inverse FFT is unnormalised: fold its 1/N into the seed's points.
        let scale = 1.0 / size as f64;
        let per_byte = 4 / layout.pack;
        let fwd = &hasher.fwd;
        let (even, odd) = (&mut hasher.seed_even, &mut hasher.seed_odd);
        let (even_points, odd_points) = (&mut hasher.input, &mut hasher.spare);
        let [even_lane, odd_lane] = &mut hasher.lanes;
        join(
            || {
                unpack(seed, &seed_table(layout, 0, scale), per_byte, even_points);
                fwd.process_outofplace_with_scratch(even_points, even, &mut even_lane.scratch);
            },
            || {
                unpack(seed, &seed_table(layout, layout.pack, scale), per_byte, odd_points);
                fwd.process_outofplace_with_scratch(odd_points, odd, &mut odd_lane.scratch);
            },
        );
        Ok(hasher)
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
        self.half_spectra(input);
        let range = self.layout.half_range(n, out_len, self.half);
        let (layout, inv) = (self.layout, &self.inv);
        let [even, odd] = &mut self.lanes;
        let (even_values, odd_values) = (&mut self.input, &mut self.spare);
        let (even_ok, odd_ok) = join(
            || even.parities(inv, even_values, layout, range.clone()),
            || odd.parities(inv, odd_values, layout, range.clone()),
        );
        if !(even_ok && odd_ok) {
            // Exact sums sit on integers; a value far from one means the
            // round-off bound failed, and a wrong key must never come out silently.
            return Err(Bb84Error::Incompatible("FFT round-off too large in privacy amplification"));
        }
        let (stream, odd_stream) = (&mut even.stream, &odd.stream);
        // Both streams start at point `range.start`; the odd half's bits sit
        // `pack` positions later.
        xor_at(stream, odd_stream, layout.pack);
        let first = layout.bits_per_half_point() * range.start;
        shift_down(stream, n - 1 - first);
        let mut out = core::mem::take(stream);
        out.truncate(out_len.div_ceil(64));
        if out.len() < out_len.div_ceil(64) {
            return Err(internal("internal FFT too short in privacy amplification"));
        }
        Ok(BitVec::from_words(out, out_len))
    }

    /// Leaves in the lanes the spectra of the even and odd output halves.
    fn half_spectra(&mut self, input: &BitVec) {
        let [even, odd] = &mut self.lanes;
        // U = DFT_M(u), u_m = x_2m + i·x_2m+1, from its even and odd points
        // (one radix-2 step by hand, so each thread does half).
        let quarter = self.half / 2;
        let (points_even, points_odd) = self.spare.split_at_mut(quarter);
        let (u_even, u_odd) = self.input.split_at_mut(quarter);
        let (fwd, tables, per_byte) = (&self.fwd_quarter, &self.input_tables, 2 / self.layout.pack);
        join(
            || {
                unpack(input, &tables[0], per_byte, points_even);
                fwd.process_outofplace_with_scratch(points_even, u_even, &mut even.scratch);
            },
            || {
                unpack(input, &tables[1], per_byte, points_odd);
                fwd.process_outofplace_with_scratch(points_odd, u_odd, &mut odd.scratch);
            },
        );
        let (even_lo, even_hi) = even.spectrum.split_at_mut(quarter);
        let (odd_lo, odd_hi) = odd.spectrum.split_at_mut(quarter);
        let u = (&*u_even, &*u_odd);
        let (tw, seed_even, seed_odd) = (&self.twiddles, &self.seed_even, &self.seed_odd);
        join(
            || half_products(0, u, (seed_even, seed_odd), tw, (even_lo, odd_lo)),
            || half_products(quarter, u, (&seed_even[quarter..], &seed_odd[quarter..]), tw, (even_hi, odd_hi)),
        );
    }
}

impl Lane {
    /// Turns this half's spectrum into its convolution values in `values`.
    fn invert(&mut self, inv: &Arc<dyn Fft<f64>>, values: &mut [C64]) {
        inv.process_outofplace_with_scratch(&mut self.spectrum, values, &mut self.scratch);
    }

    /// Inverts this half's spectrum into `values` and gathers the digit
    /// parities of points `range` into `stream`; false if a value was not
    /// near an integer.
    fn parities(
        &mut self,
        inv: &Arc<dyn Fft<f64>>,
        values: &mut [C64],
        layout: Layout,
        range: core::ops::Range<usize>,
    ) -> bool {
        self.invert(inv, values);
        self.stream.clear();
        let values = &values[range];
        if layout.pack == 2 {
            gather_parities::<2>(values, layout.digit_bits, &mut self.stream)
        } else {
            gather_parities::<1>(values, 0, &mut self.stream)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bb84::rng::sim_rng;
    use crate::bb84::toeplitz_parity::round_exact;

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

    /// Both layouts (two bits per point, and the one-bit fallback for huge
    /// inputs, forced here on small ones) against the direct product.
    fn layouts(n: usize) -> [Layout; 2] {
        [Layout::for_input(n), Layout { pack: 1, digit_bits: 0 }]
    }

    #[test]
    fn both_layouts_match_direct_product_on_edge_sizes() {
        let mut rng = sim_rng(6, 1);
        let sizes = (1usize..=9).flat_map(|n| (1..=n).map(move |l| (n, l)));
        for (n, l) in sizes.chain([(63, 63), (64, 1), (65, 64), (127, 1), (128, 128), (129, 65), (1000, 999)]) {
            let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
            let s = toeplitz_seed(n, l, &mut rng);
            let slow = toeplitz_hash_direct(&x, &s, l).expect("valid sizes");
            for layout in layouts(n) {
                let mut hasher = ToeplitzHasher::with_layout(&s, n, l, layout).expect("valid sizes");
                assert_eq!(hasher.hash(&x).expect("hashes"), slow, "n={n} l={l} {layout:?}");
            }
            let ones = BitVec::from_words(vec![u64::MAX; n.div_ceil(64)], n);
            let slow = toeplitz_hash_direct(&ones, &s, l).expect("valid sizes");
            assert_eq!(toeplitz_hash(&ones, &s, l).expect("hashes"), slow, "all ones, n={n} l={l}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn both_layouts_match_direct_product(n in 1usize..3000, frac in 0.0f64..=1.0, seed in proptest::prelude::any::<u64>()) {
            let l = ((n as f64 * frac) as usize).clamp(1, n);
            let mut rng = sim_rng(seed, 9);
            let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
            let s = toeplitz_seed(n, l, &mut rng);
            let slow = toeplitz_hash_direct(&x, &s, l).expect("valid sizes");
            for layout in layouts(n) {
                let mut hasher = ToeplitzHasher::with_layout(&s, n, l, layout).expect("valid sizes");
                proptest::prop_assert_eq!(hasher.hash(&x).expect("hashes"), slow.clone(), "n={} l={} {:?}", n, l, layout);
            }
        }
    }

    /// Largest distance of any read FFT output from an integer, for an
    /// all-ones seed and input (the largest sums, hence the largest values)
    /// and for random ones (spread spectra).
    fn worst_round_off(n: usize, l: usize) -> f64 {
        let ones = |len: usize| BitVec::from_words(vec![u64::MAX; len.div_ceil(64)], len);
        let mut rng = sim_rng(8, 8);
        let random = [toeplitz_seed(n + 1, 0, &mut rng).slice(0, n), toeplitz_seed(n, l, &mut rng)];
        [[ones(n), ones(n + l - 1)], random].iter().map(|[x, s]| round_off(x, s, l)).fold(0.0, f64::max)
    }

    fn round_off(x: &BitVec, s: &BitVec, l: usize) -> f64 {
        let n = x.len();
        let mut hasher = ToeplitzHasher::new(s, n, l).expect("valid sizes");
        hasher.half_spectra(x);
        let range = hasher.layout.half_range(n, l, hasher.half);
        let inv = hasher.inv.clone();
        let mut worst = 0.0f64;
        let [even, odd] = &mut hasher.lanes;
        for (lane, values) in [(even, &mut hasher.input), (odd, &mut hasher.spare)] {
            lane.invert(&inv, values);
            for v in &values[range.clone()] {
                worst = worst.max(round_exact(v.re).1).max(round_exact(v.im).1);
            }
        }
        worst
    }

    #[test]
    fn packed_round_off_has_a_wide_margin() {
        // At 10⁶ bits (digits < 2¹⁹, values < 2³⁸) the worst case stays
        // orders of magnitude below the ½ that would flip a bit.
        let worst = worst_round_off(1_000_000, 800_000);
        println!("worst round-off at n = 10⁶: {worst:e}");
        assert!(worst < 1e-3, "worst round-off {worst}");
    }

    /// The largest packed size (digits < 2²¹): run with
    /// `cargo test --release -p shared privacy -- --ignored --nocapture`.
    #[test]
    #[ignore = "seconds in release, minutes in debug"]
    fn packed_round_off_at_the_packing_limit() {
        let n = (1usize << 22) - 2;
        assert_eq!(Layout::for_input(n).pack, 2);
        assert_eq!(Layout::for_input(n + 2).pack, 1);
        let worst = worst_round_off(n, n);
        println!("worst round-off at n = {n}: {worst:e}");
        assert!(worst < 1e-2, "worst round-off {worst}");
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
    fn fft_lengths_are_smooth_and_tight() {
        assert_eq!(fft_len(1_799_999), 1_835_008);
        assert_eq!(fft_len(900_000), 917_504);
        assert_eq!(fft_len(917_505), 921_600);
        assert_eq!(fft_len(0), 4);
        assert_eq!(fft_len(1025), 1152);
        assert_eq!(fft_len(4096), 4096);
        for min in [3usize, 17, 1000, 4097, 123_457] {
            let l = fft_len(min);
            let mut r = l;
            for f in [2, 3, 5, 7] {
                while r.is_multiple_of(f) {
                    r /= f;
                }
            }
            assert!(l >= min && l.is_multiple_of(4) && r == 1, "{min} → {l}");
        }
    }

    #[test]
    fn values_off_an_integer_are_an_error_not_a_wrong_key() {
        // A spectrum scaled by 1.3 stands for round-off gone wrong: the sums
        // land between integers, and the hash must refuse rather than guess.
        let mut rng = sim_rng(13, 2);
        let (n, l) = (5000, 3000);
        let x = toeplitz_seed(n + 1, 0, &mut rng).slice(0, n);
        let s = toeplitz_seed(n, l, &mut rng);
        for layout in layouts(n) {
            let mut hasher = ToeplitzHasher::with_layout(&s, n, l, layout).expect("valid sizes");
            hasher.seed_even.iter_mut().chain(&mut hasher.seed_odd).for_each(|c| *c *= 1.3);
            assert!(
                matches!(hasher.hash(&x), Err(Bb84Error::Incompatible(m)) if m.contains("round-off")),
                "{layout:?}"
            );
        }
    }

    #[test]
    fn bad_sizes_are_errors() {
        let x = BitVec::zeros(10);
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 11).is_err());
        assert!(toeplitz_hash(&x, &BitVec::zeros(5), 4).is_err());
    }
}
