//! One writer at a time: every drive operation runs under an exclusive Web
//! Lock (`navigator.locks`), so two tabs of this origin never change the
//! drives at once (the custody protocol's compare-and-swap catches a stale
//! view, not two writers racing; see `shared::drive::rotate`).

use std::future::Future;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use super::{call, has, object};

/// The lock's name (one lock for both drives: operations touch both).
pub const LOCK_NAME: &str = "quantumvault-drives";

/// Another tab holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("another QuantumVault tab is changing your drives right now; wait for it to finish, then try again")]
pub struct Busy;

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _rej| resolve = Some(res));
    // `Promise::new` runs the executor synchronously, so `resolve` is set.
    (promise, resolve.unwrap_or_else(|| Function::new_no_args("")))
}

/// Runs `work` while holding the drives lock. If another tab holds it, the
/// work does not run and [`Busy`] is returned (waiting silently behind a
/// long Argon2id in another tab would look like a hang). Browsers without
/// Web Locks run the work unguarded.
pub async fn with_drive_lock<T>(work: impl Future<Output = T>) -> Result<T, Busy> {
    let Some(window) = web_sys::window() else {
        return Ok(work.await);
    };
    let navigator: JsValue = window.navigator().into();
    let locks = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).unwrap_or(JsValue::UNDEFINED);
    if locks.is_undefined() || !has(&locks, "request") {
        return Ok(work.await);
    }
    let (held, release) = deferred();
    let (granted, grant) = deferred();
    let held_for_callback = held.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let _ = grant.call1(&JsValue::NULL, &JsValue::from_bool(!lock.is_null()));
        if lock.is_null() { JsValue::UNDEFINED } else { held_for_callback.into() }
    });
    let options = object(&[("mode", "exclusive".into()), ("ifAvailable", true.into())]);
    // The request's promise settles only once the callback's promise (`held`) does.
    let request = match call(&locks, "request", &[LOCK_NAME.into(), options, callback]) {
        Ok(p) => Promise::resolve(&p),
        Err(_) => return Ok(work.await),
    };
    let got = JsFuture::from(granted).await.map(|v| v.is_truthy()).unwrap_or(false);
    if !got {
        return Err(Busy);
    }
    let out = work.await;
    let _ = release.call0(&JsValue::NULL);
    let _ = JsFuture::from(request).await;
    Ok(out)
}
