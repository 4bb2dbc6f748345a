//! Issue 9's hardening checks against the real server binary on loopback:
//! the full flows with a real vault file, then the trace log, the database
//! and the blob store are scanned for what must never be there. Works on
//! both storage set-ups: SQLite + folder (the files are scanned byte for
//! byte) and PostgreSQL + S3 (every table is dumped as JSON, every object
//! under the server's prefix is read).

mod common;

use common::*;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use shared::api::{AuditLog, FileList, LinkList, SessionResponse, UserInfo};
use shared::crypto::rng::os_rng;
use shared::format::vault::{self, Metadata, Recipient};
use shared::identity::Keyring;
use shared::recovery::RecoveryCode;

const FILENAME: &str = "QV-secret-filename-quarterly-merger-plan.pdf";
const PLAINTEXT_MARKER: &[u8] = b"QV-PLAINTEXT-7c1e-the-merger-closes-on-friday;";

/// Every byte the data folder holds (database, WAL, blobs, server key).
fn folder_bytes(dir: &std::path::Path, out: &mut Vec<u8>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            folder_bytes(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.extend_from_slice(&bytes);
            out.push(b'\n');
        }
    }
}

/// Every row of every table of a PostgreSQL database, as JSON text.
async fn postgres_dump(url: &str) -> Vec<u8> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to the test database");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_all(&mut conn)
            .await
            .expect("list tables");
    assert!(tables.len() >= 5, "expected the server's tables, got {tables:?}");
    let mut out = Vec::new();
    for table in tables {
        let sql = format!("SELECT coalesce(string_agg(row_to_json(t)::text, chr(10)), '') FROM \"{table}\" t");
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await.expect("dump table");
        out.extend_from_slice(rows.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Every object under the server's S3 prefix.
async fn s3_dump(url: &str) -> Vec<u8> {
    use futures_util::TryStreamExt;
    use object_store::{ObjectStore, ObjectStoreExt};
    let rest = url.strip_prefix("s3://").expect("s3 URL");
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    server::tls::use_ring();
    let store = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build().expect("s3 client");
    let prefix = object_store::path::Path::from(prefix.trim_matches('/'));
    let objects: Vec<_> = store.list(Some(&prefix)).try_collect().await.expect("list objects");
    assert!(!objects.is_empty(), "no objects under {prefix}");
    let mut out = Vec::new();
    for meta in objects {
        let bytes = store.get(&meta.location).await.expect("get").bytes().await.expect("object body");
        out.extend_from_slice(&bytes);
        out.push(b'\n');
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn full_flows_leave_no_secret_in_trace_logs_database_or_blobs() {
    let dir = tempfile::tempdir().expect("dir");
    let site = tempfile::tempdir().expect("site");
    let (db, blob) = (fresh_database().await, fresh_blob_url());
    let log_path = dir.path().join("server.log");
    let p = spawn_binary(dir.path(), site.path(), &db, &blob, "trace", Some(&log_path)).await;
    let s = with_base(&p.base);

    // Register and sign in; keep the raw sign-in answer to look for it later.
    let mut alice = s.register("alice", 1).await;
    let c = s.challenge("alice").await;
    let answer = Server::answer(&c, &alice.key);
    let res = s.client.post(s.url("/auth/session")).json(&answer).send().await.expect("sign in");
    let session: SessionResponse = expect_json(res, StatusCode::OK).await;
    alice.token = Some(session.token.clone());
    let bob = s.user("bob", 2).await;

    // A real vault file from Alice to Bob, with a known name and plaintext.
    let plaintext: Vec<u8> = PLAINTEXT_MARKER.iter().copied().cycle().take(200 * 1024).collect();
    let sender = seeds(1).identity();
    let bob_public = seeds(2).identity().public().clone();
    let metadata = Metadata {
        name: FILENAME.into(),
        size: plaintext.len() as u64,
        mime: "application/pdf".into(),
        modified: 1_700_000_000,
        note: String::new(),
    };
    let recipients = [Recipient { identity: bob_public, link: None }];
    let file = vault::seal(&sender, &recipients, &metadata, &plaintext, &mut os_rng()).expect("seal");
    let id = s.upload(&alice, &file, &["bob"], 64 * 1024).await;

    // Bob lists, downloads (whole and by range) and really decrypts it.
    let shared_list: FileList = expect_json(
        s.authed(s.client.get(s.url("/files?scope=shared")), &bob).send().await.expect("list"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared_list.files.len(), 1);
    let got = s.authed(s.client.get(s.url(&format!("/files/{id}/content"))), &bob).send().await.expect("get");
    assert_eq!(got.status(), StatusCode::OK);
    let downloaded = got.bytes().await.expect("body");
    assert_eq!(downloaded.as_ref(), file.as_slice());
    let ranged = s
        .authed(s.client.get(s.url(&format!("/files/{id}/content"))), &bob)
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect("range");
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.bytes().await.expect("body").as_ref(), &file[100..200]);
    let keyring = Keyring::new(seeds(2), RecoveryCode::from_bytes([9; 32]).backup_public_key());
    let alice_public = sender.public().clone();
    let (verified, opened) = vault::open(&downloaded, &keyring, &|_| None, &|fp| {
        (*fp == alice_public.fingerprint()).then(|| alice_public.clone())
    })
    .expect("Bob opens the downloaded file");
    assert_eq!(opened.as_slice(), plaintext.as_slice());
    assert_eq!(verified.metadata.name, FILENAME);

    // Rotation, a link record, audit logs, sign-out.
    let before: UserInfo =
        expect_json(s.client.get(s.url("/users/alice")).send().await.expect("get"), StatusCode::OK).await;
    let (rotation, _) = rotate_request(&alice, &hex::decode(&before.fingerprint).expect("hex"), 1, 3);
    let res =
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&rotation).send().await.expect("rotate");
    assert_eq!(res.status(), StatusCode::OK);
    let link = serde_json::json!({"to": "alice", "record": shared::api::b64::encode(PLAINTEXT_MARKER)});
    let res = s.authed(s.client.post(s.url("/links")), &bob).json(&link).send().await.expect("link");
    assert_eq!(res.status(), StatusCode::CREATED);
    let links: LinkList =
        expect_json(s.authed(s.client.get(s.url("/links")), &alice).send().await.expect("links"), StatusCode::OK).await;
    assert_eq!(links.links.len(), 1);
    for user in [&alice, &bob] {
        let log: AuditLog =
            expect_json(s.authed(s.client.get(s.url("/audit")), user).send().await.expect("audit"), StatusCode::OK)
                .await;
        assert!(log.entries.len() >= 4);
    }
    let res = s.authed(s.client.delete(s.url("/auth/session")), &alice).send().await.expect("sign out");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    drop(p);

    // What must never be anywhere the server writes.
    let token = session.token.clone();
    let raw_token = shared::api::b64::decode(&token).expect("token is base64url");
    let bob_token = bob.token.clone().unwrap_or_default();
    let never: Vec<(&str, Vec<u8>)> = vec![
        ("the plaintext", PLAINTEXT_MARKER.to_vec()),
        ("the filename", FILENAME.as_bytes().to_vec()),
        ("alice's session token", token.as_bytes().to_vec()),
        ("alice's raw session token", raw_token.clone()),
        ("alice's raw session token in hex", hex::encode(&raw_token).into_bytes()),
        ("bob's session token", bob_token.as_bytes().to_vec()),
    ];

    // 1. The trace log: none of the above, and no request body either.
    let log = std::fs::read(&log_path).expect("log");
    assert!(log.len() > 1000, "expected trace output, got {} bytes", log.len());
    let b64 = |bytes: &[u8]| shared::api::b64::encode(bytes)[..64].to_owned().into_bytes();
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("a sign-in signature", b64(&answer.signature)),
        ("alice's ML-DSA public key", b64(&alice.identity.mldsa65_public_key)),
        ("alice's X-Wing public key", b64(&alice.identity.xwing_public_key)),
        ("a rotation signature", b64(&rotation.rotation_signature)),
        ("ciphertext bytes", file[4096..4096 + 48].to_vec()),
        ("ciphertext bytes in hex", hex::encode(&file[4096..4096 + 32]).into_bytes()),
        ("ciphertext bytes in base64url", b64(&file[4096..4096 + 96])),
        ("a link record", shared::api::b64::encode(PLAINTEXT_MARKER).into_bytes()),
    ];
    // The server's own secret: the seed of its checkpoint key.
    let seed = std::fs::read(dir.path().join("data").join("server-key.bin")).expect("server key");
    assert_eq!(seed.len(), 32);
    let server_secrets: Vec<(&str, Vec<u8>)> = vec![
        ("the server key seed", seed.clone()),
        ("the server key seed in hex", hex::encode(&seed).into_bytes()),
        ("the server key seed in base64url", shared::api::b64::encode(&seed).into_bytes()),
    ];
    for (what, needle) in never.iter().chain(bodies.iter()).chain(server_secrets.iter()) {
        assert!(!contains(&log, needle), "{what} appears in the trace log");
    }

    // 2. The database and the blob store.
    let mut stored = Vec::new();
    folder_bytes(&dir.path().join("data"), &mut stored);
    if let Some(url) = &db {
        stored.extend(postgres_dump(url).await);
    }
    if let Some(url) = &blob {
        stored.extend(s3_dump(url).await);
    }
    // The scan sees real content: the ciphertext and the session rows are there.
    assert!(contains(&stored, &file[4096..4096 + 48]), "the scan does not reach the stored ciphertext");
    let token_hash = hex::encode(Sha256::digest(token.as_bytes()));
    assert!(contains(&stored, token_hash.as_bytes()), "the session's hash is not in the database");
    for (what, needle) in &never {
        assert!(!contains(&stored, needle), "{what} is in the server's storage");
    }
}

/// Asserts the headers every response must carry.
fn assert_security_headers(what: &str, res: &reqwest::Response) {
    let h = res.headers();
    let csp =
        h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{what}: {csp}");
    assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{what}");
    assert_eq!(h.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"no-referrer"[..]), "{what}");
    assert_eq!(h.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]), "{what}");
    assert_eq!(h.get("cross-origin-opener-policy").map(|v| v.as_bytes()), Some(&b"same-origin"[..]), "{what}");
}

#[tokio::test]
async fn security_headers_on_every_kind_of_response() {
    let s = start_with(&["--max-body-bytes", "16384"]).await;
    std::fs::write(s.site.path().join("app-0123456789abcdef.js"), "export {};").expect("asset");
    let alice = s.user("alice", 1).await;
    let body = bytes(10_000, 4);
    let id = s.upload(&alice, &body, &[], 4096).await;
    let api = |p: &str| s.url(p);
    let site = |p: &str| format!("{}{p}", s.base);
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode)> = vec![
        ("API JSON", s.client.get(api("/health")), StatusCode::OK),
        ("OpenAPI", s.client.get(api("/openapi.json")), StatusCode::OK),
        ("directory", s.client.get(api("/users/alice")), StatusCode::OK),
        ("signed-in JSON", s.authed(s.client.get(api("/files")), &alice), StatusCode::OK),
        ("ciphertext download", s.authed(s.client.get(api(&format!("/files/{id}/content"))), &alice), StatusCode::OK),
        (
            "range download",
            s.authed(s.client.get(api(&format!("/files/{id}/content"))), &alice).header("range", "bytes=0-9"),
            StatusCode::PARTIAL_CONTENT,
        ),
        (
            "range outside",
            s.authed(s.client.get(api(&format!("/files/{id}/content"))), &alice).header("range", "bytes=99999-"),
            StatusCode::RANGE_NOT_SATISFIABLE,
        ),
        ("no session", s.client.get(api("/files")), StatusCode::UNAUTHORIZED),
        ("API 404", s.client.get(api("/nope")), StatusCode::NOT_FOUND),
        ("file 404", s.authed(s.client.get(api(&format!("/files/{}", "0".repeat(32)))), &alice), StatusCode::NOT_FOUND),
        ("405", s.client.delete(api("/health")), StatusCode::METHOD_NOT_ALLOWED),
        (
            "400",
            s.client.post(api("/users")).header("content-type", "application/json").body("{"),
            StatusCode::BAD_REQUEST,
        ),
        ("415", s.client.post(api("/users")).body("x"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("413", s.client.post(api("/users")).json(&"x".repeat(20_000)), StatusCode::PAYLOAD_TOO_LARGE),
        ("app shell", s.client.get(site("/")), StatusCode::OK),
        ("client route", s.client.get(site("/vault")), StatusCode::OK),
        ("HEAD of the shell", s.client.head(site("/")), StatusCode::OK),
        ("static asset", s.client.get(site("/app-0123456789abcdef.js")), StatusCode::OK),
        ("missing static file", s.client.get(site("/missing-0123456789abcdef.js")), StatusCode::NOT_FOUND),
    ];
    for (what, req, status) in cases {
        let res = req.send().await.expect(what);
        assert_eq!(res.status(), status, "{what}");
        assert_security_headers(what, &res);
    }
    // Rate-limited answers too.
    let limited = start_with(&["--auth-burst", "1", "--auth-refill-ms", "60000"]).await;
    let ask = || limited.client.post(limited.url("/auth/challenge")).json(&serde_json::json!({"username": "nobody"}));
    assert_eq!(ask().send().await.expect("first").status(), StatusCode::NOT_FOUND);
    let res = ask().send().await.expect("second");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_security_headers("429", &res);
}

/// Sends `body` as JSON text and expects a 400, returning its message.
async fn bad_json(req: reqwest::RequestBuilder, body: String) -> String {
    let res = req.header("content-type", "application/json").body(body).send().await.expect("post");
    let err = expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(err.code, "bad_request");
    err.message
}

#[tokio::test]
async fn deeply_nested_json_is_a_clear_400() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    // Nested inside a field the type expects (recipients: [String]) and at the top.
    let deep = format!("{{\"size\":1,\"recipients\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
    let message = bad_json(s.authed(s.client.post(s.url("/files")), &alice), deep).await;
    assert!(message.contains("nested more than 16 levels"), "{message}");
    let deep = "{\"username\":".to_owned() + &"{\"a\":".repeat(20_000);
    let message = bad_json(s.client.post(s.url("/auth/challenge")), deep).await;
    assert!(message.contains("nested"), "{message}");
    // Strings full of brackets are not structure: the ordinary username check answers.
    let message =
        bad_json(s.client.post(s.url("/auth/challenge")), r#"{"username": "[[[[[[[[[[[[[[[[[[[["}"#.into()).await;
    assert!(message.contains("username"), "{message}");
}

/// Source check: no server code compares a token, nonce, seed, signature or
/// session value with `==`/`!=`; those comparisons go through `subtle`
/// (`auth::session::same_hash`, `shared::crypto::secret::ct_eq`).
#[test]
fn secrets_are_never_compared_with_eq() {
    fn rs_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                rs_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rs_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 20, "found only {} source files", files.len());
    let secret_words = ["token", "nonce", "seed", "signature", "secret", "session"];
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if (code.contains("==") || code.contains("!="))
                && secret_words.iter().any(|w| code.to_lowercase().contains(w))
            {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "secret compared with ==/!= (use a constant-time comparison):\n{}",
        offenders.join("\n")
    );
}
