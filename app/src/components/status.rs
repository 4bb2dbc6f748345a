//! The online/offline pill in the header and the "new version" banner.

use leptos::prelude::*;

use crate::app::Status;
use crate::platform::service_worker::OfflineState;

/// Online/offline indicator, announced politely to screen readers when it changes.
#[component]
pub fn AppStatus() -> impl IntoView {
    let status = expect_context::<Status>();
    view! {
        <p class="status-pill" role="status" aria-live="polite" data-online=move || status.online.get().to_string()>
            {move || if status.online.get() { "Online" } else { "Offline" }}
        </p>
    }
}

/// Offers to switch to a newly deployed version, instead of switching under the user's feet.
#[component]
pub fn UpdateBanner(apply: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let status = expect_context::<Status>();
    view! {
        <Show when=move || status.offline.get() == OfflineState::UpdateWaiting>
            <div class="banner" role="alert">
                <p>"A new version of QuantumVault is ready."</p>
                <button type="button" on:click={
                    let apply = apply.clone();
                    move |_| apply()
                }>"Reload to update"</button>
            </div>
        </Show>
    }
}
