//! The browser's `localStorage`, for **public** data only: usernames,
//! contacts' public keys, signed rotation requests waiting to be sent.
//! Nothing secret is ever written here (the e2e test scans it).

use serde::Serialize;
use serde::de::DeserializeOwned;

const PREFIX: &str = "qv.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads and decodes a value; `None` if missing or unreadable.
#[must_use]
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = storage()?.get_item(&format!("{PREFIX}{key}")).ok()??;
    serde_json::from_str(&text).ok()
}

/// Stores a value; `false` if the browser refused (private mode, quota).
pub fn save<T: Serialize>(key: &str, value: &T) -> bool {
    let (Some(s), Ok(text)) = (storage(), serde_json::to_string(value)) else {
        return false;
    };
    s.set_item(&format!("{PREFIX}{key}"), &text).is_ok()
}

/// Removes a value.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&format!("{PREFIX}{key}"));
    }
}
