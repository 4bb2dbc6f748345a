//! Figures of the built app: bundle size from `dist/`, cold and warm
//! (offline, from the service worker) load time in headless Chromium
//! (`scripts/bench-load.mjs`), and — once the vault share flow provides
//! `tests/bench/vault-share.mjs` — the end-to-end share figures.
//!
//! That script (the vault helper's) prints one JSON line,
//! `{"bench":"vault-share","mib":N,"raw_webcrypto_mib_s":X,"share_mib_s":X,"receive_mib_s":X,…}`;
//! it starts its own server and browser, whose peak memory is watched from
//! /proc meanwhile (`bench_procs`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bench::{Mode, capture, find, json_lines};
use crate::bench_procs::{Peaks, run_watched};
use crate::bench_rows::{Figure, Row, Target};
use crate::process::args;
use crate::setup::{CHROMIUM, Tools};
use crate::{dist, root};

/// The built site: a release build in full mode; in smoke mode the `dist/`
/// the test suite has just built (built here if missing).
pub fn site(mode: &Mode, tools: &Tools) -> Result<PathBuf, String> {
    let dist = root().join("dist");
    if mode.smoke && dist.join("index.html").exists() {
        return Ok(dist);
    }
    dist::build(tools, !mode.smoke)
}

/// Every `.wasm` file of the site with its size raw and gzip-compressed.
pub fn bundle(site: &Path) -> Result<Vec<Row>, String> {
    let mut wasm = Vec::new();
    collect_wasm(site, &mut wasm)?;
    if wasm.is_empty() {
        return Err(format!("no .wasm file under {}", site.display()));
    }
    wasm.sort();
    let mut rows = Vec::new();
    for path in wasm {
        let raw = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.strip_prefix(site).unwrap_or(&path).display().to_string();
        let gz = gzip_len(&raw)?;
        let kib = |n: usize| Figure::new(n as f64 / 1024.0, "KiB");
        rows.push(Row::measured(format!("wasm bundle {name}, raw"), kib(raw.len())));
        rows.push(
            Row::measured(format!("wasm bundle {name}, gzip -9"), kib(gz))
                .anchor("raw", Some(kib(raw.len())))
                .note("what a browser downloads once (the server sends precompressed twins)"),
        );
    }
    Ok(rows)
}

fn collect_wasm(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_wasm(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
    Ok(())
}

fn gzip_len(data: &[u8]) -> Result<usize, String> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).map_err(|e| e.to_string())?;
    enc.finish().map(|v| v.len()).map_err(|e| e.to_string())
}

fn node_env(mode: &Mode, site: &Path, server: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("QV_SERVER_BIN", server.display().to_string()),
        ("QV_SITE_DIR", site.display().to_string()),
        ("QV_CHROMIUM", CHROMIUM.into()),
        ("QV_BENCH_SMOKE", if mode.smoke { "1" } else { "0" }.into()),
    ]
}

/// Cold (empty cache) and warm (offline, service worker) load of the app.
pub fn load_times(mode: &Mode, site: &Path, server: &Path) -> Result<Vec<Row>, String> {
    let out = capture("node", &args(&["scripts/bench-load.mjs"]), &node_env(mode, site, server))?;
    let r = json_lines(&out);
    let get = |bench: &str| find(&r, bench).and_then(|v| v["ms"].as_f64()).map(|v| Figure::new(v, "ms"));
    let rounds = find(&r, "load_cold").and_then(|v| v["rounds"].as_u64()).unwrap_or(0);
    Ok(vec![
        Row::maybe("App load, cold (empty cache, loopback)", get("load_cold"), "the load script printed no figure")
            .note(format!("navigation start → app rendered, median of {rounds} fresh browser contexts")),
        Row::maybe(
            "App load, warm and offline (service worker)",
            get("load_warm_offline"),
            "the load script printed no figure",
        )
        .anchor("cold load", get("load_cold"))
        .note("network cut, page reloaded: everything from the service worker's cache"),
    ])
}

/// Where the vault helper's share benchmark is.
const SHARE_SCRIPT: &str = "tests/bench/vault-share.mjs";

/// One run of the share script with a file of `mib` MiB.
struct ShareRun {
    mib: u64,
    record: Option<Value>,
    peaks: Peaks,
}

/// The end-to-end 1 GiB share vs raw WebCrypto, and memory while sharing 2 GiB.
pub fn share(mode: &Mode, site: &Path, server: &Path) -> Result<Vec<Row>, String> {
    if !root().join(SHARE_SCRIPT).exists() {
        let reason = format!("the browser share flow has no benchmark script yet ({SHARE_SCRIPT}, issue 6)");
        return Ok(share_rows(&Err(reason)));
    }
    if mode.smoke {
        // A browser share needs an identity (Argon2id) and whole-file runs:
        // minutes, not seconds; the end-to-end tests cover the flow itself.
        return Ok(share_rows(&Err("skipped in smoke mode".into())));
    }
    let mut runs = Vec::new();
    for mib in [1024, 2048] {
        let mut env = node_env(mode, site, server);
        env.push(("QV_BENCH_MIB", mib.to_string()));
        let (out, peaks) = run_watched("node", &args(&[SHARE_SCRIPT]), &env)?;
        let record = find(&json_lines(&out), "vault-share").cloned();
        runs.push(ShareRun { mib, record, peaks });
    }
    Ok(share_rows(&Ok(runs)))
}

fn share_rows(runs: &Result<Vec<ShareRun>, String>) -> Vec<Row> {
    let reason = runs.as_ref().err().map_or("the share script printed no such figure", String::as_str);
    let runs: &[ShareRun] = runs.as_deref().unwrap_or(&[]);
    let e2e = runs.iter().find(|r| r.mib == 1024);
    let big = runs.iter().max_by_key(|r| r.mib).filter(|r| r.mib >= 2048);
    let size = |r: Option<&ShareRun>, default: u64| format!("{} MiB", r.map_or(default, |r| r.mib));
    let rate = |key: &str| e2e.and_then(|r| r.record.as_ref()?.get(key)?.as_f64()).map(|v| Figure::new(v, "MiB/s"));
    let peak = |kib: u64| (kib > 0).then(|| Figure::new(kib as f64 / 1024.0, "MiB"));
    let pipeline =
        e2e.and_then(|r| r.record.as_ref()?.get("pipeline")?.as_str().map(str::to_owned)).unwrap_or_default();
    vec![
        Row::maybe(
            format!("Peak Chromium renderer RSS while sharing {}", size(big, 2048)),
            big.and_then(|r| peak(r.peaks.renderer_kib)),
            reason,
        )
        .target(Target::AtMost(512.0))
        .unit("MiB")
        .note("the page's whole process (JS heap, wasm memory, buffers), sampled from /proc every 100 ms; bounded means far below the file size"),
        Row::maybe(
            format!("Peak server RSS while sharing {}", size(big, 2048)),
            big.and_then(|r| peak(r.peaks.server_kib)),
            reason,
        )
        .anchor("sharing 1024 MiB", e2e.and_then(|r| peak(r.peaks.server_kib)))
        .target(Target::RatioAtMost(1.5))
        .unit("MiB"),
        Row::maybe(format!("Browser share (encrypt + upload) {}", size(e2e, 1024)), rate("share_mib_s"), reason)
            .anchor("raw WebCrypto AES-GCM, same page", rate("raw_webcrypto_mib_s"))
            .target(Target::RatioAtLeast(0.5))
            .note(format!("Share page, {pipeline} pipeline, from click to the server's acknowledgement")),
        Row::maybe(
            format!("Browser receive (download + verify + decrypt) {}", size(e2e, 1024)),
            rate("receive_mib_s"),
            reason,
        )
        .anchor("raw WebCrypto AES-GCM, same page", rate("raw_webcrypto_mib_s"))
        .target(Target::RatioAtLeast(0.5))
        .note("Vault page into an OPFS save-picker file, plaintext released after verification"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::Verdict;

    #[test]
    fn share_rows_say_why_they_are_missing() {
        let rows = share_rows(&Err("no script".into()));
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.value == Err("no script".into()) && r.verdict() == Verdict::Unknown));
    }

    #[test]
    fn share_rows_from_script_output() {
        let line = "{\"bench\":\"vault-share\",\"mib\":1024,\"pipeline\":\"worker\",\"raw_webcrypto_mib_s\":500,\"share_mib_s\":300,\"receive_mib_s\":200}";
        let run = |mib, server_kib| ShareRun {
            mib,
            record: find(&json_lines(line), "vault-share").cloned(),
            peaks: Peaks { server_kib, renderer_kib: 300 * 1024 },
        };
        let rows = share_rows(&Ok(vec![run(1024, 20 * 1024), run(2048, 40 * 1024)]));
        assert_eq!(rows[0].what, "Peak Chromium renderer RSS while sharing 2048 MiB");
        assert_eq!(rows[0].value, Ok(Figure::new(300.0, "MiB")));
        assert_eq!(rows[0].verdict(), Verdict::Met);
        assert_eq!(rows[1].ratio(), Some(2.0));
        assert_eq!(rows[1].verdict(), Verdict::Missed);
        assert_eq!(rows[2].verdict(), Verdict::Met);
        assert_eq!(rows[3].verdict(), Verdict::Missed);
        assert!(rows[2].note.contains("worker pipeline"));
    }

    #[test]
    fn bundle_reports_every_wasm_file() {
        let dir = std::env::temp_dir().join(format!("qv-bench-bundle-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg-1")).expect("dir");
        std::fs::write(dir.join("pkg-1/app_bg.wasm"), vec![0u8; 4096]).expect("wasm");
        let rows = bundle(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let rows = rows.expect("rows");
        assert_eq!(rows[0].value, Ok(Figure::new(4.0, "KiB")));
        assert!(rows[1].ratio().is_some_and(|r| r < 0.1));
    }
}
