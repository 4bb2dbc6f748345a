//! `cargo xtask bench`: every benchmark in one run, each figure next to an
//! anchor measured in the same run, written to `docs/BENCHMARKS.md` (and
//! the raw rows to `docs/benchmarks.json`, the ratios as an SVG chart).
//!
//! `--smoke` runs the same harness on tiny inputs with the debug builds the
//! test suite already made, and writes to `target/bench-smoke/` instead:
//! it only proves the harness still works, so it can run in `cargo xtask test`.
//!
//! `--only <area>` (native, wasm, server, share) runs one area and keeps the
//! others from the previous report (`bench_keep`), each marked with its date.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::bench_rows::Section;
use crate::{
    bench_browser, bench_chart, bench_keep, bench_machine, bench_native, bench_report, bench_server, bench_wasm, root,
    setup,
};

/// The ratio chart, beside the report.
const CHART: &str = "benchmarks-ratios.svg";

/// How this run is made and where its scratch files go.
pub struct Mode {
    pub smoke: bool,
    /// Scratch directory for criterion output, JSON lines and logs.
    pub out: PathBuf,
}

/// The four areas of the report, in its order; `--only` names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Native,
    Wasm,
    Server,
    Share,
}

impl Area {
    pub const ALL: [Self; 4] = [Self::Native, Self::Wasm, Self::Server, Self::Share];

    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Wasm => "wasm",
            Self::Server => "server",
            Self::Share => "share",
        }
    }

    /// The report's heading for the area (also its key in the JSON).
    pub fn title(self) -> &'static str {
        match self {
            Self::Native => "Native (criterion)",
            Self::Wasm => "Browser (wasm in headless Chromium)",
            Self::Server => "Server (loopback)",
            Self::Share => "Memory and end-to-end share (browser + server)",
        }
    }

    /// Reads `--only <area>` from the task's arguments (`None`: every area).
    pub fn from_args(rest: &[String]) -> Result<Option<Self>, String> {
        let Some(i) = rest.iter().position(|a| a == "--only") else { return Ok(None) };
        let names = Self::ALL.map(Self::name).join(", ");
        let name = rest.get(i + 1).ok_or_else(|| format!("--only needs an area: {names}"))?;
        Self::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .map(Some)
            .ok_or_else(|| format!("unknown area `{name}` for --only (areas: {names})"))
    }
}

/// Runs every area (or only `only`, keeping the others from the previous
/// report), writes the report, and fails if an area run now failed (after
/// writing, so the report shows which).
pub fn run(smoke: bool, only: Option<Area>) -> Result<(), String> {
    let started = Instant::now();
    // Smoke reports go to target/, never over the committed docs/ report.
    let out = root().join(if smoke { "target/bench-smoke" } else { "target/bench" });
    let dir = if smoke { out.clone() } else { root().join("docs") };
    let (md, json) = (dir.join("BENCHMARKS.md"), dir.join("benchmarks.json"));
    // Read before anything runs: a missing previous report is a usage error, not a half-run.
    let previous = only.map(|_| bench_keep::previous(&json)).transpose()?;
    let tools = setup::tools(true)?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mode = Mode { smoke, out };
    let command = format!(
        "cargo xtask bench{}{}",
        if smoke { " --smoke" } else { "" },
        only.map(|a| format!(" --only {}", a.name())).unwrap_or_default()
    );

    let runs = |a: Area| only.is_none_or(|o| o == a);
    // The browser areas need the built site and the release server.
    let in_browser = runs(Area::Wasm) || runs(Area::Share);
    let site = if in_browser { bench_browser::site(&mode, &tools) } else { Err("not needed".into()) };
    let server_bin = if in_browser { bench_server::binary(&mode) } else { Err("not needed".into()) };
    let mut sections = Vec::new();
    for area in Area::ALL {
        if !runs(area) {
            let kept = previous.as_ref().and_then(|p| bench_keep::section(p, area.title()));
            sections.push(kept.unwrap_or_else(|| {
                Section::new(area.title(), "")
                    .fill(Err(format!("not in the previous report; run `cargo xtask bench --only {}`", area.name())))
            }));
            continue;
        }
        let section = match area {
            Area::Native => Section::new(
                area.title(),
                "`cargo bench -p shared --bench crypto --bench bb84`, medians of criterion's samples (1 s warm-up, 3 s measurement).",
            )
            .fill(timed("native", || bench_native::run(&mode))),
            Area::Wasm => Section::new(
                area.title(),
                "`app/tests/bench.rs` (release wasm) in Debian's Chromium: WebCrypto anchors and the app's paths in the same page, \
                 medians of alternating rounds; bundle from `dist/`; load times with playwright-core against the real server.",
            )
            .fill(timed("browser", || bench_wasm::run(&mode, &tools)).and_then(|mut rows| {
                let site = site.as_ref().map_err(Clone::clone)?;
                rows.extend(bench_browser::bundle(site)?);
                let bin = server_bin.as_ref().map_err(Clone::clone)?;
                rows.extend(timed("load times", || bench_browser::load_times(&mode, site, bin))?);
                Ok(rows)
            })),
            Area::Server => Section::new(
                area.title(),
                "`server/benches/load.rs` drives the release `quantumvault-server` (temp data dir, SQLite + folder) and Debian nginx \
                 (generated config, WebDAV PUT) on loopback with the same client, in alternating rounds (which side goes first swaps each round); medians of 5 rounds.",
            )
            .fill(timed("server", || bench_server::run(&mode))),
            Area::Share => Section::new(area.title(), bench_browser::SHARE_METHOD).fill(timed("share", || {
                let bin = server_bin.as_ref().map_err(Clone::clone)?;
                bench_browser::share(&mode, site.as_ref().map_err(Clone::clone)?, bin)
            })),
        };
        sections.push(section);
    }

    let mut machine = bench_machine::describe(&command);
    machine.push(("Duration of the run", format!("{:.0} s", started.elapsed().as_secs_f64())));
    if let Some(area) = only {
        machine.push((
            "Areas measured in this run",
            format!("{} only (the others are kept, each with its date)", area.name()),
        ));
    }
    let chart = bench_chart::ratios(&sections);
    if let Some(svg) = &chart {
        write(&dir.join(CHART), svg)?;
    }
    write(&md, &bench_report::markdown(&machine, &sections, smoke, chart.as_ref().map(|_| CHART)))?;
    write(&json, &(serde_json::to_string_pretty(&bench_report::json(&machine, &sections)).unwrap_or_default() + "\n"))?;
    println!("\nbench: wrote {} and {}", md.display(), json.display());
    let failed: Vec<String> = sections
        .iter()
        .filter(|s| s.kept_from.is_none())
        .filter_map(|s| s.failure.as_ref().map(|e| format!("{}: {e}", s.title)))
        .collect();
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
    let (child, line) = spawn_piped(program, args, env)?;
    drain(child, &line)
}

/// Starts a command in the workspace root with its standard output piped;
/// returns it with its command line (for messages).
pub fn spawn_piped(
    program: &str,
    args: &[String],
    env: &[(&str, String)],
) -> Result<(std::process::Child, String), String> {
    let line = format!("{program} {}", args.join(" "));
    println!("$ {line}");
    let child = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    Ok((child, line))
}

/// Echoes and collects a child's standard output until it exits; fails if it fails.
pub fn drain(child: std::process::Child, line: &str) -> Result<String, String> {
    let (text, status) = drain_all(child, line);
    status.map(|()| text)
}

/// Echoes and collects a child's standard output until it exits; returns it
/// with the exit status, also when it failed.
pub fn drain_all(mut child: std::process::Child, line: &str) -> (String, Result<(), String>) {
    use std::io::BufRead;
    let mut text = String::new();
    if let Some(out) = child.stdout.take() {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            println!("{l}");
            text.push_str(&l);
            text.push('\n');
        }
    }
    let status = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{line}` failed ({status})")),
        Err(e) => Err(format!("`{line}`: {e}")),
    };
    (text, status)
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
    fn only_names_an_area() {
        let a = |s: &[&str]| Area::from_args(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(a(&["--smoke"]), Ok(None));
        assert_eq!(a(&["--only", "share"]), Ok(Some(Area::Share)));
        assert_eq!(a(&["--smoke", "--only", "native"]), Ok(Some(Area::Native)));
        assert!(a(&["--only"]).is_err_and(|e| e.contains("native, wasm, server, share")));
        assert!(a(&["--only", "disk"]).is_err_and(|e| e.contains("unknown area `disk`")));
    }

    #[test]
    fn json_lines_skip_logs() {
        let text = "running 1 test\nconsole.log: {\"bench\":\"a\",\"x\":1}\n{not json}\n{\"bench\":\"b\"}\n[1,2]\n";
        let v = json_lines(text);
        assert_eq!(v.len(), 2);
        assert_eq!(find(&v, "a").and_then(|r| r["x"].as_u64()), Some(1));
        assert!(find(&v, "c").is_none());
    }
}
