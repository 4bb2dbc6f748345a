//! DOMException names from the File System Access API, turned into
//! [`IoError`]s whose message says what the user can do.

use shared::drive::{IoError, IoErrorKind};
use wasm_bindgen::{JsCast, JsValue};

/// The exception's `name` (`NotFoundError`, ...), or `""` for other values.
pub fn name_of(err: &JsValue) -> String {
    err.dyn_ref::<web_sys::DomException>()
        .map(web_sys::DomException::name)
        .or_else(|| err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())))
        .unwrap_or_default()
}

/// Whether the exception says the entry does not exist.
pub fn is_not_found(err: &JsValue) -> bool {
    name_of(err) == "NotFoundError"
}

/// Maps a File System Access exception on `path` to an [`IoError`].
pub fn io_error(path: &str, err: &JsValue) -> IoError {
    let name = name_of(err);
    let (kind, detail) = match name.as_str() {
        "NotAllowedError" | "SecurityError" => (
            IoErrorKind::NotAllowed,
            "permission denied: QuantumVault may no longer use this folder; choose it again or allow access when the browser asks"
                .to_owned(),
        ),
        "QuotaExceededError" => {
            (IoErrorKind::Other, "no space left on the drive; free some space or use another drive".to_owned())
        }
        "NotFoundError" => (
            IoErrorKind::Other,
            "the folder was removed or the drive unplugged; plug it in again and choose the folder again".to_owned(),
        ),
        "NoModificationAllowedError" => (
            IoErrorKind::Other,
            "the file is in use (another tab or program is writing it); close the other tab and try again"
                .to_owned(),
        ),
        "InvalidStateError" => (
            IoErrorKind::Other,
            "the drive changed while QuantumVault was using it (unplugged?); plug it in again and retry".to_owned(),
        ),
        "TypeMismatchError" => (
            IoErrorKind::Other,
            "a folder is where a file was expected (or the reverse); do not rename QuantumVault's files".to_owned(),
        ),
        _ => (IoErrorKind::Other, format!("the browser reported: {}", crate::platform::js_error_text(err))),
    };
    IoError::new(kind, path, detail)
}
