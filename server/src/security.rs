//! Security headers on every response, and the request-size guard.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The Content Security Policy of the app and the API.
///
/// Scripts only from our own origin, plus `'wasm-unsafe-eval'` which is what
/// compiling our WebAssembly requires; no inline script, no `eval`, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers added to every response.
pub fn headers() -> [(HeaderName, HeaderValue); 8] {
    [
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ),
        // Isolation: no other origin can hold a reference to our window, and
        // we opt into cross-origin isolation (precise timers, SharedArrayBuffer).
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (HeaderName::from_static("cross-origin-embedder-policy"), HeaderValue::from_static("require-corp")),
        (HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
    ]
}

/// Middleware: adds [`headers`] to the response, overriding what handlers set.
pub async fn add_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let map = res.headers_mut();
    for (name, value) in headers() {
        map.insert(name, value);
    }
    res
}

/// Middleware: refuses a request whose declared body exceeds `limit` with a JSON 413,
/// before anything is read. Bodies without a declared length are capped by
/// axum's `DefaultBodyLimit` as they are read.
///
/// `PATCH` carries ciphertext pieces, whose limit is the file's declared size
/// (checked by the upload handler), so it is exempt here.
pub async fn limit_declared_body(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::PATCH {
        return next.run(req).await;
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > limit as u64 => AppError::PayloadTooLarge { limit: limit as u64 }.into_response(),
        _ => next.run(req).await,
    }
}
