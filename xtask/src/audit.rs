//! Dependency audit, offline: RustSec advisories from the snapshot in
//! `../shared/advisory-db`, licences, banned crates and sources, by cargo-deny
//! with the policy in `deny.toml`. A fixture with a known-vulnerable
//! dependency proves the check really fails when it should.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{self, args};
use crate::root;

/// cargo-deny version used; installed from crates.io source into `.tools/`.
const CARGO_DENY_VERSION: &str = "0.20.2";
/// The folder name cargo-deny uses for the RustSec database URL in `deny.toml`.
const DB_DIR: &str = "advisory-db-3157b0e258782691";
/// The fixture's advisory: smallvec 1.6.0, buffer overflow in `insert_many`.
const FIXTURE_ADVISORY: &str = "RUSTSEC-2021-0003";

fn cargo_deny() -> Result<PathBuf, String> {
    let bin = root().join(".tools/bin/cargo-deny");
    let installed = process::output(&bin.display().to_string(), &["--version"]).unwrap_or_default();
    if installed != format!("cargo-deny {CARGO_DENY_VERSION}") {
        println!("Installing cargo-deny {CARGO_DENY_VERSION} into .tools/ (a few minutes, once)…");
        process::cargo_install(&args(&[
            "cargo-deny",
            "--version",
            CARGO_DENY_VERSION,
            "--locked",
            "--root",
            ".tools",
            "--force",
        ]))?;
    }
    Ok(bin)
}

/// cargo-deny reads advisory databases from git checkouts: make one from the
/// plain-file snapshot, committed at the snapshot's own date so staleness is honest.
fn prepare_database() -> Result<(), String> {
    let snapshot = root().join("../shared/advisory-db");
    let stamp = std::fs::read_to_string(snapshot.join("SNAPSHOT"))
        .map_err(|e| format!("no advisory snapshot at {}: {e}", snapshot.display()))?;
    let db = root().join("target/advisory-dbs").join(DB_DIR);
    if std::fs::read_to_string(db.join("SNAPSHOT")).ok().as_deref() == Some(stamp.as_str()) && db.join(".git").exists()
    {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(&db);
    copy_dir(&snapshot, &db)?;
    // "snapshot <commit> <date> <time> <zone>"
    let date = stamp.split_whitespace().skip(2).collect::<Vec<_>>().join(" ");
    let git = |a: &[&str]| -> Result<(), String> {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=advisory-snapshot",
                "-c",
                "user.email=snapshot@invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(a)
            .current_dir(&db)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .status()
            .map_err(|e| format!("git: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("git {a:?} failed in {}", db.display())) }
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", stamp.trim()])
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Checks QuantumVault's dependencies (must pass), then the vulnerable fixture (must fail).
pub fn run() -> Result<(), String> {
    let deny = cargo_deny()?.display().to_string();
    prepare_database()?;
    // cargo-deny reads the whole dependency graph, every platform's crates
    // included (`cargo metadata`); a build only downloads the host's, so on
    // a fresh machine the Windows and Android ones are missing offline.
    process::run("cargo", &args(&["fetch", "--locked"]), &[])?;
    process::run(&deny, &args(&["--offline", "--config", "deny.toml", "check"]), &[])?;

    let fixture = "tests/fixtures/vulnerable-dependency/Cargo.toml";
    process::run("cargo", &args(&["fetch", "--manifest-path", fixture]), &[])?;
    let out = Command::new(&deny)
        .args(["--offline", "--manifest-path", fixture, "--config", "deny.toml", "check", "advisories"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("could not run cargo-deny: {e}"))?;
    let report = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !report.contains(FIXTURE_ADVISORY) {
        return Err(format!(
            "the advisory check did not flag {FIXTURE_ADVISORY} in the vulnerable fixture: it would miss real vulnerabilities\n{report}"
        ));
    }
    println!("audit: dependencies clean; the vulnerable fixture is caught ({FIXTURE_ADVISORY}) as it must be");
    Ok(())
}
