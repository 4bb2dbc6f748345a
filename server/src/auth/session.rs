//! Sessions: a 256-bit random token given to the client once, stored only as
//! its SHA-256, accepted as `Authorization: Bearer` or the `qv_session` cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::{AppState, now_ms, random};

/// Name of the session cookie.
pub const COOKIE: &str = "qv_session";

/// A freshly minted token: `token` goes to the client, `hash` to the database.
pub struct NewToken {
    pub token: String,
    pub hash: Vec<u8>,
}

/// Mints a token.
pub fn mint() -> Result<NewToken, AppError> {
    let raw: [u8; 32] = random()?;
    let token = shared::api::b64::encode(&raw);
    Ok(NewToken { hash: hash(&token), token })
}

/// What the database stores for a token.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Constant-time equality of two token hashes (`subtle`, via `shared`).
pub fn same_hash(stored: &[u8], presented: &[u8]) -> bool {
    shared::crypto::secret::ct_eq(stored, presented)
}

/// `Set-Cookie` for a session; `HttpOnly` (no script access), `SameSite=Strict`
/// (no cross-site requests carry it), `Secure` unless turned off for plain-HTTP tests.
pub fn cookie(token: &str, max_age_secs: u64, secure: bool) -> Result<HeaderValue, AppError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|_| AppError::Internal("cookie value".to_owned()))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("qv_session=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("qv_session=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

/// The token a request presents: bearer first, then the cookie.
pub fn presented_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// A signed-in caller. Extracting it answers 401 when there is no live session.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: i64,
    pub username: String,
    pub username_lower: String,
    pub expires_at: i64,
    pub token_hash: Vec<u8>,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = presented_token(&parts.headers)
            .ok_or_else(|| AppError::Unauthorized("no session token (cookie or bearer)".to_owned()))?;
        let token_hash = hash(&token);
        let unknown = || AppError::Unauthorized("the session is unknown, expired or signed out".to_owned());
        let session = state.store.find_session(&token_hash, now_ms()).await?.ok_or_else(unknown)?;
        // The lookup is by SHA-256 of the token, so the database's timing can
        // reveal at most a prefix of a hash of 256 random bits, which helps no
        // one forge a token. The final comparison is still constant time, so
        // no secret-dependent branch exists on our side either.
        if !same_hash(&session.token_hash, &token_hash) {
            return Err(unknown());
        }
        Ok(Authed {
            user_id: session.user_id,
            username: session.username,
            username_lower: session.username_lower,
            expires_at: session.expires_at,
            token_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{hash, same_hash};

    #[test]
    fn token_hashes_compare_whole() {
        let (a, b) = (hash("token-a"), hash("token-b"));
        assert!(same_hash(&a, &a.clone()));
        assert!(!same_hash(&a, &b));
        // A prefix or an empty value never matches.
        assert!(!same_hash(&a, &a[..31]));
        assert!(!same_hash(&a, &[]));
        let mut last = a.clone();
        last[31] ^= 1;
        assert!(!same_hash(&a, &last));
    }
}
