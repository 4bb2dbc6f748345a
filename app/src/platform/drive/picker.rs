//! Choosing folders with `showDirectoryPicker` and keeping access to them:
//! the browser asks the user once per folder, and again on a later visit
//! (a handle restored from IndexedDB starts without permission, and only a
//! click may ask for it).

use wasm_bindgen::{JsCast, JsValue};
use web_sys::FileSystemDirectoryHandle;

use super::dom_error::name_of;
use super::{call_async, has, object};

/// Whether this browser can open folders (Chromium-based browsers; not
/// Firefox or Safari, which get the upload/download fallback).
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| has(w.as_ref(), "showDirectoryPicker"))
}

/// Why no folder came back from the picker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The browser has no folder picker.
    #[error("this browser cannot open folders; use the file import and export below, or Chrome or Edge")]
    Unsupported,
    /// The browser refused (e.g. a system folder, or no click before it).
    #[error(
        "the browser refused this folder ({0}); choose or create a folder on your USB drive, such as one named QuantumVault"
    )]
    Refused(String),
}

/// Asks the user for a folder with read and write access. `id` lets the
/// browser remember where each drive's picker was last opened; `start_in`
/// opens it at the previously used folder. `Ok(None)` when the user
/// cancelled.
///
/// # Errors
/// [`PickError`].
pub async fn pick_folder(
    id: &str,
    start_in: Option<&FileSystemDirectoryHandle>,
) -> Result<Option<FileSystemDirectoryHandle>, PickError> {
    let window = web_sys::window().ok_or(PickError::Unsupported)?;
    if !supported() {
        return Err(PickError::Unsupported);
    }
    let mut options = vec![("mode", JsValue::from_str("readwrite")), ("id", JsValue::from_str(id))];
    if let Some(dir) = start_in {
        options.push(("startIn", dir.clone().into()));
    }
    match call_async(window.as_ref(), "showDirectoryPicker", &[object(&options)]).await {
        Ok(handle) => handle
            .dyn_into::<FileSystemDirectoryHandle>()
            .map(Some)
            .map_err(|_| PickError::Refused("the picker returned no folder".to_owned())),
        Err(e) if name_of(&e) == "AbortError" => Ok(None),
        Err(e) => Err(PickError::Refused(crate::platform::js_error_text(&e))),
    }
}

/// The folder's read-write permission: `"granted"`, `"prompt"` or `"denied"`.
pub async fn permission(handle: &FileSystemDirectoryHandle) -> String {
    let desc = object(&[("mode", "readwrite".into())]);
    if !has(handle.as_ref(), "queryPermission") {
        // Browsers without the permission methods grant access with the handle.
        return "granted".to_owned();
    }
    call_async(handle.as_ref(), "queryPermission", &[desc]).await.ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Makes sure QuantumVault may read and write the folder, asking the user
/// if needed. Must run from a click (the browser refuses to ask otherwise).
/// Returns whether access is granted.
pub async fn ensure_permission(handle: &FileSystemDirectoryHandle) -> bool {
    if permission(handle).await == "granted" {
        return true;
    }
    let desc = object(&[("mode", "readwrite".into())]);
    call_async(handle.as_ref(), "requestPermission", &[desc]).await.ok().and_then(|v| v.as_string()).as_deref()
        == Some("granted")
}
