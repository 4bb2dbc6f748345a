//! Backup parser on arbitrary bytes. Argon2id only runs for cheap
//! parameters, so the fuzzer spends its time in the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::format::backup;
use shared::recovery::RecoveryCode;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = backup::inspect(data) {
        if info.params.memory_kib() <= 1024 && info.params.iterations() <= 2 {
            let code = RecoveryCode::from_bytes([7; 32]);
            let _ = backup::open(data, b"correct horse battery staple", &code);
        }
    }
});
