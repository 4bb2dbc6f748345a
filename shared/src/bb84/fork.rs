//! Two independent jobs at once: on a second thread natively, one after the
//! other in wasm (the app runs the simulator in one Web Worker, and wasm
//! threads would need shared memory and cross-origin isolation).
//!
//! Why a helper and not a thread pool crate: privacy amplification has two
//! or three fork points per hash, each a few milliseconds of work, so one
//! scoped thread per fork (tens of microseconds) is cheap enough and keeps
//! the dependency list short.

/// Runs `a` and `b`, natively on two threads when one can be started, and
/// returns both results. A panic in either job is propagated as if the jobs
/// had run on this thread.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB,
    RA: Send,
{
    use std::sync::Mutex;
    // `a` waits in a slot so that, if no thread can be started, it still
    // runs here instead of being lost with the refused closure.
    let slot = Mutex::new(Some(a));
    let run_a = || slot.lock().ok().and_then(|mut job| job.take()).map(|job| job());
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().spawn_scoped(scope, run_a);
        let rb = b();
        let ra = match handle {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run_a(),
        };
        match ra {
            Some(ra) => (ra, rb),
            None => unreachable_job(),
        }
    })
}

/// Runs `a`, then `b` (wasm: one thread).
#[cfg(target_arch = "wasm32")]
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB,
    RA: Send,
{
    let ra = a();
    (ra, b())
}

#[cfg(not(target_arch = "wasm32"))]
#[cold]
fn unreachable_job() -> ! {
    // `run_a` is called once (on the thread, or here if none started), and
    // finds the slot empty only if it was poisoned, i.e. `a` panicked, and
    // that panic was re-raised before this point.
    std::panic::panic_any("fork::join: job a neither ran nor panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_jobs_run_and_return_their_results() {
        let mut left = vec![0u32; 1000];
        let mut right = vec![0u32; 1000];
        let (a, b) = join(
            || {
                left.iter_mut().enumerate().for_each(|(i, v)| *v = i as u32);
                left.iter().sum::<u32>()
            },
            || {
                right.iter_mut().for_each(|v| *v = 2);
                right.len()
            },
        );
        assert_eq!(a, 499_500);
        assert_eq!(b, 1000);
        assert!(right.iter().all(|&v| v == 2));
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_the_spawned_job_reaches_the_caller() {
        let _ = join(|| -> u8 { std::panic::panic_any("boom") }, || 1);
    }
}
