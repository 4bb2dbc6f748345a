//! What this browser can do, detected live, and said in plain words.
//!
//! QuantumVault keeps identity keys on USB drives through the File System
//! Access API, which only Chromium-based browsers ship; the report tells users
//! up front what works here instead of failing later.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// One line of the capability report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// Stable identifier, used by tests (`data-capability`).
    pub id: &'static str,
    /// Short name shown to the user.
    pub name: &'static str,
    /// Whether the feature is available.
    pub available: bool,
    /// What it means for the user, in plain words.
    pub explanation: &'static str,
}

fn has(target: &JsValue, name: &str) -> bool {
    Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Detects the synchronous capabilities of the running browser.
pub fn detect() -> Vec<Capability> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let win: &JsValue = window.as_ref();
    let navigator: JsValue = window.navigator().into();
    let storage = get(&navigator, "storage");
    let crypto = get(win, "crypto");

    let fs_access = has(win, "showDirectoryPicker");
    let opfs = !storage.is_undefined() && has(&storage, "getDirectory");
    let webcrypto = !crypto.is_undefined() && !get(&crypto, "subtle").is_undefined();
    let secure = window.is_secure_context();
    let sw = has(&navigator, "serviceWorker");
    let workers = has(win, "Worker");
    let save_picker = has(win, "showSaveFilePicker");

    vec![
        Capability {
            id: "fs-access",
            name: "USB drives (File System Access API)",
            available: fs_access,
            explanation: if fs_access {
                "You can keep your identity on a USB drive and its backup on a second one."
            } else {
                "This browser cannot open folders on a USB drive (Firefox and Safari lack it). \
                 On the Drives page you load your key files by upload and save the changed ones by download, \
                 and copy them onto your drives yourself; Chrome, Edge or another Chromium browser does this for you."
            },
        },
        Capability {
            id: "save-picker",
            name: "Save directly to disk",
            available: save_picker,
            explanation: if save_picker {
                "Decrypted files are written straight to the place you choose, and only once verified."
            } else {
                "Decrypted files are held in private browser storage until verified, then downloaded."
            },
        },
        Capability {
            id: "opfs",
            name: "Private browser storage (OPFS)",
            available: opfs,
            explanation: if opfs {
                "Large files can be staged privately in the browser while they are verified."
            } else {
                "This browser has no private file storage; very large downloads may not be possible."
            },
        },
        Capability {
            id: "webcrypto",
            name: "Fast encryption (WebCrypto)",
            available: webcrypto,
            explanation: if webcrypto {
                "Files are encrypted with the browser's hardware-accelerated AES-GCM."
            } else {
                "WebCrypto is missing (the page may not be served securely); encryption falls back to slower code."
            },
        },
        Capability {
            id: "secure-context",
            name: "Secure connection",
            available: secure,
            explanation: if secure {
                "The page is served securely, so the browser allows the protected features."
            } else {
                "The page is not served over HTTPS or localhost; the browser disables drives, storage and crypto."
            },
        },
        Capability {
            id: "offline",
            name: "Works offline (service worker)",
            available: sw,
            explanation: if sw {
                "The app is kept on this device and opens without a connection."
            } else {
                "This browser cannot keep the app for offline use."
            },
        },
        Capability {
            id: "workers",
            name: "Background work (Web Workers)",
            available: workers,
            explanation: if workers {
                "Heavy work runs in the background, so the page stays responsive."
            } else {
                "Heavy work runs on the page itself and may make it sluggish."
            },
        },
    ]
}

/// Whether the browser has already granted persistent storage; `None` if it cannot say.
pub async fn persisted() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persisted().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    value.as_bool()
}

/// Reads a boolean JS property, used by tests to override detection inputs.
pub fn flag(target: &JsValue, name: &str) -> bool {
    get(target, name).dyn_into::<js_sys::Boolean>().map(|b| b.value_of()).unwrap_or(false)
}
