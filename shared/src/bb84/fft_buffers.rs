//! FFT work buffers reused across calls on the same thread.
//!
//! Why: a 10⁶-bit privacy amplification needs six buffers of 458 752
//! complex numbers (44 MB). Natively, glibc hands allocations this large
//! back to the kernel on free, so every fresh hasher paid ~11 000 page
//! faults — measured (perf) at more than twice the arithmetic's time. A
//! few buffers kept per thread make the next hasher of the same size start
//! on mapped memory. Contents are stale: every user overwrites a buffer
//! completely before reading it.

#[cfg(not(target_arch = "wasm32"))]
use std::cell::RefCell;

use rustfft::num_complex::Complex;

type C64 = Complex<f64>;

/// At most this many buffers wait per thread (one prepared hasher's worth);
/// the oldest go first, so a run of other sizes does not pin memory forever.
#[cfg(not(target_arch = "wasm32"))]
const KEPT: usize = 6;

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static SPARE: RefCell<Vec<Vec<C64>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` complex numbers with unspecified contents.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn take(len: usize) -> Vec<C64> {
    let reused = SPARE
        .try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let i = spare.iter().position(|b| b.len() == len)?;
            Some(spare.remove(i))
        })
        .ok()
        .flatten();
    reused.unwrap_or_else(|| vec![C64::new(0.0, 0.0); len])
}

/// Keeps `buffer` for a later [`take`] on this thread.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn give_back(buffer: Vec<C64>) {
    if buffer.is_empty() {
        return;
    }
    // During thread teardown the pool may be gone: then the buffer is freed.
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() == KEPT {
            spare.remove(0);
        }
        spare.push(buffer);
    });
}

// wasm keeps nothing: its memory, once grown, stays mapped and the
// allocator reuses it without faults, so holding 44 MB here would only take
// it away from the app's other work in the same worker.

/// A fresh zeroed buffer of `len` complex numbers.
#[cfg(target_arch = "wasm32")]
pub(crate) fn take(len: usize) -> Vec<C64> {
    vec![C64::new(0.0, 0.0); len]
}

/// Frees `buffer`.
#[cfg(target_arch = "wasm32")]
pub(crate) fn give_back(buffer: Vec<C64>) {
    drop(buffer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_reused_for_the_same_length_only() {
        let mut b = take(1000);
        b[0] = C64::new(7.0, 0.0);
        let address = b.as_ptr();
        give_back(b);
        let other = take(999);
        assert_ne!(other.as_ptr(), address);
        let again = take(1000);
        assert_eq!(again.as_ptr(), address);
        assert_eq!(again.len(), 1000);
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_buffers() {
        for len in 1..=(2 * KEPT) {
            give_back(take(len));
        }
        SPARE.with(|spare| assert_eq!(spare.borrow().len(), KEPT));
        // The oldest lengths were dropped, the newest kept.
        SPARE.with(|spare| assert!(spare.borrow().iter().all(|b| b.len() > KEPT)));
    }
}
