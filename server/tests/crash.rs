//! kill -9 of the real server binary in the middle of uploads, repeatedly:
//! after each restart no partial file is visible, the acknowledged offset is
//! intact, nothing half-written is left, and the upload resumes to a file
//! whose bytes are exactly right.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use shared::api::{FileInfo, FileList, UploadStatus};
use tokio::io::AsyncWriteExt;

struct Proc {
    child: Child,
    base: String,
}

async fn spawn(data: &std::path::Path, site: &std::path::Path, db: &Option<String>, blob: &Option<String>) -> Proc {
    let port_file = data.join(format!("port-{}", std::process::id()));
    let _ = std::fs::remove_file(&port_file);
    let argv = args(&data.join("data"), site, &port_file, db, blob, &[]);
    let child = Command::new(env!("CARGO_BIN_EXE_quantumvault-server"))
        .args(&argv[1..])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let addr = wait_for_port_file(&port_file).await;
    Proc { child, base: format!("http://{addr}") }
}

fn kill9(p: &mut Proc) {
    // SIGKILL: no graceful shutdown, no destructors.
    let _ = p.child.kill();
    let _ = p.child.wait();
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with_base(base: &str) -> Server {
    Server {
        base: base.to_owned(),
        client: reqwest::Client::new(),
        data: tempfile::tempdir().expect("unused"),
        site: tempfile::tempdir().expect("unused"),
        database_url: None,
        blob_url: None,
    }
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
}
