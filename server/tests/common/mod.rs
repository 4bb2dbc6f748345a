//! Test harness: the real server on a loopback port over a real database and
//! blob store. SQLite + folder by default; PostgreSQL and/or S3 when
//! `QV_TEST_DATABASE_URL` (a server URL; each server gets a fresh database)
//! and `QV_TEST_BLOB_URL` (`s3://bucket`; each server gets a fresh prefix) are set.
#![allow(dead_code)]

use std::path::PathBuf;

use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use shared::api::signing::{CONTEXT_REGISTER, CONTEXT_SIGN_IN, register_message, sign_in_message};
use shared::api::{ApiError, ChallengeResponse, PublicIdentity, RegisterRequest, SessionResponse, SignInRequest};
use shared::crypto::secret::Secret32;
use shared::crypto::sign::SigningKey;
use shared::identity::IdentitySeeds;

pub struct Server {
    pub base: String,
    pub client: Client,
    pub data: tempfile::TempDir,
    pub site: tempfile::TempDir,
    pub database_url: Option<String>,
    pub blob_url: Option<String>,
}

fn unique(prefix: &str) -> String {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).expect("randomness");
    format!("{prefix}{}", hex::encode(raw))
}

/// A fresh database on the test PostgreSQL server, if one is configured.
pub async fn fresh_database() -> Option<String> {
    let base = std::env::var("QV_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to QV_TEST_DATABASE_URL");
    let name = unique("qv_test_");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
    Some(format!("{prefix}/{name}"))
}

/// A fresh prefix in the test bucket, if S3 is configured.
pub fn fresh_blob_url() -> Option<String> {
    let base = std::env::var("QV_TEST_BLOB_URL").ok().filter(|u| !u.is_empty())?;
    Some(format!("{}/{}", base.trim_end_matches('/'), unique("t")))
}

/// Command-line arguments for a server over `data_dir`, plus `extra`.
pub fn args(
    data_dir: &std::path::Path,
    site_dir: &std::path::Path,
    port_file: &std::path::Path,
    db: &Option<String>,
    blob: &Option<String>,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "quantumvault-server".into(),
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--site-dir".into(),
        site_dir.display().to_string(),
        "--port-file".into(),
        port_file.display().to_string(),
        "--secure-cookie".into(),
        "false".into(),
    ];
    if !extra.contains(&"--auth-burst") {
        // Every test client shares 127.0.0.1: lift the per-IP limit unless testing it.
        args.extend(["--auth-burst".into(), "10000".into()]);
    }
    if let Some(db) = db {
        args.extend(["--database-url".into(), db.clone()]);
    }
    if let Some(blob) = blob {
        args.extend(["--blob-url".into(), blob.clone()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

pub async fn wait_for_port_file(path: &std::path::Path) -> String {
    for _ in 0..1000 {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("server did not start (no port file at {})", path.display());
}

/// Starts the server in this test's runtime with extra flags.
pub async fn start_with(extra: &[&str]) -> Server {
    use clap::Parser;
    let data = tempfile::tempdir().expect("temp data dir");
    let site = tempfile::tempdir().expect("temp site dir");
    std::fs::write(site.path().join("index.html"), "<!doctype html>").expect("index");
    let port_file = data.path().join("port");
    let database_url = fresh_database().await;
    let blob_url = fresh_blob_url();
    let argv = args(&data.path().join("data"), site.path(), &port_file, &database_url, &blob_url, extra);
    let config = server::Config::try_parse_from(argv).expect("config");
    tokio::spawn(async move {
        if let Err(err) = server::serve(config).await {
            panic!("server failed: {err}");
        }
    });
    let addr = wait_for_port_file(&port_file).await;
    Server { base: format!("http://{addr}"), client: client(), data, site, database_url, blob_url }
}

pub async fn start() -> Server {
    start_with(&[]).await
}

/// A test user: ML-DSA-65 key from a fixed seed, and a session once signed in.
pub struct TestUser {
    pub name: String,
    pub key: SigningKey,
    pub identity: PublicIdentity,
    pub token: Option<String>,
}

/// The seeds of a test identity: fixed, so a test can rebuild the same keys.
pub fn seeds(seed: u8) -> IdentitySeeds {
    IdentitySeeds {
        rotation: 0,
        sign_seed: Secret32::from_bytes([seed; 32]),
        kem_seed: Secret32::from_bytes([seed ^ 0x5A; 32]),
    }
}

/// Real keys (through `shared::identity`, as the browser makes them) and
/// their wire form.
pub fn keys(seed: u8) -> (SigningKey, PublicIdentity) {
    let identity = seeds(seed).identity();
    let wire = PublicIdentity::from(identity.public());
    (SigningKey::from_seed(&seeds(seed).sign_seed), wire)
}

pub fn sign(key: &SigningKey, message: &[u8], context: &[u8]) -> Vec<u8> {
    key.sign(message, context, &mut shared::crypto::rng::os_rng()).expect("sign").to_vec()
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub fn authed(&self, req: RequestBuilder, user: &TestUser) -> RequestBuilder {
        match &user.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn register(&self, name: &str, seed: u8) -> TestUser {
        let (key, identity) = keys(seed);
        let self_signature = sign(&key, &register_message(&name.to_ascii_lowercase(), &identity), CONTEXT_REGISTER);
        let req = RegisterRequest { username: name.into(), identity: identity.clone(), self_signature };
        let res = self.client.post(self.url("/users")).json(&req).send().await.expect("register");
        assert_eq!(res.status(), StatusCode::CREATED, "register {name}: {}", res.text().await.unwrap_or_default());
        TestUser { name: name.into(), key, identity, token: None }
    }

    pub async fn challenge(&self, name: &str) -> ChallengeResponse {
        let res = self
            .client
            .post(self.url("/auth/challenge"))
            .json(&serde_json::json!({ "username": name }))
            .send()
            .await
            .expect("challenge");
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("challenge json")
    }

    pub fn answer(c: &ChallengeResponse, key: &SigningKey) -> SignInRequest {
        let message = sign_in_message(&c.challenge_id, &c.nonce, &c.username, &c.origin);
        SignInRequest { challenge_id: c.challenge_id.clone(), signature: sign(key, &message, CONTEXT_SIGN_IN) }
    }

    pub async fn sign_in(&self, user: &mut TestUser) {
        let c = self.challenge(&user.name).await;
        let res = self
            .client
            .post(self.url("/auth/session"))
            .json(&Self::answer(&c, &user.key))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), StatusCode::OK);
        let session: SessionResponse = res.json().await.expect("session json");
        user.token = Some(session.token);
    }

    pub async fn user(&self, name: &str, seed: u8) -> TestUser {
        let mut user = self.register(name, seed).await;
        self.sign_in(&mut user).await;
        user
    }

    /// Creates, uploads in `piece` sized pieces and finalizes a file; returns its id.
    pub async fn upload(&self, owner: &TestUser, body: &[u8], recipients: &[&str], piece: usize) -> String {
        let res = self
            .authed(self.client.post(self.url("/files")), owner)
            .json(&serde_json::json!({ "size": body.len(), "recipients": recipients }))
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap_or_default());
        let info: shared::api::FileInfo = res.json().await.expect("file json");
        for (i, chunk) in body.chunks(piece.max(1)).enumerate() {
            let res = self
                .authed(self.client.patch(self.url(&format!("/files/{}/content", info.id))), owner)
                .header("upload-offset", (i * piece).to_string())
                .body(chunk.to_vec())
                .send()
                .await
                .expect("piece");
            assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
        }
        let res = self
            .authed(self.client.post(self.url(&format!("/files/{}/finalize", info.id))), owner)
            .send()
            .await
            .expect("finalize");
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
        info.id
    }
}

/// Reads a JSON body, asserting the status first.
pub async fn expect_json<T: DeserializeOwned>(res: reqwest::Response, status: StatusCode) -> T {
    let got = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not the expected JSON ({e}): {text}"))
}

/// Asserts a JSON API error with `status`, returning it.
pub async fn expect_error(res: reqwest::Response, status: StatusCode) -> ApiError {
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let err: ApiError = expect_json(res, status).await;
    assert!(ct.starts_with("application/json"), "content type {ct}");
    err
}

pub fn data_path(server: &Server) -> PathBuf {
    server.data.path().join("data")
}

/// Deterministic pseudo-random bytes.
pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

/// The real `quantumvault-server` binary, running until dropped (or killed).
pub struct Proc {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGKILL: no graceful shutdown, no destructors.
pub fn kill9(p: &mut Proc) {
    let _ = p.child.kill();
    let _ = p.child.wait();
}

/// Spawns the server binary over `data`, logging at `log_level` to `log_file` (or nowhere).
pub async fn spawn_binary(
    data: &std::path::Path,
    site: &std::path::Path,
    db: &Option<String>,
    blob: &Option<String>,
    log_level: &str,
    log_file: Option<&std::path::Path>,
) -> Proc {
    use std::process::{Command, Stdio};
    let port_file = data.join(format!("port-{}", std::process::id()));
    let _ = std::fs::remove_file(&port_file);
    let argv = args(&data.join("data"), site, &port_file, db, blob, &[]);
    // The server logs to stdout; errors at start-up go to stderr. Keep both.
    let (out, err) = match log_file {
        Some(path) => {
            let file = std::fs::File::create(path).expect("log file");
            let clone = file.try_clone().expect("log file handle");
            (Stdio::from(file), Stdio::from(clone))
        }
        None => (Stdio::null(), Stdio::null()),
    };
    let child = Command::new(env!("CARGO_BIN_EXE_quantumvault-server"))
        .args(&argv[1..])
        .env("RUST_LOG", log_level)
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn server");
    let addr = wait_for_port_file(&port_file).await;
    Proc { child, base: format!("http://{addr}") }
}

/// An HTTP client; its TLS (unused on plain loopback, but built anyway) takes
/// the process-wide provider the server installs.
pub fn client() -> Client {
    server::tls::use_ring();
    Client::new()
}

/// A client for a server started elsewhere (e.g. [`spawn_binary`]).
pub fn with_base(base: &str) -> Server {
    Server {
        base: base.to_owned(),
        client: client(),
        data: tempfile::tempdir().expect("unused"),
        site: tempfile::tempdir().expect("unused"),
        database_url: None,
        blob_url: None,
    }
}

/// A rotation of `user` to the keys of `seed`, signed by `user`'s current key.
pub fn rotate_request(
    user: &TestUser,
    previous_fpr: &[u8],
    rotation: u32,
    seed: u8,
) -> (shared::api::RotateRequest, shared::crypto::sign::SigningKey) {
    let (new_key, new_identity) = keys(seed);
    let lower = user.name.to_ascii_lowercase();
    let statement = shared::api::signing::rotation_message(&lower, rotation, previous_fpr, &new_identity);
    let req = shared::api::RotateRequest {
        rotation,
        rotation_signature: sign(&user.key, &statement, shared::api::signing::CONTEXT_ROTATE),
        self_signature: sign(&new_key, &register_message(&lower, &new_identity), CONTEXT_REGISTER),
        identity: new_identity,
    };
    (req, new_key)
}
