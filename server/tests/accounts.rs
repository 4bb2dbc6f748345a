//! Accounts, the key directory, sign-in and rotation, against the real server.

mod common;

use common::*;
use reqwest::StatusCode;
use shared::api::signing::{CONTEXT_REGISTER, CONTEXT_SIGN_IN, register_message, sign_in_message};
use shared::api::{KeyHistory, RegisterRequest, SignInRequest, UserInfo, WhoAmI};

#[tokio::test]
async fn register_lookup_fingerprint_and_case_insensitive_uniqueness() {
    let s = start().await;
    let alice = s.register("Alice", 1).await;
    let info: UserInfo =
        expect_json(s.client.get(s.url("/users/alice")).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(info.username, "Alice");
    assert_eq!(info.rotation, 0);
    assert_eq!(info.identity, alice.identity);
    // One fingerprint everywhere: the server's is `shared::identity`'s, the one the browser shows.
    let expected = seeds(1).identity().public().fingerprint();
    assert_eq!(info.fingerprint, hex::encode(expected.0));
    assert_eq!(info.fingerprint, shared::api::identity::fingerprint_hex(&expected));
    let history: KeyHistory =
        expect_json(s.client.get(s.url("/users/alice/keys")).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(history.entries[0].fingerprint, info.fingerprint);
    // Same name in another case: taken.
    let (key, identity) = keys(2);
    let sig = sign(&key, &register_message("alice", &identity), CONTEXT_REGISTER);
    let body = serde_json::json!({"username": "ALICE", "identity": identity, "self_signature": shared::api::b64::encode(&sig)});
    let err =
        expect_error(s.client.post(s.url("/users")).json(&body).send().await.expect("post"), StatusCode::CONFLICT)
            .await;
    assert_eq!(err.code, "username_taken");
    // Unknown user and invalid names: 404.
    for path in ["/users/nobody", "/users/..%2F..%2Fetc", "/users/a%00b"] {
        expect_error(s.client.get(s.url(path)).send().await.expect("get"), StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn registration_refuses_bad_names_keys_and_signatures() {
    let s = start().await;
    let (key, identity) = keys(3);
    let good_sig = sign(&key, &register_message("carol", &identity), CONTEXT_REGISTER);
    let cases = [
        (
            "bad name",
            serde_json::json!({"username": "../x", "identity": identity, "self_signature": shared::api::b64::encode(&good_sig)}),
        ),
        (
            "wrong context",
            serde_json::json!({"username": "carol", "identity": identity, "self_signature": shared::api::b64::encode(&sign(&key, &register_message("carol", &identity), CONTEXT_SIGN_IN))}),
        ),
        (
            "signed for another name",
            serde_json::json!({"username": "carol", "identity": identity, "self_signature": shared::api::b64::encode(&sign(&key, &register_message("dave", &identity), CONTEXT_REGISTER))}),
        ),
        ("not base64url", serde_json::json!({"username": "carol", "identity": identity, "self_signature": "a+b/c=="})),
        (
            "unknown field",
            serde_json::json!({"username": "carol", "identity": identity, "self_signature": "AA", "admin": true}),
        ),
    ];
    for (what, body) in cases {
        let res = s.client.post(s.url("/users")).json(&body).send().await.expect("post");
        let err = expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(err.code, "bad_request", "{what}");
    }
    // Malformed keys: a typed `invalid_key` error naming the key, even with a valid self-signature.
    let short_sign = shared::api::PublicIdentity { mldsa65_public_key: vec![0; 3], ..identity.clone() };
    let short_kem = shared::api::PublicIdentity { xwing_public_key: vec![0; 1215], ..identity.clone() };
    // 0xFF bytes decode to ML-KEM coefficients 4095 ≥ q: the right length, not a key.
    let bad_kem = shared::api::PublicIdentity { xwing_public_key: vec![0xFF; 1216], ..identity.clone() };
    for (bad, says) in [(short_sign, "ML-DSA-65"), (short_kem, "1216 bytes"), (bad_kem, "malformed")] {
        let sig = sign(&key, &register_message("carol", &bad), CONTEXT_REGISTER);
        let body = RegisterRequest { username: "carol".into(), identity: bad, self_signature: sig };
        let err = expect_error(
            s.client.post(s.url("/users")).json(&body).send().await.expect("post"),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(err.code, "invalid_key", "{says}");
        assert!(err.message.contains(says), "{}", err.message);
    }
    // Nothing was created.
    expect_error(s.client.get(s.url("/users/carol")).send().await.expect("get"), StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn sign_in_gives_cookie_and_bearer_and_sign_out_revokes() {
    let s = start().await;
    let user = s.register("alice", 1).await;
    let c = s.challenge("ALICE").await;
    assert_eq!(c.username, "alice");
    assert_eq!(c.nonce.len(), 32);
    assert!(c.expires_at - chrono_now() <= 120_000);
    let res = s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &user.key)).send().await.expect("post");
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(cookie.starts_with("qv_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session: shared::api::SessionResponse = expect_json(res, StatusCode::OK).await;
    assert_eq!(shared::api::b64::decode(&session.token).map(|t| t.len()), Some(32));
    // Bearer works.
    let me: WhoAmI = expect_json(
        s.client.get(s.url("/auth/session")).bearer_auth(&session.token).send().await.expect("get"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me.username, "alice");
    // Cookie works.
    let res = s
        .client
        .get(s.url("/auth/session"))
        .header("cookie", format!("other=1; qv_session={}", session.token))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    // The database holds only the hash of the token.
    if s.database_url.is_none() {
        let db = std::fs::read(data_path(&s).join("quantumvault.db")).expect("db");
        // WAL mode: the write-ahead log sits beside the database while it is open.
        assert!(data_path(&s).join("quantumvault.db-wal").exists(), "SQLite is not in WAL mode");
        let wal = std::fs::read(data_path(&s).join("quantumvault.db-wal")).unwrap_or_default();
        for hay in [&db, &wal] {
            assert!(!hay.windows(session.token.len()).any(|w| w == session.token.as_bytes()), "token stored in clear");
        }
    }
    // Sign out revokes both ways of presenting it.
    let res = s.client.delete(s.url("/auth/session")).bearer_auth(&session.token).send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").contains("Max-Age=0"));
    expect_error(
        s.client.get(s.url("/auth/session")).bearer_auth(&session.token).send().await.expect("get"),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let res = s
        .client
        .get(s.url("/auth/session"))
        .header("cookie", format!("qv_session={}", session.token))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Garbage tokens: 401 JSON.
    for token in ["", "x", &"A".repeat(5000)] {
        let res = s.client.get(s.url("/auth/session")).bearer_auth(token).send().await.expect("get");
        expect_error(res, StatusCode::UNAUTHORIZED).await;
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[tokio::test]
async fn replayed_forged_and_misdirected_answers_fail() {
    let s = start().await;
    let alice = s.register("alice", 1).await;
    let mallory = s.register("mallory", 9).await;
    // Replay: the same valid answer twice.
    let c = s.challenge("alice").await;
    let answer = Server::answer(&c, &alice.key);
    let ok = s.client.post(s.url("/auth/session")).json(&answer).send().await.expect("post");
    assert_eq!(ok.status(), StatusCode::OK);
    let replay = s.client.post(s.url("/auth/session")).json(&answer).send().await.expect("post");
    expect_error(replay, StatusCode::UNAUTHORIZED).await;
    // Forged: signed by another key.
    let c = s.challenge("alice").await;
    let forged = Server::answer(&c, &mallory.key);
    expect_error(
        s.client.post(s.url("/auth/session")).json(&forged).send().await.expect("post"),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The challenge was consumed by the failed attempt: the right key cannot reuse it.
    let late = Server::answer(&c, &alice.key);
    expect_error(
        s.client.post(s.url("/auth/session")).json(&late).send().await.expect("post"),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Wrong context string.
    let c = s.challenge("alice").await;
    let msg = sign_in_message(&c.challenge_id, &c.nonce, &c.username, &c.origin);
    let wrong_ctx =
        SignInRequest { challenge_id: c.challenge_id.clone(), signature: sign(&alice.key, &msg, CONTEXT_REGISTER) };
    expect_error(
        s.client.post(s.url("/auth/session")).json(&wrong_ctx).send().await.expect("post"),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Bound to the origin: an answer sent from another origin fails.
    let c = s
        .client
        .post(s.url("/auth/challenge"))
        .header("origin", "https://vault.example")
        .json(&serde_json::json!({"username": "alice"}))
        .send()
        .await
        .expect("post");
    let c: shared::api::ChallengeResponse = expect_json(c, StatusCode::OK).await;
    assert_eq!(c.origin, "https://vault.example");
    let res = s
        .client
        .post(s.url("/auth/session"))
        .header("origin", "https://evil.example")
        .json(&Server::answer(&c, &alice.key))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::UNAUTHORIZED).await;
    // Unknown and malformed challenge ids.
    for id in ["00000000000000000000000000000000", "../../etc/passwd", ""] {
        let body = SignInRequest { challenge_id: id.into(), signature: vec![0; 3309] };
        expect_error(
            s.client.post(s.url("/auth/session")).json(&body).send().await.expect("post"),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    // Unknown user: 404.
    let res = s
        .client
        .post(s.url("/auth/challenge"))
        .json(&serde_json::json!({"username": "nobody"}))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn expired_challenges_fail() {
    let s = start_with(&["--challenge-secs", "1"]).await;
    let alice = s.register("alice", 1).await;
    let c = s.challenge("alice").await;
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let res = s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &alice.key)).send().await.expect("post");
    expect_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn sessions_expire() {
    let s = start_with(&["--session-secs", "1"]).await;
    let alice = s.user("alice", 1).await;
    let me: WhoAmI =
        expect_json(s.authed(s.client.get(s.url("/auth/session")), &alice).send().await.expect("get"), StatusCode::OK)
            .await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    assert!(me.expires_at > now && me.expires_at <= now + 1500, "expires_at {} vs now {now}", me.expires_at);
    // Once the server's expiry time has passed, the same token is refused.
    let wait = u64::try_from(me.expires_at - now).unwrap_or(0) + 100;
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    let res = s.authed(s.client.get(s.url("/files")), &alice).send().await.expect("get");
    let err = expect_error(res, StatusCode::UNAUTHORIZED).await;
    assert!(err.message.contains("expired"), "{}", err.message);
}

#[tokio::test]
async fn origin_allow_list_and_challenge_lifetime_cap() {
    let s = start_with(&["--public-origin", "https://vault.example"]).await;
    s.register("alice", 1).await;
    let res = s
        .client
        .post(s.url("/auth/challenge"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"username": "alice"}))
        .send()
        .await
        .expect("post");
    expect_error(res, StatusCode::FORBIDDEN).await;
    let c = s.challenge("alice").await;
    assert_eq!(c.origin, "https://vault.example");
    // A lifetime above two minutes is refused at start-up.
    use clap::Parser;
    assert!(server::Config::try_parse_from(["x", "--challenge-secs", "121"]).is_err());
}

#[tokio::test]
async fn failed_verifications_pause_the_account() {
    let s = start_with(&["--max-failed-sign-ins", "3"]).await;
    let alice = s.register("alice", 1).await;
    let mallory = s.register("mallory", 9).await;
    for _ in 0..3 {
        let c = s.challenge("alice").await;
        let res =
            s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &mallory.key)).send().await.expect("post");
        expect_error(res, StatusCode::UNAUTHORIZED).await;
    }
    // Even the right key is paused now.
    let c = s.challenge("alice").await;
    let res = s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &alice.key)).send().await.expect("post");
    let err = expect_error(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(err.code, "too_many_requests");
    // Other accounts are unaffected.
    let mut m = mallory;
    s.sign_in(&mut m).await;
}

#[tokio::test]
async fn challenges_are_rate_limited_per_address() {
    let s = start_with(&["--auth-burst", "3", "--auth-refill-ms", "60000"]).await;
    // Registration shares the allowance: one used here.
    s.register("alice", 1).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = s
            .client
            .post(s.url("/auth/challenge"))
            .json(&serde_json::json!({"username": "alice"}))
            .send()
            .await
            .expect("post");
        statuses.push(res.status());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let err = expect_error(res, StatusCode::TOO_MANY_REQUESTS).await;
            assert_eq!(err.code, "too_many_requests");
        }
    }
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS]
    );
}

#[tokio::test]
async fn rotation_is_signed_by_the_previous_key_and_history_is_kept() {
    let s = start().await;
    let mut alice = s.user("alice", 1).await;
    let mallory = s.user("mallory", 9).await;
    let before: UserInfo =
        expect_json(s.client.get(s.url("/users/alice")).send().await.expect("get"), StatusCode::OK).await;
    let fpr = hex::decode(&before.fingerprint).expect("hex");

    // Anonymous: 401.
    let (req, _) = rotate_request(&alice, &fpr, 1, 2);
    expect_error(
        s.client.post(s.url("/users/me/rotations")).json(&req).send().await.expect("post"),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Signed by a key that is not the previous one: 400.
    let forged = TestUser { name: "alice".into(), key: keys(9).0, identity: keys(9).1, token: alice.token.clone() };
    let (req, _) = rotate_request(&forged, &fpr, 1, 2);
    expect_error(
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&req).send().await.expect("post"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Mallory cannot rotate Alice: her statement would be for her own account (and signed by her key).
    let (req, _) = rotate_request(&alice, &fpr, 1, 2);
    let res = s.authed(s.client.post(s.url("/users/me/rotations")), &mallory).json(&req).send().await.expect("post");
    expect_error(res, StatusCode::BAD_REQUEST).await;
    // New keys with a malformed X-Wing key: typed 400, nothing changes.
    let (mut req, _) = rotate_request(&alice, &fpr, 1, 2);
    req.identity.xwing_public_key = vec![0xFF; 1216];
    let err = expect_error(
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&req).send().await.expect("post"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(err.code, "invalid_key");
    // Skipping a rotation number: 409.
    let (req, _) = rotate_request(&alice, &fpr, 2, 2);
    expect_error(
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&req).send().await.expect("post"),
        StatusCode::CONFLICT,
    )
    .await;
    // The real thing.
    let (req, new_key) = rotate_request(&alice, &fpr, 1, 2);
    let after: UserInfo = expect_json(
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&req).send().await.expect("post"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(after.rotation, 1);
    assert_eq!(after.identity, req.identity);
    assert_eq!(after.fingerprint, hex::encode(seeds(2).identity().public().fingerprint().0));
    // Replaying the same statement: 409 (stale).
    expect_error(
        s.authed(s.client.post(s.url("/users/me/rotations")), &alice).json(&req).send().await.expect("post"),
        StatusCode::CONFLICT,
    )
    .await;
    // History keeps both, with the statement that links them.
    let history: KeyHistory =
        expect_json(s.client.get(s.url("/users/ALICE/keys")).send().await.expect("get"), StatusCode::OK).await;
    assert_eq!(history.entries.len(), 2);
    assert_eq!(history.entries[0].identity, alice.identity);
    assert!(history.entries[0].rotation_signature.is_none());
    assert_eq!(history.entries[1].rotation_signature.as_ref(), Some(&req.rotation_signature));
    // What the server serves is exactly what a client can verify from rotation 0.
    let verified = shared::api::identity::verify_key_history(&history).expect("the history verifies");
    assert_eq!(verified.last().map(|id| id.fingerprint()), Some(seeds(2).identity().public().fingerprint()));
    // Sign-in now needs the new key.
    let c = s.challenge("alice").await;
    let res = s.client.post(s.url("/auth/session")).json(&Server::answer(&c, &alice.key)).send().await.expect("post");
    expect_error(res, StatusCode::UNAUTHORIZED).await;
    alice.key = new_key;
    s.sign_in(&mut alice).await;
}
