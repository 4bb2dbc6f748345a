//! `GET` my audit chain with its latest signed checkpoint, and the server key.

use axum::Json;
use axum::extract::State;
use shared::api::{AuditCheckpoint, AuditEntry, AuditLog, ServerKey};

use crate::AppState;
use crate::auth::Authed;
use crate::error::AppError;

/// My audit chain, oldest first, with the latest checkpoint the server signed.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    responses((status = 200, body = AuditLog), (status = 401, body = shared::api::ApiError)))]
pub async fn mine(State(state): State<AppState>, me: Authed) -> Result<Json<AuditLog>, AppError> {
    let entries = state
        .store
        .audit_entries(me.user_id)
        .await?
        .into_iter()
        .map(|e| AuditEntry {
            seq: e.seq,
            at: e.at,
            event: e.event,
            detail: e.detail,
            prev_hash: hex::encode(e.prev_hash),
            hash: hex::encode(e.hash),
        })
        .collect();
    let checkpoint = state.store.latest_checkpoint(me.user_id).await?.map(|c| AuditCheckpoint {
        seq: c.seq,
        head_hash: hex::encode(c.hash),
        at: c.at,
        signature: c.signature,
    });
    Ok(Json(AuditLog { username: me.username_lower, entries, checkpoint }))
}

/// The ML-DSA-65 key that signs audit checkpoints.
#[utoipa::path(get, path = "/api/v1/audit/server-key", tag = "audit", responses((status = 200, body = ServerKey)))]
pub async fn server_key(State(state): State<AppState>) -> Json<ServerKey> {
    Json(ServerKey { mldsa65_public_key: state.signer.public_key() })
}
