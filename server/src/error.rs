//! The API's error type: every failure becomes a JSON [`shared::api::ApiError`]
//! with the right status, never an HTML page or a bare 500.

use axum::Json;
use axum::extract::FromRequest;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::api::ApiError;

use crate::AppState;
use crate::blob::BlobError;
use crate::store::StoreError;

/// A failure an API handler reports to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The route or the resource does not exist (or the caller may not know it does).
    #[error("nothing here: {0}")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("this endpoint does not accept {0}")]
    MethodNotAllowed(String),
    /// The request body exceeds the configured limit.
    #[error("the request is too large: at most {limit} bytes are accepted")]
    PayloadTooLarge { limit: u64 },
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// A public key in the request is malformed (wrong length or encoding).
    #[error("{0}")]
    InvalidKey(#[from] shared::api::identity::IdentityKeyError),
    /// The body is not JSON.
    #[error("send the body as JSON with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// No valid session.
    #[error("sign in first: {0}")]
    Unauthorized(String),
    /// Signed in, but this action is not yours to take.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the current state; `code` says how.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The user's storage quota would be exceeded.
    #[error("{0}")]
    QuotaExceeded(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    TooManyRequests(String),
    /// A `Range` outside the file.
    #[error("the requested range is outside the file ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    /// A fault on our side; details go to the log, not to the client.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AppError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::InvalidKey(_) => (StatusCode::BAD_REQUEST, "invalid_key"),
            AppError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            AppError::QuotaExceeded(_) => (StatusCode::FORBIDDEN, "quota_exceeded"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            AppError::RangeNotSatisfiable { .. } => (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// A 404 that reveals nothing about whether the thing exists.
    pub fn no_file() -> Self {
        AppError::NotFound("no such file (or it is not shared with you)".to_owned())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = ApiError { code: code.to_owned(), message: self.to_string() };
        let mut res = (status, Json(body)).into_response();
        match &self {
            AppError::Unauthorized(_) => {
                res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            AppError::RangeNotSatisfiable { size } => {
                if let Ok(v) = header::HeaderValue::from_str(&format!("bytes */{size}")) {
                    res.headers_mut().insert(header::CONTENT_RANGE, v);
                }
            }
            _ => {}
        }
        res
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        AppError::Internal(err.to_string())
    }
}

impl From<BlobError> for AppError {
    fn from(err: BlobError) -> Self {
        AppError::Internal(err.to_string())
    }
}

/// Deepest nesting of arrays and objects a request body may have. Every API
/// type is at most 3 levels deep; the limit refuses hostile bodies with a
/// clear message before the parser recurses into them.
pub const MAX_JSON_DEPTH: usize = 16;

/// Whether `body` nests arrays/objects deeper than `max` (brackets inside
/// strings do not count). A linear scan with no recursion.
pub fn json_too_deep(body: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// `Json` whose rejections are JSON [`AppError`]s (400/413/415), never axum's
/// plain text; bodies nested deeper than [`MAX_JSON_DEPTH`] are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T> FromRequest<AppState> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let too_large = || AppError::PayloadTooLarge { limit: state.config.max_body_bytes as u64 };
        let body = match axum::body::Bytes::from_request(req, state).await {
            Ok(body) => body,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(rejection) => return Err(AppError::BadRequest(format!("unreadable body: {}", rejection.body_text()))),
        };
        if json_too_deep(&body, MAX_JSON_DEPTH) {
            return Err(AppError::BadRequest(format!(
                "the JSON body is nested more than {MAX_JSON_DEPTH} levels deep"
            )));
        }
        match Json::<T>::from_bytes(&body) {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(AppError::BadRequest(format!("malformed JSON body: {}", rejection.body_text()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json_too_deep;

    #[test]
    fn json_depth_counts_only_structure() {
        assert!(!json_too_deep(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(json_too_deep(br#"{"a":[1,{"b":[]}]}"#, 3));
        // Brackets inside strings, escaped quotes included, do not count.
        assert!(!json_too_deep(br#"{"a":"[[[[\"[[[["}"#, 1));
        assert!(json_too_deep(&vec![b'['; 100_000], 16));
    }
}
