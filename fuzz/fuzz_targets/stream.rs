//! Cobblestone decryptor on arbitrary ciphertext: never panics, and after
//! an error it keeps failing and emits nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::format::stream::StreamDecryptor;

fuzz_target!(|data: &[u8]| {
    let Ok(mut dec) = StreamDecryptor::new(&[0x42; 32], b"quantumvault test context") else {
        return;
    };
    let mut out = Vec::new();
    let split = data.len() / 3;
    let res = dec
        .update(&data[..split], &mut out)
        .and_then(|()| dec.update(&data[split..], &mut out))
        .and_then(|()| dec.finish(&mut out));
    if res.is_err() {
        let before = out.len();
        assert!(dec.update(&[0; 64], &mut out).is_err());
        assert_eq!(out.len(), before);
    }
});
