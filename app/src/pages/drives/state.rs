//! What the Drives page shares between its panels: the two chosen folders,
//! whether an operation is running (and what it is doing), and the last
//! outcome to show.

use leptos::prelude::*;

use crate::platform::drive::any::AnyDrive;
use crate::platform::drive::files::{Download, FileSetDrive};
use crate::platform::drive::picker;

/// The outcome of the last operation, shown under the panels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// It worked; what happened, in plain words.
    Done(String),
    /// It failed; what is wrong and what to do.
    Failed(String),
}

/// The page state, provided as context to every panel.
#[derive(Clone, Copy)]
pub struct DrivesState {
    /// The folder chosen as primary drive (or, without folder access, the
    /// files loaded for it).
    pub primary: RwSignal<Option<AnyDrive>, LocalStorage>,
    /// The folder chosen as backup drive.
    pub backup: RwSignal<Option<AnyDrive>, LocalStorage>,
    /// What the running operation is doing (`None`: nothing runs).
    pub progress: RwSignal<Option<String>>,
    /// The last outcome.
    pub notice: RwSignal<Option<Notice>>,
    /// Wrong PINs since the last successful unlock; the next unlock writes
    /// them to the audit log (a failed attempt has no key to seal an entry).
    pub failed_pins: StoredValue<u32>,
    /// Without folder access: files the last operation changed, to be saved
    /// onto the drives by the user (`(drive, file)`).
    pub downloads: RwSignal<Vec<(&'static str, Download)>>,
}

impl DrivesState {
    /// Creates the state and provides it as context.
    pub fn provide() -> Self {
        // Without folder access the drives start as empty file sets, so a
        // set-up can run at once and offer its files as downloads.
        let empty = |label: &str| (!picker::supported()).then(|| AnyDrive::Files(FileSetDrive::new(label)));
        let st = Self {
            primary: RwSignal::new_local(empty("primary drive files")),
            backup: RwSignal::new_local(empty("backup drive files")),
            progress: RwSignal::new(None),
            notice: RwSignal::new(None),
            failed_pins: StoredValue::new(0),
            downloads: RwSignal::new(Vec::new()),
        };
        provide_context(st);
        st
    }

    /// Whether an operation is running (every action button is disabled then).
    pub fn busy(&self) -> bool {
        self.progress.with(Option::is_some)
    }
}

/// The state provided by [`DrivesState::provide`].
pub fn use_drives() -> DrivesState {
    expect_context::<DrivesState>()
}
