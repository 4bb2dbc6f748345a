//! The Audit page: my server audit chain, verified in this browser (hash
//! chain and the server-signed checkpoint), next to the primary drive's own
//! log (the folder remembered from the Drives page, checked with the
//! unlocked keys).

use leptos::prelude::*;
use leptos_router::components::A;

use super::drives::audit_log::AuditLogPanel;
use super::drives::state::DrivesState;
use super::drives::{Outcome, pickers};
use super::vault_widgets::{AccountPanel, date_text};
use crate::client::account::use_account;
use crate::client::api;
use crate::client::audit::{Checkpoint, verify};

#[component]
pub fn Audit() -> impl IntoView {
    let acct = use_account();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        reload.get();
        let me = acct.username.get();
        async move {
            me?;
            let log = api::audit().await.map_err(|e| e.to_string());
            let key = api::server_key().await.ok();
            Some(log.map(|l| (verify(&l, key.as_ref()), l)))
        }
    });
    view! {
        <section class="hero" aria-labelledby="page-title">
            <h1 id="page-title">"Audit"</h1>
            <p>"The server's tamper-evident record of your account's security events, checked in this browser."</p>
        </section>
        <Show when=move || acct.username.get().is_none()>
            <AccountPanel/>
        </Show>
        <section class="card" aria-labelledby="server-audit-title">
            <div class="toolbar">
                <h2 id="server-audit-title">"Server record"</h2>
                <button type="button" class="secondary" on:click=move |_| reload.update(|n| *n += 1)>"Check again"</button>
            </div>
            {move || match data.get().flatten() {
                None => view! { <p class="muted">"Sign in to see your server record."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok((report, log))) => {
                    let total = log.entries.len();
                    let (state, summary) = match (&report.broken, &report.checkpoint) {
                        (Some((_, why)), _) => ("broken", format!("The chain is broken: {why}.")),
                        (None, Checkpoint::Invalid(why)) => ("broken", format!("The chain links up, but {why}.")),
                        (None, Checkpoint::Valid { seq }) => ("valid", format!("All {total} entries verify; the server signed the chain up to entry {seq}.")),
                        (None, Checkpoint::None) => ("valid", format!("All {total} entries verify (the server has not signed a checkpoint yet).")),
                    };
                    let broken_at = report.broken.as_ref().map(|(s, _)| *s);
                    view! {
                        <p class="summary" data-testid="audit-summary" data-state=state role="status">{summary}</p>
                        <table class="files" aria-label="Server audit record">
                            <thead><tr><th scope="col">"#"</th><th scope="col">"When"</th><th scope="col">"Event"</th>
                                <th scope="col">"Detail"</th><th scope="col">"Check"</th></tr></thead>
                            <tbody>
                                {log.entries.into_iter().map(|e| {
                                    let mark = match broken_at {
                                        Some(b) if e.seq == b => ("broken", "breaks here"),
                                        Some(b) if e.seq > b => ("unchecked", "after the break"),
                                        _ => ("ok", "verified"),
                                    };
                                    view! {
                                        <tr data-seq=e.seq.to_string() data-check=mark.0>
                                            <td>{e.seq}</td><td>{date_text(e.at)}</td><td>{e.event}</td><td>{e.detail}</td>
                                            <td>{mark.1}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
        <DriveRecord/>
    }
}

/// The drive's log, read from the primary folder this browser remembers;
/// without one, a pointer to the Drives page (where folders are chosen).
#[component]
fn DriveRecord() -> impl IntoView {
    let st = DrivesState::provide();
    pickers::restore_saved(st, || {});
    let remembered = move || st.primary.with(|p| p.as_ref().and_then(|d| d.folder()).is_some());
    view! {
        <Show when=remembered fallback=|| view! {
            <section class="card" aria-labelledby="drive-audit-title">
                <h2 id="drive-audit-title">"Drive audit log"</h2>
                <p>"Your USB drive keeps its own sealed log of unlocks, rotations and restores. This browser does not know your primary drive yet: "
                   <A href="/drives">"choose it on the Drives page"</A>"."</p>
            </section>
        }>
            <AuditLogPanel/>
            <Outcome/>
        </Show>
    }
}
