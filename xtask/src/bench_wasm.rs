//! Browser figures from `app/tests/bench.rs`, run by wasm-bindgen-test in
//! headless Chromium; the test prints one JSON object a line.

use serde_json::Value;

use crate::bench::{Mode, capture, find, json_lines};
use crate::bench_rows::{Figure, Row, Target};
use crate::process::args;
use crate::setup::{CHROMEDRIVER, Tools};

/// Runs the wasm benchmark (release in full mode, the suite's debug build
/// in smoke mode) and turns its lines into rows.
pub fn run(mode: &Mode, tools: &Tools) -> Result<Vec<Row>, String> {
    let mut cargo = args(&["test", "--package", "app", "--target", "wasm32-unknown-unknown", "--test", "bench"]);
    if !mode.smoke {
        // Debug wasm would measure the compiler, not the code.
        cargo.push("--release".into());
    }
    let test = if mode.smoke { "bench_smoke" } else { "bench_full" };
    cargo.extend(args(&["--", "--include-ignored", "--nocapture", test]));
    let env = [
        ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", tools.wasm_bindgen_test_runner.display().to_string()),
        ("CHROMEDRIVER", CHROMEDRIVER.into()),
        ("WASM_BINDGEN_TEST_TIMEOUT", "1200".into()),
    ];
    let records = json_lines(&capture("cargo", &cargo, &env)?);
    if find(&records, "done").is_none() {
        return Err("the wasm benchmark stopped before its last figure (see the output above)".into());
    }
    Ok(rows(&records))
}

const MISSING: &str = "the wasm benchmark printed no such figure";
/// The `qkd` crate's published simulation rate (upper end of 2–7×10⁵/s).
const QKD_CRATE_PHOTONS: f64 = 7e5;
/// Toeplitz hashing on a CPU, Sci. Rep. 2019.
const TOEPLITZ_PUBLISHED_MBIT: f64 = 71.0;

fn field(records: &[Value], bench: &str, key: &str) -> Option<f64> {
    find(records, bench)?.get(key)?.as_f64()
}

fn rows(r: &[Value]) -> Vec<Row> {
    let mbs = |key: &str| field(r, "summary", key).map(|v| Figure::new(v, "MB/s"));
    let size = field(r, "summary", "bytes").map_or_else(String::new, |b| format!("{:.0} MiB", b / 1048576.0));
    let rounds = field(r, "summary", "median_of").unwrap_or(0.0);
    let note = format!("{size} streamed in 1 MiB pieces, 16 KiB chunks, median of {rounds} alternating rounds");
    let mut rows = vec![
        Row::maybe("App stream encryption (WebCrypto path)", mbs("encrypt_mb_s"), MISSING)
            .anchor("raw WebCrypto AES-GCM, same chunking", mbs("raw_encrypt_mb_s"))
            .target(Target::RatioAtLeast(0.8))
            .note(note.clone()),
        Row::maybe("App stream decryption (WebCrypto path)", mbs("decrypt_mb_s"), MISSING)
            .anchor("raw WebCrypto AES-GCM, same chunking", mbs("raw_decrypt_mb_s"))
            .target(Target::RatioAtLeast(0.8))
            .note(note),
        Row::maybe("Pure-Rust wasm stream encryption", mbs("rust_encrypt_mb_s"), MISSING)
            .anchor("raw WebCrypto AES-GCM", mbs("raw_encrypt_mb_s"))
            .note("reference and fallback path (no AES-NI in wasm)"),
        Row::maybe("Pure-Rust wasm stream decryption", mbs("rust_decrypt_mb_s"), MISSING)
            .anchor("raw WebCrypto AES-GCM", mbs("raw_decrypt_mb_s")),
    ];
    for (what, bench) in [
        ("ML-DSA-65 sign (wasm)", "wasm_mldsa65_sign"),
        ("ML-DSA-65 verify (wasm)", "wasm_mldsa65_verify"),
        ("X-Wing encapsulate (wasm)", "wasm_xwing_encaps"),
        ("X-Wing decapsulate (wasm)", "wasm_xwing_decaps"),
        ("ML-KEM-1024 encapsulate (wasm)", "wasm_mlkem1024_encaps"),
        ("ML-KEM-1024 decapsulate (wasm)", "wasm_mlkem1024_decaps"),
    ] {
        let us = field(r, bench, "ms_per_op").map(|ms| Figure::new(ms * 1e3, "µs"));
        rows.push(
            Row::maybe(what, us, MISSING).note("performance.now() is coarsened in browsers: loops of many calls"),
        );
    }
    let ms = |bench: &str| field(r, bench, "ms_per_op").map(|v| Figure::new(v, "ms"));
    rows.push(Row::maybe("Argon2id default (64 MiB, t=3, p=1) (wasm)", ms("wasm_argon2id_default"), MISSING));
    let cal = find(r, "wasm_argon2id_calibrated");
    let params = cal.map_or_else(String::new, |v| {
        format!("{} MiB, t={}", v["memory_kib"].as_u64().unwrap_or(0) / 1024, v["iterations"])
    });
    rows.push(
        Row::maybe(format!("Argon2id calibrated ({params}) (wasm)"), ms("wasm_argon2id_calibrated"), MISSING)
            .target(Target::AtMost(1500.0))
            .note("calibrate() aims at 1 s in this browser"),
    );
    for (what, config) in
        [("BB84 photons, 50 km (wasm)", "50km"), ("BB84 photons, 0 km, every pulse clicks (wasm)", "0km_all_click")]
    {
        let rate = r
            .iter()
            .find(|v| v["bench"] == "wasm_bb84_photons" && v["config"] == config)
            .and_then(|v| v["photons_per_s"].as_f64())
            .map(|v| Figure::new(v, "photons/s"));
        rows.push(
            Row::maybe(what, rate, MISSING)
                .published("qkd crate (published)", Figure::new(QKD_CRATE_PHOTONS, "photons/s"))
                .target(Target::AtLeast(2e7)),
        );
    }
    for q in [0.01, 0.02, 0.05, 0.08] {
        let frame = r
            .iter()
            .find(|v| v["bench"] == "wasm_cascade_10k" && v["qber"].as_f64().is_some_and(|x| (x - q).abs() < 1e-9))
            .and_then(|v| v["ms_per_frame"].as_f64())
            .map(|v| Figure::new(v, "ms"));
        rows.push(
            Row::maybe(format!("Cascade, 10⁴-bit frame, QBER {:.0} % (wasm)", q * 100.0), frame, MISSING)
                .target(Target::AtMost(3.0)),
        );
    }
    rows.push(
        Row::maybe(
            "Toeplitz PA, 10⁶ → 8·10⁵ bits, prepared seed (wasm)",
            field(r, "wasm_toeplitz_prepared", "mbit_per_s").map(|v| Figure::new(v, "Mbit/s")),
            MISSING,
        )
        .published("Sci. Rep. 2019, CPU (published)", Figure::new(TOEPLITZ_PUBLISHED_MBIT, "Mbit/s"))
        .target(Target::AtLeast(30.0)),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::Verdict;

    #[test]
    fn rows_from_runner_output() {
        let out = "running 1 test\n\
            {\"bench\":\"summary\",\"median_of\":5,\"bytes\":268435456,\"raw_encrypt_mb_s\":650.0,\"encrypt_mb_s\":520.0,\"raw_decrypt_mb_s\":700.0,\"decrypt_mb_s\":500.0,\"rust_encrypt_mb_s\":100.0,\"rust_decrypt_mb_s\":90.0}\n\
            {\"bench\":\"wasm_mldsa65_sign\",\"ms_per_op\":2.5}\n\
            {\"bench\":\"wasm_cascade_10k\",\"qber\":0.05,\"ms_per_frame\":2.0}\n";
        let rows = rows(&json_lines(out));
        assert_eq!(rows[0].ratio(), Some(0.8));
        assert_eq!(rows[0].verdict(), Verdict::Met);
        assert_eq!(rows[1].verdict(), Verdict::Missed);
        assert!(rows[0].note.contains("256 MiB"), "{}", rows[0].note);
        let sign = rows.iter().find(|r| r.what == "ML-DSA-65 sign (wasm)").expect("row");
        assert_eq!(sign.value, Ok(Figure::new(2500.0, "µs")));
        let cascade = rows.iter().find(|r| r.what == "Cascade, 10⁴-bit frame, QBER 5 % (wasm)").expect("row");
        assert_eq!(cascade.verdict(), Verdict::Met);
        let toeplitz = rows.last().expect("row");
        assert_eq!(toeplitz.value, Err(MISSING.into()));
    }
}
