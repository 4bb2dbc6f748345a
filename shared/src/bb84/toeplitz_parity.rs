//! Digit parities of the Toeplitz FFT's outputs, a word at a time.
//!
//! Each inverse-FFT output is an exact integer sum up to round-off; what the
//! hash needs is the parity of each of its base-2^b digits, placed at its
//! bit position of the full product. Why a module of its own: this is the
//! exactness check (a value far from an integer is an error, never a wrong
//! key) and the bit bookkeeping, separate from the FFT arithmetic.

use rustfft::num_complex::Complex;

type C64 = Complex<f64>;

/// 1.5·2⁵²: adding it to a float below 2⁵¹ in magnitude rounds it to the
/// nearest integer, which then sits in the mantissa's low bits.
const ROUNDING_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Largest accepted distance between an FFT output and the nearest integer.
/// Measured errors are below 10⁻⁴ even for all-ones operands at the largest
/// packed size; ½ would already round wrongly.
const ROUND_OFF_LIMIT: f64 = 0.125;

/// The integer nearest to `v` (0 ≤ round(v) < 2⁵¹) and |v − round(v)|,
/// without a call to `round` (a library call on baseline x86-64 and in
/// wasm). Ties cannot occur: the round-off check rejects anything near ½.
#[inline]
pub(super) fn round_exact(v: f64) -> (u64, f64) {
    let shifted = v + ROUNDING_MAGIC;
    let off = (v - (shifted - ROUNDING_MAGIC)).abs();
    (shifted.to_bits() & ((1 << 51) - 1), off)
}

/// Appends to `stream` the digit parities of `values`, `2·PACK` bits per
/// value at full-product positions: with PACK = 2, bit 0 = digit 0 of the
/// real part (seed phase 0), bit 1 = digit 1 of the real part XOR digit 0 of
/// the imaginary part (phase 1, one position later), bit 2 = digit 1 of the
/// imaginary part; with PACK = 1 just bit 0. Says whether every value lay
/// within [`ROUND_OFF_LIMIT`] of an integer. Fixed widths and no branches in
/// the loop: this runs over every read FFT point.
pub(super) fn gather_parities<const PACK: usize>(values: &[C64], digit_bits: u32, stream: &mut Vec<u64>) -> bool {
    let bits = |re: u64, im: u64| {
        if PACK == 2 {
            (re & 1) | ((((re >> digit_bits) ^ im) & 1) << 1) | (((im >> digit_bits) & 1) << 2)
        } else {
            re & 1
        }
    };
    let word = |chunk: &[C64]| {
        let (mut word, mut in_range) = (0u64, true);
        for (k, v) in chunk.iter().enumerate() {
            let (re, off_re) = round_exact(v.re);
            let (im, off_im) = round_exact(v.im);
            // `<` is false for NaN too (`f64::max` would drop a NaN).
            in_range &= (off_re < ROUND_OFF_LIMIT) & (off_im < ROUND_OFF_LIMIT);
            word |= bits(re, im) << (2 * PACK * k);
        }
        (word, in_range)
    };
    let mut all_in_range = true;
    // Whole words first (a fixed trip count the compiler unrolls), then the tail.
    let chunks = values.chunks_exact(64 / (2 * PACK));
    let tail = chunks.remainder();
    for chunk in chunks {
        let (w, in_range) = word(chunk);
        all_in_range &= in_range;
        stream.push(w);
    }
    if !tail.is_empty() {
        let (w, in_range) = word(tail);
        all_in_range &= in_range;
        stream.push(w);
    }
    all_in_range
}

/// `stream >>= bits` (bits < 64) on a little-endian bit string.
pub(super) fn shift_down(stream: &mut [u64], bits: usize) {
    if bits == 0 {
        return;
    }
    for i in 0..stream.len() {
        let next = stream.get(i + 1).copied().unwrap_or(0);
        stream[i] = (stream[i] >> bits) | (next << (64 - bits));
    }
}

/// `out ^= stream << offset` on little-endian bit strings, dropping what
/// falls past `out`'s last word.
pub(super) fn xor_at(out: &mut [u64], stream: &[u64], offset: usize) {
    let (word, bit) = (offset / 64, offset % 64);
    let Some(dest) = out.get_mut(word..) else { return };
    if bit == 0 {
        dest.iter_mut().zip(stream).for_each(|(d, s)| *d ^= s);
        return;
    }
    let mut carry = 0u64;
    for (d, s) in dest.iter_mut().zip(stream.iter().chain([&0])) {
        *d ^= (s << bit) | carry;
        carry = s >> (64 - bit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_exact_rounds_to_nearest() {
        for (v, r) in [
            (0.0, 0),
            (0.49, 0),
            (0.51, 1),
            (1.0, 1),
            (2.3, 2),
            (-0.4, 0),
            (999_999.6, 1_000_000),
            (1e6 + 1.2, 1_000_001),
        ] {
            let (rounded, off) = round_exact(v);
            assert_eq!(rounded, r, "{v}");
            assert!((off - (v - r as f64).abs()).abs() < 1e-9, "{v}: {off}");
        }
    }

    #[test]
    fn shifts_and_xors_move_bits_across_words() {
        let mut stream = vec![0b1010u64, 1];
        shift_down(&mut stream, 1);
        assert_eq!(stream, vec![0b101 | (1 << 63), 0]);
        let mut out = vec![0u64; 2];
        xor_at(&mut out, &[u64::MAX], 60);
        assert_eq!(out, vec![0xF << 60, u64::MAX >> 4]);
    }

    #[test]
    fn a_value_off_an_integer_fails_the_gather() {
        let mut stream = Vec::new();
        assert!(gather_parities::<2>(&[C64::new(5.0, 3.0)], 2, &mut stream));
        // re = 5 = 0b101: digit 0 odd, digit 1 (bit 2) odd; im = 3: digit 0 odd, digit 1 even.
        // Bit 1 = digit 1 of re XOR digit 0 of im = 1 ^ 1; bit 2 = digit 1 of im.
        assert_eq!(stream, vec![0b001]);
        assert!(!gather_parities::<2>(&[C64::new(5.4, 3.0)], 2, &mut stream));
        // NaN in either part, the other part clean.
        assert!(!gather_parities::<2>(&[C64::new(f64::NAN, 3.0)], 2, &mut stream));
        assert!(!gather_parities::<2>(&[C64::new(5.0, f64::NAN)], 2, &mut stream));
        assert!(!gather_parities::<1>(&[C64::new(f64::NAN, 0.0)], 0, &mut stream));
    }
}
