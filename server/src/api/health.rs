//! `GET /api/v1/health`: liveness and version, for people, the app and probes.

use axum::Json;
use shared::api::Health;

pub async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned(), version: shared::VERSION.to_owned() })
}
