//! The JSON API under `/api/v1`.

mod health;

use axum::Router;
use axum::routing::get;

use crate::AppState;
use crate::error::AppError;

/// Routes of API version 1, mounted at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health::health))
}

/// Any `/api/*` path that matches no route: a JSON 404, never the app's HTML.
pub async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(format!("no API endpoint at {}", uri.path()))
}
