//! Typed calls, one per endpoint of `docs/API.md`.

use shared::api::{
    AuditLog, ChallengeRequest, ChallengeResponse, CreateFileRequest, FileInfo, FileList, KeyHistory, RegisterRequest,
    RotateRequest, ServerKey, SignInRequest, UploadStatus, UserInfo, WhoAmI,
};
use web_sys::Response;

use super::transport::{Body, ClientError, get, json, post, send, start};

/// Percent-free path segment: usernames are `[A-Za-z0-9_.-]` (validated
/// before any call), file ids lower-case hex.
fn segment(s: &str) -> Result<&str, ClientError> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        Ok(s)
    } else {
        Err(ClientError::NotFound)
    }
}

/// `POST /users`.
pub async fn register(req: &RegisterRequest) -> Result<UserInfo, ClientError> {
    post("/users", req).await
}

/// `GET /users/{username}`.
pub async fn user(username: &str) -> Result<UserInfo, ClientError> {
    get(&format!("/users/{}", segment(username)?)).await
}

/// `GET /users/{username}/keys`.
pub async fn key_history(username: &str) -> Result<KeyHistory, ClientError> {
    get(&format!("/users/{}/keys", segment(username)?)).await
}

/// `POST /users/me/rotations`.
pub async fn rotate(req: &RotateRequest) -> Result<UserInfo, ClientError> {
    post("/users/me/rotations", req).await
}

/// `POST /auth/challenge`.
pub async fn challenge(username: &str) -> Result<ChallengeResponse, ClientError> {
    post("/auth/challenge", &ChallengeRequest { username: username.to_owned() }).await
}

/// `POST /auth/session` (sets the cookie).
pub async fn sign_in(req: &SignInRequest) -> Result<shared::api::SessionResponse, ClientError> {
    post("/auth/session", req).await
}

/// `GET /auth/session`.
pub async fn whoami() -> Result<WhoAmI, ClientError> {
    get("/auth/session").await
}

/// `DELETE /auth/session`.
pub async fn sign_out() -> Result<(), ClientError> {
    send("DELETE", "/auth/session", Body::None, &[]).await.map(drop)
}

/// `POST /files`.
pub async fn create_file(size: u64, recipients: Vec<String>) -> Result<FileInfo, ClientError> {
    post("/files", &CreateFileRequest { size, recipients }).await
}

/// `GET /files/{id}`.
pub async fn file(id: &str) -> Result<FileInfo, ClientError> {
    get(&format!("/files/{}", segment(id)?)).await
}

/// `GET /files?scope=…`.
pub async fn files(shared_with_me: bool) -> Result<FileList, ClientError> {
    get(if shared_with_me { "/files?scope=shared" } else { "/files?scope=mine" }).await
}

/// `PATCH /files/{id}/content` with `Upload-Offset`, started now (the piece
/// is copied before this returns); await the result when convenient.
///
/// # Errors
/// [`ClientError`] if the request cannot be made.
pub fn start_upload_piece(
    id: &str,
    offset: u64,
    piece: &js_sys::Uint8Array,
) -> Result<impl std::future::Future<Output = Result<UploadStatus, ClientError>> + use<>, ClientError> {
    let off = offset.to_string();
    let response =
        start("PATCH", &format!("/files/{}/content", segment(id)?), Body::Array(piece), &[("Upload-Offset", &off)])?;
    Ok(async move { json(response.await?).await })
}

/// `POST /files/{id}/finalize`.
pub async fn finalize(id: &str) -> Result<FileInfo, ClientError> {
    json(send("POST", &format!("/files/{}/finalize", segment(id)?), Body::None, &[]).await?).await
}

/// `DELETE /files/{id}`.
pub async fn delete_file(id: &str) -> Result<(), ClientError> {
    send("DELETE", &format!("/files/{}", segment(id)?), Body::None, &[]).await.map(drop)
}

/// `GET /files/{id}/content` from byte `from` (to `to` inclusive, if given).
pub async fn content(id: &str, from: u64, to: Option<u64>) -> Result<Response, ClientError> {
    let path = format!("/files/{}/content", segment(id)?);
    let range = match to {
        Some(to) => format!("bytes={from}-{to}"),
        None if from == 0 => return send("GET", &path, Body::None, &[]).await,
        None => format!("bytes={from}-"),
    };
    send("GET", &path, Body::None, &[("Range", &range)]).await
}

/// `GET /audit`.
pub async fn audit() -> Result<AuditLog, ClientError> {
    get("/audit").await
}

/// `GET /audit/server-key`.
pub async fn server_key() -> Result<ServerKey, ClientError> {
    get("/audit/server-key").await
}
