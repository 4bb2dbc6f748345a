//! The foundation's HTTP behaviour, tested against the real server on a loopback port.

use std::path::Path;

mod common;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use shared::api::{ApiError, Health};

struct Running {
    base: String,
    client: reqwest::Client,
    _data: tempfile::TempDir,
    _site: tempfile::TempDir,
}

fn write(dir: &Path, rel: &str, body: &[u8]) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create site folder");
    }
    std::fs::write(path, body).expect("write site file");
}

/// Starts the real server on 127.0.0.1:0 over a small built-site fixture.
async fn start() -> Running {
    let data = tempfile::tempdir().expect("temp data dir");
    let site = tempfile::tempdir().expect("temp site dir");
    write(site.path(), "index.html", b"<!doctype html><title>QuantumVault</title>");
    write(site.path(), "sw.js", b"self.addEventListener('fetch', () => {});");
    write(site.path(), "pkg-0123456789abcdef/app_bg.wasm", b"\0asm\x01\0\0\0");
    write(site.path(), "pkg-0123456789abcdef/app.js", &b"export default function init() {}\n".repeat(100));
    write(site.path(), "style-0123456789abcdef.css", b"body { color: black }");
    let port_file = data.path().join("port");
    let config = <server::Config as clap::Parser>::try_parse_from([
        "quantumvault-server".to_owned(),
        "--bind=127.0.0.1:0".to_owned(),
        format!("--data-dir={}", data.path().join("data").display()),
        format!("--site-dir={}", site.path().display()),
        "--max-body-bytes=4096".to_owned(),
        format!("--port-file={}", port_file.display()),
    ])
    .expect("config");
    tokio::spawn(server::serve(config));
    let addr = common::wait_for_port_file(&port_file).await;
    Running { base: format!("http://{addr}"), client: common::client(), _data: data, _site: site }
}

#[tokio::test]
async fn health_reports_version_as_json() {
    let s = start().await;
    let res = s.client.get(format!("{}/api/v1/health", s.base)).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let health: Health = res.json().await.expect("json");
    assert_eq!(health, Health { status: "ok".into(), version: shared::VERSION.into() });
}

#[tokio::test]
async fn data_folders_are_created_on_first_run() {
    let s = start().await;
    let data = s._data.path().join("data");
    assert!(data.is_dir() && data.join("blobs").is_dir());
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let s = start().await;
    for path in ["/api/v1/nope", "/api/v2/health", "/api", "/api/"] {
        let res = s.client.get(format!("{}{path}", s.base)).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap_or("").starts_with("application/json"), "{path}");
        let err: ApiError = res.json().await.expect("json error body");
        assert_eq!(err.code, "not_found");
    }
}

#[tokio::test]
async fn client_routes_get_the_app_and_missing_files_404() {
    let s = start().await;
    for path in ["/", "/vault", "/drives/restore"] {
        let res = s.client.get(format!("{}{path}", s.base)).send().await.expect("request");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.text().await.expect("body").contains("<title>QuantumVault</title>"), "{path}");
    }
    let res = s.client.get(format!("{}/missing.js", s.base)).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assets_have_types_and_cache_policy() {
    let s = start().await;
    let wasm = s.client.get(format!("{}/pkg-0123456789abcdef/app_bg.wasm", s.base)).send().await.expect("request");
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(wasm.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    let css = s.client.get(format!("{}/style-0123456789abcdef.css", s.base)).send().await.expect("request");
    assert_eq!(css.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    let sw = s.client.get(format!("{}/sw.js", s.base)).send().await.expect("request");
    assert_eq!(sw.headers()[CACHE_CONTROL], "no-cache");
    assert!(sw.headers()[CONTENT_TYPE].to_str().unwrap_or("").contains("javascript"));
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let s = start().await;
    let res = s
        .client
        .get(format!("{}/pkg-0123456789abcdef/app.js", s.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let s = start().await;
    for path in ["/", "/api/v1/health", "/api/v1/nope", "/missing.js", "/pkg-0123456789abcdef/app_bg.wasm"] {
        let res = s.client.get(format!("{}{path}", s.base)).send().await.expect("request");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn oversized_bodies_get_a_json_413() {
    let s = start().await;
    let res = s.client.post(format!("{}/api/v1/health", s.base)).body(vec![0u8; 10_000]).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let err: ApiError = res.json().await.expect("json error body");
    assert_eq!(err.code, "payload_too_large");
}
