//! Cascade information reconciliation (Brassard–Salvail), modern settings.
//!
//! Block sizes follow "option 8" of Martinez-Mateo, Pacher, Peev, Ciurana and
//! Martin, "Demystifying the information reconciliation protocol Cascade"
//! (QIC 2015), also used by cascade-cpp: with α = log2(1/Q) − 0.5,
//! k₁ = 2^⌈α⌉, k₂ = 2^⌈(α+12)/2⌉, and kᵢ = 4096 from the third pass on
//! (each capped at the frame length), 14 passes by default.
//!
//! Every parity Alice reveals is counted as leaked: one per top-level block
//! and one per binary-search step (the other half's parity is inferred, so
//! it is free). Alice's key stays on Alice's side: Bob only ever sees the
//! parities she answers, exactly as over the public channel.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use super::bits::BitVec;
use super::error::{Bb84Error, Result};
use super::rng::{Bernoulli, SimRng};
use rand_core::Rng;

/// Smallest QBER used to size blocks, so an error-free estimate still gives a
/// finite first block.
const MIN_QBER: f64 = 1e-4;

/// Block size of the third and later passes in "option 8".
const LATE_BLOCK: usize = 4096;

/// What one pass did (summed over frames by the run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PassStats {
    /// Pass number, from 1.
    pub pass: u32,
    /// Block size of the pass.
    pub block_size: usize,
    /// Parities Alice revealed during the pass (top-level and binary search,
    /// including searches cascaded back into earlier passes).
    pub parities: u64,
    /// Bits Bob flipped during the pass.
    pub corrections: u64,
}

/// Result of reconciling one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct CascadeOutcome {
    /// Bob's key after correction.
    pub corrected: BitVec,
    /// Parity bits revealed (the information leaked to Eve).
    pub leaked: u64,
    /// Per-pass accounting.
    pub passes: Vec<PassStats>,
}

/// Block sizes for `passes` passes over `n` bits at estimated QBER `qber`.
pub fn block_sizes(n: usize, qber: f64, passes: u32) -> Vec<usize> {
    let q = if qber.is_finite() {
        qber.clamp(MIN_QBER, 0.5)
    } else {
        0.5
    };
    let alpha = (1.0 / q).log2() - 0.5;
    let k1 = 2f64.powf(alpha.ceil()) as usize;
    let k2 = 2f64.powf(((alpha + 12.0) / 2.0).ceil()) as usize;
    (0..passes)
        .map(|i| {
            let k = match i {
                0 => k1,
                1 => k2,
                _ => LATE_BLOCK,
            };
            k.clamp(2, n.max(2))
        })
        .collect()
}

/// The public part of a Cascade run for one frame length: block sizes and
/// the shuffles of passes 2.. (pass 1 keeps the natural order). Both sides
/// derive it from public randomness; it can be reused for every frame.
#[derive(Debug, Clone)]
pub struct CascadePlan {
    n: usize,
    sizes: Vec<usize>,
    /// `order[p][t]` = original index at shuffled position `t` in pass `p`.
    order: Vec<Vec<u32>>,
    /// `pos[p][i]` = shuffled position of original index `i` in pass `p`.
    pos: Vec<Vec<u32>>,
}

impl CascadePlan {
    /// Plans `passes` passes over `n`-bit frames at estimated QBER `qber`.
    pub fn new(n: usize, qber: f64, passes: u32, rng: &mut SimRng) -> Result<Self> {
        if n < 2 || n > u32::MAX as usize {
            return Err(Bb84Error::InvalidParameter {
                name: "frame_bits",
                value: n.to_string(),
                expected: "at least 2 bits",
            });
        }
        let sizes = block_sizes(n, qber, passes);
        let mut order = Vec::with_capacity(sizes.len());
        let mut pos = Vec::with_capacity(sizes.len());
        for p in 0..sizes.len() {
            let mut o: Vec<u32> = (0..n as u32).collect();
            if p > 0 {
                // Fisher–Yates with Lemire's multiply-shift range reduction.
                for i in (1..n).rev() {
                    let j = ((rng.next_u64() >> 32) * (i as u64 + 1)) >> 32;
                    o.swap(i, j as usize);
                }
            }
            let mut inv = vec![0u32; n];
            for (t, &i) in o.iter().enumerate() {
                inv[i as usize] = t as u32;
            }
            order.push(o);
            pos.push(inv);
        }
        Ok(Self {
            n,
            sizes,
            order,
            pos,
        })
    }

    /// Frame length the plan was made for.
    pub fn frame_bits(&self) -> usize {
        self.n
    }

    /// Block size of each pass.
    pub fn block_sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Reconciles Bob's frame `bob` against Alice's `alice` (same length as the plan).
    pub fn reconcile(&self, alice: &BitVec, bob: &BitVec) -> Result<CascadeOutcome> {
        if alice.len() != bob.len() {
            return Err(Bb84Error::LengthMismatch {
                alice: alice.len(),
                bob: bob.len(),
            });
        }
        if alice.len() != self.n {
            return Err(Bb84Error::LengthMismatch {
                alice: self.n,
                bob: alice.len(),
            });
        }
        let mut s = Session::new(self, alice, bob);
        for p in 0..self.sizes.len() {
            s.run_pass(p);
        }
        let mut corrected = BitVec::with_capacity(self.n);
        for &b in &s.bob {
            corrected.push(b == 1);
        }
        Ok(CascadeOutcome {
            corrected,
            leaked: s.leaked,
            passes: s.stats,
        })
    }
}

/// Reconciles one frame with a fresh plan (convenience for single frames).
pub fn reconcile(
    alice: &BitVec,
    bob: &BitVec,
    qber: f64,
    passes: u32,
    rng: &mut SimRng,
) -> Result<CascadeOutcome> {
    CascadePlan::new(alice.len(), qber, passes, rng)?.reconcile(alice, bob)
}

/// Node state bits in the per-pass parity trees.
const KNOWN: u8 = 1;
const ALICE: u8 = 2;
const BOB: u8 = 4;

/// Working state of one frame's reconciliation.
///
/// Each block is the root of a fixed binary tree (children split at
/// `start + len/2`), stored heap-style. Every node whose parity Alice has
/// revealed — or that follows for free from its parent and sibling — is
/// kept, so no parity is ever asked twice ("sub-block reuse"), and a flip
/// updates Bob's parity of every known node containing the bit: a small
/// known sub-block that turns odd is searched instead of its whole block.
struct Session<'a> {
    plan: &'a CascadePlan,
    alice: Vec<u8>,
    bob: Vec<u8>,
    /// Per pass: per block, `2·next_pow2(k)` heap-indexed node states.
    nodes: Vec<Vec<u8>>,
    /// Per pass: heap slots per block.
    stride: Vec<usize>,
    started: usize,
    leaked: u64,
    stats: Vec<PassStats>,
    queue: BinaryHeap<(Reverse<usize>, usize, usize, usize, usize)>,
}

impl<'a> Session<'a> {
    fn new(plan: &'a CascadePlan, alice: &BitVec, bob: &BitVec) -> Self {
        let unpack = |v: &BitVec| {
            (0..v.len())
                .map(|i| u8::from(v.get(i)))
                .collect::<Vec<u8>>()
        };
        Self {
            plan,
            alice: unpack(alice),
            bob: unpack(bob),
            nodes: Vec::new(),
            stride: Vec::new(),
            started: 0,
            leaked: 0,
            stats: Vec::new(),
            queue: BinaryHeap::new(),
        }
    }

    fn run_pass(&mut self, p: usize) {
        let k = self.plan.sizes[p];
        let n = self.plan.n;
        let order = &self.plan.order[p];
        let blocks = n.div_ceil(k);
        let stride = 2 * k.next_power_of_two();
        let mut nodes = vec![0u8; blocks * stride];
        let mut ap = vec![0u8; blocks];
        let mut bp = vec![0u8; blocks];
        for (t, &i) in order.iter().enumerate() {
            ap[t / k] ^= self.alice[i as usize];
            bp[t / k] ^= self.bob[i as usize];
        }
        for b in 0..blocks {
            nodes[b * stride + 1] = KNOWN | (ap[b] * ALICE) | (bp[b] * BOB);
        }
        self.nodes.push(nodes);
        self.stride.push(stride);
        self.started = p + 1;
        self.stats.push(PassStats {
            pass: p as u32 + 1,
            block_size: k,
            parities: blocks as u64,
            corrections: 0,
        });
        self.leaked += blocks as u64;
        for b in 0..blocks {
            if ap[b] != bp[b] {
                let s = b * k;
                let e = (s + k).min(n);
                self.queue.push((Reverse(e - s), p, b * stride + 1, s, e));
            }
        }
        while let Some((_, q, slot, s, e)) = self.queue.pop() {
            let st = self.nodes[q][slot];
            if odd(st) {
                self.search(q, slot, s, e, p);
            }
        }
    }

    /// Binary search for one error below the odd node at `slot` (range
    /// `s..e` of pass `q`), reusing known sub-block parities, then flips it.
    fn search(&mut self, q: usize, slot: usize, mut s: usize, mut e: usize, current: usize) {
        let order = &self.plan.order[q];
        let stride = self.stride[q];
        let base = slot - slot % stride;
        let mut node = slot - base;
        while e - s > 1 {
            let mid = s + (e - s) / 2;
            let left = base + 2 * node;
            let right = left + 1;
            if self.nodes[q][left] & KNOWN == 0 {
                let mut a = 0u8;
                let mut o = 0u8;
                for &i in &order[s..mid] {
                    a ^= self.alice[i as usize];
                    o ^= self.bob[i as usize];
                }
                self.leaked += 1;
                self.stats[current].parities += 1;
                let parent = self.nodes[q][base + node];
                let pa = u8::from(parent & ALICE != 0);
                let pb = u8::from(parent & BOB != 0);
                self.nodes[q][left] = KNOWN | (a * ALICE) | (o * BOB);
                self.nodes[q][right] = KNOWN | ((a ^ pa) * ALICE) | ((o ^ pb) * BOB);
            }
            if odd(self.nodes[q][left]) {
                node *= 2;
                e = mid;
            } else {
                node = 2 * node + 1;
                s = mid;
            }
        }
        let bit = order[s] as usize;
        self.flip(bit);
        self.stats[current].corrections += 1;
    }

    /// Flips Bob's `bit` and updates every known node that contains it,
    /// queueing those that turn odd.
    fn flip(&mut self, bit: usize) {
        self.bob[bit] ^= 1;
        let n = self.plan.n;
        for p in 0..self.started {
            let k = self.plan.sizes[p];
            let stride = self.stride[p];
            let t = self.plan.pos[p][bit] as usize;
            let blk = t / k;
            let base = blk * stride;
            let mut s = blk * k;
            let mut e = (s + k).min(n);
            let mut node = 1usize;
            loop {
                let st = &mut self.nodes[p][base + node];
                if *st & KNOWN == 0 {
                    break;
                }
                *st ^= BOB;
                if odd(*st) {
                    self.queue.push((Reverse(e - s), p, base + node, s, e));
                }
                if e - s <= 1 {
                    break;
                }
                let mid = s + (e - s) / 2;
                if t < mid {
                    node *= 2;
                    e = mid;
                } else {
                    node = 2 * node + 1;
                    s = mid;
                }
            }
        }
    }
}

/// True when a known node's parities disagree (an odd number of errors).
#[inline]
fn odd(state: u8) -> bool {
    state & KNOWN != 0 && ((state & ALICE != 0) != (state & BOB != 0))
}

/// A random `n`-bit frame for Alice and Bob's copy through a binary
/// symmetric channel flipping each bit with probability `qber`: the standard
/// test input for reconciliation (tests, benches, the Lab's efficiency plot).
pub fn bsc_frame(n: usize, qber: f64, rng: &mut SimRng) -> (BitVec, BitVec) {
    let flips = Bernoulli::new(qber);
    let mut a = BitVec::with_capacity(n);
    let mut b = BitVec::with_capacity(n);
    let mut left = n;
    while left > 0 {
        let take = left.min(64);
        let w = rng.next_u64();
        a.push_word(w, take);
        b.push_word(w ^ flips.mask(rng), take);
        left -= take;
    }
    (a, b)
}

/// Binary entropy h(p) in bits.
pub fn binary_entropy(p: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 {
        0.0
    } else {
        -p * p.log2() - (1.0 - p) * (1.0 - p).log2()
    }
}

/// Reconciliation efficiency f = leaked / (n·h(Q)); `None` when h(Q) = 0.
pub fn efficiency(leaked: u64, n: usize, qber: f64) -> Option<f64> {
    let ideal = n as f64 * binary_entropy(qber);
    (ideal > 0.0).then(|| leaked as f64 / ideal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bb84::rng::sim_rng;

    #[test]
    fn option8_block_sizes() {
        // Q = 2%: α = log2(50) − 0.5 ≈ 5.14 → k1 = 64, k2 = 2^⌈8.57⌉ = 512.
        assert_eq!(block_sizes(10_000, 0.02, 4), vec![64, 512, 4096, 4096]);
    }

    #[test]
    fn corrects_a_frame_and_counts_leakage() {
        let mut rng = sim_rng(7, 1);
        let (a, b) = bsc_frame(10_000, 0.03, &mut rng);
        let out = reconcile(&a, &b, 0.03, 14, &mut rng).expect("valid frame");
        assert_eq!(out.corrected, a);
        let total: u64 = out.passes.iter().map(|p| p.parities).sum();
        assert_eq!(total, out.leaked);
        let errors = a.hamming_distance(&b);
        let corrections: u64 = out.passes.iter().map(|p| p.corrections).sum();
        assert_eq!(corrections as usize, errors);
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let mut rng = sim_rng(7, 1);
        let a = BitVec::zeros(100);
        let b = BitVec::zeros(99);
        assert!(matches!(
            reconcile(&a, &b, 0.02, 4, &mut rng),
            Err(Bb84Error::LengthMismatch { .. })
        ));
    }
}
