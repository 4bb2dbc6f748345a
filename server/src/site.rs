//! Serving the built app: static files with the right cache policy, gzip and
//! brotli variants precompressed at build time, and client-side routes.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Cache policy for files whose name carries a content hash: they never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy for everything else (`index.html`, `sw.js`, manifest, icons):
/// always revalidate, so a deploy is picked up at once.
const REVALIDATE: &str = "no-cache";

/// A service for the site folder: existing files as they are; paths that look
/// like client-side routes (no file extension) get `index.html`; anything else 404.
pub fn service(site_dir: &Path) -> axum::routing::MethodRouter {
    let index: PathBuf = site_dir.join("index.html");
    let files = ServeDir::new(site_dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(true);
    axum::routing::get(move |req: Request| {
        let files = files.clone();
        let index = index.clone();
        async move {
            let is_route = !last_segment(req.uri().path()).contains('.');
            let res = files.oneshot(req).await;
            match res {
                Ok(res) if res.status() == StatusCode::NOT_FOUND && is_route => {
                    let req = Request::builder().uri("/index.html").body(Body::empty()).unwrap_or_default();
                    match ServeFile::new(&index).oneshot(req).await {
                        Ok(res) => res.into_response(),
                        Err(never) => match never {},
                    }
                }
                Ok(res) => res.into_response(),
                Err(never) => match never {},
            }
        }
    })
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

/// Whether a request path names a content-hashed build artefact.
///
/// The build writes the wasm bundle into `/pkg-<16 hex>/` and the stylesheet as
/// `style-<16 hex>.css`: such paths are safe to cache forever.
pub fn is_content_hashed(path: &str) -> bool {
    fn hex16(s: &str) -> bool {
        s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
    }
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    if let Some(hash) = first.strip_prefix("pkg-") {
        return hex16(hash) && segments.next().is_some();
    }
    let name = last_segment(path);
    let stem = name.split('.').next().unwrap_or("");
    stem.rsplit_once('-').is_some_and(|(_, hash)| hex16(hash))
}

/// Middleware: sets `Cache-Control` on successful site responses by path.
pub async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_content_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn hashed_paths_are_recognised() {
        assert!(is_content_hashed("/pkg-0123456789abcdef/app_bg.wasm"));
        assert!(is_content_hashed("/style-0123456789abcdef.css"));
        assert!(!is_content_hashed("/index.html"));
        assert!(!is_content_hashed("/sw.js"));
        assert!(!is_content_hashed("/pkg-0123/app.js"));
        assert!(!is_content_hashed("/pkg-0123456789abcdef"));
        assert!(!is_content_hashed("/style-notahashatallxx.css"));
    }
}
