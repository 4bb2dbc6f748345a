//! The authorization matrix: every endpoint × anonymous, stranger,
//! recipient, owner → the expected status. Strangers get the same 404 as
//! for an id that does not exist (no existence oracle).

mod common;

use common::*;
use reqwest::{Method, StatusCode};

struct Fixture {
    s: Server,
    owner: TestUser,
    recipient: TestUser,
    stranger: TestUser,
    /// Finalized, shared with `recipient`.
    done: String,
    /// Not finalized (20 bytes declared), lists `recipient`.
    pending: String,
    /// A link record from owner to recipient.
    link: String,
}

async fn fixture() -> Fixture {
    let s = start().await;
    let owner = s.user("owner", 1).await;
    let recipient = s.user("recipient", 2).await;
    let stranger = s.user("stranger", 3).await;
    let done = s.upload(&owner, &bytes(1000, 1), &["recipient"], 400).await;
    let res = s
        .authed(s.client.post(s.url("/files")), &owner)
        .json(&serde_json::json!({"size": 20, "recipients": ["recipient"]}))
        .send()
        .await
        .expect("post");
    let pending: shared::api::FileInfo = expect_json(res, StatusCode::CREATED).await;
    let res = s
        .authed(s.client.post(s.url("/links")), &owner)
        .json(&serde_json::json!({"to": "recipient", "record": "AAEC"}))
        .send()
        .await
        .expect("post");
    let link: shared::api::LinkRecord = expect_json(res, StatusCode::CREATED).await;
    Fixture { s, owner, recipient, stranger, done, pending: pending.id, link: link.id }
}

const ABSENT: &str = "00000000000000000000000000000000";

#[tokio::test]
async fn authorization_matrix() {
    let f = fixture().await;
    let anon = TestUser { name: "anon".into(), key: keys(50).0, identity: keys(50).1, token: None };
    let (done, pending, link) = (f.done.as_str(), f.pending.as_str(), f.link.as_str());
    use StatusCode as S;
    // (method, path, body, [anonymous, stranger, recipient, owner])
    let rows: Vec<(Method, String, Option<serde_json::Value>, [StatusCode; 4])> = vec![
        (Method::GET, "/health".into(), None, [S::OK, S::OK, S::OK, S::OK]),
        (Method::GET, "/openapi.json".into(), None, [S::OK, S::OK, S::OK, S::OK]),
        (Method::GET, "/users/owner".into(), None, [S::OK, S::OK, S::OK, S::OK]),
        (Method::GET, "/users/owner/keys".into(), None, [S::OK, S::OK, S::OK, S::OK]),
        (Method::GET, "/audit/server-key".into(), None, [S::OK, S::OK, S::OK, S::OK]),
        (Method::GET, "/auth/session".into(), None, [S::UNAUTHORIZED, S::OK, S::OK, S::OK]),
        (
            Method::POST,
            "/users/me/rotations".into(),
            Some(serde_json::json!({})),
            [S::UNAUTHORIZED, S::BAD_REQUEST, S::BAD_REQUEST, S::BAD_REQUEST],
        ),
        (Method::GET, "/files".into(), None, [S::UNAUTHORIZED, S::OK, S::OK, S::OK]),
        (Method::GET, "/files?scope=shared".into(), None, [S::UNAUTHORIZED, S::OK, S::OK, S::OK]),
        (
            Method::POST,
            "/files".into(),
            Some(serde_json::json!({"size": 1})),
            [S::UNAUTHORIZED, S::CREATED, S::CREATED, S::CREATED],
        ),
        (Method::GET, format!("/files/{done}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK]),
        (Method::GET, format!("/files/{done}/content"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK]),
        (
            Method::PATCH,
            format!("/files/{done}/content"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::FORBIDDEN, S::CONFLICT],
        ),
        (Method::POST, format!("/files/{done}/finalize"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::FORBIDDEN, S::OK]),
        (Method::GET, format!("/files/{pending}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::OK]),
        (
            Method::GET,
            format!("/files/{pending}/content"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::CONFLICT],
        ),
        (
            Method::PATCH,
            format!("/files/{pending}/content"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::OK],
        ),
        (
            Method::POST,
            format!("/files/{pending}/finalize"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::CONFLICT],
        ),
        (
            Method::DELETE,
            format!("/files/{pending}"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::NO_CONTENT],
        ),
        (Method::GET, format!("/files/{ABSENT}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
        (
            Method::GET,
            format!("/files/{ABSENT}/content"),
            None,
            [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND],
        ),
        (Method::DELETE, format!("/files/{ABSENT}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
        (Method::GET, "/links".into(), None, [S::UNAUTHORIZED, S::OK, S::OK, S::OK]),
        (
            Method::POST,
            "/links".into(),
            Some(serde_json::json!({"to": "owner", "record": "AQ"})),
            [S::UNAUTHORIZED, S::CREATED, S::CREATED, S::CREATED],
        ),
        (Method::GET, format!("/links/{link}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK]),
        (Method::GET, format!("/links/{ABSENT}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND]),
        (Method::GET, "/audit".into(), None, [S::UNAUTHORIZED, S::OK, S::OK, S::OK]),
        // Deleting the finalized file comes last: owner-only.
        (Method::DELETE, format!("/files/{done}"), None, [S::UNAUTHORIZED, S::NOT_FOUND, S::FORBIDDEN, S::NO_CONTENT]),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (who, want) in [&anon, &f.stranger, &f.recipient, &f.owner].into_iter().zip(expected) {
            let mut req = f.s.authed(f.s.client.request(method.clone(), f.s.url(path)), who);
            if method == Method::PATCH {
                req = req.header("upload-offset", "0").body(vec![1u8; 10]);
            }
            if let Some(body) = body {
                req = req.json(body);
            }
            let res = req.send().await.expect("request");
            let got = res.status();
            if got != *want {
                failures.push(format!("{method} {path} as {}: expected {want}, got {got}", who.name));
                continue;
            }
            if !got.is_success() {
                let err = expect_error(res, got).await;
                if got == S::NOT_FOUND && path.starts_with("/files/") {
                    // Hidden and absent files look exactly alike.
                    assert_eq!(err.message, "nothing here: no such file (or it is not shared with you)");
                }
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix mismatches:\n{}", failures.join("\n"));
    // The stranger's listings never mention the owner's files.
    let list: shared::api::FileList = expect_json(
        f.s.authed(f.s.client.get(f.s.url("/files?scope=shared")), &f.stranger).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert!(list.files.is_empty());
}
