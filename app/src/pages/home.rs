//! The home page: where things stand (connection, offline copy, server) and
//! what this browser can do.

use leptos::prelude::*;
use shared::api::Health;

use crate::app::Status;
use crate::components::capability_report::CapabilityReport;
use crate::platform::http;
use crate::platform::service_worker::OfflineState;

#[component]
pub fn Home() -> impl IntoView {
    let status = expect_context::<Status>();
    // Re-checks the server whenever the browser's online status changes.
    let server = LocalResource::new(move || {
        let _ = status.online.get();
        async move { http::get_json::<Health>("/api/v1/health").await }
    });
    let server_text = move || match server.get() {
        None => ("checking", "Checking…".to_owned()),
        Some(Ok(h)) => ("reachable", format!("Reachable (server version {})", h.version)),
        Some(Err(e)) => ("unreachable", format!("Not reachable: {e}. Local features still work.")),
    };
    let offline_text = move || match status.offline.get() {
        OfflineState::Checking => "Checking…".to_owned(),
        OfflineState::Ready => "Ready: QuantumVault opens without a connection.".to_owned(),
        OfflineState::Installing => "Being saved on this device…".to_owned(),
        OfflineState::UpdateWaiting => "A new version is ready: use “Reload to update”.".to_owned(),
        OfflineState::Unavailable(why) => format!("Unavailable: {why}."),
    };
    view! {
        <section class="hero" aria-labelledby="page-title">
            <h1 id="page-title">"Your files, sealed for the quantum age"</h1>
            <p>"QuantumVault encrypts and signs your files in this browser with post-quantum cryptography. \
                Your identity keys live on your own USB drive; the server only ever stores ciphertext."</p>
        </section>
        <section class="card" aria-labelledby="status-title">
            <h2 id="status-title">"Status"</h2>
            <dl class="status-list">
                <dt>"Connection"</dt>
                <dd data-testid="connection">{move || if status.online.get() { "Online" } else { "Offline: server actions need a connection; local features still work." }}</dd>
                <dt>"Server"</dt>
                <dd data-testid="server" data-state=move || server_text().0>{move || server_text().1}</dd>
                <dt>"Offline copy"</dt>
                <dd data-testid="offline-copy">{offline_text}</dd>
                <dt>"App version"</dt>
                <dd data-testid="app-version">{shared::VERSION}</dd>
            </dl>
        </section>
        <CapabilityReport/>
    }
}
