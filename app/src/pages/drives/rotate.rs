//! Rotating keys: a new identity on both drives (old KEM keys kept so old
//! files still open). The previous and the new keys are handed to the vault
//! through `session.rotation`, which signs the rotation statement with the
//! previous keys and then clears it.

use std::sync::Arc;

use leptos::prelude::*;
use shared::drive;
use zeroize::Zeroizing;

use super::argon;
use super::errors::explain;
use super::fields::ActionForm;
use super::fields::{Field, NewPassphrase, passphrase_problem};
use super::run::{allowed_both, need_both, now, run, step};
use super::state::{Notice, use_drives};
use crate::session::{RotationEvent, use_session};

#[component]
pub fn RotatePanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let pin = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let problem = move || {
        if !session.is_unlocked() {
            return Some("Unlock first: rotating needs the keys you have now.".to_owned());
        }
        passphrase_problem(pass, confirm)
    };

    let rotate = move || {
        let Some((primary, backup)) = need_both(st) else { return };
        let Some(previous) = session.identity.get_untracked() else {
            st.notice.set(Some(Notice::Failed("Unlock first.".to_owned())));
            return;
        };
        let passphrase = Zeroizing::new(pass.get_untracked());
        let pin_value = Zeroizing::new(pin.get_untracked());
        run(st, "Checking the drives…", move || async move {
            allowed_both(&primary, &backup).await?;
            let params = argon::params(st).await?;
            step(st, format!("Making new keys and sealing the new backup ({})…", argon::estimate(1))).await;
            let p = (!pin_value.is_empty()).then(|| pin_value.as_bytes());
            let mut rng = shared::crypto::rng::os_rng();
            let current = drive::rotate(
                &primary,
                &backup,
                p,
                passphrase.as_bytes(),
                previous.state.rotation,
                &params,
                now(),
                &mut rng,
            )
            .await
            .map_err(|e| explain(&e, None))?;
            let current = Arc::new(current);
            let version = current.state.rotation;
            session.identity.set(Some(Arc::clone(&current)));
            session.rotation.set(Some(RotationEvent { previous, current }));
            pass.set(String::new());
            confirm.set(String::new());
            pin.set(String::new());
            Ok(format!(
                "Keys rotated: you now use key version {version}. Files sent to your earlier keys still open. Your Emergency Kit stays valid."
            ))
        });
    };

    view! {
        <section class="card" aria-labelledby="rotate-title">
            <ActionForm on_submit=rotate>
            <h2 id="rotate-title">"Rotate keys"</h2>
            <p>"Makes new keys on the primary drive and a new sealed backup on the backup drive. Do it if a drive may have been copied, and now and then. Both drives must be plugged in."</p>
            <Field id="rotate-pin" label="PIN (only if you set one)" value=pin/>
            <NewPassphrase pass=pass confirm=confirm id="rotate" label="Backup passphrase"/>
            <p class="muted">{move || problem().unwrap_or_else(|| "Ready.".to_owned())}</p>
            <button type="submit" disabled=move || st.busy() || problem().is_some()>"Rotate keys"</button>
        </ActionForm>
            </section>
    }
}
