//! QuantumVault's server: it stores ciphertext and metadata and never sees a
//! plaintext, a file key or a private key (see `DESIGN.md` §7).
//!
//! [`app`] builds the whole HTTP application, so tests drive exactly what
//! production runs; [`serve`] binds it to a socket with graceful shutdown.
#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod error;
pub mod security;
pub mod site;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    site_dir: PathBuf,
    max_body_bytes: usize,
}

impl AppState {
    /// Prepares the state for `config`, creating the data folders on first run.
    pub async fn open(config: &Config) -> std::io::Result<Self> {
        tokio::fs::create_dir_all(&config.data_dir).await?;
        tokio::fs::create_dir_all(config.blob_dir()).await?;
        Ok(Self { inner: Arc::new(Inner { site_dir: config.site_dir.clone(), max_body_bytes: config.max_body_bytes }) })
    }
}

/// The whole HTTP application: API, app shell, and the layers around them.
pub fn app(state: AppState) -> Router {
    let max_body = state.inner.max_body_bytes;
    let api = Router::new()
        .nest("/api/v1", api::router())
        .route("/api", axum::routing::any(api::not_found))
        .route("/api/", axum::routing::any(api::not_found))
        .route("/api/{*rest}", axum::routing::any(api::not_found));
    let site = Router::new()
        .fallback_service(site::service(&state.inner.site_dir))
        .layer(middleware::from_fn(site::cache_control));
    api.with_state(state)
        .merge(site)
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(max_body, security::limit_declared_body))
        .layer(middleware::from_fn(security::add_headers))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serves [`app`] on `config.bind` until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> std::io::Result<()> {
    let state = AppState::open(&config).await?;
    let listener = TcpListener::bind(config.bind).await?;
    let local = listener.local_addr()?;
    if let Some(path) = &config.port_file {
        tokio::fs::write(path, local.to_string()).await?;
    }
    tracing::info!(address = %local, data_dir = %config.data_dir.display(), site_dir = %config.site_dir.display(),
        "QuantumVault {} listening on http://{local}", shared::VERSION);
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
