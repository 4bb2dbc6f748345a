//! Persistent storage: asks the browser not to evict our offline copy and staged data.

use wasm_bindgen_futures::JsFuture;

/// Requests persistent storage. Returns whether it is granted; `None` if the browser cannot say.
pub async fn request_persistence() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persist().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}
