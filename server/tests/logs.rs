//! Nothing secret reaches the logs: run the flows against the real binary
//! with logging at `trace` and scan the output for tokens, signatures, keys
//! and file bytes.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn trace_logs_hold_no_tokens_signatures_or_bodies() {
    let dir = tempfile::tempdir().expect("dir");
    let site = tempfile::tempdir().expect("site");
    let (db, blob) = (fresh_database().await, fresh_blob_url());
    let log_path = dir.path().join("server.log");
    let p = spawn_binary(dir.path(), site.path(), &db, &blob, "trace", Some(&log_path)).await;
    let s = with_base(&p.base);
    let alice = s.user("alice", 1).await;
    let mut bob = s.register("bob", 2).await;
    let c = s.challenge("bob").await;
    let answer = Server::answer(&c, &bob.key);
    let res = s.client.post(s.url("/auth/session")).json(&answer).send().await.expect("sign in");
    let session: shared::api::SessionResponse = expect_json(res, StatusCode::OK).await;
    bob.token = Some(session.token.clone());
    // A recognisable body: 64 KiB of one repeated marker.
    let marker = b"QV-MARKER-7f3a9c";
    let body: Vec<u8> = marker.iter().copied().cycle().take(64 * 1024).collect();
    let id = s.upload(&alice, &body, &["bob"], 16 * 1024).await;
    let got = s.authed(s.client.get(s.url(&format!("/files/{id}/content"))), &bob).send().await.expect("get");
    assert_eq!(got.bytes().await.expect("body").len(), body.len());
    let link = serde_json::json!({"to": "alice", "record": shared::api::b64::encode(marker)});
    let res = s.authed(s.client.post(s.url("/links")), &bob).json(&link).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    drop(p);

    let log = std::fs::read(&log_path).expect("log");
    assert!(log.len() > 1000, "expected trace output, got {} bytes", log.len());
    let text = String::from_utf8_lossy(&log);
    let signature_b64 = shared::api::b64::encode(&answer.signature);
    let secrets: Vec<(&str, String)> = vec![
        ("alice's token", alice.token.clone().unwrap_or_default()),
        ("bob's token", session.token.clone()),
        ("a sign-in signature", signature_b64[..64].to_owned()),
        (
            "a public key (bodies are not logged)",
            shared::api::b64::encode(&alice.identity.mldsa65_public_key)[..64].to_owned(),
        ),
        ("file bytes", String::from_utf8_lossy(marker).into_owned()),
        ("a link record", shared::api::b64::encode(marker)),
    ];
    for (what, needle) in secrets {
        assert!(!needle.is_empty());
        assert!(!text.contains(&needle), "{what} appears in the trace log");
    }
}
