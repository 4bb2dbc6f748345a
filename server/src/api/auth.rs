//! Sign-in endpoints: challenge, answer (session), who-am-I, sign-out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::api::{ChallengeRequest, ChallengeResponse, SessionResponse, SignInRequest, WhoAmI};

use crate::auth::{Authed, challenge, session};
use crate::error::{ApiJson, AppError};
use crate::{AppState, audit, now_ms};

/// Ask for a sign-in challenge (single use, expires within 2 minutes).
#[utoipa::path(post, path = "/api/v1/auth/challenge", tag = "auth", request_body = ChallengeRequest,
    responses((status = 200, body = ChallengeResponse), (status = 404, body = shared::api::ApiError),
        (status = 429, body = shared::api::ApiError)))]
pub async fn new_challenge(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, AppError> {
    let origin = challenge::request_origin(&state, &headers)?;
    Ok(Json(challenge::issue(&state, &req.username, origin).await?))
}

/// Answer a challenge with an ML-DSA-65 signature; opens a session.
#[utoipa::path(post, path = "/api/v1/auth/session", tag = "auth", request_body = SignInRequest,
    responses((status = 200, body = SessionResponse, description = "also sets the `qv_session` cookie"),
        (status = 401, body = shared::api::ApiError), (status = 429, body = shared::api::ApiError)))]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response, AppError> {
    let origin = challenge::request_origin(&state, &headers)?;
    let user = challenge::answer(&state, &req.challenge_id, &req.signature, origin).await?;
    let token = session::mint()?;
    let now = now_ms();
    let expires_at = now + (state.config.session_secs * 1000) as i64;
    state.store.insert_session(&token.hash, user.id, now, expires_at).await?;
    audit::record(&state, user.id, &user.username_lower, "sign_in", "").await?;
    let cookie = session::cookie(&token.token, state.config.session_secs, state.config.secure_cookie)?;
    let body = SessionResponse { username: user.username, token: token.token, expires_at };
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".parse().map_err(|_| AppError::Internal("header".into()))?),
        ],
        Json(body),
    )
        .into_response())
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = WhoAmI), (status = 401, body = shared::api::ApiError)))]
pub async fn whoami(me: Authed) -> Json<WhoAmI> {
    Json(WhoAmI { username: me.username, expires_at: me.expires_at })
}

/// Sign out: revoke this session and clear the cookie.
#[utoipa::path(delete, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 204), (status = 401, body = shared::api::ApiError)))]
pub async fn sign_out(State(state): State<AppState>, me: Authed) -> Result<Response, AppError> {
    state.store.revoke_session(&me.token_hash).await?;
    audit::record(&state, me.user_id, &me.username_lower, "sign_out", "").await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session::clear_cookie(state.config.secure_cookie))])
        .into_response())
}
