//! Server load benchmark (issues 5 and 8): the real `quantumvault-server`
//! binary of this profile (release under `cargo bench`) on loopback with a
//! temporary data dir, against Debian's nginx serving the same bytes with the
//! same client in the same run:
//!
//! - upload and download of one large file (1 GiB) vs nginx PUT/GET,
//!   median of five alternating rounds;
//! - 100 concurrent downloads: errors, p50/p99 latency;
//! - peak server RSS (VmHWM) after a 10 MiB round trip and after the large
//!   ones (flat = memory does not grow with file size).
//!
//! Prints one JSON object a line for `cargo xtask bench`, which runs it. By
//! hand: `QV_BENCH_NGINX=/usr/sbin/nginx cargo bench -p server --bench load`.
//! `QV_BENCH_SMOKE=1` shrinks every size (harness check only);
//! `QV_BENCH_MIB` sets the large file size, `QV_BENCH_ROUNDS` the rounds.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "load/nginx.rs"]
mod nginx;
#[path = "load/transfer.rs"]
mod transfer;

use std::path::PathBuf;
use std::time::Duration;

use common::{Server, TestUser, fresh_blob_url, fresh_database, spawn_binary, with_base};
use serde_json::json;
use transfer::{PIECE, body, mib_s, quantile, timed};

struct Sizes {
    small: usize,
    large: usize,
    rounds: usize,
    concurrent: usize,
    concurrent_bytes: usize,
}

fn sizes() -> Sizes {
    let smoke = std::env::var_os("QV_BENCH_SMOKE").is_some_and(|v| v == "1");
    let mib = |default: usize| std::env::var("QV_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(default) << 20;
    let rounds = |default: usize| std::env::var("QV_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    if smoke {
        Sizes { small: 1 << 20, large: mib(4), rounds: 1, concurrent: 10, concurrent_bytes: 64 << 10 }
    } else {
        Sizes { small: 10 << 20, large: mib(1024), rounds: rounds(5), concurrent: 100, concurrent_bytes: 1 << 20 }
    }
}

fn emit(value: &serde_json::Value) {
    println!("{value}");
}

/// Peak resident set of a process (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/PID/status".into())
}

/// Uploads `total` bytes as one streamed PATCH (like one PUT to nginx) and
/// finalizes; returns the file id and the upload time.
async fn upload(s: &Server, user: &TestUser, piece: &bytes::Bytes, total: usize) -> Result<(String, Duration), String> {
    let res = s
        .authed(s.client.post(s.url("/files")), user)
        .json(&json!({ "size": total }))
        .send()
        .await
        .map_err(|e| format!("create: {e}"))?;
    let info: shared::api::FileInfo = res.json().await.map_err(|e| format!("create: {e}"))?;
    let patch = s
        .authed(s.client.patch(s.url(&format!("/files/{}/content", info.id))), user)
        .header("upload-offset", "0")
        .header("content-length", total.to_string())
        .body(body(piece, total));
    let (_, took) = timed(patch).await?;
    let finalize = s.authed(s.client.post(s.url(&format!("/files/{}/finalize", info.id))), user);
    timed(finalize).await?;
    Ok((info.id, took))
}

async fn download(s: &Server, user: &TestUser, id: &str, total: usize) -> Result<Duration, String> {
    let (n, took) = timed(s.authed(s.client.get(s.url(&format!("/files/{id}/content"))), user)).await?;
    if n as usize != total {
        return Err(format!("download returned {n} of {total} bytes"));
    }
    Ok(took)
}

/// The median of `v` (the mean of the middle two for an even count).
fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

/// One round of nginx: PUT then GET of the large file.
async fn nginx_round(
    s: &Server,
    n: &nginx::Nginx,
    piece: &bytes::Bytes,
    z: &Sizes,
) -> Result<(Duration, Duration), String> {
    let url = n.url("big.bin");
    let put = s.client.put(&url).header("content-length", z.large.to_string()).body(body(piece, z.large));
    let up = timed(put).await?.1;
    let (got, down) = timed(s.client.get(&url)).await?;
    if got as usize != z.large {
        return Err(format!("nginx returned {got} of {} bytes", z.large));
    }
    Ok((up, down))
}

/// QuantumVault and nginx in alternating rounds: which of the two goes
/// first swaps every round, so a slow spell of this shared machine (or a
/// drift over the run) falls on both sides alike. Reported as the median
/// round (robust to one disturbed round either way), with the best beside it.
async fn throughput(s: &Server, user: &TestUser, piece: &bytes::Bytes, z: &Sizes) -> Result<(), String> {
    let bin = std::env::var_os("QV_BENCH_NGINX").map(PathBuf::from);
    let nginx = match &bin {
        Some(bin) => nginx::Nginx::start(bin).await.map_err(|e| emit(&json!({"bench": "nginx", "error": e}))).ok(),
        None => {
            emit(&json!({"bench": "nginx", "error": "QV_BENCH_NGINX not set"}));
            None
        }
    };
    let (mut up, mut down, mut n_up, mut n_down) = (vec![], vec![], vec![], vec![]);
    for round in 0..z.rounds {
        let nginx_first = round % 2 == 1;
        if let (Some(n), true) = (&nginx, nginx_first) {
            let (u, d) = nginx_round(s, n, piece, z).await?;
            n_up.push(u);
            n_down.push(d);
        }
        let (id, t) = upload(s, user, piece, z.large).await?;
        up.push(t);
        down.push(download(s, user, &id, z.large).await?);
        if let (Some(n), false) = (&nginx, nginx_first) {
            let (u, d) = nginx_round(s, n, piece, z).await?;
            n_up.push(u);
            n_down.push(d);
        }
    }
    for (name, times) in
        [("server_upload", &up), ("server_download", &down), ("nginx_upload", &n_up), ("nginx_download", &n_down)]
    {
        if !times.is_empty() {
            let each: Vec<f64> = times.iter().map(|t| mib_s(z.large, *t)).collect();
            emit(&json!({
                "bench": name, "bytes": z.large, "rounds": times.len(),
                "median_mib_s": mib_s(z.large, median(times)),
                "best_mib_s": each.iter().copied().fold(0.0, f64::max),
                "each_mib_s": each,
            }));
        }
    }
    Ok(())
}

/// `n` simultaneous downloads of one file, each timed to its last byte.
async fn concurrent(s: &Server, user: &TestUser, z: &Sizes) -> Result<(), String> {
    let piece = bytes::Bytes::from(common::bytes(z.concurrent_bytes, 9));
    let (id, _) = upload(s, user, &piece, z.concurrent_bytes).await?;
    let url = s.url(&format!("/files/{id}/content"));
    let tasks: Vec<_> = (0..z.concurrent)
        .map(|_| {
            let req = s.authed(s.client.get(&url), user);
            let want = z.concurrent_bytes as u64;
            tokio::spawn(async move {
                match timed(req).await {
                    Ok((n, t)) if n == want => Ok(t),
                    Ok((n, _)) => Err(format!("short body: {n} of {want}")),
                    Err(e) => Err(e),
                }
            })
        })
        .collect();
    let t = std::time::Instant::now();
    let (mut ms, mut errors, mut first_error) = (Vec::new(), 0, None);
    for task in tasks {
        match task.await.map_err(|e| e.to_string()).and_then(|r| r) {
            Ok(d) => ms.push(d.as_secs_f64() * 1e3),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let wall = t.elapsed();
    ms.sort_by(f64::total_cmp);
    emit(&json!({
        "bench": "server_concurrent_downloads",
        "requests": z.concurrent,
        "bytes_each": z.concurrent_bytes,
        "errors": errors,
        "first_error": first_error,
        "p50_ms": quantile(&ms, 0.50),
        "p99_ms": quantile(&ms, 0.99),
        "wall_ms": wall.as_secs_f64() * 1e3,
    }));
    Ok(())
}

async fn run() -> Result<(), String> {
    let z = sizes();
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let site = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    std::fs::write(site.path().join("index.html"), "<!doctype html>").map_err(|e| format!("site: {e}"))?;
    let (db, blob) = (fresh_database().await, fresh_blob_url());
    let server = spawn_binary(dir.path(), site.path(), &db, &blob, "warn", None).await;
    let pid = server.child.id();
    let s = with_base(&server.base);
    let alice = s.user("alice", 1).await;
    let piece = bytes::Bytes::from(common::bytes(PIECE, 3));

    let (id, _) = upload(&s, &alice, &piece, z.small).await?;
    download(&s, &alice, &id, z.small).await?;
    let rss_small = peak_rss_kib(pid)?;
    throughput(&s, &alice, &piece, &z).await?;
    let rss_large = peak_rss_kib(pid)?;
    emit(&json!({
        "bench": "server_peak_rss",
        "small_bytes": z.small, "small_kib": rss_small,
        "large_bytes": z.large, "large_kib": rss_large,
    }));
    concurrent(&s, &alice, &z).await?;
    emit(&json!({"bench": "done"}));
    Ok(())
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server load benchmark failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
