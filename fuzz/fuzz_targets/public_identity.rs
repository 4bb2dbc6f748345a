//! Public-identity parser: accepted inputs re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::identity::PublicIdentity;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = PublicIdentity::from_bytes(data) {
        assert_eq!(p.to_bytes(), data);
    }
});
