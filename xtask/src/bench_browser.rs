//! Figures of the built app: bundle size from `dist/`, cold and warm
//! (offline, from the service worker) load time in headless Chromium
//! (`scripts/bench-load.mjs`), and — once the vault share flow provides
//! `tests/bench/vault-share.mjs` — the end-to-end share figures.
//!
//! Contract with that script (run with `QV_SERVER_BIN`, `QV_SITE_DIR`,
//! `QV_CHROMIUM`, `QV_BENCH_SMOKE`): it prints JSON lines
//! `{"bench":"share_memory","file_bytes":N,"peak_js_heap_bytes":N,"peak_server_rss_kib":N}` and
//! `{"bench":"share_e2e","file_bytes":N,"share_mb_s":X,"receive_mb_s":X,"raw_webcrypto_mb_s":X}`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bench::{Mode, capture, find, json_lines};
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

/// Where the vault helper's share benchmark is expected.
const SHARE_SCRIPT: &str = "tests/bench/vault-share.mjs";

/// Memory while sharing 2 GiB, and the end-to-end 1 GiB share vs raw WebCrypto.
pub fn share(mode: &Mode, site: &Path, server: &Path) -> Result<Vec<Row>, String> {
    let script = root().join(SHARE_SCRIPT);
    let records = if script.exists() {
        Ok(json_lines(&capture("node", &args(&[SHARE_SCRIPT]), &node_env(mode, site, server))?))
    } else {
        Err(format!("the browser share flow has no benchmark script yet ({SHARE_SCRIPT}, issue 6)"))
    };
    Ok(share_rows(&records))
}

fn share_rows(records: &Result<Vec<Value>, String>) -> Vec<Row> {
    let r: &[Value] = records.as_deref().unwrap_or(&[]);
    let reason = records.as_ref().err().map_or("the share script printed no such figure", String::as_str);
    let get = |bench: &str, key: &str| find(r, bench).and_then(|v| v.get(key)).and_then(Value::as_f64);
    let gib = |bench: &str| get(bench, "file_bytes").map_or_else(String::new, |b| format!(" {:.0} MiB", b / 1048576.0));
    let mbs = |key: &str| get("share_e2e", key).map(|v| Figure::new(v, "MB/s"));
    vec![
        Row::maybe(
            format!("Peak browser JS heap while sharing{}", gib("share_memory")),
            get("share_memory", "peak_js_heap_bytes").map(|b| Figure::new(b / 1048576.0, "MiB")),
            reason,
        )
        .target(Target::AtMost(256.0))
        .unit("MiB")
        .note("bounded: chunks stream from the File, never the whole file"),
        Row::maybe(
            format!("Peak server RSS while sharing{}", gib("share_memory")),
            get("share_memory", "peak_server_rss_kib").map(|k| Figure::new(k / 1024.0, "MiB")),
            reason,
        )
        .target(Target::AtMost(256.0))
        .unit("MiB"),
        Row::maybe(format!("Browser share (encrypt + upload){}", gib("share_e2e")), mbs("share_mb_s"), reason)
            .anchor("raw WebCrypto AES-GCM", mbs("raw_webcrypto_mb_s"))
            .target(Target::RatioAtLeast(0.5)),
        Row::maybe(
            format!("Browser receive (download + verify + decrypt){}", gib("share_e2e")),
            mbs("receive_mb_s"),
            reason,
        )
        .anchor("raw WebCrypto AES-GCM", mbs("raw_webcrypto_mb_s"))
        .target(Target::RatioAtLeast(0.5)),
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
        let out = "{\"bench\":\"share_memory\",\"file_bytes\":2147483648,\"peak_js_heap_bytes\":104857600,\"peak_server_rss_kib\":40960}\n\
                   {\"bench\":\"share_e2e\",\"file_bytes\":1073741824,\"share_mb_s\":300,\"receive_mb_s\":200,\"raw_webcrypto_mb_s\":500}";
        let rows = share_rows(&Ok(json_lines(out)));
        assert_eq!(rows[0].what, "Peak browser JS heap while sharing 2048 MiB");
        assert_eq!(rows[0].value, Ok(Figure::new(100.0, "MiB")));
        assert_eq!(rows[2].verdict(), Verdict::Met);
        assert_eq!(rows[3].verdict(), Verdict::Missed);
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
