//! A small typed client for the server's JSON API, over the browser's `fetch`.

use serde::de::DeserializeOwned;
use shared::api::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// Why an API call failed, in words the UI can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No connection to the server (offline, or the server is down).
    #[error("the server cannot be reached: check your connection ({0})")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("{}", .0.message)]
    Api(ApiError),
    /// The server's answer was not what this version of the app understands.
    #[error("the server sent an answer this app does not understand ({0})")]
    Malformed(String),
}

fn text(err: JsValue) -> String {
    super::js_error_text(&err)
}

/// `GET path` and decode the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, HttpError> {
    let window = web_sys::window().ok_or_else(|| HttpError::Unreachable("no window".into()))?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_credentials(RequestCredentials::SameOrigin);
    let promise = window.fetch_with_str_and_init(path, &init);
    let response: Response =
        JsFuture::from(promise).await.map_err(|e| HttpError::Unreachable(text(e)))?.unchecked_into();
    let body = JsFuture::from(response.text().map_err(|e| HttpError::Malformed(text(e)))?)
        .await
        .map_err(|e| HttpError::Unreachable(text(e)))?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        return Err(match serde_json::from_str::<ApiError>(&body) {
            Ok(api) => HttpError::Api(api),
            Err(_) => HttpError::Malformed(format!("status {}", response.status())),
        });
    }
    serde_json::from_str(&body).map_err(|e| HttpError::Malformed(e.to_string()))
}
