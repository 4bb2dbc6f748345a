//! Figures of the built app: bundle size from `dist/`, cold and warm
//! (offline, from the service worker) load time in headless Chromium
//! (`scripts/bench-load.mjs`), and the end-to-end share figures.
//!
//! The share script (`tests/bench/vault-share.mjs`) prints one JSON line,
//! `{"bench":"vault-share","mib":N,"raw_webcrypto_mib_s":X,"share_mib_s":X,"receive_mib_s":X,"js_heap_peak_mib":X,…}`,
//! with the figures measured so far and `"error"` when it failed part-way;
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

/// How the share area is measured (the report's text under its heading).
pub const SHARE_METHOD: &str = "The vault share flow (`tests/bench/vault-share.mjs`: Share page → server → Vault page, \
     playwright-core) with 1 GiB and 2 GiB files on disk, each in a fresh browser and server; the received file is \
     saved through the save picker into a real file (the origin's private file system in this Chromium's profile, \
     written by the app's background worker), compared with the file sent and deleted; raw WebCrypto AES-GCM over \
     the same number of bytes in the same page is the anchor, and a plain `fetch()` upload, download, and download \
     piped into a file of as many bytes (16 MiB upload pieces, no encryption) from a worker placed as the app's \
     transfer workers are (under `/transfer/`, whose service worker has no `fetch` handler) show what this browser \
     can move at all. Playwright sets \
     up and then detaches while each transfer runs (`tests/support/detached.mjs`; attached, DevTools copies every \
     request body into its events and uploads ran ~10× slower than for a real user). The page's JS heap is sampled \
     in the page (`performance.memory`, after a collection), the peak RSS of the server and of Chromium's renderer \
     from /proc. The share and the receive run first, the anchors afterwards, so the renderer's memory is the \
     flow's own (what an anchor allocates stays in the renderer).";

/// The file sizes shared, smallest first: the smallest is the anchor of the
/// memory rows ("independent of file size").
const SHARE_MIB: [u64; 2] = [1024, 2048];

/// One run of the share script with a file of `mib` MiB.
struct ShareRun {
    mib: u64,
    /// What the script printed (figures measured before any failure).
    record: Value,
    /// Why the run did not complete, if it did not.
    failure: Option<String>,
    peaks: Peaks,
}

impl ShareRun {
    fn figure(&self, key: &str, unit: &'static str) -> Option<Figure> {
        self.record.get(key)?.as_f64().map(|v| Figure::new(v, unit))
    }

    /// A peak, only from a run that completed (a cut-short run's peak says little).
    fn peak(&self, kib: impl Fn(&Peaks) -> u64) -> Option<Figure> {
        let kib = kib(&self.peaks);
        (self.failure.is_none() && kib > 0).then(|| Figure::new(kib as f64 / 1024.0, "MiB"))
    }

    /// The renderer's peak during the share and the receive, as the script
    /// measured it (the anchors run afterwards); the whole run's high-water
    /// mark where the script does not say.
    fn renderer(&self) -> Option<Figure> {
        match self.figure("renderer_rss_flow_peak_mib", "MiB") {
            Some(f) if self.failure.is_none() => Some(f),
            _ => self.peak(|p| p.renderer_kib),
        }
    }

    fn heap(&self) -> Option<Figure> {
        self.failure.is_none().then(|| self.figure("js_heap_peak_mib", "MiB")).flatten()
    }

    fn reason(&self) -> String {
        self.failure.clone().unwrap_or_else(|| "the share script printed no such figure".into())
    }
}

/// The end-to-end shares of 1 GiB and 2 GiB against raw WebCrypto, and
/// memory while sharing them. A size that fails leaves its rows "not
/// measured" with the reason; the other size's rows stay.
pub fn share(mode: &Mode, site: &Path, server: &Path) -> Result<Vec<Row>, String> {
    if !root().join(SHARE_SCRIPT).exists() {
        return Err(format!("the browser share flow has no benchmark script ({SHARE_SCRIPT})"));
    }
    if mode.smoke {
        // A browser share needs an identity (Argon2id) and whole-file runs:
        // minutes, not seconds; the end-to-end tests cover the flow itself.
        return Ok(share_rows(&SHARE_MIB.map(|mib| ShareRun {
            mib,
            record: Value::Null,
            failure: Some("skipped in smoke mode".into()),
            peaks: Peaks::default(),
        })));
    }
    let runs = SHARE_MIB.map(|mib| {
        let mut env = node_env(mode, site, server);
        env.push(("QV_BENCH_MIB", mib.to_string()));
        let watched = run_watched("node", &args(&[SHARE_SCRIPT]), &env);
        let record = find(&json_lines(&watched.output), "vault-share").cloned().unwrap_or(Value::Null);
        let said = record["error"].as_str().map(|e| format!("{SHARE_SCRIPT}: {e}"));
        let failure = match (said, watched.status) {
            (Some(e), _) => Some(e),
            (None, Err(e)) => Some(e),
            (None, Ok(())) if record.is_null() => Some(format!("{SHARE_SCRIPT} printed no figures")),
            (None, Ok(())) => None,
        };
        ShareRun { mib, record, failure, peaks: watched.peaks }
    });
    Ok(share_rows(&runs))
}

fn share_rows(runs: &[ShareRun; 2]) -> Vec<Row> {
    let [small, big] = runs;
    let sharing = |r: &ShareRun| format!("sharing {} MiB", r.mib);
    let pipeline = |r: &ShareRun| r.record["pipeline"].as_str().unwrap_or("worker").to_owned();
    let mut rows = Vec::new();
    for r in runs {
        rows.push(
            Row::maybe(format!("Peak Chromium renderer RSS while {}", sharing(r)), r.renderer(), &r.reason())
                .anchor(sharing(small), (r.mib != small.mib).then(|| small.renderer()).flatten())
                .target(Target::AtMost(512.0))
                .unit("MiB")
                .note("the page's whole process (JS heap of page and workers, wasm memory, the browser's copies of request bodies), VmRSS sampled from /proc every 100 ms during the share and the receive (the anchors run afterwards); bounded means far below the file size"),
        );
    }
    rows.push(
        Row::maybe(format!("Peak server RSS while {}", sharing(big)), big.peak(|p| p.server_kib), &big.reason())
            .anchor(sharing(small), small.peak(|p| p.server_kib))
            .target(Target::RatioAtMost(1.5))
            .unit("MiB")
            .note("flat: independent of the file size"),
    );
    rows.push(
        Row::maybe(format!("Peak JS heap of the page while {}", sharing(big)), big.heap(), &big.reason())
            .anchor(sharing(small), small.heap())
            .target(Target::RatioAtMost(1.5))
            .unit("MiB")
            .note("main thread's V8 heap (performance.memory every 200 ms after a collection, share and receive); flat: independent of the file size"),
    );
    for r in runs {
        // (what, figure key, anchor label, anchor key, target, note) of one
        // throughput row: against raw WebCrypto (the target) and against the
        // browser's own plain transfer (no target: the ceiling).
        let throughput = [
            (
                "share (encrypt + upload)",
                "share_mib_s",
                "raw WebCrypto AES-GCM, same page",
                "raw_webcrypto_mib_s",
                true,
                format!("Share page, {} pipeline, from click to the server's acknowledgement", pipeline(r)),
            ),
            (
                "share, against the browser's plain upload,",
                "share_mib_s",
                "plain fetch() upload, 16 MiB pieces, from a transfer worker",
                "raw_upload_mib_s",
                false,
                "no target: how close the share comes to what this browser uploads without any encryption".into(),
            ),
            (
                "receive (download + verify + decrypt)",
                "receive_mib_s",
                "raw WebCrypto AES-GCM, same page",
                "raw_webcrypto_mib_s",
                true,
                "Vault page into a picked file (compared with the file sent), plaintext released after verification"
                    .into(),
            ),
            (
                "receive, against the browser's plain download,",
                "receive_mib_s",
                "plain fetch() download, from a transfer worker",
                "raw_download_mib_s",
                false,
                "no target: how close the receive comes to what this browser downloads without decrypting or saving"
                    .into(),
            ),
            (
                "receive, against the browser's plain download into a file,",
                "receive_mib_s",
                "plain fetch() body piped into a file writable, from a transfer worker",
                "raw_download_save_mib_s",
                false,
                "no target: how close the receive comes to what this browser downloads and saves without decrypting"
                    .into(),
            ),
        ];
        for (what, key, anchor, anchor_key, targeted, note) in throughput {
            let row = Row::maybe(format!("Browser {what} {} MiB", r.mib), r.figure(key, "MiB/s"), &r.reason())
                .anchor(anchor, r.figure(anchor_key, "MiB/s"))
                .unit("MiB/s")
                .note(note);
            rows.push(if targeted { row.target(Target::RatioAtLeast(0.5)) } else { row });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::Verdict;

    fn run(mib: u64, line: &str, failure: Option<&str>, server_kib: u64) -> ShareRun {
        ShareRun {
            mib,
            record: find(&json_lines(line), "vault-share").cloned().unwrap_or(Value::Null),
            failure: failure.map(str::to_owned),
            peaks: Peaks { server_kib, renderer_kib: 300 * 1024 },
        }
    }

    #[test]
    fn share_rows_say_why_they_are_missing() {
        let rows = share_rows(&[run(1024, "", Some("no script"), 0), run(2048, "", Some("no script"), 0)]);
        assert_eq!(rows.len(), 14);
        assert!(rows.iter().all(|r| r.value == Err("no script".into())));
        assert!(rows.iter().all(|r| matches!(r.verdict(), Verdict::Unknown | Verdict::NoTarget)));
    }

    #[test]
    fn share_rows_from_script_output() {
        let line = |mib, heap| {
            format!(
                "{{\"bench\":\"vault-share\",\"mib\":{mib},\"pipeline\":\"worker\",\"raw_webcrypto_mib_s\":500,\"share_mib_s\":300,\"receive_mib_s\":200,\"raw_upload_mib_s\":250,\"raw_download_save_mib_s\":250,\"js_heap_peak_mib\":{heap},\"renderer_rss_flow_peak_mib\":{}}}",
                heap * 10
            )
        };
        let rows =
            share_rows(&[run(1024, &line(1024, 40), None, 20 * 1024), run(2048, &line(2048, 44), None, 40 * 1024)]);
        // The renderer's peak comes from the script's own per-stage figure, not the run's high-water mark.
        assert_eq!(rows[1].what, "Peak Chromium renderer RSS while sharing 2048 MiB");
        assert_eq!(rows[1].value, Ok(Figure::new(440.0, "MiB")));
        assert_eq!(rows[1].ratio(), Some(1.1));
        assert_eq!(rows[1].verdict(), Verdict::Met);
        assert_eq!(rows[2].ratio(), Some(2.0));
        assert_eq!(rows[2].verdict(), Verdict::Missed);
        assert_eq!(rows[3].ratio(), Some(1.1));
        assert_eq!(rows[3].verdict(), Verdict::Met);
        assert_eq!(rows[4].verdict(), Verdict::Met);
        assert!(rows[4].note.contains("worker pipeline"));
        assert_eq!(rows[5].what, "Browser share, against the browser's plain upload, 1024 MiB");
        assert_eq!(rows[5].ratio(), Some(1.2));
        assert_eq!(rows[5].verdict(), Verdict::NoTarget);
        assert_eq!(rows[6].verdict(), Verdict::Missed);
        assert_eq!(rows[7].value, Ok(Figure::new(200.0, "MiB/s")));
        assert_eq!(rows[7].anchor, None);
        assert_eq!(rows[8].what, "Browser receive, against the browser's plain download into a file, 1024 MiB");
        assert_eq!(rows[8].ratio(), Some(0.8));
        assert_eq!(rows[9].what, "Browser share (encrypt + upload) 2048 MiB");
    }

    #[test]
    fn a_failed_size_keeps_the_other_and_what_it_measured() {
        // 2 GiB shared but failed at receive: its share figure stays, the rest says why.
        let cut = "{\"bench\":\"vault-share\",\"mib\":2048,\"raw_webcrypto_mib_s\":500,\"share_mib_s\":250,\"error\":\"receive: quota\"}";
        let full = "{\"bench\":\"vault-share\",\"mib\":1024,\"raw_webcrypto_mib_s\":500,\"share_mib_s\":300,\"receive_mib_s\":200,\"js_heap_peak_mib\":40}";
        let rows = share_rows(&[run(1024, full, None, 20 * 1024), run(2048, cut, Some("receive: quota"), 40 * 1024)]);
        let by = |what: &str| rows.iter().find(|r| r.what == what).expect(what);
        assert_eq!(by("Peak Chromium renderer RSS while sharing 1024 MiB").verdict(), Verdict::Met);
        assert_eq!(by("Browser receive (download + verify + decrypt) 1024 MiB").value, Ok(Figure::new(200.0, "MiB/s")));
        assert_eq!(by("Browser share (encrypt + upload) 2048 MiB").value, Ok(Figure::new(250.0, "MiB/s")));
        for what in [
            "Browser receive (download + verify + decrypt) 2048 MiB",
            "Peak server RSS while sharing 2048 MiB",
            "Peak JS heap of the page while sharing 2048 MiB",
            "Peak Chromium renderer RSS while sharing 2048 MiB",
        ] {
            assert_eq!(by(what).value, Err("receive: quota".into()), "{what}");
        }
        assert_eq!(by("Peak server RSS while sharing 2048 MiB").anchor.as_ref().map(|a| a.figure.value), Some(20.0));
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
