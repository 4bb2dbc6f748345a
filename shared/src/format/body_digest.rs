//! The vault body digest `B` that the sender's signature covers
//! (`docs/FORMAT.md` §5, "Body digest").
//!
//! - **Version 1** files: `B = SHA-256(body)`, one pass over every byte.
//! - **Version 2** files (written now): the body is cut into segments of
//!   [`SEGMENT_LEN`] bytes (the last one shorter, never empty), each hashed
//!   on its own, and `B = SHA-256("quantumvault/v2/vault/body" ‖ D₀ ‖ … ‖
//!   Dₙ₋₁ ‖ u64 body length)`.
//!
//! Why version 2: in the browser the one-pass SHA-256 had to run in wasm
//! (WebCrypto has no incremental digest), in software at ~0.3 GB/s on the
//! same thread that moves the file, and it was the largest single cost of
//! sharing and receiving. Whole segments can go to WebCrypto's
//! `digest("SHA-256")`, which runs natively (SHA extensions where the CPU
//! has them) on the browser's crypto threads. Collision resistance is that
//! of SHA-256: two bodies with the same `B` have the same length, hence the
//! same segment count, and then either the outer hash or some segment's
//! hash collides.
//!
//! Segments can be hashed here ([`BodyDigest::update`]) or, for callers with
//! a faster or asynchronous SHA-256, handed out ([`BodyDigest::external`],
//! [`BodyDigest::take_segments`]) and their digests given back in order
//! ([`BodyDigest::add_segment_digest`]). The short last segment is always
//! hashed here when the digest is finalised.

use std::collections::VecDeque;

use sha2::{Digest, Sha256};

/// Bytes per body segment in version 2 (1 MiB).
pub const SEGMENT_LEN: usize = 1 << 20;

/// Domain of the version 2 outer hash.
pub const SEGMENTED_DOMAIN: &[u8] = b"quantumvault/v2/vault/body";

/// A digest that cannot be finalised: a caller that hashes segments itself
/// did not give back every digest (a programming error, never the file's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("internal error: {missing} body segment digest(s) were never supplied")]
pub struct MissingSegments {
    /// Full segments whose digest did not arrive.
    pub missing: u64,
}

/// Which definition of `B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestKind {
    /// Version 1: SHA-256 of the whole body.
    Linear,
    /// Version 2: SHA-256 over the segments' SHA-256 digests and the length.
    Segmented,
}

/// The running body digest of one file (sealing or opening).
#[derive(Clone)]
pub struct BodyDigest {
    kind: Kind,
    len: u64,
}

#[derive(Clone)]
enum Kind {
    Linear(Sha256),
    Segmented(Segments),
}

#[derive(Clone)]
struct Segments {
    /// `domain ‖ D₀ ‖ …` so far.
    outer: Sha256,
    /// Bytes of the segment being filled (always fewer than [`SEGMENT_LEN`]).
    partial: Vec<u8>,
    /// Whether full segments are handed out instead of hashed here.
    external: bool,
    /// Full segments waiting for the caller (external mode).
    ready: VecDeque<Vec<u8>>,
    /// Full segments completed so far, and digests received for them.
    full: u64,
    digested: u64,
}

impl core::fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BodyDigest").field("kind", &self.kind()).field("len", &self.len).finish_non_exhaustive()
    }
}

impl BodyDigest {
    /// A digest of the given kind that hashes everything itself.
    #[must_use]
    pub fn new(kind: DigestKind) -> Self {
        let kind = match kind {
            DigestKind::Linear => Kind::Linear(Sha256::new()),
            DigestKind::Segmented => Kind::Segmented(Segments {
                outer: Sha256::new().chain_update(SEGMENTED_DOMAIN),
                partial: Vec::new(),
                external: false,
                ready: VecDeque::new(),
                full: 0,
                digested: 0,
            }),
        };
        Self { kind, len: 0 }
    }

    /// Which definition this is.
    #[must_use]
    pub fn kind(&self) -> DigestKind {
        match self.kind {
            Kind::Linear(_) => DigestKind::Linear,
            Kind::Segmented(_) => DigestKind::Segmented,
        }
    }

    /// From now on, full segments are queued for [`Self::take_segments`]
    /// instead of hashed here (no effect on a linear digest, which cannot
    /// be split).
    pub fn external(&mut self) {
        if let Kind::Segmented(s) = &mut self.kind {
            s.external = true;
        }
    }

    /// Whether full segments are handed out.
    #[must_use]
    pub fn is_external(&self) -> bool {
        matches!(&self.kind, Kind::Segmented(s) if s.external)
    }

    /// Adds body bytes, in order.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        let s = match &mut self.kind {
            Kind::Linear(h) => {
                h.update(bytes);
                return;
            }
            Kind::Segmented(s) => s,
        };
        while !bytes.is_empty() {
            let room = SEGMENT_LEN - s.partial.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            bytes = rest;
            if s.partial.is_empty() && now.len() == SEGMENT_LEN && !s.external {
                // A whole segment in place: no copy.
                s.outer.update(Sha256::digest(now));
                s.full += 1;
                s.digested += 1;
                continue;
            }
            if s.partial.capacity() == 0 {
                s.partial.reserve_exact(SEGMENT_LEN);
            }
            s.partial.extend_from_slice(now);
            if s.partial.len() == SEGMENT_LEN {
                s.full += 1;
                if s.external {
                    s.ready.push_back(core::mem::take(&mut s.partial));
                } else {
                    s.outer.update(Sha256::digest(&s.partial));
                    s.digested += 1;
                    s.partial.clear();
                }
            }
        }
    }

    /// Full segments to hash, oldest first (external mode; empty otherwise).
    /// Their SHA-256 digests go back through [`Self::add_segment_digest`] in
    /// the same order.
    pub fn take_segments(&mut self) -> Vec<Vec<u8>> {
        match &mut self.kind {
            Kind::Segmented(s) => s.ready.drain(..).collect(),
            Kind::Linear(_) => Vec::new(),
        }
    }

    /// The SHA-256 digest of the next segment handed out. Digests beyond
    /// the segments handed out are ignored and make [`Self::finalize`] fail.
    pub fn add_segment_digest(&mut self, digest: &[u8; 32]) {
        if let Kind::Segmented(s) = &mut self.kind {
            s.outer.update(digest);
            s.digested += 1;
        }
    }

    /// Body bytes seen so far.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no byte was added yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `B`, once every body byte was added (and, in external mode, every
    /// full segment's digest given back).
    ///
    /// # Errors
    /// [`MissingSegments`] when digests of handed-out segments are missing
    /// or surplus.
    pub fn finalize(self) -> Result<[u8; 32], MissingSegments> {
        match self.kind {
            Kind::Linear(h) => Ok(h.finalize().into()),
            Kind::Segmented(mut s) => {
                if s.digested != s.full || !s.ready.is_empty() {
                    return Err(MissingSegments { missing: s.full.abs_diff(s.digested) });
                }
                if !s.partial.is_empty() {
                    s.outer.update(Sha256::digest(&s.partial));
                }
                s.outer.update(self.len.to_be_bytes());
                Ok(s.outer.finalize().into())
            }
        }
    }
}

/// `B` of a whole body in memory, by the rule of `kind`.
#[must_use]
pub fn digest_of(kind: DigestKind, body: &[u8]) -> [u8; 32] {
    let mut d = BodyDigest::new(kind);
    d.update(body);
    // An internal digest has nothing outstanding.
    d.finalize().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8 ^ (i >> 20) as u8).collect()
    }

    /// The definition, written out plainly.
    fn by_definition(body: &[u8]) -> [u8; 32] {
        let mut outer = Sha256::new().chain_update(SEGMENTED_DOMAIN);
        for seg in body.chunks(SEGMENT_LEN) {
            outer.update(Sha256::digest(seg));
        }
        outer.update((body.len() as u64).to_be_bytes());
        outer.finalize().into()
    }

    #[test]
    fn segmented_matches_the_definition_at_every_boundary() {
        for len in [1, 72, SEGMENT_LEN - 1, SEGMENT_LEN, SEGMENT_LEN + 1, 2 * SEGMENT_LEN, 2 * SEGMENT_LEN + 7] {
            let b = body(len);
            assert_eq!(digest_of(DigestKind::Segmented, &b), by_definition(&b), "len {len}");
        }
    }

    #[test]
    fn any_split_of_the_input_gives_the_same_digest() {
        let b = body(2 * SEGMENT_LEN + 12_345);
        let want = by_definition(&b);
        for step in [1000, 16_400, SEGMENT_LEN - 3, SEGMENT_LEN, SEGMENT_LEN + 5, 3 * SEGMENT_LEN] {
            let mut d = BodyDigest::new(DigestKind::Segmented);
            for piece in b.chunks(step) {
                d.update(piece);
            }
            assert_eq!(d.finalize(), Ok(want), "step {step}");
        }
    }

    #[test]
    fn external_segments_with_their_digests_give_the_same_digest() {
        let b = body(3 * SEGMENT_LEN + 99);
        let mut d = BodyDigest::new(DigestKind::Segmented);
        d.update(&b[..10]);
        d.external();
        let mut handed = 0;
        for piece in b[10..].chunks(700_000) {
            d.update(piece);
            for seg in d.take_segments() {
                assert_eq!(seg.len(), SEGMENT_LEN);
                d.add_segment_digest(&Sha256::digest(&seg).into());
                handed += 1;
            }
        }
        assert_eq!(handed, 3);
        assert_eq!(d.finalize(), Ok(by_definition(&b)));
    }

    #[test]
    fn missing_or_surplus_segment_digests_are_an_error() {
        let b = body(2 * SEGMENT_LEN);
        let mut d = BodyDigest::new(DigestKind::Segmented);
        d.external();
        d.update(&b);
        let segs = d.take_segments();
        assert_eq!(segs.len(), 2);
        let mut short = d.clone();
        short.add_segment_digest(&Sha256::digest(&segs[0]).into());
        assert_eq!(short.finalize(), Err(MissingSegments { missing: 1 }));
        let mut surplus = d.clone();
        for _ in 0..3 {
            surplus.add_segment_digest(&[0; 32]);
        }
        assert!(surplus.finalize().is_err());
        // Segments not even taken.
        let mut untaken = BodyDigest::new(DigestKind::Segmented);
        untaken.external();
        untaken.update(&b);
        assert!(untaken.finalize().is_err());
    }

    #[test]
    fn linear_is_plain_sha256_and_ignores_external_mode() {
        let b = body(SEGMENT_LEN + 3);
        let mut d = BodyDigest::new(DigestKind::Linear);
        d.external();
        assert!(!d.is_external());
        d.update(&b);
        assert!(d.take_segments().is_empty());
        assert_eq!(d.finalize(), Ok(Sha256::digest(&b).into()));
    }

    #[test]
    fn the_length_is_bound_even_where_segments_agree() {
        // Same segment digests are impossible for different lengths without a
        // SHA-256 collision; the trailing length makes the rule explicit.
        let a = body(SEGMENT_LEN);
        let mut b = a.clone();
        b.push(0);
        assert_ne!(digest_of(DigestKind::Segmented, &a), digest_of(DigestKind::Segmented, &b));
    }
}
