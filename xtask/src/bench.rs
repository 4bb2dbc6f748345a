//! `cargo xtask bench`: every benchmark in one run, each figure next to an
//! anchor measured in the same run, written to `docs/BENCHMARKS.md` (and
//! the raw rows to `docs/benchmarks.json`, the ratios as an SVG chart).
//!
//! `--smoke` runs the same harness on tiny inputs with the debug builds the
//! test suite already made, and writes to `target/bench-smoke/` instead:
//! it only proves the harness still works, so it can run in `cargo xtask test`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::bench_rows::Section;
use crate::{
    bench_browser, bench_chart, bench_machine, bench_native, bench_report, bench_server, bench_wasm, root, setup,
};

/// The ratio chart, beside the report.
const CHART: &str = "benchmarks-ratios.svg";

/// How this run is made and where its scratch files go.
pub struct Mode {
    pub smoke: bool,
    /// Scratch directory for criterion output, JSON lines and logs.
    pub out: PathBuf,
}

/// Runs every area, writes the report, and fails if any area failed (after
/// writing, so the report shows which).
pub fn run(smoke: bool) -> Result<(), String> {
    let started = Instant::now();
    let tools = setup::tools(true)?;
    // Smoke reports go to target/, never over the committed docs/ report.
    let out = root().join(if smoke { "target/bench-smoke" } else { "target/bench" });
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mode = Mode { smoke, out };
    let command = if smoke { "cargo xtask bench --smoke" } else { "cargo xtask bench" };

    let native = Section::new(
        "Native (criterion)",
        "`cargo bench -p shared --bench crypto --bench bb84`, medians of criterion's samples (1 s warm-up, 3 s measurement).",
    )
    .fill(timed("native", || bench_native::run(&mode)));
    let site = bench_browser::site(&mode, &tools);
    let server_bin = bench_server::binary(&mode);
    let wasm = Section::new(
        "Browser (wasm in headless Chromium)",
        "`app/tests/bench.rs` (release wasm) in Debian's Chromium: WebCrypto anchors and the app's paths in the same page, \
         medians of alternating rounds; bundle from `dist/`; load times with playwright-core against the real server.",
    )
    .fill(timed("browser", || bench_wasm::run(&mode, &tools)).and_then(|mut rows| {
        let site = site.as_ref().map_err(Clone::clone)?;
        rows.extend(bench_browser::bundle(site)?);
        let bin = server_bin.as_ref().map_err(Clone::clone)?;
        rows.extend(timed("load times", || bench_browser::load_times(&mode, site, bin))?);
        Ok(rows)
    }));
    let server = Section::new(
        "Server (loopback)",
        "`server/benches/load.rs` drives the release `quantumvault-server` (temp data dir, SQLite + folder) and Debian nginx \
         (generated config, WebDAV PUT) on loopback with the same client, one after the other.",
    )
    .fill(timed("server", || bench_server::run(&mode)));
    let memory = Section::new(
        "Memory and end-to-end share (browser + server)",
        "The browser share flow (`tests/bench/vault-share.mjs`) driven by playwright-core; peak JS heap from Chromium, \
         peak server RSS from /proc.",
    )
    .fill(timed("share", || {
        server_bin.and_then(|bin| bench_browser::share(&mode, site.as_ref().map_err(Clone::clone)?, &bin))
    }));

    let sections = [native, wasm, server, memory];
    let mut machine = bench_machine::describe(command);
    machine.push(("Duration of the run", format!("{:.0} s", started.elapsed().as_secs_f64())));
    let dir = if smoke { mode.out.clone() } else { root().join("docs") };
    let (md, json) = (dir.join("BENCHMARKS.md"), dir.join("benchmarks.json"));
    let chart = bench_chart::ratios(&sections);
    if let Some(svg) = &chart {
        write(&dir.join(CHART), svg)?;
    }
    write(&md, &bench_report::markdown(&machine, &sections, smoke, chart.as_ref().map(|_| CHART)))?;
    write(&json, &(serde_json::to_string_pretty(&bench_report::json(&machine, &sections)).unwrap_or_default() + "\n"))?;
    println!("\nbench: wrote {} and {}", md.display(), json.display());
    let failed: Vec<String> =
        sections.iter().filter_map(|s| s.failure.as_ref().map(|e| format!("{}: {e}", s.title))).collect();
    if failed.is_empty() { Ok(()) } else { Err(format!("some areas did not run:\n  {}", failed.join("\n  "))) }
}

/// Runs one area and says how long it took (the smoke run must stay cheap).
fn timed<T>(area: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let result = f();
    println!("bench: {area} took {:.1} s", t.elapsed().as_secs_f64());
    result
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs a command in the workspace root, echoing its standard output line
/// by line as it comes, and returns that output.
pub fn capture(program: &str, args: &[String], env: &[(&str, String)]) -> Result<String, String> {
    use std::io::BufRead;
    let line = format!("{program} {}", args.join(" "));
    println!("$ {line}");
    let mut child = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    let mut text = String::new();
    if let Some(out) = child.stdout.take() {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            println!("{l}");
            text.push_str(&l);
            text.push('\n');
        }
    }
    let status = child.wait().map_err(|e| format!("`{line}`: {e}"))?;
    if status.success() { Ok(text) } else { Err(format!("`{line}` failed ({status})")) }
}

/// JSON objects, one a line; other lines (logs) are skipped. A missing file
/// reads as no records.
pub fn read_json_lines(path: &Path) -> Result<Vec<Value>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(json_lines(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// The JSON objects among `text`'s lines (a test runner mixes them with logs).
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| l.find('{').map(|i| &l[i..]))
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .filter(Value::is_object)
        .collect()
}

/// The first record whose `bench` field is `name`.
pub fn find<'a>(records: &'a [Value], name: &str) -> Option<&'a Value> {
    records.iter().find(|r| r["bench"] == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_skip_logs() {
        let text = "running 1 test\nconsole.log: {\"bench\":\"a\",\"x\":1}\n{not json}\n{\"bench\":\"b\"}\n[1,2]\n";
        let v = json_lines(text);
        assert_eq!(v.len(), 2);
        assert_eq!(find(&v, "a").and_then(|r| r["x"].as_u64()), Some(1));
        assert!(find(&v, "c").is_none());
    }
}
