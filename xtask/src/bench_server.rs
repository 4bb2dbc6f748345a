//! Server figures from `server/benches/load.rs` (the real server binary
//! against Debian nginx on loopback), and the server binary the browser
//! measurements serve the app with.

use std::path::PathBuf;

use serde_json::Value;

use crate::bench::{Mode, capture, find, json_lines};
use crate::bench_rows::{Figure, Row, Target};
use crate::process::{self, args};
use crate::root;

/// The server binary: the release build in full mode; in smoke mode the
/// debug build the test suite has just made (built here if missing).
pub fn binary(mode: &Mode) -> Result<PathBuf, String> {
    let (profile, flags): (&str, &[&str]) = if mode.smoke { ("debug", &[]) } else { ("release", &["--release"]) };
    let bin = root().join("target").join(profile).join("quantumvault-server");
    if !mode.smoke || !bin.exists() {
        let mut cargo = args(&["build", "--package", "server", "--bin", "quantumvault-server"]);
        cargo.extend(args(flags));
        process::run("cargo", &cargo, &[])?;
    }
    Ok(bin)
}

/// Debian's nginx: found on the PATH or in /usr/sbin; installed with apt
/// when missing and running as root (as `setup` does for Chromium).
fn nginx() -> Result<PathBuf, String> {
    let found = || ["/usr/sbin/nginx", "/usr/bin/nginx"].iter().map(PathBuf::from).find(|p| p.exists());
    if let Some(bin) = found() {
        return Ok(bin);
    }
    let apt = "apt-get install -y --no-install-recommends nginx";
    if process::output("id", &["-u"]).as_deref() != Some("0") {
        return Err(format!("nginx is not installed; run `sudo {apt}` (it is the anchor of the server figures)"));
    }
    process::run("apt-get", &args(&["update"]), &[])?;
    process::run("apt-get", &args(&["install", "-y", "--no-install-recommends", "nginx"]), &[])?;
    found().ok_or_else(|| format!("`{apt}` ran but no nginx binary appeared"))
}

/// Runs the load benchmark and turns its lines into rows.
pub fn run(mode: &Mode) -> Result<Vec<Row>, String> {
    let nginx = nginx()?;
    // `cargo bench` builds the benchmark and the server binary it spawns in
    // release; smoke mode reuses the test profile the suite has built.
    let cargo = if mode.smoke { "test" } else { "bench" };
    let cmd = args(&[cargo, "--package", "server", "--bench", "load"]);
    let mut env = vec![("QV_BENCH_NGINX", nginx.display().to_string())];
    if mode.smoke {
        env.push(("QV_BENCH_SMOKE", "1".into()));
    }
    let records = json_lines(&capture("cargo", &cmd, &env)?);
    if find(&records, "done").is_none() {
        return Err("the server load benchmark stopped before its last figure (see the output above)".into());
    }
    Ok(rows(&records))
}

const MISSING: &str = "the load benchmark printed no such figure";

fn rows(r: &[Value]) -> Vec<Row> {
    let get = |bench: &str, key: &str| find(r, bench).and_then(|v| v.get(key)).and_then(Value::as_f64);
    let rate = |bench: &str| get(bench, "median_mib_s").map(|v| Figure::new(v, "MiB/s"));
    let size = get("server_upload", "bytes").map_or_else(String::new, mib);
    let rounds = get("server_upload", "rounds").unwrap_or(0.0);
    let nginx_note = find(r, "nginx").and_then(|v| v["error"].as_str()).map(|e| format!("no nginx anchor: {e}"));
    let note = nginx_note.unwrap_or_else(|| format!("one streamed request, median of {rounds} alternating rounds"));
    let mut rows = vec![
        Row::maybe(format!("Upload {size} (API: create, PATCH, finalize)"), rate("server_upload"), MISSING)
            .anchor("nginx WebDAV PUT", rate("nginx_upload"))
            .target(Target::RatioAtLeast(0.8))
            .note(note.clone()),
        Row::maybe(format!("Download {size} (API)"), rate("server_download"), MISSING)
            .anchor("nginx static GET", rate("nginx_download"))
            .target(Target::RatioAtLeast(0.8))
            .note(note),
    ];
    let n = get("server_concurrent_downloads", "requests").unwrap_or(0.0);
    let each = get("server_concurrent_downloads", "bytes_each").map_or_else(String::new, mib);
    let first = find(r, "server_concurrent_downloads").and_then(|v| v["first_error"].as_str()).unwrap_or("");
    rows.push(
        Row::maybe(
            format!("{n:.0} concurrent downloads of {each}: errors"),
            get("server_concurrent_downloads", "errors").map(|e| Figure::new(e, "")),
            MISSING,
        )
        .target(Target::AtMost(0.0))
        .note(first),
    );
    for (q, key) in [("p50", "p50_ms"), ("p99", "p99_ms")] {
        rows.push(Row::maybe(
            format!("{n:.0} concurrent downloads: {q} latency to last byte"),
            get("server_concurrent_downloads", key).map(|v| Figure::new(v, "ms")),
            MISSING,
        ));
    }
    let rss = |key: &str| get("server_peak_rss", key).map(|kib| Figure::new(kib / 1024.0, "MiB"));
    let small = get("server_peak_rss", "small_bytes").map_or_else(String::new, mib);
    let growth = match (rss("large_kib"), rss("small_kib")) {
        (Some(l), Some(s)) => format!("grew by {:.1} MiB; flat = independent of file size", l.value - s.value),
        _ => String::new(),
    };
    rows.push(
        Row::maybe(format!("Peak server RSS after {size} transfers"), rss("large_kib"), MISSING)
            .anchor(format!("after {small}"), rss("small_kib"))
            .target(Target::RatioAtMost(1.5))
            .note(growth),
    );
    rows
}

/// A size as people write it: 64 KiB, 10 MiB, 1 GiB.
fn mib(bytes: f64) -> String {
    let (unit, scale) = [("GiB", 30), ("MiB", 20), ("KiB", 10)]
        .into_iter()
        .find(|(_, shift)| bytes >= f64::from(1u32 << shift))
        .unwrap_or(("B", 0));
    format!("{:.0} {unit}", bytes / f64::from(1u32 << scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::Verdict;

    #[test]
    fn rows_from_load_output() {
        let out = "\
            {\"bench\":\"server_upload\",\"bytes\":1073741824,\"rounds\":2,\"median_mib_s\":600.0}\n\
            {\"bench\":\"nginx_upload\",\"bytes\":1073741824,\"rounds\":2,\"median_mib_s\":1000.0}\n\
            {\"bench\":\"server_download\",\"bytes\":1073741824,\"rounds\":2,\"median_mib_s\":900.0}\n\
            {\"bench\":\"nginx_download\",\"bytes\":1073741824,\"rounds\":2,\"median_mib_s\":1000.0}\n\
            {\"bench\":\"server_peak_rss\",\"small_bytes\":10485760,\"small_kib\":20480,\"large_bytes\":1073741824,\"large_kib\":24576}\n\
            {\"bench\":\"server_concurrent_downloads\",\"requests\":100,\"bytes_each\":1048576,\"errors\":0,\"first_error\":null,\"p50_ms\":30.0,\"p99_ms\":80.0}\n";
        let rows = rows(&json_lines(out));
        assert_eq!(rows[0].what, "Upload 1 GiB (API: create, PATCH, finalize)");
        assert_eq!(rows[0].verdict(), Verdict::Missed);
        assert_eq!(rows[1].verdict(), Verdict::Met);
        assert_eq!(rows[2].what, "100 concurrent downloads of 1 MiB: errors");
        assert_eq!(rows[2].verdict(), Verdict::Met);
        let rss = rows.last().expect("row");
        assert_eq!(rss.value, Ok(Figure::new(24.0, "MiB")));
        assert_eq!(rss.verdict(), Verdict::Met);
        assert!(rss.note.starts_with("grew by 4.0 MiB"), "{}", rss.note);
        assert_eq!(mib(65536.0), "64 KiB");
        assert_eq!(mib(10485760.0), "10 MiB");
    }
}
