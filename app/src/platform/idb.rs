//! A tiny key-value store in IndexedDB, for what must survive a reload but
//! is not secret: the drive folder handles (structured-cloneable, and only
//! storable here) and their names. Never keys, passphrases or codes.

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "quantumvault";
const STORE: &str = "drive-handles";
const VERSION: u32 = 1;

/// IndexedDB failed (private mode restrictions, quota, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the browser's storage refused ({0}); the folders will have to be chosen again next time")]
pub struct IdbError(pub String);

fn err(e: &JsValue) -> IdbError {
    IdbError(crate::platform::js_error_text(e))
}

/// Resolves with the request's result (or rejects with its error).
async fn done(req: &IdbRequest) -> Result<JsValue, IdbError> {
    let req2 = req.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req2.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = req2.clone();
        let fail = Closure::once_into_js(move || {
            let e = r.error().ok().flatten().map_or(JsValue::from_str("IndexedDB error"), JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req2.set_onsuccess(Some(ok.unchecked_ref()));
        req2.set_onerror(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| err(&e))
}

async fn open() -> Result<IdbDatabase, IdbError> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| IdbError("IndexedDB is not available".to_owned()))?;
    let req = factory.open_with_u32(DB_NAME, VERSION).map_err(|e| err(&e))?;
    let upgrade_req = req.clone();
    let upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrade_req.result().and_then(|d| d.dyn_into::<IdbDatabase>())
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db = done(&req).await?;
    db.dyn_into().map_err(|_| IdbError("IndexedDB returned no database".to_owned()))
}

async fn with_store(
    mode: IdbTransactionMode,
    f: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, IdbError> {
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, mode).map_err(|e| err(&e))?;
    let store = tx.object_store(STORE).map_err(|e| err(&e))?;
    let req = f(&store).map_err(|e| err(&e))?;
    let out = done(&req).await;
    db.close();
    out
}

/// The value stored under `key`, if any.
///
/// # Errors
/// [`IdbError`].
pub async fn get(key: &str) -> Result<Option<JsValue>, IdbError> {
    let v = with_store(IdbTransactionMode::Readonly, |s| s.get(&JsValue::from_str(key))).await?;
    Ok(if v.is_undefined() { None } else { Some(v) })
}

/// Stores `value` (anything structured-cloneable) under `key`.
///
/// # Errors
/// [`IdbError`].
pub async fn put(key: &str, value: &JsValue) -> Result<(), IdbError> {
    with_store(IdbTransactionMode::Readwrite, |s| s.put_with_key(value, &JsValue::from_str(key))).await.map(|_| ())
}

/// Removes `key`.
///
/// # Errors
/// [`IdbError`].
pub async fn delete(key: &str) -> Result<(), IdbError> {
    with_store(IdbTransactionMode::Readwrite, |s| s.delete(&JsValue::from_str(key))).await.map(|_| ())
}
