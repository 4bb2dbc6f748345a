//! The spectra side of the Toeplitz FFT: bits into complex points, and the
//! products of the input's and the seed's spectra that give the even and odd
//! output halves (the polyphase split explained on [`super::privacy::ToeplitzHasher`]).

use rustfft::num_complex::Complex;

use super::bits::BitVec;
use super::privacy::Layout;

type C64 = Complex<f64>;

/// e^(−2πik/M) for every k < M, as coarse[k / FINE]·fine[k % FINE]: two
/// short tables that stay in cache instead of one table as long as the FFT.
pub(super) struct Twiddles {
    coarse: Vec<C64>,
    fine: Vec<C64>,
}

const FINE: usize = 1024;

impl Twiddles {
    pub(super) fn new(m: usize) -> Self {
        let w = |k: usize| C64::from_polar(1.0, -2.0 * core::f64::consts::PI * k as f64 / m as f64);
        Self { coarse: (0..m.div_ceil(FINE)).map(|c| w(c * FINE)).collect(), fine: (0..FINE.min(m)).map(w).collect() }
    }

    /// Covers k = k0 ‥ k0 + len in runs within one coarse step: each run's
    /// offset from k0, its coarse factor and its fine factors, so the hot
    /// loops zip plain slices (no index arithmetic, no bounds checks).
    pub(super) fn runs(&self, k0: usize, len: usize) -> impl Iterator<Item = (usize, C64, &[C64])> {
        let mut i = 0;
        core::iter::from_fn(move || {
            if i >= len {
                return None;
            }
            let (k, start) = (k0 + i, i);
            let f = k % FINE;
            let run = (FINE - f).min(len - i);
            i += run;
            Some((start, *self.coarse.get(k / FINE)?, self.fine.get(f..f + run)?))
        })
    }
}

/// Writes the spectra of the even and odd output halves at k = `k0` ‥
/// `k0` + M/2 (`k0` is 0 or M/2) from the spectra Uₑ, Uₒ of u's even and
/// odd points and the seed halves' spectra Zₑ, Zₒ (from k0 on). With
/// w = e^(−2πik/M): U[k] = Uₑ[k mod M/2] + w·Uₒ[k mod M/2] (the radix-2
/// step finished here rather than in a pass of its own), and U[M − k] the
/// same with conj(w); Xₑ = (U[k] + conj U[M−k])/2, Xₒ = (U[k] − conj U[M−k])/2i
/// are the spectra of the input's even and odd points (two real sequences
/// sharing one FFT); then even = Zₑ·Xₑ + w·Zₒ·Xₒ and odd = Zₑ·Xₒ + Zₒ·Xₑ,
/// the factor 2 cancelling against the 1/N already in the seed (N = 2M).
pub(super) fn half_products(
    k0: usize,
    u: (&[C64], &[C64]),
    seed: (&[C64], &[C64]),
    tw: &Twiddles,
    out: (&mut [C64], &mut [C64]),
) {
    let point = |uk: C64, mirror: C64, ze: C64, zo: C64, w: C64| {
        let mirror = mirror.conj();
        let xe = uk + mirror;
        let d = uk - mirror;
        let xo = C64::new(d.im, -d.re);
        (ze * xe + w * (zo * xo), ze * xo + zo * xe)
    };
    let (u_even, u_odd) = u;
    let q = u_even.len().min(u_odd.len());
    let len = out.0.len().min(out.1.len()).min(seed.0.len()).min(seed.1.len()).min(q);
    if len == 0 {
        return;
    }
    // k = 0 and k = M/2 are their own mirrors (M − k ≡ k), with w = ±1.
    let w = C64::new(if k0 == 0 { 1.0 } else { -1.0 }, 0.0);
    let uk = u_even[0] + w * u_odd[0];
    (out.0[0], out.1[0]) = point(uk, uk, seed.0[0], seed.1[0], w);
    for (i, coarse, fine) in tw.runs(k0 + 1, len - 1) {
        let (j, run) = (1 + i, fine.len());
        let at = j..j + run;
        // The mirror's index M − k ≡ q − j (mod q), for j = j, j + 1, …: read backwards.
        let back = q + 1 - j - run..q + 1 - j;
        let (Some(even), Some(odd), Some(ze), Some(zo), Some(ue), Some(uo), Some(me), Some(mo)) = (
            out.0.get_mut(at.clone()),
            out.1.get_mut(at.clone()),
            seed.0.get(at.clone()),
            seed.1.get(at.clone()),
            u_even.get(at.clone()),
            u_odd.get(at),
            u_even.get(back.clone()),
            u_odd.get(back),
        ) else {
            return;
        };
        let spectra = ze.iter().zip(zo).zip(ue.iter().zip(uo)).zip(me.iter().rev().zip(mo.iter().rev()));
        for (((even, odd), (((&ze, &zo), (&ue, &uo)), (&me, &mo))), &f) in
            even.iter_mut().zip(odd.iter_mut()).zip(spectra).zip(fine)
        {
            let w = coarse * f;
            (*even, *odd) = point(ue + w * uo, me + w.conj() * mo, ze, zo, w);
        }
    }
}

/// For each byte value, its points: `8 / group` points of `group` bits
/// each, starting `skip` bits into the group, through `point`.
fn byte_table(group: usize, skip: usize, point: impl Fn(u64) -> C64) -> Vec<C64> {
    let point = &point;
    (0..256u64).flat_map(|byte| (0..8 / group).map(move |g| point(byte >> (g * group + skip)))).collect()
}

/// The input's points u_m = x_2m + i·x_2m+1, x_p its packed points (one bit,
/// or two as low + B·high), `2·pack` input bits per complex point: every
/// other one, from `skip` = 0 (even m) or 2·pack (odd m).
pub(super) fn input_table(layout: Layout, skip: usize) -> Vec<C64> {
    let base = f64::from(1u32 << layout.digit_bits);
    let bit = |b: u64, i: usize| ((b >> i) & 1) as f64;
    byte_table(4 * layout.pack, skip, |b| {
        if layout.pack == 2 {
            C64::new(bit(b, 0) + base * bit(b, 1), bit(b, 2) + base * bit(b, 3))
        } else {
            C64::new(bit(b, 0), bit(b, 1))
        }
    })
}

/// One polyphase half of the seed's points z_q = s_pack·q + i·s_pack·q+1
/// (phase 1 only when packed), times `scale`: the even half takes points
/// 2m (`skip` = 0), the odd half 2m + 1 (`skip` = pack bits later).
pub(super) fn seed_table(layout: Layout, skip: usize, scale: f64) -> Vec<C64> {
    let bit = |b: u64, i: usize| ((b >> i) & 1) as f64 * scale;
    byte_table(2 * layout.pack, skip, |b| C64::new(bit(b, 0), if layout.pack == 2 { bit(b, 1) } else { 0.0 }))
}

/// Writes `bits` as complex points into `out` (zero-filling the rest), a
/// byte at a time through `table` (`per_byte` points per byte).
pub(super) fn unpack(bits: &BitVec, table: &[C64], per_byte: usize, out: &mut [C64]) {
    let points = (bits.len() * per_byte).div_ceil(8).min(out.len());
    let mut bytes = bits.words().iter().flat_map(|w| w.to_le_bytes());
    let (head, tail) = out.split_at_mut(points);
    for chunk in head.chunks_mut(per_byte) {
        let byte = usize::from(bytes.next().unwrap_or(0));
        // Element by element: `copy_from_slice` of one to four points
        // became a `memmove` call per byte.
        chunk.iter_mut().zip(&table[byte * per_byte..]).for_each(|(d, s)| *d = *s);
    }
    tail.fill(C64::new(0.0, 0.0));
}
