//! Installs the pinned tools a build or test needs, or says exactly how to.
//!
//! Nothing here downloads a binary: wasm-bindgen is built from crates.io
//! source, wasm-opt comes from the npm package `binaryen` (Debian's is too old
//! and produces wasm Chromium rejects), Chromium and ChromeDriver from Debian.

use std::path::{Path, PathBuf};

use crate::process::{self, args};
use crate::root;

/// Paths of the tools in use.
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_bindgen_test_runner: PathBuf,
    pub wasm_opt: PathBuf,
}

/// The exact wasm-bindgen version in `Cargo.lock`: the CLI must match it.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// Ensures the wasm target, wasm-bindgen CLI and wasm-opt; with `for_tests`,
/// Chromium and ChromeDriver and the JS test tools as well.
pub fn tools(for_tests: bool) -> Result<Tools, String> {
    ensure_wasm_target()?;
    let bin = root().join(".tools/bin");
    let version = wasm_bindgen_version()?;
    let wasm_bindgen = bin.join("wasm-bindgen");
    let installed = process::output(&wasm_bindgen.display().to_string(), &["--version"]).unwrap_or_default();
    if installed != format!("wasm-bindgen {version}") {
        println!("Installing wasm-bindgen-cli {version} into .tools/ (a few minutes, once)…");
        // Not `--locked`: the CLI's lock file pins a webpki-roots the registry no longer has.
        process::cargo_install(&args(&["wasm-bindgen-cli", "--version", &version, "--root", ".tools", "--force"]))?;
    }
    let wasm_opt = root().join("node_modules/.bin/wasm-opt");
    let playwright = root().join("node_modules/playwright-core/package.json");
    if !wasm_opt.exists() || (for_tests && !playwright.exists()) {
        if process::output("npm", &["--version"]).is_none() {
            return Err(
                "npm is missing. Install Node.js 20+ with npm (e.g. `apt-get install nodejs npm`), then run again."
                    .into(),
            );
        }
        process::run("npm", &args(&["ci", "--no-audit", "--no-fund"]), &[])?;
    }
    if for_tests {
        ensure_chromium()?;
    }
    Ok(Tools { wasm_bindgen, wasm_bindgen_test_runner: bin.join("wasm-bindgen-test-runner"), wasm_opt })
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = process::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    // RUSTUP_AUTO_INSTALL=0 machines never add targets on their own.
    process::run("rustup", &args(&["target", "add", "wasm32-unknown-unknown"]), &[])
}

/// Path of the Chromium binary used by every browser test.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Path of the matching ChromeDriver (for wasm-bindgen-test).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let install = "apt-get update && apt-get install -y chromium chromium-driver";
    let is_root = process::output("id", &["-u"]).as_deref() == Some("0");
    if !is_root || process::output("apt-get", &["--version"]).is_none() {
        return Err(format!("Chromium and ChromeDriver are needed for the browser tests. Run: sudo sh -c '{install}'"));
    }
    println!("Installing Chromium and ChromeDriver from Debian…");
    process::run("sh", &args(&["-c", install]), &[("DEBIAN_FRONTEND", "noninteractive".into())])
}
