//! The drives in the browser: the custody protocol's [`shared::drive::Drive`]
//! over File System Access folder handles ([`folder::FolderDrive`]), over
//! files the user uploads where the browser has no folder access
//! ([`files::FileSetDrive`]), and the browser plumbing around them: picking
//! folders and keeping their permission ([`picker`]), DOMException names
//! turned into plain words ([`dom_error`]), and the Web Lock that keeps two
//! tabs from changing the drives at once ([`lock`]).

pub mod any;
pub mod dom_error;
pub mod files;
pub mod folder;
pub mod lock;
pub mod picker;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Calls `target[name](...args)` and awaits the promise it returns. Used for
/// the File System Access and Web Locks methods web-sys only exposes behind
/// `web_sys_unstable_apis` (which would change every crate's build).
pub(crate) async fn call_async(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let ret = call(target, name, args)?;
    JsFuture::from(Promise::resolve(&ret)).await
}

/// Calls `target[name](...args)` and returns what it returns.
pub(crate) fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name))?
        .dyn_into()
        .map_err(|_| JsValue::from_str(&format!("{name} is not available in this browser")))?;
    let array: js_sys::Array = args.iter().collect();
    f.apply(target, &array)
}

/// Whether `target` has a property `name` (feature detection).
pub(crate) fn has(target: &JsValue, name: &str) -> bool {
    Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
}

/// A plain JS object from `(key, value)` pairs.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}
