//! HTTPS served by the server itself: a real TLS handshake on a loopback port
//! with a certificate made for the test, HSTS, and clear start-up errors.

mod common;

use reqwest::StatusCode;
use shared::api::Health;

struct Cert {
    dir: tempfile::TempDir,
    pem: String,
}

fn self_signed() -> Cert {
    let key = rcgen::KeyPair::generate().expect("key pair");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let cert = params.self_signed(&key).expect("self-signed certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("cert.pem"), cert.pem()).expect("write cert");
    std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).expect("write key");
    Cert { dir, pem: cert.pem() }
}

#[tokio::test]
async fn serves_https_with_hsts_and_refuses_plain_http() {
    let cert = self_signed();
    let cert_flag = format!("--tls-cert={}", cert.dir.path().join("cert.pem").display());
    let key_flag = format!("--tls-key={}", cert.dir.path().join("key.pem").display());
    let server = common::start_with(&[&cert_flag, &key_flag]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let port = addr.rsplit(':').next().expect("port");

    server::tls::use_ring();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem.as_bytes()).expect("root"))
        .resolve("localhost", addr.parse().expect("socket address"))
        .build()
        .expect("https client");
    let res = client.get(format!("https://localhost:{port}/api/v1/health")).send().await.expect("https request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
    assert!(res.headers()["content-security-policy"].to_str().expect("csp").contains("frame-ancestors 'none'"));
    let health: Health = res.json().await.expect("json");
    assert_eq!(health.version, shared::VERSION);

    // The same port does not answer plain HTTP: nothing travels in the clear.
    let plain = common::client().get(format!("http://{addr}/api/v1/health")).send().await;
    assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()));
}

#[tokio::test]
async fn plain_http_has_no_hsts_unless_behind_a_proxy() {
    let server = common::start().await;
    let res = server.client.get(server.url("/api/v1/health")).send().await.expect("request");
    assert!(res.headers().get("strict-transport-security").is_none());

    let proxied = common::start_with(&["--hsts=true"]).await;
    let res = proxied.client.get(proxied.url("/api/v1/health")).send().await.expect("request");
    assert_eq!(res.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
}

#[tokio::test]
async fn unreadable_certificate_is_a_clear_start_up_error() {
    use clap::Parser;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").expect("write");
    std::fs::write(dir.path().join("key.pem"), "not a key").expect("write");
    let config = server::Config::try_parse_from([
        "quantumvault-server".to_owned(),
        "--bind=127.0.0.1:0".to_owned(),
        format!("--data-dir={}", dir.path().join("data").display()),
        format!("--tls-cert={}", dir.path().join("cert.pem").display()),
        format!("--tls-key={}", dir.path().join("key.pem").display()),
    ])
    .expect("config");
    let err = server::serve(config).await.expect_err("must refuse bad TLS files");
    let text = err.to_string();
    assert!(text.contains("certificate") && text.contains("cert.pem"), "{text}");
}
