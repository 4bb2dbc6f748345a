//! Recovery-code parser on arbitrary text: accepted codes re-print to a
//! canonical form that parses to the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::recovery::RecoveryCode;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(code) = RecoveryCode::parse(&text) {
        let canonical = code.to_text();
        assert_eq!(RecoveryCode::parse(&canonical).ok(), Some(code));
    }
});
