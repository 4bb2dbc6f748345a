//! Server memory stays flat whatever the file size: peak RSS of the real
//! binary after moving a 10 MiB file, then after a large one. Ignored by default:
//! `QV_BENCH_MIB=1024 cargo test -p server --test rss -- --ignored --nocapture`

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

async fn round_trip(s: &Server, user: &TestUser, mib: usize) {
    let total = mib * 1024 * 1024;
    let chunk = bytes::Bytes::from(bytes(1024 * 1024, 3));
    let res = s
        .authed(s.client.post(s.url("/files")), user)
        .json(&serde_json::json!({"size": total}))
        .send()
        .await
        .expect("post");
    let info: shared::api::FileInfo = expect_json(res, StatusCode::CREATED).await;
    s.upload_streamed(user, &info.id, total, 64 * 1024 * 1024, &chunk).await;
    let res = s.authed(s.client.post(s.url(&format!("/files/{}/finalize", info.id))), user).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let res = s.authed(s.client.get(s.url(&format!("/files/{}/content", info.id))), user).send().await.expect("get");
    let mut stream = res.bytes_stream();
    let mut n = 0;
    while let Some(c) = stream.next().await {
        n += c.expect("chunk").len();
    }
    assert_eq!(n, total);
}

#[tokio::test]
#[ignore = "moves a large file; run on demand"]
async fn peak_rss_is_flat_in_file_size() {
    let mib: usize = std::env::var("QV_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let dir = tempfile::tempdir().expect("dir");
    let site = tempfile::tempdir().expect("site");
    let (db, blob) = (fresh_database().await, fresh_blob_url());
    let p = spawn_binary(dir.path(), site.path(), &db, &blob, "warn", None).await;
    let s = with_base(&p.base);
    let alice = s.user("alice", 1).await;
    round_trip(&s, &alice, 10).await;
    let small = peak_rss_kib(p.child.id());
    round_trip(&s, &alice, mib).await;
    let large = peak_rss_kib(p.child.id());
    println!("peak RSS: {} MiB after 10 MiB, {} MiB after {mib} MiB", small / 1024, large / 1024);
    assert!(large < small + 64 * 1024, "peak RSS grew from {small} KiB to {large} KiB");
}
