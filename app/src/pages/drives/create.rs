//! Creating an identity: both drives, a passphrase (rated, typed twice), an
//! optional PIN, Argon2id at this device's calibrated cost, then the
//! Emergency Kit, which the user must prove they saved by re-typing two
//! groups of the recovery code before the identity is put to use.

use std::sync::Arc;

use leptos::prelude::*;
use shared::drive::{self, Unlocked};
use zeroize::Zeroizing;

use super::argon;
use super::errors::explain;
use super::fields::ActionForm;
use super::fields::{NewPassphrase, PinChoice, passphrase_problem, pin_problem};
use super::run::{allowed, now, run, step};
use super::state::{Notice, use_drives};
use crate::components::emergency_kit::EmergencyKit;
use crate::session::use_session;

/// What exists between set-up and the user's confirmation.
struct Pending {
    code: Zeroizing<String>,
    fingerprint: String,
    created: String,
    unlocked: Arc<Unlocked>,
    /// The two groups (1-based) the user must re-type.
    ask: [usize; 2],
}

/// Two distinct groups out of 14, at random (not a secret: only makes the
/// user look at the whole code).
fn pick_groups() -> [usize; 2] {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let first = usize::from(b[0]) % 14 + 1;
    let second = (first + usize::from(b[1]) % 13) % 14 + 1;
    [first.min(second), first.max(second)]
}

#[component]
pub fn CreatePanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let pass = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let use_pin = RwSignal::new(false);
    let pin = RwSignal::new(String::new());
    let pending = RwSignal::new_local(None::<Pending>);
    let typed = [RwSignal::new(String::new()), RwSignal::new(String::new())];

    let problem = move || {
        if st.primary.with(Option::is_none) || st.backup.with(Option::is_none) {
            return Some("Choose the primary and the backup drive above first.".to_owned());
        }
        passphrase_problem(pass, confirm).or_else(|| pin_problem(use_pin, pin))
    };

    let create = move || {
        let (Some(primary), Some(backup)) = (st.primary.get_untracked(), st.backup.get_untracked()) else {
            return;
        };
        let passphrase = Zeroizing::new(pass.get_untracked());
        let pin_value = use_pin.get_untracked().then(|| Zeroizing::new(pin.get_untracked()));
        run(st, "Checking the drives…", move || async move {
            allowed(&primary, "primary drive").await?;
            allowed(&backup, "backup drive").await?;
            let params = argon::params(st).await?;
            let runs = if pin_value.is_some() { 2 } else { 1 };
            step(st, format!("Sealing your keys with Argon2id ({})…", argon::estimate(runs))).await;
            let mut rng = shared::crypto::rng::os_rng();
            let t = now();
            let outcome = drive::init(
                &primary,
                &backup,
                passphrase.as_bytes(),
                pin_value.as_ref().map(|p| p.as_bytes()),
                &params,
                t,
                &mut rng,
            )
            .await
            .map_err(|e| explain(&e, None))?;
            pending.set(Some(Pending {
                code: outcome.recovery_code.to_text(),
                fingerprint: outcome.unlocked.state.fingerprint.to_human(),
                created: t.to_rfc3339(),
                unlocked: Arc::new(outcome.unlocked),
                ask: pick_groups(),
            }));
            pass.set(String::new());
            confirm.set(String::new());
            pin.set(String::new());
            Ok("Your identity was created. Save your Emergency Kit below to finish.".to_owned())
        });
    };

    let finish = move |_| {
        let ok = pending.with_untracked(|p| {
            p.as_ref().is_some_and(|p| {
                let groups: Vec<&str> = p.code.split('-').collect();
                p.ask.iter().zip(typed).all(|(g, t)| {
                    let want = groups.get(g - 1).copied().unwrap_or_default();
                    t.with_untracked(|t| t.trim().eq_ignore_ascii_case(want))
                })
            })
        });
        if !ok {
            st.notice.set(Some(Notice::Failed(
                "What you typed does not match those groups of the recovery code. Look at your Emergency Kit again."
                    .to_owned(),
            )));
            return;
        }
        if let Some(p) = pending.try_update(Option::take).flatten() {
            session.identity.set(Some(p.unlocked));
        }
        for t in typed {
            t.set(String::new());
        }
        st.notice.set(Some(Notice::Done(
            "Set-up complete: your identity is unlocked. Keep the Emergency Kit apart from both drives.".to_owned(),
        )));
    };

    view! {
        <Show when=move || pending.with(Option::is_some) fallback=move || view! {
            <Show when=move || !session.is_unlocked() fallback=|| view! {
                <section class="card" aria-labelledby="create-title">
                    <h2 id="create-title">"Create your identity"</h2>
                    <p>"An identity is unlocked in this tab. To set up another one, lock first."</p>
                </section>
            }>
            <section class="card" aria-labelledby="create-title">
            <ActionForm on_submit=create>
                <h2 id="create-title">"Create your identity"</h2>
                <p>"Your keys go on the primary drive, a sealed copy on the backup drive. The backup opens only with your passphrase "
                   <em>"and"</em>" the recovery code from the Emergency Kit you will print next."</p>
                <NewPassphrase pass=pass confirm=confirm id="create" label="Backup passphrase"/>
                <PinChoice use_pin=use_pin pin=pin id="create-pin"/>
                <p class="muted" data-testid="create-problem">{move || problem().unwrap_or_else(|| "Ready.".to_owned())}</p>
                <button type="submit" disabled=move || st.busy() || problem().is_some()>"Create identity"</button>
            </ActionForm>
            </section>
            </Show>
        }>
            {move || pending.with(|p| p.as_ref().map(|p| {
                let [a, b] = p.ask;
                view! {
                    <EmergencyKit code=p.code.to_string() fingerprint=p.fingerprint.clone() created=p.created.clone()/>
                    <section class="card no-print" aria-labelledby="confirm-title">
                        <h2 id="confirm-title">"Confirm you saved it"</h2>
                        <p>"Type two groups of your recovery code, as printed or written down."</p>
                        <div class="field">
                            <label for="kit-group-a">{format!("Group {a} of the recovery code")}</label>
                            <input id="kit-group-a" class="mono" autocomplete="off" spellcheck="false" maxlength="4" bind:value=typed[0]/>
                        </div>
                        <div class="field">
                            <label for="kit-group-b">{format!("Group {b} of the recovery code")}</label>
                            <input id="kit-group-b" class="mono" autocomplete="off" spellcheck="false" maxlength="4" bind:value=typed[1]/>
                        </div>
                        <button type="button" on:click=finish>"I saved my Emergency Kit — finish"</button>
                    </section>
                }
            }))}
        </Show>
    }
}
