//! The background worker's failure paths in real Chromium (its success
//! paths — a job running with progress, cancel, offline — are driven end to
//! end by tests/lab.test.mjs against the built app).
#![cfg(target_arch = "wasm32")]

use app::platform::worker::{self, WorkerError};
use app::platform::worker_bb84::Bb84Run;
use shared::bb84::RunParams;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_worker_script_that_cannot_load_is_a_worker_error_not_a_hang() {
    worker::set_script_url("/no-such-worker.js");
    let job = worker::start::<Bb84Run>(&RunParams::default(), Vec::new(), |_| {});
    let result = match job {
        Ok(job) => job.finish().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(matches!(result, Err(WorkerError::Worker(_))), "{result:?}");
}

#[wasm_bindgen_test]
async fn cancelling_a_job_resolves_it_as_cancelled_at_once() {
    worker::set_script_url("/no-such-worker-either.js");
    let job = worker::start::<Bb84Run>(&RunParams::default(), Vec::new(), |_| {}).expect("worker object created");
    let cancel = job.canceller();
    cancel.cancel();
    cancel.cancel(); // a second cancel is harmless
    assert_eq!(job.finish().await.map(|_| ()), Err(WorkerError::Cancelled));
}
