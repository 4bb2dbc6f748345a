//! Pieces shared by the Vault, Share and Audit pages: the account panel
//! (sign up / sign in / sign out), the progress bar, fingerprints.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::identity::Fingerprint;

use crate::client::account::{self, use_account};
use crate::session::use_session;
use crate::vault::progress::{Progress, bytes_text, duration_text};

/// A fingerprint in its human form, in a monospace block people can compare.
#[component]
pub fn FingerprintText(fingerprint: Fingerprint, #[prop(optional)] label: &'static str) -> impl IntoView {
    let label = if label.is_empty() { "Fingerprint" } else { label };
    view! {
        <code class="fingerprint" aria-label=label data-fingerprint=crate::client::keys::hex(&fingerprint.0)>
            {fingerprint.to_human()}
        </code>
    }
}

/// Local date and time of a Unix-ms instant.
#[must_use]
pub fn date_text(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// Progress bar with bytes, speed and time left.
#[component]
pub fn ProgressView(progress: Signal<Option<Progress>>, label: Signal<String>) -> impl IntoView {
    move || {
        progress.get().map(|p| {
            let pct = (p.fraction() * 100.0).clamp(0.0, 100.0);
            let eta = p.eta_secs().map_or_else(|| "estimating…".to_owned(), |s| format!("{} left", duration_text(s)));
            let speed = format!("{}/s", bytes_text(p.speed() as u64));
            view! {
                <div class="transfer" data-testid="transfer">
                    <progress max="100" value=format!("{pct:.1}") aria-label=label.get()></progress>
                    <p class="transfer-text" aria-live="polite">
                        {format!("{} of {} · {speed} · {eta}", bytes_text(p.done), bytes_text(p.total))}
                        {p.waiting.then_some(" · waiting for the connection…")}
                    </p>
                </div>
            }
        })
    }
}

/// Sign-up / sign-in / sign-out for the unlocked identity.
#[component]
pub fn AccountPanel() -> impl IntoView {
    let session = use_session();
    let acct = use_account();
    let status = expect_context::<crate::app::Status>();
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    // Prefill the username remembered for these drives.
    Effect::new(move |_| {
        if let Some(u) = session.identity.get().as_deref().and_then(account::remembered_username) {
            name.set(u);
        }
    });
    let act = move |create: bool| {
        let Some(unlocked) = session.identity.get_untracked() else { return };
        let username = name.get_untracked().trim().to_owned();
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let r = if create {
                account::sign_up(acct, &unlocked, &username).await
            } else {
                account::sign_in(acct, &unlocked, &username).await
            };
            if let Err(e) = r {
                message.set(Some(e.to_string()));
            }
            busy.set(false);
        });
    };
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = account::sign_out(acct).await {
                message.set(Some(e.to_string()));
            }
        });
    };
    view! {
        <section class="card account" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            {move || {
                let me = acct.username.get();
                let unlocked = session.identity.get();
                match (me, unlocked) {
                    (Some(me), _) => view! {
                        <p data-testid="signed-in-as">"Signed in as " <strong>{me}</strong></p>
                        {move || session.identity.with(Option::is_none).then(|| view! {
                            <p class="muted">"Unlock your drive on the " <A href="/drives">"Drives page"</A> " to open and share files."</p>
                        })}
                        <button type="button" on:click=sign_out>"Sign out"</button>
                    }.into_any(),
                    (None, None) => view! {
                        <p>"Your keys are on your USB drive. " <A href="/drives">"Unlock it on the Drives page"</A>
                           " to sign in, or create an identity there first."</p>
                    }.into_any(),
                    (None, Some(_)) => view! {
                        <form class="account-form" on:submit=move |ev| { ev.prevent_default(); act(false); }>
                            <label for="username">"Username"</label>
                            <input id="username" name="username" autocomplete="username" required
                                prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))/>
                            <div class="actions">
                                <button type="submit" disabled=move || busy.get() || !status.online.get()>"Sign in"</button>
                                <button type="button" class="secondary" disabled=move || busy.get() || !status.online.get()
                                    on:click=move |_| act(true)>"Create account"</button>
                            </div>
                            <p class="muted">"The username is public. Signing in proves you hold the keys on your drive; no password is sent."</p>
                        </form>
                    }.into_any(),
                }
            }}
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || acct.notice.get().map(|m| view! { <p class="notice" role="status" data-testid="account-notice">{m}</p> })}
        </section>
    }
}
