//! Everything that touches the browser: feature detection, network status,
//! HTTP, the service worker and storage. Pages call these; `shared` never does.

pub mod capabilities;
pub mod drive;
pub mod http;
pub mod idb;
pub mod network;
pub mod segment_digest;
pub mod service_worker;
pub mod storage;
pub mod webcrypto;
pub mod worker;
pub mod worker_bb84;
pub mod worker_entry;

use wasm_bindgen::JsValue;

/// Turns a JavaScript exception into a sentence fit for the UI.
pub fn js_error_text(err: &JsValue) -> String {
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    err.as_string().unwrap_or_else(|| "the browser reported an unknown error".to_owned())
}

use wasm_bindgen::JsCast;
