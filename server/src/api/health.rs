//! `GET /api/v1/health`: liveness and version, for people, the app and probes.

use axum::Json;
use shared::api::Health;

/// Liveness and version.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned(), version: shared::VERSION.to_owned() })
}
