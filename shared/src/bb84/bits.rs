//! A packed bit vector, 64 bits per `u64` word, least significant bit first.
//!
//! Keys, bases and masks all live in this form so the simulator and the
//! post-processing work a word (64 photons) at a time.

use serde::{Deserialize, Serialize};

/// A growable, packed sequence of bits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BitVec {
    words: Vec<u64>,
    len: usize,
}

impl BitVec {
    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty vector with room for `bits` bits.
    pub fn with_capacity(bits: usize) -> Self {
        Self {
            words: Vec::with_capacity(bits.div_ceil(64)),
            len: 0,
        }
    }

    /// `len` zero bits.
    pub fn zeros(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Builds a vector from booleans (handy in tests and small tables).
    pub fn from_bools(bits: &[bool]) -> Self {
        let mut v = Self::with_capacity(bits.len());
        for &b in bits {
            v.push(b);
        }
        v
    }

    /// Builds a vector from whole words; bits past `len` are cleared.
    pub fn from_words(mut words: Vec<u64>, len: usize) -> Self {
        words.resize(len.div_ceil(64), 0);
        let mut v = Self { words, len };
        v.clear_tail();
        v
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packed words; bits past `len` in the last word are zero.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Bit `i`, or `false` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        i < self.len && (self.words[i >> 6] >> (i & 63)) & 1 == 1
    }

    /// Sets bit `i` (ignored past the end).
    #[inline]
    pub fn set(&mut self, i: usize, value: bool) {
        if i < self.len {
            let m = 1u64 << (i & 63);
            if value {
                self.words[i >> 6] |= m;
            } else {
                self.words[i >> 6] &= !m;
            }
        }
    }

    /// Flips bit `i` (ignored past the end).
    #[inline]
    pub fn flip(&mut self, i: usize) {
        if i < self.len {
            self.words[i >> 6] ^= 1u64 << (i & 63);
        }
    }

    /// Appends one bit.
    #[inline]
    pub fn push(&mut self, value: bool) {
        let bit = self.len & 63;
        if bit == 0 {
            self.words.push(0);
        }
        if value && let Some(w) = self.words.last_mut() {
            *w |= 1u64 << bit;
        }
        self.len += 1;
    }

    /// Appends the low `count` bits of `word` (count ≤ 64).
    #[inline]
    pub fn push_word(&mut self, word: u64, count: usize) {
        if count == 0 {
            return;
        }
        let word = if count >= 64 {
            word
        } else {
            word & ((1u64 << count) - 1)
        };
        let bit = self.len & 63;
        if bit == 0 {
            self.words.push(word);
        } else {
            if let Some(w) = self.words.last_mut() {
                *w |= word << bit;
            }
            if bit + count > 64 {
                self.words.push(word >> (64 - bit));
            }
        }
        self.len += count.min(64);
    }

    /// Number of one bits.
    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Number of positions where `self` and `other` differ (over the shorter length).
    pub fn hamming_distance(&self, other: &Self) -> usize {
        let n = self.len.min(other.len);
        let full = n / 64;
        let mut d: usize = self.words[..full]
            .iter()
            .zip(&other.words[..full])
            .map(|(a, b)| (a ^ b).count_ones() as usize)
            .sum();
        let rest = n & 63;
        if rest > 0 {
            let m = (1u64 << rest) - 1;
            d += ((self.words[full] ^ other.words[full]) & m).count_ones() as usize;
        }
        d
    }

    /// The bits `start..start + len` as a new vector (clamped to the end).
    pub fn slice(&self, start: usize, len: usize) -> Self {
        let end = (start + len).min(self.len);
        let mut out = Self::with_capacity(end.saturating_sub(start));
        let mut i = start;
        while i < end {
            let take = (end - i).min(64);
            out.push_word(self.word_at(i), take);
            i += take;
        }
        out
    }

    /// The 64 bits starting at bit `i` (zeros past the end).
    #[inline]
    pub fn word_at(&self, i: usize) -> u64 {
        let w = i >> 6;
        let s = i & 63;
        let lo = self.words.get(w).copied().unwrap_or(0);
        if s == 0 {
            lo
        } else {
            let hi = self.words.get(w + 1).copied().unwrap_or(0);
            (lo >> s) | (hi << (64 - s))
        }
    }

    /// Appends all bits of `other`.
    pub fn extend(&mut self, other: &Self) {
        let mut i = 0;
        while i < other.len {
            let take = (other.len - i).min(64);
            self.push_word(other.word_at(i), take);
            i += take;
        }
    }

    /// The bits as bytes, least significant bit first, last byte zero-padded.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        out.truncate(self.len.div_ceil(8));
        out
    }

    fn clear_tail(&mut self) {
        let rest = self.len & 63;
        if rest > 0
            && let Some(w) = self.words.last_mut()
        {
            *w &= (1u64 << rest) - 1;
        }
    }
}

/// A mask of the low `n` bits (`n` ≥ 64 gives all ones).
#[inline]
pub fn low_mask(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Packs the bits of `value` selected by `mask` into the low bits of a word
/// (a portable `pext`), returning the word and how many bits it holds.
#[inline]
pub fn compress(value: u64, mask: u64) -> (u64, usize) {
    let mut out = 0u64;
    let mut m = mask;
    let mut k = 0;
    while m != 0 {
        out |= ((value >> m.trailing_zeros()) & 1) << k;
        k += 1;
        m &= m - 1;
    }
    (out, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_word_and_slice_agree_with_single_bits() {
        let bools: Vec<bool> = (0..300).map(|i| (i * 7 + i / 3) % 5 < 2).collect();
        let a = BitVec::from_bools(&bools);
        let mut b = BitVec::new();
        let mut i = 0;
        for chunk in [3usize, 64, 61, 1, 64, 64, 43] {
            let mut w = 0u64;
            for k in 0..chunk {
                if bools[i + k] {
                    w |= 1 << k;
                }
            }
            b.push_word(w, chunk);
            i += chunk;
        }
        assert_eq!(a, b);
        let s = a.slice(5, 130);
        for k in 0..130 {
            assert_eq!(s.get(k), bools[5 + k]);
        }
        assert_eq!(a.hamming_distance(&a), 0);
    }
}
