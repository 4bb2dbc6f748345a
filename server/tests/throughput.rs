//! Rough loopback throughput: upload and download of one large file through
//! the API, against the same server's static file serving of the same bytes.
//! Ignored by default (it moves a lot of data):
//! `QV_BENCH_MIB=1024 cargo test -p server --release --test throughput -- --ignored --nocapture`

mod common;

use std::time::Instant;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;

async fn drain(res: reqwest::Response) -> u64 {
    assert!(res.status().is_success(), "{}", res.status());
    let mut stream = res.bytes_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        n += chunk.expect("chunk").len() as u64;
    }
    n
}

#[tokio::test]
#[ignore = "moves hundreds of MiB; run on demand"]
async fn upload_and_download_throughput() {
    let mib: usize = std::env::var("QV_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let total = mib * 1024 * 1024;
    let s = start_with(&["--quota-bytes", &(4 * total).to_string()]).await;
    let alice = s.user("alice", 1).await;
    let chunk = bytes(8 * 1024 * 1024, 1);
    let file = std::path::Path::new(s.site.path()).join("big.bin");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&file).expect("create");
        for _ in 0..total / chunk.len() {
            f.write_all(&chunk).expect("write");
        }
    }
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": total}))
        .send()
        .await
        .expect("post");
    let info: shared::api::FileInfo = expect_json(res, StatusCode::CREATED).await;

    // Upload as one streamed piece (like a single PUT to a static server).
    let piece = total;
    let t = Instant::now();
    let chunk = bytes::Bytes::from(chunk);
    s.upload_streamed(&alice, &info.id, total, piece, &chunk).await;
    let up = t.elapsed();
    let res =
        s.authed(s.client.post(s.url(&format!("/files/{}/finalize", info.id))), &alice).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::OK);

    let t = Instant::now();
    let n =
        drain(s.authed(s.client.get(s.url(&format!("/files/{}/content", info.id))), &alice).send().await.expect("get"))
            .await;
    let down = t.elapsed();
    assert_eq!(n as usize, total);

    let t = Instant::now();
    let n = drain(s.client.get(format!("{}/big.bin", s.base)).send().await.expect("get")).await;
    let stat = t.elapsed();
    assert_eq!(n as usize, total);

    let rate = |d: std::time::Duration| total as f64 / d.as_secs_f64() / (1024.0 * 1024.0);
    if let Some((nginx_up, nginx_down)) = nginx(&s, &chunk, total).await {
        println!(
            "{mib} MiB nginx: PUT {:.0} MiB/s, GET {:.0} MiB/s; QuantumVault/nginx: upload {:.2}, download {:.2}",
            rate(nginx_up),
            rate(nginx_down),
            nginx_up.as_secs_f64() / up.as_secs_f64(),
            nginx_down.as_secs_f64() / down.as_secs_f64()
        );
    }
    println!(
        "{mib} MiB: upload {:.0} MiB/s, download {:.0} MiB/s, static file {:.0} MiB/s (download/static {:.2})",
        rate(up),
        rate(down),
        rate(stat),
        stat.as_secs_f64() / down.as_secs_f64()
    );
}

/// The same PUT and GET against nginx (WebDAV PUT) on loopback, if installed.
async fn nginx(s: &Server, chunk: &[u8], total: usize) -> Option<(std::time::Duration, std::time::Duration)> {
    let bin = std::env::var("QV_BENCH_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    if !std::path::Path::new(&bin).exists() {
        return None;
    }
    let dir = tempfile::tempdir().expect("nginx dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).expect("root");
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{}}\n\
         http {{ access_log off; sendfile on; client_max_body_size 0; client_body_temp_path {d}/body;\n\
         server {{ listen 127.0.0.1:{port}; root {r}; location / {{ dav_methods PUT; }} }} }}\n",
        d = dir.path().display(),
        r = root.display()
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).expect("conf");
    let mut child = std::process::Command::new(&bin)
        .args(["-p", &dir.path().display().to_string(), "-c", &dir.path().join("nginx.conf").display().to_string()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nginx");
    let url = format!("http://127.0.0.1:{port}/big.bin");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let parts: Vec<Result<bytes::Bytes, std::io::Error>> =
        (0..total / chunk.len()).map(|_| Ok(bytes::Bytes::copy_from_slice(chunk))).collect();
    let t = Instant::now();
    let res = s
        .client
        .put(&url)
        .header("content-length", total.to_string())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(parts)))
        .send()
        .await
        .expect("nginx put");
    assert!(res.status().is_success(), "nginx PUT: {}", res.status());
    let up = t.elapsed();
    let t = Instant::now();
    let n = drain(s.client.get(&url).send().await.expect("nginx get")).await;
    let down = t.elapsed();
    assert_eq!(n as usize, total);
    let _ = child.kill();
    let _ = child.wait();
    Some((up, down))
}
