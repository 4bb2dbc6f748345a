//! Sign-in challenges: random, single use, short-lived, bound to the account
//! and to the origin the browser signs for.

use axum::http::{HeaderMap, header};
use shared::api::signing::sign_in_message;
use shared::api::{ChallengeResponse, validate_username};

use crate::error::AppError;
use crate::store::{Challenge, User};
use crate::verify::{CONTEXT_SIGN_IN, verify};
use crate::{AppState, audit, now_ms, random};

/// The origin a request speaks for: its `Origin` header, else the configured
/// public origin, else `http://<Host>` (non-browser clients).
pub fn request_origin(state: &AppState, headers: &HeaderMap) -> Result<String, AppError> {
    let header_origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match (&state.config.public_origin, header_origin) {
        (Some(allowed), Some(origin)) if &origin != allowed => {
            Err(AppError::Forbidden(format!("sign-in is only accepted from {allowed}")))
        }
        (_, Some(origin)) => Ok(origin),
        (Some(allowed), None) => Ok(allowed.clone()),
        (None, None) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            Ok(format!("http://{host}"))
        }
    }
}

/// Issues a challenge for `username`.
pub async fn issue(state: &AppState, username: &str, origin: String) -> Result<ChallengeResponse, AppError> {
    validate_username(username).map_err(AppError::BadRequest)?;
    let lower = username.to_ascii_lowercase();
    let user = state.store.find_user(&lower).await?.ok_or_else(|| AppError::NotFound("no such user".to_owned()))?;
    let nonce: [u8; 32] = random()?;
    let id: [u8; 16] = random()?;
    let challenge = Challenge {
        id: hex::encode(id),
        user_id: user.id,
        nonce: nonce.to_vec(),
        origin,
        expires_at: now_ms() + (state.config.challenge_secs * 1000) as i64,
    };
    state.store.insert_challenge(&challenge).await?;
    Ok(ChallengeResponse {
        challenge_id: challenge.id,
        nonce: challenge.nonce,
        username: lower,
        origin: challenge.origin,
        expires_at: challenge.expires_at,
    })
}

/// Checks an answer: the challenge must be live and unused (it is consumed
/// either way), the request must come from the origin it was bound to, and
/// the signature must verify under the account's current ML-DSA key.
pub async fn answer(state: &AppState, challenge_id: &str, signature: &[u8], origin: String) -> Result<User, AppError> {
    let refused = || AppError::Unauthorized("the challenge is unknown, used or expired: ask for a new one".to_owned());
    if challenge_id.len() != 32 || !challenge_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refused());
    }
    let challenge = state.store.take_challenge(challenge_id, now_ms()).await?.ok_or_else(refused)?;
    let user = state.store.find_user_by_id(challenge.user_id).await?.ok_or_else(refused)?;
    if let Some(secs) = state.failures.paused_for(&user.username_lower) {
        return Err(AppError::TooManyRequests(format!(
            "too many failed sign-ins for this account: try again in {secs} s"
        )));
    }
    let message = sign_in_message(&challenge.id, &challenge.nonce, &user.username_lower, &challenge.origin);
    let verdict = if origin != challenge.origin {
        Err("the answer comes from another origin than the challenge".to_owned())
    } else {
        verify(&user.current.mldsa65_public_key, &message, CONTEXT_SIGN_IN, signature).map_err(|e| e.to_string())
    };
    match verdict {
        Ok(()) => Ok(user),
        Err(reason) => {
            state.failures.record_failure(&user.username_lower);
            audit::record(state, user.id, &user.username_lower, "sign_in_failed", &reason).await?;
            Err(AppError::Unauthorized(format!("sign-in refused: {reason}")))
        }
    }
}
