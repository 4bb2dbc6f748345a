//! The application frame: header, navigation, routes and app-wide status.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::status::{AppStatus, UpdateBanner};
use crate::pages;
use crate::platform::{network, service_worker, storage};

/// App-wide reactive status, provided as context to every page.
#[derive(Clone, Copy)]
pub struct Status {
    /// Whether the browser says it is online.
    pub online: ReadSignal<bool>,
    /// Whether the offline copy is ready, installing, or waiting to update.
    pub offline: ReadSignal<service_worker::OfflineState>,
    /// Whether persistent storage was granted (`None` until known or if unknown).
    pub persisted: ReadSignal<Option<bool>>,
}

#[component]
pub fn App() -> impl IntoView {
    let online = network::online_signal();
    let (offline, apply_update) = service_worker::register();
    let (persisted, set_persisted) = signal(None::<bool>);
    leptos::task::spawn_local(async move {
        set_persisted.set(storage::request_persistence().await);
    });
    provide_context(Status { online, offline, persisted });
    let session = crate::session::provide();
    let account = crate::client::account::provide();
    crate::client::rotation::watch(session, account);

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand" attr:aria-label="QuantumVault home">
                    <img src="/icons/icon.svg" alt="" width="28" height="28"/>
                    <span>"QuantumVault"</span>
                </A>
                <nav aria-label="Main">
                    <ul>
                        <li><A href="/vault">"Vault"</A></li>
                        <li><A href="/share">"Share"</A></li>
                        <li><A href="/drives">"Drives"</A></li>
                        <li><A href="/lab">"Lab"</A></li>
                        <li><A href="/audit">"Audit"</A></li>
                        <li><A href="/settings">"Settings"</A></li>
                    </ul>
                </nav>
                <AppStatus/>
            </header>
            <UpdateBanner apply=apply_update/>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/vault") view=pages::vault::Vault/>
                    <Route path=path!("/share") view=pages::share::Share/>
                    <Route path=path!("/drives") view=pages::drives::Drives/>
                    <Route path=path!("/lab") view=pages::lab::Lab/>
                    <Route path=path!("/audit") view=pages::audit::Audit/>
                    <Route path=path!("/settings") view=pages::settings::Settings/>
                </Routes>
            </main>
            <footer class="app-footer">
                <p>"QuantumVault " {shared::VERSION} " · everything secret stays in this browser."</p>
            </footer>
        </Router>
    }
}
