//! The whole test suite, in the order that fails fastest: dependency audit,
//! native tests (the server on SQLite + folder, then on PostgreSQL + S3), wasm
//! tests in headless Chromium, then the built app end to end in Chromium.

use crate::process::{self, args};
use crate::setup::{self, CHROMEDRIVER, CHROMIUM};
use crate::{audit, dist, root};

/// Runs every test of every crate, then the end-to-end browser tests.
pub fn all() -> Result<(), String> {
    let tools = setup::tools(true)?;
    audit::run()?;
    // The server suite on SQLite + folder, then again (same build, so nothing
    // recompiles) on PostgreSQL + S3-compatible storage started on loopback.
    process::run("cargo", &args(&["test", "--package", "server"]), &[])?;
    process::run("bash", &args(&["scripts/test-services.sh"]), &[])?;
    process::run("cargo", &args(&["test", "--workspace", "--exclude", "app", "--exclude", "server"]), &[])?;

    let runner = tools.wasm_bindgen_test_runner.display().to_string();
    process::run(
        "cargo",
        &args(&["test", "--package", "app", "--target", "wasm32-unknown-unknown"]),
        &[
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner),
            ("CHROMEDRIVER", CHROMEDRIVER.into()),
            ("WASM_BINDGEN_TEST_TIMEOUT", "120".into()),
        ],
    )?;

    let site = dist::build(&tools, true)?;
    process::run("cargo", &args(&["build", "--package", "server", "--bin", "quantumvault-server"]), &[])?;
    let server_bin = root().join("target/debug/quantumvault-server");
    process::run(
        "node",
        &args(&["--test", "--test-concurrency=1", "tests/"]),
        &[
            ("QV_SERVER_BIN", server_bin.display().to_string()),
            ("QV_SITE_DIR", site.display().to_string()),
            ("QV_CHROMIUM", CHROMIUM.into()),
        ],
    )?;
    crate::bench::run(true, None) // bench: the benchmark harness on tiny inputs, so it cannot rot
}

/// The browser crypto benchmark (`app/tests/bench.rs`): WebCrypto vs the
/// project's stream path vs pure Rust, in one headless-Chromium run, printed
/// as JSON lines; ignored by `test` because it takes a minute. A release
/// build (about 5 minutes the first time on 2 cores), because debug wasm
/// would measure the compiler, not the cipher: the pure-Rust AES is generic
/// code instantiated in `shared`, which the test profile leaves unoptimised.
pub fn bench_wasm() -> Result<(), String> {
    let tools = setup::tools(true)?;
    let runner = tools.wasm_bindgen_test_runner.display().to_string();
    process::run(
        "cargo",
        &args(&[
            "test",
            "--package",
            "app",
            "--target",
            "wasm32-unknown-unknown",
            "--release",
            "--test",
            "bench",
            "--",
            "--include-ignored",
            "--nocapture",
            "bench_full",
        ]),
        &[
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner),
            ("CHROMEDRIVER", CHROMEDRIVER.into()),
            ("WASM_BINDGEN_TEST_TIMEOUT", "900".into()),
        ],
    )
}

/// Formatting and lints; warnings are errors. Clippy runs for wasm32 too,
/// because the app's browser code only compiles there.
pub fn lint() -> Result<(), String> {
    setup::tools(false)?;
    process::run("cargo", &args(&["fmt", "--all", "--check"]), &[])?;
    process::run(
        "cargo",
        &args(&["clippy", "--workspace", "--exclude", "app", "--all-targets", "--", "-D", "warnings"]),
        &[],
    )?;
    process::run(
        "cargo",
        &args(&[
            "clippy",
            "--package",
            "app",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        &[],
    )
}
