//! Equality verification after Cascade: Alice and Bob compare a short hash
//! of each frame; frames that differ are discarded.
//!
//! The hash is SHA-256 over a fresh public random salt, the frame number and
//! the frame, truncated to `tag_bits`. Modelling a salted hash as a random
//! function, two different frames collide with probability 2^-tag_bits, so
//! ε_EC = frames · 2^-tag_bits. Every tag bit is counted as leaked.

use sha2::{Digest, Sha256};

use super::bits::BitVec;

/// Domain separation so these tags never collide with another use of SHA-256.
const DOMAIN: &[u8] = b"QuantumVault bb84 frame verification v1";

/// The `tag_bits`-bit tag of `frame` (number `index`) under `salt`.
pub fn frame_tag(salt: &[u8; 32], index: u64, frame: &BitVec, tag_bits: u32) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(salt);
    h.update(index.to_le_bytes());
    h.update((frame.len() as u64).to_le_bytes());
    h.update(frame.to_bytes());
    let digest = h.finalize();
    let bytes = (tag_bits as usize).div_ceil(8).min(32);
    let mut tag = digest[..bytes].to_vec();
    let rest = tag_bits % 8;
    if rest != 0
        && let Some(last) = tag.last_mut()
    {
        *last &= (1u8 << rest) - 1;
    }
    tag
}

/// Probability bound that verification passes on unequal keys.
pub fn eps_ec(frames: u64, tag_bits: u32) -> f64 {
    frames as f64 * 2f64.powi(-(tag_bits as i32))
}
