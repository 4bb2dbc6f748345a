//! The API's error type: every failure becomes a JSON [`shared::api::ApiError`]
//! with the right status, never an HTML page or a bare 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::api::ApiError;

/// A failure an API handler reports to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The route or the resource does not exist (or the caller may not know it does).
    #[error("nothing here: {0}")]
    NotFound(String),
    /// The request body exceeds the configured limit.
    #[error("the request is too large: at most {limit} bytes are accepted")]
    PayloadTooLarge { limit: usize },
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// A fault on our side; details go to the log, not to the client.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = ApiError { code: code.to_owned(), message: self.to_string() };
        (status, Json(body)).into_response()
    }
}
