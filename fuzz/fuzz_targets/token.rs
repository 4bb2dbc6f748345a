//! Token parser (plain and PIN-sealed) on arbitrary bytes; plain tokens that
//! parse must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::format::token;

fuzz_target!(|data: &[u8]| {
    match token::needs_pin(data) {
        Ok(false) => {
            if let Ok(k) = token::decode(data, None) {
                assert_eq!(token::encode_plain(&k).as_slice(), data);
            }
        }
        Ok(true) => {
            // Argon2id only for cheap parameters (bytes 6..18: memory, passes, lanes).
            let word = |i: usize| {
                data.get(i..i + 4)
                    .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            };
            if word(6).is_some_and(|m| m <= 1024) && word(10).is_some_and(|t| t <= 2) {
                let _ = token::decode(data, Some(b"2468"));
            }
            let _ = token::decode(data, None);
        }
        Err(_) => {}
    }
});
