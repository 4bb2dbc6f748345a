//! The live report of what this browser can do.

use leptos::prelude::*;

use crate::app::Status;
use crate::platform::capabilities;

/// Lists each capability with a plain-words explanation and a summary verdict.
#[component]
pub fn CapabilityReport() -> impl IntoView {
    let status = expect_context::<Status>();
    let caps = capabilities::detect();
    let custody = caps.iter().any(|c| c.id == "fs-access" && c.available);
    let summary = if custody {
        "Everything QuantumVault needs is available in this browser."
    } else {
        "This browser can encrypt, decrypt and share, but cannot open your USB drives directly: on the Drives page you load your key files by upload and save them by download instead."
    };
    let rows = caps
        .into_iter()
        .map(|cap| {
            let mark = if cap.available { "Available" } else { "Not available" };
            view! {
                <li class="capability" data-capability=cap.id data-available=cap.available.to_string()>
                    <span class="capability-mark" aria-hidden="true">{if cap.available { "✓" } else { "✗" }}</span>
                    <div>
                        <strong>{cap.name}</strong>
                        <span class="visually-hidden">": " {mark}</span>
                        <p>{cap.explanation}</p>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="caps-title">
            <h2 id="caps-title">"What this browser can do"</h2>
            <p class="summary" data-testid="capability-summary">{summary}</p>
            <ul class="capabilities" aria-label="Browser capabilities">
                {rows}
                <li class="capability" data-capability="persistent-storage"
                    data-available=move || status.persisted.get().unwrap_or(false).to_string()>
                    <span class="capability-mark" aria-hidden="true">
                        {move || if status.persisted.get() == Some(true) { "✓" } else { "…" }}
                    </span>
                    <div>
                        <strong>"Persistent storage"</strong>
                        <p>{move || match status.persisted.get() {
                            Some(true) => "Granted: the browser will not clear QuantumVault's data to free space.",
                            Some(false) => "Not granted yet: the browser may clear the offline copy when space runs low. Installing the app usually grants it.",
                            None => "The browser has not said whether it keeps QuantumVault's data.",
                        }}</p>
                    </div>
                </li>
            </ul>
        </section>
    }
}
