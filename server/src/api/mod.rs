//! The JSON API under `/api/v1`.

pub mod audit;
pub mod auth;
pub mod files;
mod health;
pub mod links;
pub mod openapi;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;

use crate::error::AppError;
use crate::{AppState, Config};

/// The per-IP limiter on sign-in and sign-up requests.
pub type AuthGovernor = tower_governor::governor::GovernorConfig<
    PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
>;

/// Builds the per-IP limiter: a burst of `auth_burst`, refilled one per `auth_refill_ms`.
pub fn auth_governor(config: &Config) -> Option<Arc<AuthGovernor>> {
    GovernorConfigBuilder::default()
        .per_millisecond(config.auth_refill_ms.max(1))
        .burst_size(config.auth_burst.max(1))
        .key_extractor(PeerIpKeyExtractor)
        .finish()
        .map(Arc::new)
}

/// Routes of API version 1, mounted at `/api/v1`.
pub fn router(state: &AppState) -> Router<AppState> {
    let governor = state.governor.clone();
    // Per-IP limit on the unauthenticated, expensive endpoints (sign-in and sign-up).
    let limited = |route: axum::routing::MethodRouter<AppState>| match &governor {
        Some(cfg) => route.layer(GovernorLayer::new(Arc::clone(cfg)).error_handler(|err| {
            let wait = match err {
                tower_governor::GovernorError::TooManyRequests { wait_time, .. } => wait_time,
                _ => 1,
            };
            AppError::TooManyRequests(format!("too many sign-in attempts from your address: wait {wait} s"))
                .into_response()
        })),
        None => route,
    };
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/users", limited(post(users::register)))
        .route("/users/me/rotations", post(users::rotate))
        .route("/users/{username}", get(users::lookup))
        .route("/users/{username}/keys", get(users::history))
        .route("/auth/challenge", limited(post(auth::new_challenge)))
        .route("/auth/session", limited(post(auth::sign_in)).get(auth::whoami).delete(auth::sign_out))
        .route("/files", get(files::list).post(files::create))
        .route("/files/{id}", get(files::get).delete(files::delete))
        .route(
            "/files/{id}/content",
            // Pieces are limited by the file's declared size, not the JSON body limit.
            axum::routing::patch(files::upload_piece).layer(DefaultBodyLimit::disable()).get(files::download),
        )
        .route("/files/{id}/finalize", post(files::finalize))
        .route("/links", get(links::list).post(links::send))
        .route("/links/{id}", get(links::get))
        .route("/audit", get(audit::mine))
        .route("/audit/server-key", get(audit::server_key))
}

/// Any `/api/*` path that matches no route: a JSON 404, never the app's HTML.
pub async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(format!("no API endpoint at {}", uri.path()))
}

/// A `{id}` path segment: 32 lower-case hex characters, else 404 (ids are
/// never interpreted as paths, so traversal attempts cannot go anywhere).
pub struct FileId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for FileId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| AppError::no_file())?;
        if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(FileId(id))
        } else {
            Err(AppError::no_file())
        }
    }
}

/// A `{username}` path segment, validated and lower-cased; invalid names are 404.
pub struct UserName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserName {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let no_user = || AppError::NotFound("no such user".into());
        let Path(name) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| no_user())?;
        shared::api::validate_username(&name).map_err(|_| no_user())?;
        Ok(UserName(name.to_ascii_lowercase()))
    }
}
