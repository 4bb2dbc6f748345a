//! One `fetch` wrapper for every API call: method, JSON or byte bodies,
//! extra headers, and the mapping of failures to plain words.

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCredentials, RequestInit, Response};

use crate::platform::js_error_text;

/// Prefix of every API path.
pub const API: &str = "/api/v1";

/// Why a call to the server failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ClientError {
    /// No connection (browser offline, or the server is down).
    #[error("you are offline or the server cannot be reached; try again when connected")]
    Offline,
    /// The session is missing or expired.
    #[error("you are not signed in; sign in on the Vault page")]
    NotSignedIn,
    /// A sign-in answer was refused (the server's sentence).
    #[error("{0}")]
    SignInRefused(String),
    /// Quota or rate limit.
    #[error("your storage quota is used up: {0}")]
    Quota(String),
    /// The thing does not exist (or is not visible to you).
    #[error("not found: it does not exist or was not shared with you")]
    NotFound,
    /// Too many attempts.
    #[error("too many attempts; wait a minute and try again")]
    TooManyRequests,
    /// Any other answer from the server, with its sentence and code.
    #[error("{message}")]
    Server {
        /// The API's stable `code`.
        code: String,
        /// Its sentence.
        message: String,
        /// HTTP status.
        status: u16,
    },
    /// An answer this version of the app does not understand.
    #[error("the server sent an answer this app does not understand ({0})")]
    Malformed(String),
}

impl ClientError {
    /// The API error code, if the server answered with one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Server { code, .. } => Some(code),
            Self::NotSignedIn => Some("unauthorized"),
            Self::NotFound => Some("not_found"),
            _ => None,
        }
    }

    /// Whether retrying later may help (connection problems).
    #[must_use]
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline)
    }
}

/// A request body.
pub enum Body<'a> {
    /// No body.
    None,
    /// JSON (serialised here).
    Json(String),
    /// Raw bytes already in a JS array. `fetch()` copies a buffer body
    /// before it returns (Fetch standard, "extract a body"). Not a `Blob`:
    /// the browser keeps a `Blob`'s bytes until the garbage collector frees
    /// the object, which in a quiet worker can be gigabytes later
    /// (measured: 2.5 GiB sent as 16 MiB `Blob`s took Chromium to 3 GB of
    /// memory, and failed in a private window). The same holds for the
    /// browser's copy of an array body, so large uploads send a fresh array
    /// each time, which makes the collector run (see `vault::send`).
    Array(&'a js_sys::Uint8Array),
}

impl Body<'_> {
    /// JSON body of a serialisable value.
    ///
    /// # Errors
    /// [`ClientError::Malformed`] if it does not serialise (a bug).
    pub fn json<T: Serialize>(value: &T) -> Result<Self, ClientError> {
        serde_json::to_string(value).map(Body::Json).map_err(|e| ClientError::Malformed(e.to_string()))
    }
}

/// Sends one request and returns the response if its status is 2xx.
///
/// # Errors
/// [`ClientError`] from the status and the API's error body.
pub async fn send(method: &str, path: &str, body: Body<'_>, headers: &[(&str, &str)]) -> Result<Response, ClientError> {
    start(method, path, body, headers)?.await
}

/// Starts a request now (the body is copied before this returns) and gives
/// the future of its response, so callers can keep working while it runs.
///
/// # Errors
/// [`ClientError`] from the status and the API's error body.
pub fn start(
    method: &str,
    path: &str,
    body: Body<'_>,
    headers: &[(&str, &str)],
) -> Result<impl std::future::Future<Output = Result<Response, ClientError>> + use<>, ClientError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    let h = Headers::new().map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
    for (k, v) in headers {
        h.set(k, v).map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
    }
    match body {
        Body::None => {}
        Body::Json(text) => {
            h.set("Content-Type", "application/json").map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
            init.set_body(&JsValue::from_str(&text));
        }
        Body::Array(array) => {
            h.set("Content-Type", "application/octet-stream").map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
            init.set_body(array);
        }
    }
    init.set_headers(&h);
    let promise = js_fetch(&format!("{API}{path}"), &init)?;
    Ok(async move {
        let response: Response = JsFuture::from(promise).await.map_err(|_| ClientError::Offline)?.unchecked_into();
        if response.ok() {
            return Ok(response);
        }
        Err(error_of(&response).await)
    })
}

/// `fetch` on whichever global runs this code (window or worker).
fn js_fetch(url: &str, init: &RequestInit) -> Result<js_sys::Promise, ClientError> {
    let global = js_sys::global();
    if let Some(w) = global.dyn_ref::<web_sys::Window>() {
        return Ok(w.fetch_with_str_and_init(url, init));
    }
    if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        return Ok(w.fetch_with_str_and_init(url, init));
    }
    Err(ClientError::Offline)
}

async fn error_of(response: &Response) -> ClientError {
    let status = response.status();
    let body = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let api = serde_json::from_str::<ApiError>(&body).ok();
    match (status, api) {
        (401, Some(e)) if e.message.contains("sign-in") || e.message.contains("challenge") => {
            ClientError::SignInRefused(e.message)
        }
        (401, _) => ClientError::NotSignedIn,
        (404, _) => ClientError::NotFound,
        (429, _) => ClientError::TooManyRequests,
        (_, Some(e)) if e.code == "quota_exceeded" => ClientError::Quota(e.message),
        (_, Some(e)) => ClientError::Server { code: e.code, message: e.message, status },
        (502..=504, None) => ClientError::Offline,
        (_, None) => ClientError::Malformed(format!("status {status}")),
    }
}

/// Reads a JSON response.
///
/// # Errors
/// [`ClientError::Malformed`] or [`ClientError::Offline`] (connection cut while reading).
pub async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
    let promise = response.text().map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
    let text = JsFuture::from(promise).await.map_err(|_| ClientError::Offline)?.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| ClientError::Malformed(e.to_string()))
}

/// Reads a whole (small) binary response.
///
/// # Errors
/// [`ClientError::Offline`] if the connection breaks while reading.
pub async fn bytes(response: Response) -> Result<Vec<u8>, ClientError> {
    let promise = response.array_buffer().map_err(|e| ClientError::Malformed(js_error_text(&e)))?;
    let buf = JsFuture::from(promise).await.map_err(|_| ClientError::Offline)?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// `GET` and decode JSON.
///
/// # Errors
/// [`ClientError`].
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    json(send("GET", path, Body::None, &[]).await?).await
}

/// `POST` JSON and decode JSON.
///
/// # Errors
/// [`ClientError`].
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ClientError> {
    json(send("POST", path, Body::json(body)?, &[]).await?).await
}
