//! QuantumVault's browser app: a Leptos UI compiled to WebAssembly.
//!
//! Pages and components only call [`shared`] for logic; everything that
//! touches the browser sits in [`platform`].

pub mod app;
pub mod client;
pub mod components;
pub mod links;
pub mod pages;
pub mod platform;
pub mod session;
pub mod vault;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, run by the boot script once the wasm module is instantiated.
#[wasm_bindgen]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
