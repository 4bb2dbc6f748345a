//! Running child commands with readable failures.

use std::process::Command;

/// Runs `program args` in the workspace root with extra environment; fails with
/// the command line if it cannot start or exits unsuccessfully.
pub fn run(program: &str, args: &[String], env: &[(&str, String)]) -> Result<(), String> {
    let line = format!("{program} {}", args.join(" "));
    println!("$ {line}");
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(crate::root())
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{line}` failed ({status})")) }
}

/// Runs a command and returns its standard output, or `None` if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).current_dir(crate::root()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `cargo install` of a helper tool (wasm-bindgen-cli, cargo-deny), built
/// for a short compile rather than peak speed: these tools each run for
/// seconds, but their own release profiles (cargo-deny: fat LTO, one codegen
/// unit) cost minutes of every fresh CI machine. Config profiles outrank the
/// tool's manifest profile, so these settings win.
pub fn cargo_install(args: &[String]) -> Result<(), String> {
    let env = [
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1".to_owned()),
        ("CARGO_PROFILE_RELEASE_LTO", "false".to_owned()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16".to_owned()),
        ("CARGO_PROFILE_RELEASE_DEBUG", "false".to_owned()),
    ];
    let mut all = vec!["install".to_owned()];
    all.extend_from_slice(args);
    run("cargo", &all, &env)
}

/// Shorthand: a `Vec<String>` from string literals.
pub fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
