//! `cargo xtask`: QuantumVault's one-command build, run and test.
//!
//! Plain cargo builds the crates; this adds what cargo alone cannot: the
//! pinned wasm tools, the wasm post-processing and content-hashed site, and
//! the browser tests. Every step either installs what it lacks or stops
//! with the exact command to run.

mod audit;
mod bench;
mod bench_browser;
mod bench_chart;
mod bench_keep;
mod bench_machine;
mod bench_native;
mod bench_procs;
mod bench_report;
mod bench_rows;
mod bench_server;
mod bench_wasm;
mod dist;
mod process;
mod setup;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
QuantumVault developer tasks

USAGE: cargo xtask <TASK> [OPTIONS]

TASKS:
  run [-- SERVER-ARGS]  build the app and serve it at http://127.0.0.1:8080 (data in ./data)
  test                  run every test: native, wasm in headless Chromium, end-to-end
  bench [--smoke] [--only native|wasm|server|share]
                        every benchmark against its anchors → docs/BENCHMARKS.md (--smoke: tiny, to a temp dir;
                        --only: that area, the others kept from the previous report with their date)
  bench-wasm            WebCrypto vs pure-Rust stream encryption in headless Chromium (JSON lines)
  dist [--dev]          build the app into dist/ (content-hashed, precompressed)
  setup [--test]        install the pinned tools (with --test: Chromium and ChromeDriver too)
  lint                  cargo fmt --check and clippy (native and wasm32), warnings are errors
  audit                 dependency advisories (offline RustSec snapshot), licences, bans (cargo-deny)
  help                  this text
";

/// Absolute path of the workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((t, r)) => (t.as_str(), r),
        None => ("help", &[][..]),
    };
    let has = |flag: &str| rest.iter().any(|a| a == flag);
    let result = match task {
        "setup" => setup::tools(has("--test")).map(|_| ()),
        "dist" => setup::tools(false).and_then(|tools| dist::build(&tools, !has("--dev")).map(|_| ())),
        "run" => run(rest),
        "test" => test::all(),
        "bench" => bench::Area::from_args(rest).and_then(|only| bench::run(has("--smoke"), only)),
        "bench-wasm" => test::bench_wasm(),
        "lint" => test::lint(),
        "audit" => audit::run(),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the app and runs the server on it with the embedded defaults.
fn run(extra: &[String]) -> Result<(), String> {
    let tools = setup::tools(false)?;
    dist::build(&tools, true)?;
    let mut args: Vec<String> =
        ["run", "--release", "--package", "server", "--bin", "quantumvault-server", "--"].map(String::from).to_vec();
    let passthrough: Vec<String> = extra.iter().skip_while(|a| *a == "--").cloned().collect();
    if !passthrough.iter().any(|a| a.starts_with("--site-dir")) {
        args.push("--site-dir".into());
        args.push(root().join("dist").display().to_string());
    }
    args.extend(passthrough);
    println!("\nQuantumVault: open http://127.0.0.1:8080 (Ctrl-C stops the server)\n");
    process::run("cargo", &args, &[])
}
