//! QuantumVault's server: it stores ciphertext and metadata and never sees a
//! plaintext, a file key or a private key (see `DESIGN.md` §7).
//!
//! [`app`] builds the whole HTTP application, so tests drive exactly what
//! production runs; [`serve`] binds it to a socket with graceful shutdown.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod blob;
pub mod config;
pub mod error;
pub mod maintenance;
pub mod security;
pub mod site;
pub mod store;
pub mod tls;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub(crate) config: Arc<Config>,
    pub(crate) store: Arc<dyn store::Store>,
    pub(crate) blobs: Arc<dyn blob::BlobStore>,
    pub(crate) signer: Arc<verify::ServerSigner>,
    pub(crate) failures: Arc<auth::limits::FailureLimiter>,
    pub(crate) governor: Option<Arc<api::AuthGovernor>>,
    pub(crate) chain_locks: Arc<audit::ChainLocks>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot prepare the data folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot open the database: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot open the blob store: {0}")]
    Blob(#[from] blob::BlobError),
    #[error(transparent)]
    Key(#[from] audit::checkpoint::KeyFileError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

impl AppState {
    /// Prepares the state for `config`: creates the data folders on first run,
    /// opens and migrates the database, opens the blob store and sweeps
    /// leftovers of writes a crash interrupted, and loads the server key.
    pub async fn open(config: &Config) -> Result<Self, StartError> {
        tokio::fs::create_dir_all(&config.data_dir).await?;
        tokio::fs::create_dir_all(config.blob_dir()).await?;
        let store = store::sql::SqlStore::connect(&config.effective_database_url()).await?;
        let blobs = blob::open(config.blob_url.as_deref(), &config.blob_dir()).await?;
        blobs.clean_interrupted().await?;
        let signer = audit::checkpoint::load_or_create_key(&config.effective_server_key_file()).await?;
        Ok(Self {
            config: Arc::new(config.clone()),
            store: Arc::new(store),
            blobs,
            signer: Arc::new(signer),
            failures: Arc::new(auth::limits::FailureLimiter::new(config.max_failed_sign_ins)),
            governor: api::auth_governor(config),
            chain_locks: Arc::new(audit::ChainLocks::new()),
        })
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], error::AppError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| error::AppError::Internal(format!("no randomness: {e}")))?;
    Ok(out)
}

/// The whole HTTP application: API, app shell, and the layers around them.
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` (as
/// [`serve`] does): the per-IP sign-in limit keys on the peer address.
pub fn app(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let hsts = state.config.hsts || state.config.tls_cert.is_some();
    let api = Router::new()
        .nest("/api/v1", api::router(&state))
        .route("/api", axum::routing::any(api::not_found))
        .route("/api/", axum::routing::any(api::not_found))
        .route("/api/{*rest}", axum::routing::any(api::not_found));
    let site = Router::new()
        .fallback_service(site::service(&state.config.site_dir))
        .layer(middleware::from_fn(site::cache_control));
    with_outer_layers(api.with_state(state).merge(site), max_body, hsts)
}

/// The layers every response passes through, API and static files alike:
/// compression, body limits, panic recovery, security headers, tracing.
fn with_outer_layers(router: Router, max_body: usize, hsts: bool) -> Router {
    router
        // Ciphertext does not compress, and compressing it would break `Range`.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream"))),
        )
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(max_body, security::limit_declared_body))
        // Inside the header layer, so even a panic's 500 carries the security headers.
        .layer(CatchPanicLayer::custom(|_| error::AppError::Internal("a handler panicked".into()).into_response()))
        .layer(middleware::from_fn_with_state(hsts, security::add_headers))
        .layer(TraceLayer::new_for_http())
}

/// Serves [`app`] on `config.bind` until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let state = AppState::open(&config).await?;
    let maintenance = tokio::spawn(maintenance::run(state.clone()));
    let acceptor = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    let listener = TcpListener::bind(config.bind).await?;
    let local = listener.local_addr()?;
    if let Some(path) = &config.port_file {
        // Written beside and renamed into place, so a reader polling for the file never sees it empty.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, local.to_string()).await?;
        tokio::fs::rename(&partial, path).await?;
    }
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    tracing::info!(address = %local, data_dir = %config.data_dir.display(), site_dir = %config.site_dir.display(),
        "QuantumVault {} listening on {scheme}://{local}", shared::VERSION);
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match acceptor {
        Some(acceptor) => {
            // `tap_io` only adapts the listener type so peers keep their `SocketAddr`.
            let listener = axum::serve::ListenerExt::tap_io(tls::TlsListener::new(listener, acceptor), |_| {});
            axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?;
        }
        None => axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?,
    }
    maintenance.abort();
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_gets_a_json_500_with_the_security_headers() {
        async fn boom() -> &'static str {
            panic!("handler bug")
        }
        let router = super::with_outer_layers(axum::Router::new().route("/boom", axum::routing::get(boom)), 1024, true);
        let req = Request::builder().uri("/boom").body(Body::empty()).expect("request");
        let res = router.oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let h = res.headers();
        assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
        assert!(h.get("content-security-policy").is_some_and(|v| v.as_bytes().starts_with(b"default-src 'self'")));
        assert!(h.get("strict-transport-security").is_some());
        let body = axum::body::to_bytes(res.into_body(), 4096).await.expect("body");
        let err: shared::api::ApiError = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!(err.code, "internal");
        assert!(!err.message.contains("handler bug"), "panic details stay in the log: {}", err.message);
    }
}
