//! Registers the service worker that keeps the app offline, and surfaces
//! "a new version is ready" so the user decides when to reload.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    RegistrationOptions, ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

/// State of the offline copy, as shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineState {
    /// Not known yet.
    Checking,
    /// The service worker controls the page: the app opens offline.
    Ready,
    /// Installing for the first time; the app will open offline after this.
    Installing,
    /// A new version is installed and waits; reloading switches to it.
    UpdateWaiting,
    /// This browser has no service worker, or registration failed.
    Unavailable(String),
}

/// Registers `/sw.js` and returns a signal that follows the offline state.
pub fn register() -> (ReadSignal<OfflineState>, impl Fn() + Clone) {
    let (state, set_state) = signal(OfflineState::Checking);
    let waiting: StoredValue<Option<ServiceWorker>, LocalStorage> = StoredValue::new_local(None);
    let Some(window) = web_sys::window() else {
        set_state.set(OfflineState::Unavailable("no window".into()));
        return (state, make_apply(waiting));
    };
    let navigator = window.navigator();
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        set_state.set(OfflineState::Unavailable("this browser has no service workers".into()));
        return (state, make_apply(waiting));
    }
    let container = navigator.service_worker();
    let had_controller = container.controller().is_some();

    // When a new worker takes over after the user asked for it, load the new app.
    let on_change = Closure::<dyn Fn()>::new(move || {
        if had_controller && let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();

    leptos::task::spawn_local(register_transfer(container.clone()));
    leptos::task::spawn_local(async move {
        let registration = match JsFuture::from(container.register("/sw.js")).await {
            Ok(r) => r.unchecked_into::<ServiceWorkerRegistration>(),
            Err(e) => {
                set_state.set(OfflineState::Unavailable(super::js_error_text(&e)));
                return;
            }
        };
        let publish = move |reg: &ServiceWorkerRegistration| {
            if let Some(w) = reg.waiting()
                && had_controller
            {
                waiting.set_value(Some(w));
                set_state.set(OfflineState::UpdateWaiting);
                return;
            }
            if reg.active().is_some() {
                set_state.set(OfflineState::Ready);
            } else {
                set_state.set(OfflineState::Installing);
            }
        };
        publish(&registration);
        // Follows a worker that is installing until it is installed (waiting) or active.
        let watch = move |reg: &ServiceWorkerRegistration| {
            if let Some(installing) = reg.installing() {
                let reg = reg.clone();
                let worker = installing.clone();
                let on_state = Closure::<dyn Fn()>::new(move || {
                    if matches!(worker.state(), ServiceWorkerState::Installed | ServiceWorkerState::Activated) {
                        publish(&reg);
                    }
                });
                installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                on_state.forget();
            }
        };
        // The navigation that loaded this page may already have found an update and
        // started installing it before `register` resolved: its `updatefound` is gone,
        // so follow that worker directly.
        watch(&registration);
        let reg = registration.clone();
        let on_update = Closure::<dyn Fn()>::new(move || watch(&reg));
        registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
        on_update.forget();
        if let Ok(ready) = container.ready()
            && JsFuture::from(ready).await.is_ok()
            && state.get_untracked() != OfflineState::UpdateWaiting
        {
            set_state.set(OfflineState::Ready);
        }
    });
    (state, make_apply(waiting))
}

/// Where transfer workers load from, and the pass-through service worker
/// that controls them (`public/transfer/sw.js` says why).
const TRANSFER_SCOPE: &str = "/transfer/";

/// Registers the pass-through service worker and, once it is active, lets
/// networked jobs use transfer workers. Until then, or if this fails, they
/// run in the ordinary worker: slower for large uploads, but correct.
async fn register_transfer(container: ServiceWorkerContainer) {
    let options = RegistrationOptions::new();
    options.set_scope(TRANSFER_SCOPE);
    let script = format!("{TRANSFER_SCOPE}sw.js");
    let Ok(registration) = JsFuture::from(container.register_with_options(&script, &options)).await else {
        return;
    };
    let registration: ServiceWorkerRegistration = registration.unchecked_into();
    if activated(&registration).await {
        super::worker::set_transfer_script_url(&format!("{TRANSFER_SCOPE}worker.js"));
    }
}

/// Resolves once `registration` has an active worker (false if the one
/// installing becomes redundant instead).
async fn activated(registration: &ServiceWorkerRegistration) -> bool {
    if registration.active().is_some() {
        return true;
    }
    let Some(worker) = registration.installing().or_else(|| registration.waiting()) else {
        return false;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let watched = worker.clone();
        let on_state = Closure::<dyn Fn()>::new(move || match watched.state() {
            ServiceWorkerState::Activated => {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
            }
            ServiceWorkerState::Redundant => {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
            }
            _ => {}
        });
        worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    });
    // The state may have moved on before the handler was set.
    if registration.active().is_some() {
        return true;
    }
    JsFuture::from(promise).await.is_ok_and(|v| v.is_truthy())
}

/// Tells the waiting worker to take over; the `controllerchange` handler then reloads.
fn make_apply(waiting: StoredValue<Option<ServiceWorker>, LocalStorage>) -> impl Fn() + Clone {
    move || {
        if let Some(worker) = waiting.get_value() {
            let _ = worker.post_message(&"skip-waiting".into());
        }
    }
}
