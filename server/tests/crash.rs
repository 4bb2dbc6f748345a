//! kill -9 of the real server binary in the middle of uploads, repeatedly:
//! after each restart no partial file is visible, the acknowledged offset is
//! intact, nothing half-written is left, and the upload resumes to a file
//! whose bytes are exactly right.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use shared::api::{FileInfo, FileList, UploadStatus};
use tokio::io::AsyncWriteExt;

async fn spawn(data: &std::path::Path, site: &std::path::Path, db: &Option<String>, blob: &Option<String>) -> Proc {
    spawn_binary(data, site, db, blob, "warn", None).await
}

#[tokio::test]
async fn kill_9_mid_upload_repeatedly_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().expect("dir");
    let site = tempfile::tempdir().expect("site");
    let db = fresh_database().await;
    let blob = fresh_blob_url();
    let piece = 512 * 1024;
    let body = bytes(6 * piece, 11);

    let mut p = spawn(dir.path(), site.path(), &db, &blob).await;
    let s = with_base(&p.base);
    let mut alice = s.user("alice", 1).await;
    let res = s
        .authed(s.client.post(s.url("/files")), &alice)
        .json(&serde_json::json!({"size": body.len()}))
        .send()
        .await
        .expect("post");
    let file: FileInfo = expect_json(res, StatusCode::CREATED).await;

    let mut acknowledged = 0usize;
    for round in 0..4 {
        // One whole piece…
        let s = with_base(&p.base);
        let res = s
            .authed(s.client.patch(s.url(&format!("/files/{}/content", file.id))), &alice)
            .header("upload-offset", acknowledged.to_string())
            .body(body[acknowledged..acknowledged + piece].to_vec())
            .send()
            .await
            .expect("patch");
        let st: UploadStatus = expect_json(res, StatusCode::OK).await;
        acknowledged += piece;
        assert_eq!(st.offset as usize, acknowledged);
        // …then half of the next one, and the server dies mid-stream.
        let addr = p.base.trim_start_matches("http://").to_owned();
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "PATCH /api/v1/files/{}/content HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nUpload-Offset: {acknowledged}\r\nContent-Length: {piece}\r\n\r\n",
            file.id,
            alice.token.as_deref().unwrap_or("")
        );
        tcp.write_all(head.as_bytes()).await.expect("head");
        tcp.write_all(&body[acknowledged..acknowledged + piece / 2]).await.expect("half");
        tcp.flush().await.expect("flush");
        tokio::time::sleep(Duration::from_millis(150 + round * 50)).await;
        kill9(&mut p);
        drop(tcp);

        p = spawn(dir.path(), site.path(), &db, &blob).await;
        let s = with_base(&p.base);
        // Sessions survive a restart (they live in the database).
        let info: FileInfo = expect_json(
            s.authed(s.client.get(s.url(&format!("/files/{}", file.id))), &alice).send().await.expect("get"),
            StatusCode::OK,
        )
        .await;
        assert_eq!(info.uploaded as usize, acknowledged, "round {round}: offset");
        assert!(!info.finalized);
        let mine: FileList =
            expect_json(s.authed(s.client.get(s.url("/files")), &alice).send().await.expect("get"), StatusCode::OK)
                .await;
        assert!(mine.files.is_empty(), "round {round}: an unfinished file is visible");
        let res =
            s.authed(s.client.get(s.url(&format!("/files/{}/content", file.id))), &alice).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::CONFLICT);
        if blob.is_none() {
            let tmp: Vec<_> = std::fs::read_dir(dir.path().join("data/blobs/tmp")).expect("tmp").collect();
            assert!(tmp.is_empty(), "round {round}: temp files survived start-up: {tmp:?}");
        }
        assert_database_consistent(dir.path(), &db).await;
        if round == 1 {
            // A fresh sign-in works after a crash too.
            s.sign_in(&mut alice).await;
        }
    }
    // Finish and compare every byte.
    let s = with_base(&p.base);
    let res = s
        .authed(s.client.patch(s.url(&format!("/files/{}/content", file.id))), &alice)
        .header("upload-offset", acknowledged.to_string())
        .body(body[acknowledged..].to_vec())
        .send()
        .await
        .expect("patch");
    expect_json::<UploadStatus>(res, StatusCode::OK).await;
    let res =
        s.authed(s.client.post(s.url(&format!("/files/{}/finalize", file.id))), &alice).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    kill9(&mut p);
    let p = spawn(dir.path(), site.path(), &db, &blob).await;
    let s = with_base(&p.base);
    let got = s
        .authed(s.client.get(s.url(&format!("/files/{}/content", file.id))), &alice)
        .send()
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert!(got.as_ref() == &body[..], "downloaded bytes differ after crashes");
    let mine: FileList =
        expect_json(s.authed(s.client.get(s.url("/files")), &alice).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(mine.files.len(), 1);

    // Blobs without a file row (a crash between deleting the rows and the
    // blobs) are swept at the next start, on either blob store.
    let store = server::blob::open(blob.as_deref(), &dir.path().join("data/blobs")).await.expect("blob store");
    let orphan = "0123456789abcdef0123456789abcdef";
    let one = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"orphan"))]).boxed();
    store.put(&format!("f/{orphan}/00000000000000000000-00"), one).await.expect("put orphan");
    assert!(store.list_children("f").await.expect("list").contains(&orphan.to_owned()));
    drop(p);
    let _p = spawn(dir.path(), site.path(), &db, &blob).await;
    let mut children = Vec::new();
    for _ in 0..100 {
        children = store.list_children("f").await.expect("list");
        if !children.contains(&orphan.to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!children.contains(&orphan.to_owned()), "orphaned blobs survived a restart");
    assert!(children.contains(&file.id), "a live file's blobs were swept");
}

/// Checks the metadata directly: every file's acknowledged size is exactly
/// the sum of its recorded pieces, pieces are contiguous from 0, and no
/// piece or recipient row points at a missing file.
async fn assert_database_consistent(dir: &std::path::Path, db: &Option<String>) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let url = match db {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", dir.join("data/quantumvault.db").display()),
    };
    let pool = sqlx::AnyPool::connect(&url).await.expect("open the database");
    let files = sqlx::query("SELECT id, uploaded, size FROM files").fetch_all(&pool).await.expect("files");
    for f in &files {
        let id: String = f.try_get("id").expect("id");
        let uploaded: i64 = f.try_get("uploaded").expect("uploaded");
        let size: i64 = f.try_get("size").expect("size");
        assert!(uploaded <= size, "{id}: more bytes than declared");
        let pieces = sqlx::query("SELECT piece_offset, len FROM file_pieces WHERE file_id = $1 ORDER BY piece_offset")
            .bind(&id)
            .fetch_all(&pool)
            .await
            .expect("pieces");
        let mut next = 0i64;
        for p in &pieces {
            assert_eq!(p.try_get::<i64, _>("piece_offset").expect("offset"), next, "{id}: gap or overlap");
            next += p.try_get::<i64, _>("len").expect("len");
        }
        assert_eq!(next, uploaded, "{id}: pieces do not add up to the acknowledged size");
    }
    for table in ["file_pieces", "file_recipients"] {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE file_id NOT IN (SELECT id FROM files)");
        let n: i64 =
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.expect("count").try_get("n").expect("n");
        assert_eq!(n, 0, "{table} rows without a file");
    }
    pool.close().await;
}
