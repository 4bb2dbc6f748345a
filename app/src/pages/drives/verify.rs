//! Verifying the backup: opens it with the passphrase and the recovery code
//! and checks it holds the primary's identity, writing nothing to the
//! backup. The check is recorded in the primary's audit log when unlocked.

use leptos::prelude::*;
use shared::drive;
use shared::drive::audit::{self, Event};
use zeroize::Zeroizing;

use super::errors::explain;
use super::fields::ActionForm;
use super::fields::Field;
use super::run::{allowed_both, need_both, now, run, step};
use super::state::use_drives;
use crate::session::use_session;

#[component]
pub fn VerifyPanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let pass = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());

    let verify = move || {
        let Some((primary, backup)) = need_both(st) else { return };
        let passphrase = Zeroizing::new(pass.get_untracked());
        let typed = Zeroizing::new(code.get_untracked());
        run(st, "Checking the drives…", move || async move {
            allowed_both(&primary, &backup).await?;
            step(st, "Opening the backup with your passphrase and recovery code (Argon2id)…").await;
            let report = drive::verify_backup(&primary, &backup, passphrase.as_bytes(), &typed)
                .await
                .map_err(|e| explain(&e, Some(&typed)))?;
            // Only the identity this primary holds may seal an entry in its log.
            if let Some(u) = session.identity.get_untracked()
                && u.state.fingerprint == report.fingerprint
            {
                let detail = format!("backup of rotation {} opens", report.rotation);
                let _ = audit::record(&primary, &u.keyring, &u.state.pair_id, Event::Verify, &detail, now()).await;
            }
            pass.set(String::new());
            code.set(String::new());
            Ok(format!(
                "Your backup works: it opens with this passphrase and recovery code and holds key version {} (fingerprint {}).",
                report.rotation,
                report.fingerprint.to_human()
            ))
        });
    };

    view! {
        <section class="card" aria-labelledby="verify-title">
            <ActionForm on_submit=verify>
            <h2 id="verify-title">"Verify backup"</h2>
            <p>"Proves, without changing anything, that your backup drive opens with your passphrase and your Emergency Kit and holds the same keys as your primary drive. Do it after set-up and now and then."</p>
            <Field id="verify-pass" label="Backup passphrase" value=pass autocomplete="current-password"/>
            <Field id="verify-code" label="Recovery code (from your Emergency Kit)" value=code kind="text"/>
            <button type="submit" disabled=move || st.busy()>"Verify backup"</button>
        </ActionForm>
            </section>
    }
}
