//! The Vault page: the account, my files and the files shared with me (names
//! decrypted here), key-change warnings, downloads that release plaintext
//! only after the sender's signature verified, and opening a vault file
//! from disk (local mode, offline).

use std::sync::Arc;

use leptos::prelude::*;
use shared::api::FileInfo;
use shared::drive::Unlocked;
use shared::identity::PublicIdentity;

use super::vault_widgets::{AccountPanel, FingerprintText, ProgressView, date_text};
use crate::client::account::use_account;
use crate::client::contacts::{self, KeyStatus, Lookup};
use crate::client::keys::check_history;
use crate::client::{ClientError, api};
use crate::session::use_session;
use crate::vault::errors::VaultFailure;
use crate::vault::listing::{Details, details};
use crate::vault::progress::{Cancel, Progress, bytes_text};
use crate::vault::receive_job::{Origin, receive};
use crate::vault::sink::{Saved, Sink};
use crate::vault::verified;

/// One row of the listing.
#[derive(Clone)]
struct Row {
    info: FileInfo,
    incoming: bool,
    details: Result<Details, String>,
}

impl Row {
    fn name(&self) -> String {
        self.details.as_ref().map_or_else(|_| "(cannot be opened)".to_owned(), |d| d.name.clone())
    }
    fn when(&self) -> i64 {
        self.info.finalized_at.unwrap_or(self.info.created_at)
    }
}

/// The public keys a file from `owner` may be signed with, as this user trusts them.
async fn trusted_keys(me: &str, unlocked: &Unlocked, owner: &str) -> Result<Vec<PublicIdentity>, VaultFailure> {
    if owner.eq_ignore_ascii_case(me) {
        let mut keys = check_history(&api::key_history(me).await?).valid;
        keys.push(unlocked.keyring.current.identity().public().clone());
        return Ok(keys);
    }
    let found = contacts::lookup(owner).await?;
    Ok(match found.status {
        KeyStatus::FirstUse(_) | KeyStatus::Known(_) => found.history.valid,
        // A new key is not used before the user accepted it.
        KeyStatus::Changed { pinned, .. } => vec![*pinned],
    })
}

async fn load_rows(unlocked: Arc<Unlocked>, me: Option<String>) -> Result<Vec<Row>, ClientError> {
    // BB84 link keys (memory only) are re-read from the relay first: a
    // sender's first share to us may have established one.
    if let Some(me) = me {
        let _ = crate::links::refresh(&unlocked.keyring.current.identity(), &me).await;
    }
    let mut rows = Vec::new();
    for incoming in [true, false] {
        for info in api::files(incoming).await?.files {
            let links = crate::vault::links::for_peer(&info.owner);
            let details = details(&unlocked.keyring, &info, &links).await.map_err(|e| e.to_string());
            rows.push(Row { info, incoming, details });
        }
    }
    Ok(rows)
}

#[component]
pub fn Vault() -> impl IntoView {
    let session = use_session();
    let acct = use_account();
    leptos::task::spawn_local(crate::vault::sink::clean_scratch());
    view! {
        <section class="hero" aria-labelledby="page-title">
            <h1 id="page-title">"Vault"</h1>
            <p>"Your files and the files shared with you. Names are decrypted in this browser; \
                a file is saved only after its sender's signature verified."</p>
        </section>
        <AccountPanel/>
        <Show when=move || acct.username.get().is_some() && session.identity.with(Option::is_some)>
            <FileBrowser/>
        </Show>
        <LocalOpen/>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Newest,
    Name,
    Size,
}

/// Downloads `row` into a place the user picks.
async fn download(
    me: String,
    unlocked: Arc<Unlocked>,
    row: Row,
    progress: RwSignal<Option<Progress>>,
    cancel: Cancel,
) -> Result<String, VaultFailure> {
    let name = row.details.as_ref().map_or_else(|_| format!("{}.bin", row.info.id), |d| d.name.clone());
    let keys = trusted_keys(&me, &unlocked, &row.info.owner).await?;
    let Some(sink) = Sink::choose(&name).await? else { return Err(VaultFailure::Cancelled) };
    let links = crate::links::link_keys_for(&row.info.owner);
    let origin = Origin::Server(row.info.id.clone(), row.info.size);
    let on_progress = move |p| progress.set(Some(p));
    let receipt = receive(&unlocked.keyring, &links, &keys, origin, sink, on_progress, &cancel).await?;
    verified::mark(&row.info.id);
    let (name, place) = (&receipt.verified.metadata.name, receipt.place());
    Ok(match receipt.saved {
        Saved::Picked => format!("“{name}” verified and saved (decrypted {place})."),
        Saved::Downloaded => format!("“{name}” verified (decrypted {place}); your browser is saving it."),
    })
}

#[component]
fn FileBrowser() -> impl IntoView {
    let session = use_session();
    let acct = use_account();
    let reload = RwSignal::new(0u32);
    let rows = LocalResource::new(move || {
        reload.get();
        let unlocked = session.identity.get();
        let me = acct.username.get();
        async move {
            match unlocked {
                Some(u) => load_rows(u, me).await.map_err(|e| e.to_string()),
                None => Ok(Vec::new()),
            }
        }
    });
    // Key status of everyone who shared with me.
    let lookups = LocalResource::new(move || {
        let list = rows.get();
        async move {
            let mut owners: Vec<String> = match list {
                Some(Ok(r)) => r.iter().filter(|r| r.incoming).map(|r| r.info.owner.clone()).collect(),
                _ => Vec::new(),
            };
            owners.sort();
            owners.dedup();
            let mut out: Vec<Lookup> = Vec::new();
            for o in owners {
                if let Ok(l) = contacts::lookup(&o).await {
                    out.push(l);
                }
            }
            out
        }
    });
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Newest);
    let progress = RwSignal::new(None::<Progress>);
    let busy = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<(bool, String)>);
    let cancel = StoredValue::new_local(Cancel::default());
    let verified_ids = RwSignal::new(verified::all());

    let start_download = move |row: Row| {
        let (Some(me), Some(unlocked)) = (acct.username.get_untracked(), session.identity.get_untracked()) else {
            return;
        };
        let c = Cancel::default();
        cancel.set_value(c.clone());
        busy.set(Some(row.name()));
        message.set(None);
        progress.set(None);
        leptos::task::spawn_local(async move {
            let r = download(me, unlocked, row, progress, c).await;
            message.set(Some(match r {
                Ok(text) => (true, text),
                Err(e) => (false, e.to_string()),
            }));
            verified_ids.set(verified::all());
            busy.set(None);
            progress.set(None);
        });
    };

    let visible = move || {
        let Some(Ok(mut list)) = rows.get() else { return Vec::new() };
        let q = search.get().to_lowercase();
        list.retain(|r| {
            q.is_empty() || r.name().to_lowercase().contains(&q) || r.info.owner.to_lowercase().contains(&q)
        });
        match sort.get() {
            SortBy::Newest => list.sort_by_key(|r| std::cmp::Reverse(r.when())),
            SortBy::Name => list.sort_by_key(|r| r.name().to_lowercase()),
            SortBy::Size => list.sort_by_key(|r| std::cmp::Reverse(r.details.as_ref().map_or(0, |d| d.size))),
        }
        list
    };

    view! {
        <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title" class="visually-hidden">"Key changes"</h2>
            {move || lookups.get().unwrap_or_default().into_iter().filter_map(|l| match l.status {
                KeyStatus::Changed { pinned, current, rotation_valid, reason } => {
                    let user = l.username.clone();
                    let accept_user = user.clone();
                    let accept_key = current.clone();
                    Some(view! {
                        <div class="key-warning" role="alert" data-testid="key-changed" data-user=user.clone()
                            data-rotation-valid=rotation_valid.to_string()>
                            <h3>{format!("{user}'s key has changed")}</h3>
                            <p>"Known key: " <FingerprintText fingerprint=pinned.fingerprint() label="Known fingerprint"/></p>
                            <p>"New key: " <FingerprintText fingerprint=current.fingerprint() label="New fingerprint"/></p>
                            {if rotation_valid {
                                view! { <p class="ok">"The rotation statements verify: the known key signed this change."</p> }.into_any()
                            } else {
                                view! { <p class="danger">{format!("The rotation statements do NOT verify: {}. Check the fingerprint with {user} in person.", reason.unwrap_or_default())}</p> }.into_any()
                            }}
                            <button type="button" on:click=move |_| {
                                contacts::pin(&accept_user, &accept_key);
                                reload.update(|n| *n += 1);
                            }>{format!("Accept {}'s new key", l.username)}</button>
                        </div>
                    })
                }
                _ => None,
            }).collect_view()}
        </section>
        <section class="card" aria-labelledby="files-title">
            <div class="toolbar">
                <h2 id="files-title">"Files"</h2>
                <label class="inline">"Search"
                    <input type="search" aria-label="Search files" prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))/>
                </label>
                <label class="inline">"Sort"
                    <select aria-label="Sort files" on:change=move |ev| sort.set(match event_target_value(&ev).as_str() {
                        "name" => SortBy::Name,
                        "size" => SortBy::Size,
                        _ => SortBy::Newest,
                    })>
                        <option value="newest">"Newest first"</option>
                        <option value="name">"Name"</option>
                        <option value="size">"Largest first"</option>
                    </select>
                </label>
                <button type="button" class="secondary" on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            </div>
            {move || match rows.get() {
                None => view! { <p aria-busy="true">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(r)) if r.is_empty() => view! { <p class="muted" data-testid="no-files">"No files yet. Share one from the Share page."</p> }.into_any(),
                Some(Ok(_)) => view! {
                    <table class="files" aria-label="Files">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Size"</th><th scope="col">"From / to"</th>
                            <th scope="col">"Date"</th><th scope="col">"Signature"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>
                            {move || visible().into_iter().map(|row| {
                                let is_verified = verified_ids.get().contains(&row.info.id);
                                let who = if row.incoming { format!("from {}", row.info.owner) } else if row.info.recipients.is_empty() {
                                    "only me".to_owned() } else { format!("to {}", row.info.recipients.join(", ")) };
                                let size = row.details.as_ref().map_or_else(|_| "—".to_owned(), |d| bytes_text(d.size));
                                let name = row.name();
                                let detail = row.details.clone();
                                let peer = if row.incoming { Some(row.info.owner.clone()) } else { row.info.recipients.first().cloned() };
                                let r2 = row.clone();
                                let id = row.info.id.clone();
                                let id_attr = id.clone();
                                view! {
                                    <tr data-file-id=id_attr data-name=name.clone()>
                                        <td>{name.clone()}</td>
                                        <td>{size}</td>
                                        <td>{who}</td>
                                        <td>{date_text(row.when())}</td>
                                        <td>{if is_verified {
                                            view! { <span class="badge ok" data-badge="verified">"Verified"</span> }.into_any()
                                        } else {
                                            view! { <span class="badge" data-badge="unverified" title="Download to verify the sender's signature">"Not yet verified"</span> }.into_any()
                                        }}</td>
                                        <td>
                                            <button type="button" aria-label=format!("Download {name}") disabled=move || busy.get().is_some()
                                                on:click=move |_| start_download(r2.clone())>"Download"</button>
                                            <details>
                                                <summary>"Details"</summary>
                                                {match detail {
                                                    Ok(d) => view! {
                                                        <dl class="status-list">
                                                            <dt>"Sender key"</dt><dd><FingerprintText fingerprint=d.sender label="Sender fingerprint"/></dd>
                                                            <dt>"Type"</dt><dd>{if d.mime.is_empty() { "unknown".to_owned() } else { d.mime }}</dd>
                                                            <dt>"Note"</dt><dd>{if d.note.is_empty() { "—".to_owned() } else { d.note }}</dd>
                                                            <dt>"File id"</dt><dd><code>{id}</code></dd>
                                                        </dl>
                                                    }.into_any(),
                                                    Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                                                }}
                                                {peer.map(|peer| view! {
                                                    <div class="link-timeline" data-testid="link-timeline">
                                                        <h3>"BB84 link"</h3>
                                                        <crate::links::LinkTimeline peer=peer/>
                                                    </div>
                                                })}
                                            </details>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            {move || busy.get().map(|name| view! {
                <div class="transfer-box">
                    <ProgressView progress=progress.into() label=Signal::derive(move || format!("Downloading {name}"))/>
                    <button type="button" class="secondary" on:click=move |_| cancel.with_value(Cancel::cancel)>"Cancel download"</button>
                </div>
            })}
            {move || message.get().map(|(ok, m)| view! {
                <p class=if ok { "ok" } else { "error" } role=if ok { "status" } else { "alert" } data-testid="download-result"
                    data-ok=ok.to_string()>{m}</p>
            })}
        </section>
    }
}

/// Local mode: decrypt a vault file from disk, no server needed.
#[component]
fn LocalOpen() -> impl IntoView {
    let session = use_session();
    let progress = RwSignal::new(None::<Progress>);
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let cancel = StoredValue::new_local(Cancel::default());
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        let Some(unlocked) = session.identity.get_untracked() else {
            message.set(Some((false, "Unlock your drive first: your keys open the file.".to_owned())));
            return;
        };
        let c = Cancel::default();
        cancel.set_value(c.clone());
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let r = open_local(unlocked, file, progress, c).await;
            message.set(Some(match r {
                Ok(t) => (true, t),
                Err(e) => (false, e.to_string()),
            }));
            busy.set(false);
            progress.set(None);
        });
    };
    view! {
        <section class="card" aria-labelledby="local-open-title">
            <h2 id="local-open-title">"Open a vault file from this device"</h2>
            <p class="muted">"Decrypt a .qvault file you saved or received, without the server. Works offline."</p>
            <label class="file-button">"Choose a vault file"
                <input type="file" accept=".qvault,application/octet-stream" aria-label="Vault file to open"
                    disabled=move || busy.get() on:change=on_file/>
            </label>
            <Show when=move || busy.get()>
                <ProgressView progress=progress.into() label=Signal::derive(|| "Decrypting".to_owned())/>
                <button type="button" class="secondary" on:click=move |_| cancel.with_value(Cancel::cancel)>"Cancel"</button>
            </Show>
            {move || message.get().map(|(ok, m)| view! {
                <p class=if ok { "ok" } else { "error" } role=if ok { "status" } else { "alert" } data-testid="local-open-result"
                    data-ok=ok.to_string()>{m}</p>
            })}
        </section>
    }
}

async fn open_local(
    unlocked: Arc<Unlocked>,
    file: web_sys::File,
    progress: RwSignal<Option<Progress>>,
    cancel: Cancel,
) -> Result<String, VaultFailure> {
    let suggested =
        file.name().strip_suffix(".qvault").map_or_else(|| format!("{}.decrypted", file.name()), str::to_owned);
    let Some(sink) = Sink::choose(&suggested).await? else { return Err(VaultFailure::Cancelled) };
    // The sender is not known in advance: this user and every pinned contact.
    let mut trusted = vec![unlocked.keyring.current.identity().public().clone()];
    trusted.extend(
        contacts::all()
            .into_values()
            .filter_map(|c| shared::api::b64::decode(&c.identity).and_then(|b| PublicIdentity::from_bytes(&b).ok())),
    );
    let on_progress = move |p| progress.set(Some(p));
    let receipt = receive(&unlocked.keyring, &[], &trusted, Origin::Local(file), sink, on_progress, &cancel).await?;
    let ok = &receipt.verified;
    let from = contacts::by_fingerprint(&ok.sender).map_or_else(|| "you".to_owned(), |(u, _)| u);
    Ok(format!("“{}” from {from} verified and saved (decrypted {}).", ok.metadata.name, receipt.place()))
}
