//! Online/offline status as a reactive signal.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// A signal that follows `navigator.onLine` and the window's `online`/`offline` events.
pub fn online_signal() -> ReadSignal<bool> {
    let initial = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
    let (online, set_online) = signal(initial);
    if let Some(window) = web_sys::window() {
        for (event, value) in [("online", true), ("offline", false)] {
            let handler = Closure::<dyn Fn()>::new(move || set_online.set(value));
            // The listener lives as long as the page: leaking the closure is the intended lifetime.
            let _ = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
            handler.forget();
        }
    }
    online
}
