//! Uploads, downloads, ranges, resume, quotas, garbage collection and hostile input.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use shared::api::{FileInfo, FileList, UploadStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn create(s: &Server, owner: &TestUser, size: u64, recipients: &[&str]) -> FileInfo {
    let res = s
        .authed(s.client.post(s.url("/files")), owner)
        .json(&serde_json::json!({"size": size, "recipients": recipients}))
        .send()
        .await
        .expect("create");
    expect_json(res, StatusCode::CREATED).await
}

async fn put_piece(s: &Server, owner: &TestUser, id: &str, offset: u64, body: Vec<u8>) -> reqwest::Response {
    s.authed(s.client.patch(s.url(&format!("/files/{id}/content"))), owner)
        .header("upload-offset", offset.to_string())
        .body(body)
        .send()
        .await
        .expect("patch")
}

async fn download(s: &Server, user: &TestUser, id: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = s.authed(s.client.get(s.url(&format!("/files/{id}/content"))), user);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.expect("get")
}

#[tokio::test]
async fn upload_in_pieces_download_whole_and_by_range() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    let bob = s.user("bob", 2).await;
    let body = bytes(3 * 1024 * 1024 + 17, 5);
    let id = s.upload(&alice, &body, &["Bob"], 1024 * 1024).await;

    for who in [&alice, &bob] {
        let res = download(&s, who, &id, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["accept-ranges"], "bytes");
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        assert_eq!(res.bytes().await.expect("body").as_ref(), &body[..]);
    }
    let len = body.len() as u64;
    // Ranges inside a piece, across pieces, open-ended and suffix.
    for (range, start, end) in [
        ("bytes=0-9", 0, 9),
        ("bytes=1048570-1048590", 1_048_570, 1_048_590),
        ("bytes=1000-", 1000, len - 1),
        ("bytes=-100", len - 100, len - 1),
        ("bytes=0-99999999", 0, len - 1),
    ] {
        let res = download(&s, &bob, &id, Some(range)).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(res.headers()["content-range"], format!("bytes {start}-{end}/{len}").as_str(), "{range}");
        assert_eq!(res.bytes().await.expect("body").as_ref(), &body[start as usize..=end as usize], "{range}");
    }
    let res = download(&s, &bob, &id, Some(&format!("bytes={len}-"))).await;
    assert_eq!(res.headers()["content-range"], format!("bytes */{len}").as_str());
    expect_error(res, StatusCode::RANGE_NOT_SATISFIABLE).await;

    // Listings.
    let mine: FileList =
        expect_json(s.authed(s.client.get(s.url("/files")), &alice).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(mine.files.len(), 1);
    assert_eq!(mine.files[0].recipients, ["bob"]);
    assert_eq!((mine.files[0].size, mine.files[0].uploaded, mine.files[0].finalized), (len, len, true));
    let shared: FileList = expect_json(
        s.authed(s.client.get(s.url("/files?scope=shared")), &bob).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared.files.len(), 1);
    assert_eq!(shared.files[0].owner, "alice");
    let bad = s.authed(s.client.get(s.url("/files?scope=../../x")), &bob).send().await.expect("get");
    expect_error(bad, StatusCode::BAD_REQUEST).await;

    // Delete: gone for both, blobs removed.
    let res = s.authed(s.client.delete(s.url(&format!("/files/{id}"))), &alice).send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_error(download(&s, &bob, &id, None).await, StatusCode::NOT_FOUND).await;
    expect_error(download(&s, &alice, &id, None).await, StatusCode::NOT_FOUND).await;
    if s.blob_url.is_none() {
        assert!(!data_path(&s).join("blobs/objects/f").join(&id).exists());
    } else {
        // With S3 configured, nothing lands in the local folder.
        assert!(!data_path(&s).join("blobs/objects/f").exists());
    }
}

#[tokio::test]
async fn empty_file_and_finalize_rules() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    let id = s.upload(&alice, &[], &[], 1).await;
    let res = download(&s, &alice, &id, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.expect("body").is_empty());

    let f = create(&s, &alice, 10, &[]).await;
    // An empty piece is acknowledged at the same offset and leaves no blob behind.
    let status: UploadStatus = expect_json(put_piece(&s, &alice, &f.id, 0, Vec::new()).await, StatusCode::OK).await;
    assert_eq!(status.offset, 0);
    if s.blob_url.is_none() {
        let folder = data_path(&s).join("blobs/objects/f").join(&f.id);
        let left = std::fs::read_dir(&folder).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "empty piece left a blob in {}", folder.display());
    }
    // Finalize before all bytes: 409 naming the gap.
    let res = s.authed(s.client.post(s.url(&format!("/files/{}/finalize", f.id))), &alice).send().await.expect("post");
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await.code, "incomplete");
    // Wrong offset: 409.
    assert_eq!(
        expect_error(put_piece(&s, &alice, &f.id, 5, vec![1; 5]).await, StatusCode::CONFLICT).await.code,
        "offset_mismatch"
    );
    // Missing or malformed offset: 400.
    let res = s
        .authed(s.client.patch(s.url(&format!("/files/{}/content", f.id))), &alice)
        .body(vec![1; 5])
        .send()
        .await
        .expect("patch");
    expect_error(res, StatusCode::BAD_REQUEST).await;
    let res = s
        .authed(s.client.patch(s.url(&format!("/files/{}/content", f.id))), &alice)
        .header("upload-offset", "-1")
        .body(vec![1; 5])
        .send()
        .await
        .expect("patch");
    expect_error(res, StatusCode::BAD_REQUEST).await;
    // Beyond the declared size: 413, nothing stored.
    expect_error(put_piece(&s, &alice, &f.id, 0, vec![1; 11]).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    // Streamed without a length and too long: 413 as well.
    let stream = futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(vec![7u8; 4])));
    let res = s
        .authed(s.client.patch(s.url(&format!("/files/{}/content", f.id))), &alice)
        .header("upload-offset", "0")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("patch");
    expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    let info: FileInfo = expect_json(
        s.authed(s.client.get(s.url(&format!("/files/{}", f.id))), &alice).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(info.uploaded, 0);
    // Not finalized: invisible in listings, and its content is not served.
    let mine: FileList =
        expect_json(s.authed(s.client.get(s.url("/files")), &alice).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(mine.files.len(), 1);
    assert_eq!(expect_error(download(&s, &alice, &f.id, None).await, StatusCode::CONFLICT).await.code, "not_finalized");
    let st: UploadStatus = expect_json(put_piece(&s, &alice, &f.id, 0, vec![1; 10]).await, StatusCode::OK).await;
    assert_eq!(st.offset, 10);
    let res = s.authed(s.client.post(s.url(&format!("/files/{}/finalize", f.id))), &alice).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    // After finalization, no more pieces.
    assert_eq!(
        expect_error(put_piece(&s, &alice, &f.id, 10, vec![1]).await, StatusCode::CONFLICT).await.code,
        "finalized"
    );
}

/// Sends a piece over a raw connection, declaring `declared` bytes but
/// sending only `sent`, then drops the connection.
pub async fn cut_piece(base: &str, token: &str, id: &str, offset: u64, declared: usize, sent: &[u8]) {
    let addr = base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "PATCH /api/v1/files/{id}/content HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Upload-Offset: {offset}\r\nContent-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    tcp.write_all(sent).await.expect("partial body");
    tcp.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(tcp);
}

#[tokio::test]
async fn resume_after_a_cut_connection() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    let body = bytes(2 * 1024 * 1024, 3);
    let f = create(&s, &alice, body.len() as u64, &[]).await;
    let st: UploadStatus =
        expect_json(put_piece(&s, &alice, &f.id, 0, body[..1024 * 1024].to_vec()).await, StatusCode::OK).await;
    assert_eq!(st.offset, 1024 * 1024);
    // The second piece is cut half-way.
    cut_piece(
        &s.base,
        alice.token.as_deref().unwrap_or(""),
        &f.id,
        st.offset,
        1024 * 1024,
        &body[1024 * 1024..1536 * 1024],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The server acknowledges only the first piece: resume from there.
    let info: FileInfo = expect_json(
        s.authed(s.client.get(s.url(&format!("/files/{}", f.id))), &alice).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(info.uploaded, 1024 * 1024);
    expect_json::<UploadStatus>(
        put_piece(&s, &alice, &f.id, info.uploaded, body[1024 * 1024..].to_vec()).await,
        StatusCode::OK,
    )
    .await;
    let res = s.authed(s.client.post(s.url(&format!("/files/{}/finalize", f.id))), &alice).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(download(&s, &alice, &f.id, None).await.bytes().await.expect("body").as_ref(), &body[..]);
    // The cut piece left no temp file behind.
    if s.blob_url.is_none() {
        let tmp: Vec<_> = std::fs::read_dir(data_path(&s).join("blobs/tmp")).expect("tmp").collect();
        assert!(tmp.is_empty(), "temp files left: {tmp:?}");
    }
}

#[tokio::test]
async fn concurrent_uploads_and_downloads() {
    let s = std::sync::Arc::new(start().await);
    let alice = std::sync::Arc::new(s.user("alice", 1).await);
    let bob = std::sync::Arc::new(s.user("bob", 2).await);
    let mut tasks = Vec::new();
    for i in 0..8u8 {
        let (s, alice, bob) = (s.clone(), alice.clone(), bob.clone());
        tasks.push(tokio::spawn(async move {
            let body = bytes(300_000 + usize::from(i) * 1000, i);
            let id = s.upload(&alice, &body, &["bob"], 64 * 1024).await;
            let got = download(&s, &bob, &id, None).await.bytes().await.expect("body");
            assert_eq!(got.as_ref(), &body[..]);
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    // Racing pieces at the same offset: exactly one wins.
    let f = create(&s, &alice, 1000, &[]).await;
    let (a, b) =
        tokio::join!(put_piece(&s, &alice, &f.id, 0, vec![1; 600]), put_piece(&s, &alice, &f.id, 0, vec![2; 600]));
    let mut codes = [a.status(), b.status()];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT]);
    let shared: FileList = expect_json(
        s.authed(s.client.get(s.url("/files?scope=shared")), &bob).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared.files.len(), 8);
}

#[tokio::test]
async fn a_hundred_concurrent_downloads_succeed() {
    let s = std::sync::Arc::new(start().await);
    let alice = std::sync::Arc::new(s.user("alice", 1).await);
    let body = std::sync::Arc::new(bytes(1024 * 1024, 9));
    let id = std::sync::Arc::new(s.upload(&alice, &body, &[], 256 * 1024).await);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (s, alice, body, id) = (s.clone(), alice.clone(), body.clone(), id.clone());
            tokio::spawn(async move {
                let res = download(&s, &alice, &id, None).await;
                assert_eq!(res.status(), StatusCode::OK);
                assert!(res.bytes().await.expect("body").as_ref() == &body[..]);
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("download task");
    }
    // Every download was audited, and the chain has no gap.
    let log: shared::api::AuditLog =
        expect_json(s.authed(s.client.get(s.url("/audit")), &alice).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(log.entries.iter().filter(|e| e.event == "download").count(), 100);
    assert!(log.entries.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
}

#[tokio::test]
async fn quotas_give_clear_errors() {
    let s = start_with(&["--quota-bytes", "1000", "--quota-files", "2"]).await;
    let alice = s.user("alice", 1).await;
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": 1001}))
        .send()
        .await
        .expect("post");
    let err = expect_error(res, StatusCode::FORBIDDEN).await;
    assert_eq!(err.code, "quota_exceeded");
    assert!(err.message.contains("1000"), "{}", err.message);
    // Huge sizes are a quota error, not an overflow.
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": u64::MAX}))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::FORBIDDEN).await;
    create(&s, &alice, 600, &[]).await;
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": 500}))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::FORBIDDEN).await;
    create(&s, &alice, 400, &[]).await;
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": 0}))
        .send()
        .await
        .expect("post");
    let err = expect_error(res, StatusCode::FORBIDDEN).await;
    assert!(err.message.contains("files"), "{}", err.message);
}

#[tokio::test]
async fn quotas_hold_under_concurrent_creates() {
    let s = start_with(&["--quota-bytes", "1000", "--quota-files", "3"]).await;
    let alice = s.user("alice", 1).await;
    // Twelve creates at once, each alone within the quota: exactly three fit.
    let attempts = (0..12)
        .map(|_| s.authed(s.client.post(s.url("/files")), &alice).json(&serde_json::json!({"size": 100})).send());
    let mut statuses: Vec<StatusCode> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.expect("post").status()).collect();
    statuses.sort();
    let created = statuses.iter().filter(|st| **st == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|st| **st == StatusCode::FORBIDDEN).count();
    assert_eq!((created, refused), (3, 9), "{statuses:?}");
    // The store counts exactly the three (unfinished uploads count).
    let res = s.authed(s.client.post(s.url("/files")), &alice).json(&serde_json::json!({"size": 1})).send().await;
    let err = expect_error(res.expect("post"), StatusCode::FORBIDDEN).await;
    assert!(err.message.contains("you have 3 files"), "{}", err.message);
}

#[tokio::test]
async fn abandoned_uploads_are_collected() {
    let s = start_with(&["--upload-ttl-secs", "1", "--maintenance-secs", "1"]).await;
    let alice = s.user("alice", 1).await;
    let f = create(&s, &alice, 100, &[]).await;
    expect_json::<UploadStatus>(put_piece(&s, &alice, &f.id, 0, vec![1; 50]).await, StatusCode::OK).await;
    let mut gone = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let res = s.authed(s.client.get(s.url(&format!("/files/{}", f.id))), &alice).send().await.expect("get");
        if res.status() == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
    }
    assert!(gone, "abandoned upload still there");
    if s.blob_url.is_none() {
        assert!(!data_path(&s).join("blobs/objects/f").join(&f.id).exists());
    }
}

#[tokio::test]
async fn path_traversal_and_odd_ids_go_nowhere() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    std::fs::write(data_path(&s).join("secret.txt"), b"do not serve").expect("write");
    for id in [
        "..",
        "..%2F..%2Fsecret.txt",
        "%2e%2e",
        "....//....//secret.txt",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "%00",
        "a%2Fb",
    ] {
        for path in [format!("/files/{id}"), format!("/files/{id}/content")] {
            let res = s.authed(s.client.get(s.url(&path)), &alice).send().await.expect("get");
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            let text = res.text().await.expect("body");
            assert!(!text.contains("do not serve"), "{path}");
        }
        let res = s
            .authed(s.client.patch(s.url(&format!("/files/{id}/content"))), &alice)
            .header("upload-offset", "0")
            .body("x")
            .send()
            .await
            .expect("patch");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{id}");
        let res = s.authed(s.client.get(s.url(&format!("/links/{id}"))), &alice).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{id}");
    }
    // Raw request paths that reqwest would normalise.
    for raw in ["/api/v1/files/../../secret.txt", "/api/v1/users/../../../etc/passwd", "/../secret.txt"] {
        let addr = s.base.trim_start_matches("http://");
        let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let req = format!(
            "GET {raw} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            alice.token.as_deref().unwrap_or("")
        );
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        tcp.read_to_end(&mut out).await.expect("read");
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("do not serve"), "{raw}: {text}");
        assert!(!text.starts_with("HTTP/1.1 500"), "{raw}: {text}");
    }
    // Recipient names are validated too.
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": 1, "recipients": ["../bob"]}))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn malformed_oversized_and_wrong_type_bodies_are_json_4xx() {
    let s = start_with(&["--max-body-bytes", "65536"]).await;
    let alice = s.user("alice", 1).await;
    let token = alice.token.clone().unwrap_or_default();
    let posts = ["/users", "/auth/challenge", "/auth/session", "/files", "/links", "/users/me/rotations"];
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(70_000));
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, String, &str)> = vec![
        ("not json", "this is not json".into(), "application/json"),
        ("truncated", "{\"username\": ".into(), "application/json"),
        (
            "wrong types",
            "{\"username\": 5, \"size\": \"big\", \"to\": [], \"record\": 1, \"challenge_id\": {}}".into(),
            "application/json",
        ),
        ("array", "[]".into(), "application/json"),
        ("null", "null".into(), "application/json"),
        ("deep", deep, "application/json"),
        ("negative size", "{\"size\": -1}".into(), "application/json"),
        ("invalid utf-8", String::from_utf8_lossy(&[0x7b, 0xff, 0xfe, 0x7d]).into_owned(), "application/json"),
        ("wrong content type", "{}".into(), "text/plain"),
        ("oversized", big, "application/json"),
    ];
    for path in posts {
        for (what, body, ct) in &bodies {
            let res = s
                .client
                .post(s.url(path))
                .bearer_auth(&token)
                .header("content-type", *ct)
                .body(body.clone())
                .send()
                .await
                .expect("post");
            let status = res.status();
            assert!(status.is_client_error(), "{path} {what}: {status}");
            let err = expect_error(res, status).await;
            if *what == "oversized" {
                assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
            }
            assert!(!err.message.is_empty());
        }
    }
    // Without a declared length (chunked), the limit applies as the body is read.
    let pieces: Vec<Result<bytes::Bytes, std::io::Error>> =
        (0..70).map(|_| Ok(bytes::Bytes::from(vec![b' '; 1000]))).collect();
    let res = s
        .client
        .post(s.url("/auth/challenge"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(pieces)))
        .send()
        .await
        .expect("post");
    assert_eq!(expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await.code, "payload_too_large");
}
