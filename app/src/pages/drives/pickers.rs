//! "Your drives": choosing the primary and the backup folder, remembering
//! them (IndexedDB, handles only) and refusing a backup that is the same
//! folder as the primary or inside it.

use leptos::prelude::*;
use shared::drive::layout::{self, Name};
use shared::drive::{Drive, DriveError, Relation};
use wasm_bindgen::JsCast;
use web_sys::FileSystemDirectoryHandle;

use super::errors::explain;
use super::state::{DrivesState, Notice, use_drives};
use crate::platform::drive::any::AnyDrive;
use crate::platform::drive::dom_error;
use crate::platform::drive::folder::FolderDrive;
use crate::platform::drive::picker::{self, pick_folder};
use crate::platform::idb;

/// Which of the two folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The primary drive.
    Primary,
    /// The backup drive.
    Backup,
}

impl Slot {
    pub fn key(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Backup => "backup",
        }
    }
    pub fn signal(self, st: DrivesState) -> RwSignal<Option<AnyDrive>, LocalStorage> {
        match self {
            Self::Primary => st.primary,
            Self::Backup => st.backup,
        }
    }
}

/// Loads the folders chosen on an earlier visit. Their permission is asked
/// again only when an action needs them (the browser wants a click).
/// `on_primary` runs when a primary drive was remembered (the page then
/// offers to unlock rather than to create).
pub fn restore_saved(st: DrivesState, on_primary: impl Fn() + 'static) {
    leptos::task::spawn_local(async move {
        for slot in [Slot::Primary, Slot::Backup] {
            if let Ok(Some(v)) = idb::get(slot.key()).await
                && let Ok(h) = v.dyn_into::<FileSystemDirectoryHandle>()
                && slot.signal(st).with_untracked(Option::is_none)
            {
                slot.signal(st).set(Some(AnyDrive::Folder(FolderDrive::new(h))));
                if slot == Slot::Primary {
                    on_primary();
                }
            }
        }
    });
}

/// The folder QuantumVault suggests creating on each USB stick.
pub const SUGGESTED_FOLDER: &str = "QuantumVault";

/// Whether the folder holds only other people's files (none of ours): then
/// it is probably the top of the stick or a documents folder, and a
/// `QuantumVault` folder inside it is what the user wants.
async fn only_foreign(drive: &FolderDrive) -> bool {
    let Ok(Some(entries)) = drive.list("").await else { return false };
    let mut foreign = false;
    for e in entries {
        match layout::classify(&e.name, false) {
            Name::Foreign if !layout::is_os_noise(&e.name) => foreign = true,
            Name::Foreign => {}
            _ => return false,
        }
    }
    foreign
}

/// Takes `picked` as the `slot` drive unless it is the other drive's folder
/// or nested with it; remembers it for later visits. Returns whether it
/// was taken.
async fn adopt(st: DrivesState, slot: Slot, picked: FolderDrive) -> bool {
    let picked = AnyDrive::Folder(picked);
    let other = match slot {
        Slot::Primary => st.backup.get_untracked(),
        Slot::Backup => st.primary.get_untracked(),
    };
    if let Some(other) = other {
        let refused = match picked.relation_to(&other).await {
            Ok(Relation::Distinct) => None,
            Ok(Relation::Same) => Some(DriveError::SameFolder),
            Ok(_) => Some(DriveError::NestedFolders),
            Err(e) => Some(DriveError::io(shared::drive::DriveRole::Primary, e)),
        };
        if let Some(e) = refused {
            st.notice.set(Some(Notice::Failed(format!("{} This folder was not chosen.", explain(&e, None)))));
            return false;
        }
    }
    let handle = picked.folder().map(|f| f.handle().clone());
    if let Some(h) = handle
        && let Err(e) = idb::put(slot.key(), h.as_ref()).await
    {
        st.notice.set(Some(Notice::Failed(super::run::capitalised(&e.to_string()))));
    } else {
        st.notice.set(None);
    }
    slot.signal(st).set(Some(picked));
    true
}

/// Lets the user pick the `slot` folder. Returns whether the folder taken
/// holds only others' files (so the row suggests a folder of its own).
async fn choose(st: DrivesState, slot: Slot) -> bool {
    let current = slot.signal(st).get_untracked();
    let id = format!("quantumvault-{}", slot.key());
    let start = current.as_ref().and_then(AnyDrive::folder).map(FolderDrive::handle);
    let picked = match pick_folder(&id, start).await {
        Ok(Some(h)) => FolderDrive::new(h),
        Ok(None) => return false,
        Err(e) => {
            st.notice.set(Some(Notice::Failed(super::run::capitalised(&e.to_string()))));
            return false;
        }
    };
    let suggest = only_foreign(&picked).await;
    adopt(st, slot, picked).await && suggest
}

/// Uses (creating it if needed) a `QuantumVault` folder inside the chosen one.
async fn use_subfolder(st: DrivesState, slot: Slot) -> bool {
    let Some(parent) = slot.signal(st).get_untracked().and_then(|d| d.folder().cloned()) else { return false };
    let opts = web_sys::FileSystemGetDirectoryOptions::new();
    opts.set_create(true);
    match wasm_bindgen_futures::JsFuture::from(
        parent.handle().get_directory_handle_with_options(SUGGESTED_FOLDER, &opts),
    )
    .await
    {
        Ok(h) => adopt(st, slot, FolderDrive::new(h.unchecked_into())).await,
        Err(e) => {
            let e = DriveError::io(shared::drive::DriveRole::Primary, dom_error::io_error(SUGGESTED_FOLDER, &e));
            st.notice.set(Some(Notice::Failed(explain(&e, None))));
            false
        }
    }
}

#[component]
fn DriveRow(which: Slot, title: &'static str, hint: &'static str) -> impl IntoView {
    let st = use_drives();
    let signal = which.signal(st);
    let name = move || signal.with(|d| d.as_ref().map(AnyDrive::name));
    let label = match which {
        Slot::Primary => "Choose primary drive",
        Slot::Backup => "Choose backup drive",
    };
    // The folder's permission, re-read whenever another folder is chosen
    // (a folder remembered from an earlier visit starts at "prompt").
    let access = RwSignal::new(None::<String>);
    let suggest = RwSignal::new(false);
    Effect::new(move |_| {
        let folder = signal.with(|d| d.as_ref().and_then(AnyDrive::folder).cloned());
        leptos::task::spawn_local(async move {
            let state = match folder {
                Some(f) => Some(picker::permission(f.handle()).await),
                None => None,
            };
            access.set(state);
        });
    });
    let allow = move |_| {
        let Some(folder) = signal.get_untracked().and_then(|d| d.folder().cloned()) else { return };
        leptos::task::spawn_local(async move {
            picker::ensure_permission(folder.handle()).await;
            access.set(Some(picker::permission(folder.handle()).await));
        });
    };
    view! {
        <div class="drive-row" data-slot=which.key()>
            <div>
                <strong>{title}</strong>
                <p class="muted">{hint}</p>
            </div>
            <div>
                <p class="drive-name" data-testid=format!("{}-folder", which.key())>
                    {move || name().map_or_else(|| "not chosen".to_owned(), |n| format!("Folder “{n}”"))}
                </p>
                {move || match access.get().as_deref() {
                    Some("prompt") => view! {
                        <p class="muted">"The browser asks again before QuantumVault may use it. "
                            <button type="button" class="link" on:click=allow>"Allow access"</button></p>
                    }.into_any(),
                    Some("denied") => view! {
                        <p class="muted">"Access was refused: choose the folder again to allow it."</p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <Show when=move || suggest.get()>
                    <p class="muted" data-testid=format!("{}-suggestion", which.key())>
                        "This folder holds other files. QuantumVault keeps its files in a folder of their own. "
                        <button type="button" class="link" on:click=move |_| leptos::task::spawn_local(async move {
                            if use_subfolder(st, which).await { suggest.set(false) }
                        })>{format!("Use a “{SUGGESTED_FOLDER}” folder inside it")}</button>
                    </p>
                </Show>
            </div>
            <button type="button" class="secondary" disabled=move || st.busy()
                on:click=move |_| leptos::task::spawn_local(async move { suggest.set(choose(st, which).await) })>{label}</button>
        </div>
    }
}

/// The two folder pickers.
#[component]
pub fn DrivePickers() -> impl IntoView {
    let supported = picker::supported();
    view! {
        <section class="card" aria-labelledby="drives-title">
            <h2 id="drives-title">"Your drives"</h2>
            <Show when=move || supported fallback=|| view! { <super::fallback::FileLoaders/> }>
                <p class="muted">
                    "Plug in your USB sticks. On each, create a folder named "<code>"QuantumVault"</code>
                    " and choose it. The browser asks whether QuantumVault may edit it: allow it."
                </p>
                <DriveRow which=Slot::Primary title="Primary drive"
                    hint="The USB stick you carry: it unlocks QuantumVault."/>
                <DriveRow which=Slot::Backup title="Backup drive"
                    hint="A second USB stick, kept somewhere else: a sealed copy of your keys."/>
            </Show>
        </section>
    }
}
