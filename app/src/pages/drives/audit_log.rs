//! The primary drive's audit log, verified with the unlocked keys: every
//! entry up to the first broken or missing one, and that problem named.

use leptos::prelude::*;
use shared::drive::audit::{self, AuditReport};
use shared::drive::{Drive, layout};

use super::run::{allowed, need_primary, run};
use super::state::use_drives;
use crate::session::use_session;

#[component]
pub fn AuditLogPanel() -> impl IntoView {
    let st = use_drives();
    let session = use_session();
    let report = RwSignal::new(None::<AuditReport>);

    let load = move |_| {
        let Some(primary) = need_primary(st) else { return };
        let Some(u) = session.identity.get_untracked() else {
            st.notice
                .set(Some(super::state::Notice::Failed("Unlock first: the log is checked with your keys.".to_owned())));
            return;
        };
        report.set(None);
        run(st, "Reading the audit log…", move || async move {
            allowed(&primary, "primary drive").await?;
            let bytes = primary
                .read(layout::AUDIT)
                .await
                .map_err(|e| {
                    super::errors::explain(&shared::drive::DriveError::io(shared::drive::DriveRole::Primary, e), None)
                })?
                .unwrap_or_default();
            let r = audit::verify(&bytes, &u.keyring);
            let n = r.entries.len();
            let entries = if n == 1 { "1 entry".to_owned() } else { format!("{n} entries") };
            let summary = match &r.problem {
                None => format!("The audit log is intact: {entries}, each sealed with your keys."),
                Some(p) => format!("The audit log was damaged or edited: {p}. The {entries} before it are intact."),
            };
            let ok = r.problem.is_none();
            report.set(Some(r));
            if ok { Ok(summary) } else { Err(summary) }
        });
    };

    view! {
        <section class="card" aria-labelledby="audit-log-title">
            <h2 id="audit-log-title">"Drive audit log"</h2>
            <p>"What was done with your keys on this primary drive. Each entry is sealed with your keys and chained to the one before, so edits and deletions show."</p>
            <button type="button" disabled=move || st.busy() on:click=load>"Check audit log"</button>
            {move || report.get().map(|r| view! {
                <table class="audit-table" aria-label="Audit log entries">
                    <thead><tr><th scope="col">"#"</th><th scope="col">"When (UTC)"</th><th scope="col">"What"</th><th scope="col">"Details"</th><th scope="col">"Key version"</th></tr></thead>
                    <tbody>
                        {r.entries.into_iter().map(|e| view! {
                            <tr data-event=e.event.as_str()>
                                <td>{e.seq + 1}</td>
                                <td>{e.time.to_rfc3339()}</td>
                                <td>{e.event.as_str().replace('_', " ")}</td>
                                <td>{e.detail}</td>
                                <td>{e.rotation}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
