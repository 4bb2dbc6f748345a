//! The audit hash chain with signed checkpoints, and the BB84 link relay.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use shared::api::signing::{CONTEXT_AUDIT_CHECKPOINT, audit_entry_preimage, checkpoint_message};
use shared::api::{AuditLog, LinkList, LinkRecord, ServerKey};

fn verify_chain(log: &AuditLog) {
    let mut prev = vec![0u8; 32];
    for (i, e) in log.entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(hex::decode(&e.prev_hash).expect("hex"), prev);
        let hash =
            Sha256::digest(audit_entry_preimage(&log.username, e.seq, e.at, &e.event, &e.detail, &prev)).to_vec();
        assert_eq!(hex::encode(&hash), e.hash, "entry {}", e.seq);
        prev = hash;
    }
}

#[tokio::test]
async fn security_events_form_a_verifiable_chain_with_signed_checkpoints() {
    let s = start_with(&["--maintenance-secs", "1"]).await;
    let alice = s.user("alice", 1).await;
    let bob = s.user("bob", 2).await;
    let id = s.upload(&alice, &bytes(100, 1), &["bob"], 100).await;
    let res = s.authed(s.client.get(s.url(&format!("/files/{id}/content"))), &bob).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let _ = res.bytes().await;
    // A failed sign-in shows up too.
    let c = s.challenge("alice").await;
    let _ = s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &bob.key)).send().await.expect("post");
    let res = s.authed(s.client.delete(s.url(&format!("/files/{id}"))), &alice).send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let key: ServerKey =
        expect_json(s.client.get(s.url("/audit/server-key")).send().await.expect("get"), StatusCode::OK).await;
    let mut log: AuditLog;
    let mut waited = 0;
    loop {
        log = expect_json(s.authed(s.client.get(s.url("/audit")), &alice).send().await.expect("get"), StatusCode::OK)
            .await;
        if log.checkpoint.as_ref().is_some_and(|c| c.seq == log.entries.len() as u64) || waited > 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let events: Vec<&str> = log.entries.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["register", "sign_in", "upload", "share", "sign_in_failed", "delete"]);
    verify_chain(&log);
    let cp = log.checkpoint.as_ref().expect("a checkpoint within a few seconds");
    assert_eq!(cp.head_hash, log.entries.last().map(|e| e.hash.clone()).unwrap_or_default());
    let msg = checkpoint_message(&log.username, cp.seq, &hex::decode(&cp.head_hash).expect("hex"), cp.at);
    shared::crypto::sign::VerifyingKey::from_bytes(&key.mldsa65_public_key)
        .expect("server key")
        .verify(&msg, CONTEXT_AUDIT_CHECKPOINT, &cp.signature)
        .expect("checkpoint signature");

    let bob_log: AuditLog =
        expect_json(s.authed(s.client.get(s.url("/audit")), &bob).send().await.expect("get"), StatusCode::OK).await;
    let events: Vec<&str> = bob_log.entries.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["register", "sign_in", "shared_with_me", "download"]);
    verify_chain(&bob_log);
    // A truncated chain (last entry dropped) no longer matches the signed head.
    assert_ne!(
        bob_log.entries[bob_log.entries.len() - 2].hash,
        bob_log.checkpoint.as_ref().map(|c| c.head_hash.clone()).unwrap_or_default()
    );
}

#[tokio::test]
async fn link_records_are_relayed_between_the_two_users_only() {
    let s = start().await;
    let alice = s.user("alice", 1).await;
    let bob = s.user("bob", 2).await;
    let carol = s.user("carol", 3).await;
    let record = bytes(4096, 7);
    let body = serde_json::json!({"to": "BOB", "record": shared::api::b64::encode(&record)});
    let sent: LinkRecord = expect_json(
        s.authed(s.client.post(s.url("/links")), &alice).json(&body).send().await.expect("post"),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((sent.from.as_str(), sent.to.as_str()), ("alice", "bob"));
    let inbox: LinkList =
        expect_json(s.authed(s.client.get(s.url("/links")), &bob).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(inbox.links.len(), 1);
    assert_eq!(inbox.links[0].record, record);
    let one: LinkRecord = expect_json(
        s.authed(s.client.get(s.url(&format!("/links/{}", sent.id))), &bob).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(one, sent);
    let none: LinkList =
        expect_json(s.authed(s.client.get(s.url("/links")), &carol).send().await.expect("get"), StatusCode::OK).await;
    assert!(none.links.is_empty());
    expect_error(
        s.authed(s.client.get(s.url(&format!("/links/{}", sent.id))), &carol).send().await.expect("get"),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Unknown addressee, empty and oversized records.
    for (body, status) in [
        (serde_json::json!({"to": "nobody", "record": "AQ"}), StatusCode::BAD_REQUEST),
        (serde_json::json!({"to": "bob", "record": ""}), StatusCode::BAD_REQUEST),
        (
            serde_json::json!({"to": "bob", "record": shared::api::b64::encode(&vec![0u8; 64 * 1024 + 1])}),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        expect_error(s.authed(s.client.post(s.url("/links")), &alice).json(&body).send().await.expect("post"), status)
            .await;
    }
}

#[tokio::test]
async fn openapi_document_lists_the_endpoints() {
    let s = start().await;
    let doc: serde_json::Value =
        expect_json(s.client.get(s.url("/openapi.json")).send().await.expect("get"), StatusCode::OK).await;
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/users",
        "/api/v1/auth/challenge",
        "/api/v1/auth/session",
        "/api/v1/files/{id}/content",
        "/api/v1/links",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["PublicIdentity"].is_object());
}
