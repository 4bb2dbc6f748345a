//! Files: create an upload, send resumable pieces, finalize, list, download
//! with `Range`, delete. Bytes stream straight to and from the blob store.
//!
//! Access: before finalization a file exists only for its owner; after, for
//! its owner and recipients. Everyone else gets the same 404 whether or not
//! the file exists, so ids cannot be probed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use shared::api::{CreateFileRequest, FileInfo, FileList, UploadStatus, validate_username};

use super::FileId;
use crate::auth::Authed;
use crate::error::{ApiJson, AppError};
use crate::store::{Admission, FileRecord, Piece, Quota};
use crate::{AppState, audit, now_ms, random};

/// Header carrying the offset a piece starts at.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Most recipients per file.
const MAX_RECIPIENTS: usize = 64;

/// Blob-key folder holding one sub-folder per file.
pub const BLOB_ROOT: &str = "f";

/// Blob-key folder of a file's pieces.
pub fn blob_prefix(file_id: &str) -> String {
    format!("{BLOB_ROOT}/{file_id}")
}

fn to_info(f: &FileRecord) -> FileInfo {
    FileInfo {
        id: f.id.clone(),
        owner: f.owner.clone(),
        recipients: f.recipients.iter().map(|(_, name)| name.clone()).collect(),
        size: f.size,
        uploaded: f.uploaded,
        finalized: f.finalized_at.is_some(),
        created_at: f.created_at,
        finalized_at: f.finalized_at,
    }
}

fn status(f: &FileRecord) -> UploadStatus {
    UploadStatus { id: f.id.clone(), size: f.size, offset: f.uploaded, finalized: f.finalized_at.is_some() }
}

/// How the caller relates to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Owner,
    Recipient,
}

/// The file if the caller may see it, with their role; otherwise 404.
async fn visible(state: &AppState, me: &Authed, id: &str) -> Result<(FileRecord, Role), AppError> {
    let file = state.store.get_file(id).await?.ok_or_else(AppError::no_file)?;
    if file.owner_id == me.user_id {
        return Ok((file, Role::Owner));
    }
    if file.finalized_at.is_some() && file.recipients.iter().any(|(uid, _)| *uid == me.user_id) {
        return Ok((file, Role::Recipient));
    }
    Err(AppError::no_file())
}

/// The file if the caller owns it; recipients get 403, everyone else 404.
async fn owned(state: &AppState, me: &Authed, id: &str, action: &str) -> Result<FileRecord, AppError> {
    match visible(state, me, id).await? {
        (file, Role::Owner) => Ok(file),
        (_, Role::Recipient) => Err(AppError::Forbidden(format!("only the owner may {action} this file"))),
    }
}

/// Announce an upload: declared size and recipients.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", request_body = CreateFileRequest,
    responses((status = 201, body = FileInfo), (status = 400, body = shared::api::ApiError),
        (status = 401, body = shared::api::ApiError), (status = 403, body = shared::api::ApiError, description = "quota exceeded")),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(req): ApiJson<CreateFileRequest>,
) -> Result<(StatusCode, Json<FileInfo>), AppError> {
    if req.recipients.len() > MAX_RECIPIENTS {
        return Err(AppError::BadRequest(format!("at most {MAX_RECIPIENTS} recipients per file")));
    }
    let mut recipients: Vec<(i64, String)> = Vec::new();
    for name in &req.recipients {
        validate_username(name).map_err(|e| AppError::BadRequest(format!("recipient {name:?}: {e}")))?;
        let user = state
            .store
            .find_user(&name.to_ascii_lowercase())
            .await?
            .ok_or_else(|| AppError::BadRequest(format!("no user named {name}")))?;
        if user.id != me.user_id && !recipients.iter().any(|(id, _)| *id == user.id) {
            recipients.push((user.id, user.username));
        }
    }
    let id = hex::encode(random::<16>()?);
    let now = now_ms();
    let file = FileRecord {
        id,
        owner_id: me.user_id,
        owner: me.username.clone(),
        size: req.size,
        uploaded: 0,
        finalized_at: None,
        created_at: now,
        updated_at: now,
        recipients,
    };
    let quota = Quota { bytes: state.config.quota_bytes, files: state.config.quota_files };
    match state.store.create_file(&file, quota).await? {
        Admission::Created => Ok((StatusCode::CREATED, Json(to_info(&file)))),
        Admission::OverQuota { files, .. } if files.saturating_add(1) > quota.files => Err(AppError::QuotaExceeded(
            format!("you have {files} files, the limit is {}: delete some to upload more", quota.files),
        )),
        Admission::OverQuota { bytes, .. } => Err(AppError::QuotaExceeded(format!(
            "this file needs {} bytes but only {} of your {}-byte quota remain: delete files to make room",
            req.size,
            quota.bytes.saturating_sub(bytes),
            quota.bytes
        ))),
    }
}

/// Send the next piece of ciphertext, starting at `Upload-Offset`. A piece
/// counts only once it is stored whole; after a broken connection, read the
/// offset (`GET /files/{id}`) and resend from there.
#[utoipa::path(patch, path = "/api/v1/files/{id}/content", tag = "files",
    params(("id" = String, Path), ("Upload-Offset" = u64, Header)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = UploadStatus), (status = 404, body = shared::api::ApiError),
        (status = 409, body = shared::api::ApiError, description = "offset is not the acknowledged size"),
        (status = 413, body = shared::api::ApiError, description = "beyond the declared size")),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn upload_piece(
    State(state): State<AppState>,
    me: Authed,
    FileId(id): FileId,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadStatus>, AppError> {
    let file = owned(&state, &me, &id, "upload to").await?;
    if file.finalized_at.is_some() {
        return Err(AppError::Conflict { code: "finalized", message: "the file is finalized; no more pieces".into() });
    }
    let offset = headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| AppError::BadRequest("send the piece's start as the `Upload-Offset` header".into()))?;
    if offset != file.uploaded {
        return Err(AppError::Conflict {
            code: "offset_mismatch",
            message: format!("the server has {} bytes; send the piece starting at that offset", file.uploaded),
        });
    }
    let remaining = file.size - file.uploaded;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > remaining) {
        return Err(AppError::PayloadTooLarge { limit: remaining });
    }
    if declared == Some(0) {
        return Ok(Json(status(&file)));
    }
    // Cap the stream at the declared file size while it flows.
    let exceeded = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&exceeded);
    let mut seen = 0u64;
    let stream = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .and_then(move |chunk| {
            seen += chunk.len() as u64;
            let over = seen > remaining;
            if over {
                flag.store(true, Ordering::Relaxed);
            }
            async move { if over { Err(std::io::Error::other("piece exceeds the declared size")) } else { Ok(chunk) } }
        })
        .boxed();
    let key = format!("{}/{offset:020}-{}", blob_prefix(&id), hex::encode(random::<8>()?));
    let written = match state.blobs.put(&key, stream).await {
        Ok(n) => n,
        Err(_) if exceeded.load(Ordering::Relaxed) => return Err(AppError::PayloadTooLarge { limit: remaining }),
        Err(crate::blob::BlobError::Incoming(err)) => {
            return Err(AppError::BadRequest(format!("the piece did not arrive whole ({err}); resend it")));
        }
        Err(err) => return Err(err.into()),
    };
    if written == 0 {
        // Nothing arrived: drop the empty blob (a failure leaves it to the sweep of orphans).
        let _ = state.blobs.delete(&key).await;
        return Ok(Json(status(&file)));
    }
    match state.store.add_piece(&id, &Piece { offset, len: written, blob_key: key }, now_ms()).await {
        Err(crate::store::StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "offset_mismatch",
                message: "another piece was stored at this offset first; read the offset and resend".into(),
            });
        }
        other => other?,
    }
    let file = state.store.get_file(&id).await?.ok_or_else(AppError::no_file)?;
    Ok(Json(status(&file)))
}

/// Finish an upload once every declared byte has arrived; only then is the
/// file visible to recipients and in listings.
#[utoipa::path(post, path = "/api/v1/files/{id}/finalize", tag = "files", params(("id" = String, Path)),
    responses((status = 200, body = FileInfo), (status = 404, body = shared::api::ApiError),
        (status = 409, body = shared::api::ApiError, description = "bytes missing")),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn finalize(
    State(state): State<AppState>,
    me: Authed,
    FileId(id): FileId,
) -> Result<Json<FileInfo>, AppError> {
    let file = owned(&state, &me, &id, "finalize").await?;
    if file.finalized_at.is_some() {
        return Ok(Json(to_info(&file)));
    }
    if !state.store.finalize_file(&id, now_ms()).await? {
        return Err(AppError::Conflict {
            code: "incomplete",
            message: format!("{} of {} declared bytes arrived; send the rest first", file.uploaded, file.size),
        });
    }
    let names: Vec<&str> = file.recipients.iter().map(|(_, n)| n.as_str()).collect();
    let detail = format!("file={id} size={} recipients={}", file.size, names.join(","));
    audit::record(&state, me.user_id, &me.username_lower, "upload", &detail).await?;
    for (uid, name) in &file.recipients {
        audit::record(&state, me.user_id, &me.username_lower, "share", &format!("file={id} to={name}")).await?;
        let detail = format!("file={id} from={}", me.username);
        audit::record(&state, *uid, &name.to_ascii_lowercase(), "shared_with_me", &detail).await?;
    }
    let file = state.store.get_file(&id).await?.ok_or_else(AppError::no_file)?;
    Ok(Json(to_info(&file)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `mine` (default) or `shared` (files shared with me).
    scope: Option<String>,
}

/// My finalized files, or those shared with me.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", params(ListQuery),
    responses((status = 200, body = FileList), (status = 401, body = shared::api::ApiError)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(state): State<AppState>,
    me: Authed,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FileList>, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let shared = match query.scope.as_deref() {
        None | Some("mine") => false,
        Some("shared") => true,
        Some(other) => return Err(AppError::BadRequest(format!("scope is `mine` or `shared`, not {other:?}"))),
    };
    let files = state.store.list_files(me.user_id, shared).await?;
    Ok(Json(FileList { files: files.iter().map(to_info).collect() }))
}

/// A file's server-side metadata (the owner also sees unfinished uploads: the resume offset).
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path)),
    responses((status = 200, body = FileInfo), (status = 404, body = shared::api::ApiError)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(State(state): State<AppState>, me: Authed, FileId(id): FileId) -> Result<Json<FileInfo>, AppError> {
    let (file, _) = visible(&state, &me, &id).await?;
    Ok(Json(to_info(&file)))
}

/// Parses a single `bytes=` range against `size`: `Ok(None)` means the whole file.
fn parse_range(value: Option<&HeaderValue>, size: u64) -> Result<Option<(u64, u64)>, AppError> {
    let Some(value) = value else { return Ok(None) };
    let text = value.to_str().map_err(|_| AppError::BadRequest("unreadable Range header".into()))?;
    let Some(spec) = text.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // several ranges: allowed to answer with the whole file
    }
    let unsatisfiable = || AppError::RangeNotSatisfiable { size };
    let (a, b) = spec.split_once('-').ok_or_else(|| AppError::BadRequest("malformed Range header".into()))?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| AppError::BadRequest("malformed Range header".into()))?;
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size - 1)
        }
        (first, last) => {
            let first: u64 = first.parse().map_err(|_| AppError::BadRequest("malformed Range header".into()))?;
            let last: u64 = if last.is_empty() {
                size.saturating_sub(1)
            } else {
                last.parse().map_err(|_| AppError::BadRequest("malformed Range header".into()))?
            };
            if first >= size || last < first {
                return Err(unsatisfiable());
            }
            (first, last.min(size - 1))
        }
    };
    Ok(Some((start, end)))
}

/// Download the ciphertext, whole or one `Range`.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = shared::api::ApiError), (status = 416, body = shared::api::ApiError)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn download(
    State(state): State<AppState>,
    me: Authed,
    FileId(id): FileId,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (file, _) = visible(&state, &me, &id).await?;
    if file.finalized_at.is_none() {
        return Err(AppError::Conflict { code: "not_finalized", message: "the upload is not finished yet".into() });
    }
    let range = parse_range(headers.get(header::RANGE), file.size)?;
    let (start, end_excl) = match range {
        Some((a, b)) => (a, b + 1),
        None => (0, file.size),
    };
    if start == 0 {
        audit::record(&state, me.user_id, &me.username_lower, "download", &format!("file={id} owner={}", file.owner))
            .await?;
    }
    // The pieces covering [start, end_excl), each read only where it overlaps.
    let segments: Vec<(String, u64, u64)> = state
        .store
        .pieces(&id)
        .await?
        .into_iter()
        .filter(|p| p.offset < end_excl && p.offset + p.len > start)
        .map(|p| {
            let from = start.max(p.offset);
            let to = end_excl.min(p.offset + p.len);
            (p.blob_key, from - p.offset, to - from)
        })
        .collect();
    let blobs = Arc::clone(&state.blobs);
    let stream = futures_util::stream::iter(segments)
        .then(move |(key, off, len)| {
            let blobs = Arc::clone(&blobs);
            async move { blobs.get(&key, off, len).await }
        })
        .try_flatten()
        .map_err(|err| {
            tracing::error!(%err, "download stream failed");
            std::io::Error::other("storage read failed")
        });
    let mut res = Response::new(Body::from_stream(stream));
    if range.is_some() {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end_excl - start));
    if range.is_some() {
        let value = format!("bytes {start}-{}/{}", end_excl - 1, file.size);
        h.insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).map_err(|_| AppError::Internal("range".into()))?);
    }
    Ok(res)
}

/// Delete a file (owner only): metadata first, so it vanishes at once, then the blobs.
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = shared::api::ApiError), (status = 404, body = shared::api::ApiError)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn delete(State(state): State<AppState>, me: Authed, FileId(id): FileId) -> Result<Response, AppError> {
    let file = owned(&state, &me, &id, "delete").await?;
    state.store.delete_file(&id).await?;
    if let Err(err) = state.blobs.delete_prefix(&blob_prefix(&id)).await {
        tracing::warn!(%err, file = %id, "blobs of a deleted file remain");
    }
    audit::record(&state, me.user_id, &me.username_lower, "delete", &format!("file={id} size={}", file.size)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::parse_range;

    fn r(v: &str, size: u64) -> Result<Option<(u64, u64)>, u16> {
        parse_range(Some(&HeaderValue::from_str(v).expect("header")), size).map_err(|e| match e {
            crate::error::AppError::RangeNotSatisfiable { .. } => 416,
            _ => 400,
        })
    }

    #[test]
    fn ranges() {
        assert_eq!(r("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(r("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(r("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(r("bytes=-1000", 100), Ok(Some((0, 99))));
        assert_eq!(r("bytes=50-1000", 100), Ok(Some((50, 99))));
        assert_eq!(r("bytes=100-", 100), Err(416));
        assert_eq!(r("bytes=5-4", 100), Err(416));
        assert_eq!(r("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(r("bytes=x-1", 100), Err(400));
        assert_eq!(r("items=0-1", 100), Ok(None));
    }
}
