//! The drive's `state.json` and `.system_backup/pair.json` parsers on arbitrary
//! bytes: typed errors, never panics; accepted files re-encode to bytes that
//! parse to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::drive::state::{PairMarker, State};

fuzz_target!(|data: &[u8]| {
    if let Ok(state) = State::parse(data) {
        assert_eq!(State::parse(&state.to_bytes()).ok(), Some(state));
    }
    if let Ok(pair) = PairMarker::parse(data) {
        assert_eq!(PairMarker::parse(&pair.to_bytes()).ok(), Some(pair));
    }
});
