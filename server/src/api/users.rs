//! The public-key directory: register, look up, rotate.

use axum::Json;
use axum::http::StatusCode;
use shared::api::identity::IdentityKeyError;
use shared::api::signing::{register_message, rotation_message};
use shared::api::{
    KeyHistory, KeyHistoryEntry, PublicIdentity, RegisterRequest, RotateRequest, UserInfo, validate_username,
};

use super::UserName;
use crate::auth::Authed;
use crate::error::{ApiJson, AppError};
use crate::store::{KeyRecord, StoreError, User};
use crate::verify::{CONTEXT_REGISTER, CONTEXT_ROTATE};
use crate::{AppState, audit, now_ms};

fn identity_of(k: &KeyRecord) -> PublicIdentity {
    PublicIdentity { mldsa65_public_key: k.mldsa65_public_key.clone(), xwing_public_key: k.xwing_public_key.clone() }
}

fn info(user: &User) -> UserInfo {
    UserInfo {
        username: user.username.clone(),
        rotation: user.current.rotation,
        identity: identity_of(&user.current),
        fingerprint: hex::encode(&user.current.fingerprint),
        created_at: user.created_at,
    }
}

fn bad_key(err: IdentityKeyError) -> AppError {
    AppError::InvalidKey(err)
}

/// Create an account with its public identity and a self-signature.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = RegisterRequest,
    responses((status = 201, body = UserInfo), (status = 400, body = shared::api::ApiError), (status = 409, body = shared::api::ApiError)))]
pub async fn register(
    axum::extract::State(state): axum::extract::State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<UserInfo>), AppError> {
    validate_username(&req.username).map_err(AppError::BadRequest)?;
    let identity = req.identity.parse(0).map_err(bad_key)?;
    let lower = req.username.to_ascii_lowercase();
    let message = register_message(&lower, &req.identity);
    identity
        .sign
        .verify(&message, CONTEXT_REGISTER, &req.self_signature)
        .map_err(|e| AppError::BadRequest(format!("self-signature: {e}")))?;
    let now = now_ms();
    let keys = KeyRecord {
        rotation: 0,
        fingerprint: identity.fingerprint().0.to_vec(),
        mldsa65_public_key: req.identity.mldsa65_public_key,
        xwing_public_key: req.identity.xwing_public_key,
        self_signature: req.self_signature,
        rotation_signature: None,
        created_at: now,
    };
    let id = match state.store.create_user(&req.username, &lower, &keys, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "username_taken",
                message: format!("the username {} is taken (names are unique ignoring case)", req.username),
            });
        }
        other => other?,
    };
    audit::record(&state, id, &lower, "register", &format!("fingerprint={}", hex::encode(&keys.fingerprint))).await?;
    let user = state.store.find_user_by_id(id).await?.ok_or_else(|| AppError::Internal("user vanished".into()))?;
    Ok((StatusCode::CREATED, Json(info(&user))))
}

/// A user's current public identity and fingerprint.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users",
    params(("username" = String, Path)), responses((status = 200, body = UserInfo), (status = 404, body = shared::api::ApiError)))]
pub async fn lookup(
    axum::extract::State(state): axum::extract::State<AppState>,
    UserName(lower): UserName,
) -> Result<Json<UserInfo>, AppError> {
    let user = state.store.find_user(&lower).await?.ok_or_else(|| AppError::NotFound("no such user".into()))?;
    Ok(Json(info(&user)))
}

/// Every rotation of a user's keys with the statements linking them.
#[utoipa::path(get, path = "/api/v1/users/{username}/keys", tag = "users",
    params(("username" = String, Path)), responses((status = 200, body = KeyHistory), (status = 404, body = shared::api::ApiError)))]
pub async fn history(
    axum::extract::State(state): axum::extract::State<AppState>,
    UserName(lower): UserName,
) -> Result<Json<KeyHistory>, AppError> {
    let user = state.store.find_user(&lower).await?.ok_or_else(|| AppError::NotFound("no such user".into()))?;
    let entries = state
        .store
        .key_history(user.id)
        .await?
        .into_iter()
        .map(|k| KeyHistoryEntry {
            rotation: k.rotation,
            identity: identity_of(&k),
            fingerprint: hex::encode(&k.fingerprint),
            self_signature: k.self_signature,
            rotation_signature: k.rotation_signature,
            created_at: k.created_at,
        })
        .collect();
    Ok(Json(KeyHistory { username: user.username, entries }))
}

/// Register new keys, vouched for by the previous signing key.
#[utoipa::path(post, path = "/api/v1/users/me/rotations", tag = "users", request_body = RotateRequest,
    responses((status = 200, body = UserInfo), (status = 400, body = shared::api::ApiError),
        (status = 401, body = shared::api::ApiError), (status = 409, body = shared::api::ApiError)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn rotate(
    axum::extract::State(state): axum::extract::State<AppState>,
    me: Authed,
    ApiJson(req): ApiJson<RotateRequest>,
) -> Result<Json<UserInfo>, AppError> {
    let identity = req.identity.parse(req.rotation).map_err(bad_key)?;
    let user =
        state.store.find_user_by_id(me.user_id).await?.ok_or_else(|| AppError::Unauthorized("no account".into()))?;
    if req.rotation != user.current.rotation + 1 {
        return Err(AppError::Conflict {
            code: "stale_rotation",
            message: format!(
                "the current rotation is {}; the next must be {}",
                user.current.rotation,
                user.current.rotation + 1
            ),
        });
    }
    let statement = rotation_message(&user.username_lower, req.rotation, &user.current.fingerprint, &req.identity);
    crate::verify::verify(&user.current.mldsa65_public_key, &statement, CONTEXT_ROTATE, &req.rotation_signature)
        .map_err(|e| AppError::BadRequest(format!("rotation statement (signed by the previous key): {e}")))?;
    identity
        .sign
        .verify(&register_message(&user.username_lower, &req.identity), CONTEXT_REGISTER, &req.self_signature)
        .map_err(|e| AppError::BadRequest(format!("self-signature of the new keys: {e}")))?;
    let keys = KeyRecord {
        rotation: req.rotation,
        fingerprint: identity.fingerprint().0.to_vec(),
        mldsa65_public_key: req.identity.mldsa65_public_key,
        xwing_public_key: req.identity.xwing_public_key,
        self_signature: req.self_signature,
        rotation_signature: Some(req.rotation_signature),
        created_at: now_ms(),
    };
    match state.store.add_rotation(user.id, &keys).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "stale_rotation",
                message: "another rotation won; fetch the keys and retry".into(),
            });
        }
        other => other?,
    }
    let detail = format!("rotation={} fingerprint={}", keys.rotation, hex::encode(&keys.fingerprint));
    audit::record(&state, user.id, &user.username_lower, "rotate", &detail).await?;
    let user =
        state.store.find_user_by_id(me.user_id).await?.ok_or_else(|| AppError::Internal("user vanished".into()))?;
    Ok(Json(info(&user)))
}
