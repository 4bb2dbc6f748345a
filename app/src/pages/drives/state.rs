//! What the Drives page shares between its panels: the two chosen folders,
//! whether an operation is running (and what it is doing), and the last
//! outcome to show.

use leptos::prelude::*;

use crate::platform::drive::folder::FolderDrive;

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
    /// The folder chosen as primary drive.
    pub primary: RwSignal<Option<FolderDrive>, LocalStorage>,
    /// The folder chosen as backup drive.
    pub backup: RwSignal<Option<FolderDrive>, LocalStorage>,
    /// What the running operation is doing (`None`: nothing runs).
    pub progress: RwSignal<Option<String>>,
    /// The last outcome.
    pub notice: RwSignal<Option<Notice>>,
    /// Wrong PINs since the last successful unlock; the next unlock writes
    /// them to the audit log (a failed attempt has no key to seal an entry).
    pub failed_pins: StoredValue<u32>,
}

impl DrivesState {
    /// Creates the state and provides it as context.
    pub fn provide() -> Self {
        let st = Self {
            primary: RwSignal::new_local(None),
            backup: RwSignal::new_local(None),
            progress: RwSignal::new(None),
            notice: RwSignal::new(None),
            failed_pins: StoredValue::new(0),
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
