//! Unlocking the primary drive (with its PIN if it has one). Wrong PINs are
//! counted and written to the drive's audit log by the next successful
//! unlock (a failed attempt has no key to seal its entry with).

use std::sync::Arc;

use leptos::prelude::*;
use shared::drive::audit::{self, Event};
use shared::drive::{self, DriveError};
use shared::format::token::TokenError;
use zeroize::Zeroizing;

use super::errors::explain;
use super::fields::ActionForm;
use super::fields::Field;
use super::run::{allowed, now, run, step};
use super::state::use_drives;
use crate::session::use_session;

#[component]
pub fn UnlockPanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let pin = RwSignal::new(String::new());
    let failures = st.failed_pins;

    let unlock = move || {
        let Some(primary) = st.primary.get_untracked() else {
            st.notice.set(Some(super::state::Notice::Failed("Choose your primary drive above first.".to_owned())));
            return;
        };
        let pin_value = Zeroizing::new(pin.get_untracked());
        run(st, "Opening the primary drive…", move || async move {
            allowed(&primary, "primary drive").await?;
            if !pin_value.is_empty() {
                step(st, "Checking the PIN (Argon2id)…").await;
            }
            let p = (!pin_value.is_empty()).then(|| pin_value.as_bytes());
            let t = now();
            let unlocked = match drive::unlock(&primary, p, t).await {
                Ok(u) => u,
                Err(e) => {
                    if matches!(e, DriveError::Token { source: TokenError::WrongPin, .. }) {
                        failures.update_value(|f| *f += 1);
                    }
                    return Err(explain(&e, None));
                }
            };
            let failed = failures.get_value();
            if failed > 0 {
                let detail = format!("{failed} wrong PIN attempt(s) before this unlock");
                let _ = audit::record(
                    &primary,
                    &unlocked.keyring,
                    &unlocked.state.pair_id,
                    Event::FailedAttempt,
                    &detail,
                    t,
                )
                .await;
                failures.set_value(0);
            }
            let rotation = unlocked.state.rotation;
            session.identity.set(Some(Arc::new(unlocked)));
            pin.set(String::new());
            Ok(format!("Unlocked (key version {rotation})."))
        });
    };

    view! {
        <section class="card" aria-labelledby="unlock-title">
            <ActionForm on_submit=unlock>
            <h2 id="unlock-title">"Unlock"</h2>
            <p>"Plug in your primary drive and unlock your identity for this tab."</p>
            <Field id="unlock-pin" label="PIN (only if you set one)" value=pin/>
            <button type="submit" disabled=move || st.busy()>"Unlock"</button>
        </ActionForm>
            </section>
    }
}
