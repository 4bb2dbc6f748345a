//! Settings: what is stored where on this device, and the app's version.

use leptos::prelude::*;

use crate::app::Status;

#[component]
pub fn Settings() -> impl IntoView {
    let status = expect_context::<Status>();
    view! {
        <section class="card" aria-labelledby="page-title">
            <h1 id="page-title">"Settings"</h1>
            <dl class="status-list">
                <dt>"App version"</dt>
                <dd>{shared::VERSION}</dd>
                <dt>"Persistent storage"</dt>
                <dd>{move || match status.persisted.get() {
                    Some(true) => "Granted",
                    Some(false) => "Not granted",
                    None => "Unknown",
                }}</dd>
            </dl>
            <p>"QuantumVault keeps nothing secret in this browser's storage: your keys stay on your drives, \
                and only folder handles and public data are remembered here."</p>
        </section>
    }
}
