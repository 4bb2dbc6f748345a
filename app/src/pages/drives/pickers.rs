//! "Your drives": choosing the primary and the backup folder, remembering
//! them (IndexedDB, handles only) and refusing a backup that is the same
//! folder as the primary or inside it.

use leptos::prelude::*;
use shared::drive::{Drive, DriveError, Relation};
use wasm_bindgen::JsCast;
use web_sys::FileSystemDirectoryHandle;

use super::errors::explain;
use super::state::{DrivesState, Notice, use_drives};
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
    fn key(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Backup => "backup",
        }
    }
    fn signal(self, st: DrivesState) -> RwSignal<Option<FolderDrive>, LocalStorage> {
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
                slot.signal(st).set(Some(FolderDrive::new(h)));
                if slot == Slot::Primary {
                    on_primary();
                }
            }
        }
    });
}

async fn choose(st: DrivesState, slot: Slot) {
    let current = slot.signal(st).get_untracked();
    let id = format!("quantumvault-{}", slot.key());
    let picked = match pick_folder(&id, current.as_ref().map(FolderDrive::handle)).await {
        Ok(Some(h)) => FolderDrive::new(h),
        Ok(None) => return,
        Err(e) => {
            st.notice.set(Some(Notice::Failed(super::run::capitalised(&e.to_string()))));
            return;
        }
    };
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
            return;
        }
    }
    if let Err(e) = idb::put(slot.key(), picked.handle().as_ref()).await {
        st.notice.set(Some(Notice::Failed(super::run::capitalised(&e.to_string()))));
    } else {
        st.notice.set(None);
    }
    slot.signal(st).set(Some(picked));
}

#[component]
fn DriveRow(which: Slot, title: &'static str, hint: &'static str) -> impl IntoView {
    let st = use_drives();
    let signal = which.signal(st);
    let name = move || signal.with(|d| d.as_ref().map(|d| d.handle().name()));
    let label = match which {
        Slot::Primary => "Choose primary drive",
        Slot::Backup => "Choose backup drive",
    };
    view! {
        <div class="drive-row" data-slot=which.key()>
            <div>
                <strong>{title}</strong>
                <p class="muted">{hint}</p>
            </div>
            <p class="drive-name" data-testid=format!("{}-folder", which.key())>
                {move || name().map_or_else(|| "not chosen".to_owned(), |n| format!("Folder “{n}”"))}
            </p>
            <button type="button" class="secondary" disabled=move || st.busy()
                on:click=move |_| leptos::task::spawn_local(choose(st, which))>{label}</button>
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
            <Show when=move || supported fallback=|| view! {
                <p class="muted">"This browser cannot open folders; use the file import and export below."</p>
            }>
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
