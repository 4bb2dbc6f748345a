//! The Share page: pick files (or drop them), pick recipients by username
//! with their fingerprints (trust on first use; a changed key is shown
//! loudly with whether its rotation statements verify), add a note, and
//! encrypt in this browser while uploading — or save the encrypted file on
//! this device (local mode, no server).

use leptos::prelude::*;
use shared::identity::PublicIdentity;

use super::vault_widgets::{AccountPanel, FingerprintText, ProgressView};
use crate::client::account::use_account;
use crate::client::contacts::{self, KeyStatus};
use crate::platform::worker::Canceller;
use crate::session::use_session;
use crate::vault::errors::VaultFailure;
use crate::vault::progress::{Cancel, Progress, bytes_text};
use crate::vault::send::{Destination, Outgoing, encrypt_file};
use crate::vault::share_job;
use crate::vault::sink::Sink;
use shared::format::vault::Recipient;

/// A chosen recipient and what we know about their key.
#[derive(Clone)]
struct Pick {
    username: String,
    status: KeyStatus,
    /// `true` if the key came from the saved contacts because the server was unreachable.
    offline: bool,
}

impl Pick {
    fn key(&self) -> Option<&PublicIdentity> {
        self.status.usable()
    }
}

/// Adds the files of a `FileList` to the selection.
fn add_files(files: RwSignal<Vec<web_sys::File>, LocalStorage>, list: Option<web_sys::FileList>) {
    let Some(list) = list else { return };
    files.update(|v| {
        for i in 0..list.length() {
            if let Some(f) = list.get(i) {
                v.push(f);
            }
        }
    });
}

#[component]
pub fn Share() -> impl IntoView {
    let session = use_session();
    let acct = use_account();
    let status = expect_context::<crate::app::Status>();
    let files = RwSignal::new_local(Vec::<web_sys::File>::new());
    let picks = RwSignal::new_local(Vec::<Pick>::new());
    let who = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let pick_error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);
    let progress = RwSignal::new(None::<Progress>);
    let current = RwSignal::new(None::<String>);
    let results = RwSignal::new(Vec::<(String, bool, String)>::new());
    let cancel = StoredValue::new_local(Cancel::default());
    let worker_cancel = StoredValue::new_local(None::<Canceller>);
    let link_note = RwSignal::new(None::<String>);

    let add_recipient = move || {
        let name = who.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        if acct.username.get_untracked().is_some_and(|me| me.eq_ignore_ascii_case(&name)) {
            pick_error.set(Some("You are always a recipient of your own files.".to_owned()));
            return;
        }
        if picks.with_untracked(|p| p.iter().any(|x| x.username.eq_ignore_ascii_case(&name))) {
            return;
        }
        pick_error.set(None);
        leptos::task::spawn_local(async move {
            match contacts::lookup(&name).await {
                Ok(l) => {
                    picks.update(|p| p.push(Pick { username: l.username, status: l.status, offline: false }));
                    who.set(String::new());
                }
                Err(e) if e.is_offline() => {
                    match contacts::pinned(&name).and_then(|c| Some((c.username.clone(), c.public()?))) {
                        Some((username, key)) => {
                            picks.update(|p| p.push(Pick { username, status: KeyStatus::Known(key), offline: true }));
                            who.set(String::new());
                        }
                        None => pick_error.set(Some(format!(
                            "{name} is not a saved contact, and the server cannot be reached to look them up."
                        ))),
                    }
                }
                Err(crate::client::ClientError::NotFound) => {
                    pick_error.set(Some(format!("There is no user called “{name}”.")))
                }
                Err(e) => pick_error.set(Some(e.to_string())),
            }
        });
    };

    let run = move |local: bool| {
        let Some(unlocked) = session.identity.get_untracked() else { return };
        let selected = files.get_untracked();
        let chosen = picks.get_untracked();
        if chosen.iter().any(|p| p.key().is_none()) {
            pick_error.set(Some("Accept or remove the recipients whose key changed first.".to_owned()));
            return;
        }
        let chosen_keys: Vec<(String, PublicIdentity)> =
            chosen.iter().filter_map(|p| Some((p.username.clone(), p.key()?.clone()))).collect();
        let usernames: Vec<String> = chosen.iter().map(|p| p.username.clone()).collect();
        // `?pipeline=page` keeps the work on the page (for comparisons in benchmarks).
        let force_page =
            web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.contains("pipeline=page"));
        let note_text = note.get_untracked();
        let c = Cancel::default();
        cancel.set_value(c.clone());
        results.set(Vec::new());
        leptos::task::spawn_local(async move {
            let sender = unlocked.keyring.current.identity();
            // First share with someone: establish a BB84 link whose key is
            // mixed into their stanza (DESIGN §6). Local files skip it.
            let mut recipients: Vec<(String, Recipient)> = Vec::new();
            for (username, identity) in chosen_keys {
                let link = if local {
                    None
                } else {
                    current.set(Some(format!("a BB84 link with {username}")));
                    match crate::links::link_key_or_establish(&sender, &username, &identity, |_| {}).await {
                        Ok(key) => Some(key),
                        Err(e) => {
                            link_note.set(Some(format!("No BB84 link with {username} ({e}); sharing without one.")));
                            None
                        }
                    }
                };
                recipients.push((username, Recipient { identity, link }));
            }
            let keys: Vec<Recipient> = recipients.iter().map(|(_, r)| r.clone()).collect();
            for file in selected {
                if c.is_cancelled() {
                    break;
                }
                let name = file.name();
                current.set(Some(name.clone()));
                progress.set(None);
                let destination = if local {
                    match Sink::choose(&format!("{name}.qvault")).await {
                        Ok(Some(sink)) => Destination::Local(sink),
                        Ok(None) => break,
                        Err(e) => {
                            results.update(|r| r.push((name, false, e.to_string())));
                            continue;
                        }
                    }
                } else {
                    Destination::Upload(usernames.clone())
                };
                let mut in_worker = false;
                let r = match destination {
                    // Uploads run in the background worker when there is one.
                    Destination::Upload(_) if !force_page => {
                        let on_progress = Box::new(move |p| progress.set(Some(p)));
                        match share_job::start(&unlocked.keyring.current, &recipients, &file, &note_text, on_progress) {
                            Ok((done, canceller)) => {
                                in_worker = true;
                                worker_cancel.set_value(Some(canceller));
                                let r = done.await;
                                worker_cancel.set_value(None);
                                r
                            }
                            Err(_) => {
                                let outgoing = Outgoing { file: &file, note: &note_text };
                                encrypt_file(
                                    &sender,
                                    &keys,
                                    outgoing,
                                    destination,
                                    &|p| progress.set(Some(p)),
                                    &c,
                                    &|_| (),
                                )
                                .await
                            }
                        }
                    }
                    destination => {
                        let outgoing = Outgoing { file: &file, note: &note_text };
                        encrypt_file(&sender, &keys, outgoing, destination, &|p| progress.set(Some(p)), &c, &|_| ())
                            .await
                    }
                };
                let entry = match r {
                    Ok(Some(info)) => {
                        let place = if in_worker { "in the background worker" } else { "on this page" };
                        (name, true, format!("shared ({} encrypted {place}, id {})", bytes_text(info.size), info.id))
                    }
                    Ok(None) => (name, true, "encrypted and saved on this device".to_owned()),
                    Err(VaultFailure::Cancelled) => {
                        (name, false, "cancelled; nothing was kept on the server".to_owned())
                    }
                    Err(e) => (name, false, e.to_string()),
                };
                results.update(|r| r.push(entry));
            }
            current.set(None);
            progress.set(None);
            files.set(Vec::new());
        });
    };

    let can_upload = move || {
        current.get().is_none()
            && status.online.get()
            && acct.username.get().is_some()
            && session.identity.with(Option::is_some)
            && files.with(|f| !f.is_empty())
    };
    let can_local =
        move || current.get().is_none() && session.identity.with(Option::is_some) && files.with(|f| !f.is_empty());

    view! {
        <section class="hero" aria-labelledby="page-title">
            <h1 id="page-title">"Share"</h1>
            <p>"Files are encrypted and signed in this browser for the people you choose; the server only stores ciphertext."</p>
        </section>
        <AccountPanel/>
        <section class="card" aria-labelledby="files-title">
            <h2 id="files-title">"1. Files"</h2>
            <div class="drop-zone" data-dragging=move || dragging.get().to_string()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    add_files(files, ev.data_transfer().and_then(|d| d.files()));
                }>
                <p>"Drop files here, or"</p>
                <label class="file-button">"Choose files"
                    <input type="file" multiple aria-label="Files to share" on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        add_files(files, input.files());
                        input.set_value("");
                    }/>
                </label>
            </div>
            <ul class="picked-files" aria-label="Chosen files">
                {move || files.get().into_iter().enumerate().map(|(i, f)| {
                    let name = f.name();
                    view! {
                        <li data-testid="chosen-file">{format!("{} ({})", name, bytes_text(f.size() as u64))}
                            <button type="button" class="link" aria-label=format!("Remove {name}")
                                on:click=move |_| files.update(|v| { if i < v.len() { v.remove(i); } })>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="recipients-title">
            <h2 id="recipients-title">"2. Recipients"</h2>
            <p class="muted">"You can always open your own files. Compare fingerprints with the people you add, once, in person or by phone."</p>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add_recipient(); }>
                <label for="recipient">"Username"</label>
                <input id="recipient" autocomplete="off" prop:value=move || who.get() on:input=move |ev| who.set(event_target_value(&ev))/>
                <button type="submit">"Add recipient"</button>
            </form>
            {move || pick_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <ul class="recipients" aria-label="Recipients">
                {move || picks.get().into_iter().map(|p| {
                    let user = p.username.clone();
                    let remove_user = user.clone();
                    let body = match p.status.clone() {
                        KeyStatus::FirstUse(k) => view! {
                            <span class="badge">"first contact: key saved"</span>
                            <FingerprintText fingerprint=k.fingerprint()/>
                        }.into_any(),
                        KeyStatus::Known(k) => view! {
                            <span class="badge ok">{if p.offline { "saved contact (offline)" } else { "known key" }}</span>
                            <FingerprintText fingerprint=k.fingerprint()/>
                        }.into_any(),
                        KeyStatus::Changed { pinned, current, rotation_valid, reason } => {
                            let accept_user = user.clone();
                            let accept_key = (*current).clone();
                            view! {
                                <div class="key-warning" role="alert" data-testid="key-changed" data-rotation-valid=rotation_valid.to_string()>
                                    <strong>{format!("Warning: {user}'s key has changed.")}</strong>
                                    <p>"Known: " <FingerprintText fingerprint=pinned.fingerprint() label="Known fingerprint"/></p>
                                    <p>"New: " <FingerprintText fingerprint=current.fingerprint() label="New fingerprint"/></p>
                                    <p class=if rotation_valid { "ok" } else { "danger" }>{if rotation_valid {
                                        "The rotation statements verify: the known key signed the new one.".to_owned()
                                    } else {
                                        format!("The rotation statements do NOT verify ({}). Do not accept without checking in person.", reason.unwrap_or_default())
                                    }}</p>
                                    <button type="button" on:click=move |_| {
                                        contacts::pin(&accept_user, &accept_key);
                                        let key = accept_key.clone();
                                        picks.update(|v| for x in v.iter_mut() {
                                            if x.username == accept_user { x.status = KeyStatus::Known(key.clone()); }
                                        });
                                    }>{format!("Accept {}'s new key", p.username)}</button>
                                </div>
                            }.into_any()
                        }
                    };
                    view! {
                        <li class="recipient" data-user=user.clone()>
                            <strong>{user.clone()}</strong>
                            {body}
                            <button type="button" class="link" aria-label=format!("Remove recipient {user}")
                                on:click=move |_| picks.update(|v| v.retain(|x| x.username != remove_user))>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="send-title">
            <h2 id="send-title">"3. Note and send"</h2>
            <label for="note">"Note (optional, encrypted)"</label>
            <textarea id="note" rows="3" maxlength="4096" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <div class="actions">
                <button type="button" disabled=move || !can_upload() on:click=move |_| run(false)>"Encrypt and share"</button>
                <button type="button" class="secondary" disabled=move || !can_local() on:click=move |_| run(true)>"Encrypt to a file on this device"</button>
            </div>
            {move || (!status.online.get()).then(|| view! { <p class="muted">"Offline: sharing needs the server; you can still encrypt to a file on this device."</p> })}
            {move || current.get().map(|name| view! {
                <div class="transfer-box">
                    <ProgressView progress=progress.into() label=Signal::derive(move || format!("Encrypting and uploading {name}"))/>
                    <button type="button" class="secondary" on:click=move |_| {
                        cancel.with_value(Cancel::cancel);
                        worker_cancel.with_value(|w| if let Some(w) = w { w.cancel() });
                    }>"Cancel"</button>
                </div>
            })}
            {move || link_note.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            <ul class="results" aria-label="Results">
                {move || results.get().into_iter().map(|(name, ok, text)| view! {
                    <li class=if ok { "ok" } else { "error" } data-testid="share-result" data-ok=ok.to_string()>
                        <strong>{name}</strong>": "{text}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
