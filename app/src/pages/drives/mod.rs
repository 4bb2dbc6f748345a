//! The Drives page: where the identity is created on two USB drives and
//! then unlocked, rotated, verified, restored and inspected. Each action
//! has its own panel module; they share [`state::DrivesState`] and run
//! through [`run::run`] (one at a time, under the drives Web Lock).

pub mod argon;
pub mod audit_log;
pub mod create;
pub mod errors;
pub mod fallback;
pub mod fields;
pub mod pickers;
pub mod reseal;
pub mod restore;
pub mod rotate;
pub mod run;
pub mod state;
pub mod unlock;
pub mod verify;

use leptos::prelude::*;

use self::state::{DrivesState, Notice};
use crate::session::use_session;

/// The panels, one per action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Create,
    Unlock,
    Rotate,
    Verify,
    Restore,
    Passphrase,
    Replace,
    AuditLog,
}

impl Panel {
    const ALL: [Self; 8] = [
        Self::Create,
        Self::Unlock,
        Self::Rotate,
        Self::Verify,
        Self::Restore,
        Self::Passphrase,
        Self::Replace,
        Self::AuditLog,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Create => "Create identity",
            Self::Unlock => "Unlock",
            Self::Rotate => "Rotate keys",
            Self::Verify => "Verify backup",
            Self::Restore => "Restore from backup",
            Self::Passphrase => "Change passphrase",
            Self::Replace => "Replace backup drive",
            Self::AuditLog => "Audit log",
        }
    }
}

/// Who is unlocked, with the Lock button.
#[component]
fn IdentityStatus() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="card identity-status" aria-labelledby="identity-title">
            <h2 id="identity-title">"Identity"</h2>
            {move || match session.identity.get() {
                None => view! {
                    <p data-testid="identity-state" data-state="locked">"Locked. Unlock with your primary drive, or create an identity."</p>
                }.into_any(),
                Some(u) => view! {
                    <p data-testid="identity-state" data-state="unlocked">
                        "Unlocked — key version " {u.state.rotation} "."
                    </p>
                    <p>"Fingerprint: " <span class="mono" data-testid="fingerprint">{u.state.fingerprint.to_human()}</span></p>
                    <button type="button" class="secondary" on:click=move |_| session.lock()>"Lock"</button>
                }.into_any(),
            }}
        </section>
    }
}

/// Progress while an operation runs, then its outcome (also under the
/// drive log on the Audit page).
#[component]
pub fn Outcome() -> impl IntoView {
    let st = state::use_drives();
    view! {
        <div class="drive-outcome" aria-live="polite" data-testid="drive-outcome"
            data-finished=move || st.finished.get().to_string()>
            <Show when=move || st.busy()>
                <div class="drive-progress" role="status" data-testid="drive-progress">
                    <progress aria-label="Working"></progress>
                    <span>{move || st.progress.get().unwrap_or_default()}</span>
                </div>
            </Show>
            {move || st.notice.get().map(|n| match n {
                Notice::Done(m) => view! { <p class="notice ok" role="status" data-testid="drive-notice" data-kind="done">{m}</p> }.into_any(),
                Notice::Failed(m) => view! { <p class="notice error" role="alert" data-testid="drive-notice" data-kind="failed">{m}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
pub fn Drives() -> impl IntoView {
    let st = DrivesState::provide();
    let panel = RwSignal::new(Panel::Create);
    pickers::restore_saved(st, move || {
        if panel.get_untracked() == Panel::Create {
            panel.set(Panel::Unlock);
        }
    });
    view! {
        <section class="card" aria-labelledby="page-title">
            <h1 id="page-title">"Drives"</h1>
            <p>"Your identity lives on your own USB drive, with a sealed backup on a second one. Nothing secret ever reaches the server."</p>
        </section>
        <IdentityStatus/>
        <pickers::DrivePickers/>
        <nav class="drive-actions" aria-label="Drive actions">
            {Panel::ALL.into_iter().map(|p| view! {
                <button type="button" class="tab" aria-pressed=move || (panel.get() == p).to_string()
                    on:click=move |_| if panel.get_untracked() != p { panel.set(p); st.notice.set(None); }>{p.label()}</button>
            }).collect_view()}
        </nav>
        <Outcome/>
        <fallback::Downloads/>
        {move || match panel.get() {
            Panel::Create => view! { <create::CreatePanel/> }.into_any(),
            Panel::Unlock => view! { <unlock::UnlockPanel/> }.into_any(),
            Panel::Rotate => view! { <rotate::RotatePanel/> }.into_any(),
            Panel::Verify => view! { <verify::VerifyPanel/> }.into_any(),
            Panel::Restore => view! { <restore::RestorePanel/> }.into_any(),
            Panel::Passphrase => view! { <reseal::ResealPanel kind=reseal::Reseal::ChangePassphrase/> }.into_any(),
            Panel::Replace => view! { <reseal::ResealPanel kind=reseal::Reseal::ReplaceBackup/> }.into_any(),
            Panel::AuditLog => view! { <audit_log::AuditLogPanel/> }.into_any(),
        }}
    }
}
