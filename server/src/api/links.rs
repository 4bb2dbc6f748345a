//! BB84 link relay: sealed, signed link records delivered between two users.
//! The records are opaque to the server; only sender and addressee see them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::{LinkList, LinkRecord, SendLinkRequest, validate_username};

use super::FileId;
use crate::auth::Authed;
use crate::error::{ApiJson, AppError};
use crate::store::Link;
use crate::{AppState, audit, now_ms, random};

/// Largest link record accepted.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

fn wire(l: Link) -> LinkRecord {
    LinkRecord { id: l.id, from: l.from, to: l.to, record: l.record, created_at: l.created_at }
}

/// Deliver a link record to another user.
#[utoipa::path(post, path = "/api/v1/links", tag = "links", request_body = SendLinkRequest,
    responses((status = 201, body = LinkRecord), (status = 400, body = shared::api::ApiError),
        (status = 401, body = shared::api::ApiError), (status = 413, body = shared::api::ApiError)))]
pub async fn send(
    State(state): State<AppState>,
    me: Authed,
    ApiJson(req): ApiJson<SendLinkRequest>,
) -> Result<(StatusCode, Json<LinkRecord>), AppError> {
    if req.record.len() > MAX_RECORD_BYTES {
        return Err(AppError::PayloadTooLarge { limit: MAX_RECORD_BYTES as u64 });
    }
    if req.record.is_empty() {
        return Err(AppError::BadRequest("the link record is empty".into()));
    }
    validate_username(&req.to).map_err(AppError::BadRequest)?;
    let to = state
        .store
        .find_user(&req.to.to_ascii_lowercase())
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("no user named {}", req.to)))?;
    let link = Link {
        id: hex::encode(random::<16>()?),
        from: me.username.clone(),
        to: to.username.clone(),
        from_id: me.user_id,
        to_id: to.id,
        record: req.record,
        created_at: now_ms(),
    };
    state.store.insert_link(&link).await?;
    audit::record(&state, me.user_id, &me.username_lower, "link_sent", &format!("link={} to={}", link.id, to.username))
        .await?;
    audit::record(
        &state,
        to.id,
        &to.username_lower,
        "link_received",
        &format!("link={} from={}", link.id, me.username),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(wire(link))))
}

/// Link records I sent or that are addressed to me, newest first.
#[utoipa::path(get, path = "/api/v1/links", tag = "links",
    responses((status = 200, body = LinkList), (status = 401, body = shared::api::ApiError)))]
pub async fn list(State(state): State<AppState>, me: Authed) -> Result<Json<LinkList>, AppError> {
    let links = state.store.list_links(me.user_id).await?;
    Ok(Json(LinkList { links: links.into_iter().map(wire).collect() }))
}

/// One link record (sender or addressee only; 404 otherwise).
#[utoipa::path(get, path = "/api/v1/links/{id}", tag = "links", params(("id" = String, Path)),
    responses((status = 200, body = LinkRecord), (status = 404, body = shared::api::ApiError)))]
pub async fn get(State(state): State<AppState>, me: Authed, FileId(id): FileId) -> Result<Json<LinkRecord>, AppError> {
    let not_found = || AppError::NotFound("no such link record (or it is not yours)".into());
    let link = state.store.get_link(&id).await?.ok_or_else(not_found)?;
    if link.from_id != me.user_id && link.to_id != me.user_id {
        return Err(not_found());
    }
    Ok(Json(wire(link)))
}
