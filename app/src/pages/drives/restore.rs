//! Restoring from the backup drive onto a new, empty primary folder (the
//! old primary was lost or broke). Needs the backup drive, the passphrase
//! and the recovery code; the backup drive is only read.

use std::sync::Arc;

use leptos::prelude::*;
use shared::drive;
use zeroize::Zeroizing;

use super::argon;
use super::errors::explain;
use super::fields::ActionForm;
use super::fields::{Field, PinChoice, pin_problem};
use super::run::{allowed_both, need_both, now, run, step};
use super::state::use_drives;
use crate::session::use_session;

#[component]
pub fn RestorePanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let pass = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let use_pin = RwSignal::new(false);
    let pin = RwSignal::new(String::new());

    let restore = move || {
        let Some((primary, backup)) = need_both(st) else { return };
        let passphrase = Zeroizing::new(pass.get_untracked());
        let typed = Zeroizing::new(code.get_untracked());
        let pin_value = use_pin.get_untracked().then(|| Zeroizing::new(pin.get_untracked()));
        run(st, "Checking the drives…", move || async move {
            allowed_both(&primary, &backup).await?;
            let params = argon::params(st).await?;
            step(st, "Opening the backup with your passphrase and recovery code (Argon2id)…").await;
            let mut rng = shared::crypto::rng::os_rng();
            let unlocked = drive::restore(
                &backup,
                &primary,
                passphrase.as_bytes(),
                &typed,
                pin_value.as_ref().map(|p| p.as_bytes()),
                &params,
                now(),
                &mut rng,
            )
            .await
            .map_err(|e| explain(&e, Some(&typed)))?;
            let version = unlocked.state.rotation;
            session.identity.set(Some(Arc::new(unlocked)));
            pass.set(String::new());
            code.set(String::new());
            pin.set(String::new());
            Ok(format!(
                "Restored key version {version} onto the new primary drive, and unlocked it. If the old primary drive was lost, rotate keys now: it still holds your current keys."
            ))
        });
    };

    view! {
        <section class="card" aria-labelledby="restore-title">
            <ActionForm on_submit=restore>
            <h2 id="restore-title">"Restore from backup"</h2>
            <p>"Lost or broken primary drive? Choose an " <strong>"empty"</strong> " folder on a new USB stick as the primary drive above, plug in your backup drive, and type your passphrase and the recovery code from your Emergency Kit."</p>
            <Field id="restore-pass" label="Backup passphrase" value=pass autocomplete="current-password"/>
            <Field id="restore-code" label="Recovery code (from your Emergency Kit)" value=code kind="text"/>
            <PinChoice use_pin=use_pin pin=pin id="restore-pin"/>
            <button type="submit" disabled=move || st.busy() || pin_problem(use_pin, pin).is_some()>"Restore"</button>
        </ActionForm>
            </section>
    }
}
