//! What the benchmark binaries share with `cargo xtask bench`: the smoke
//! switch (tiny sizes, so the harness runs in seconds inside the test
//! suite) and a JSON-lines side channel for figures criterion does not
//! time (e.g. Cascade efficiency, the calibrated Argon2id parameters).
#![allow(dead_code)]

use std::io::Write;

/// `QV_BENCH_SMOKE=1`: tiny inputs, only proves the harness still runs.
pub fn smoke() -> bool {
    std::env::var_os("QV_BENCH_SMOKE").is_some_and(|v| v == "1")
}

/// `big` normally, `small` in smoke mode.
pub fn size(big: usize, small: usize) -> usize {
    if smoke() { small } else { big }
}

/// Appends one JSON record to the file named by `QV_BENCH_JSON`, if set.
/// A benchmark is not a test: a failure to write is reported, not fatal.
pub fn record(value: &serde_json::Value) {
    let Some(path) = std::env::var_os("QV_BENCH_JSON") else { return };
    let written =
        std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| writeln!(f, "{value}"));
    if let Err(e) = written {
        eprintln!("could not append to {}: {e}", std::path::Path::new(&path).display());
    }
}
