//! Running a drive operation from a click: one at a time, under the Web
//! Lock, with its progress shown and its outcome reported in plain words.

use std::future::Future;

use js_sys::Promise;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::state::{DrivesState, Notice};
use crate::platform::drive::any::AnyDrive;
use crate::platform::drive::lock::with_drive_lock;
use crate::platform::drive::picker::ensure_permission;

/// Waits until the browser has painted (one animation frame, then a task),
/// so a progress message shows before a long synchronous step (Argon2id)
/// blocks the page.
pub async fn yield_to_paint() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = Promise::new(&mut |resolve, _| {
        let w = window.clone();
        let after_frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 0);
        });
        if window.request_animation_frame(after_frame.unchecked_ref()).is_err() {
            // No frames (hidden tab): a task is enough.
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(after_frame.unchecked_ref(), 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Shows `step` as the current progress and lets the page paint it.
pub async fn step(st: DrivesState, step: impl Into<String>) {
    st.progress.set(Some(step.into()));
    yield_to_paint().await;
}

/// Makes sure the folder may be used, asking the user if needed (must run
/// right after a click).
///
/// # Errors
/// A plain-words message when access is refused.
pub async fn allowed(drive: &AnyDrive, role: &str) -> Result<(), String> {
    let Some(folder) = drive.folder() else {
        return Ok(());
    };
    if ensure_permission(folder.handle()).await {
        Ok(())
    } else {
        Err(format!(
            "QuantumVault may not use the {role} (access was not allowed). Click again and choose “Allow” when the browser asks, or choose the folder again."
        ))
    }
}

/// Runs `work` as the page's one operation: shows `first` as progress,
/// holds the drives lock, then reports `Ok(message)` or `Err(message)`.
pub fn run<Fut>(st: DrivesState, first: &str, work: impl FnOnce() -> Fut + 'static)
where
    Fut: Future<Output = Result<String, String>> + 'static,
{
    if st.busy() {
        return;
    }
    st.notice.set(None);
    st.progress.set(Some(first.to_owned()));
    leptos::task::spawn_local(async move {
        yield_to_paint().await;
        let outcome = match with_drive_lock(work()).await {
            Ok(r) => r,
            Err(busy) => Err(capitalised(&busy.to_string())),
        };
        st.progress.set(None);
        collect_downloads(st);
        st.notice.set(Some(match outcome {
            Ok(m) => Notice::Done(m),
            Err(m) => Notice::Failed(m),
        }));
    });
}

/// Without folder access: gathers what the operation changed in the
/// uploaded file sets, for the user to download onto the drives.
fn collect_downloads(st: DrivesState) {
    let mut files = Vec::new();
    for (role, drive) in [("primary", st.primary), ("backup", st.backup)] {
        if let Some(d) = drive.get_untracked() {
            files.extend(d.take_changes().into_iter().map(|f| (role, f)));
        }
    }
    if !files.is_empty() {
        st.downloads.set(files);
    }
}

/// The sentence with its first letter in capitals (unless it starts with a
/// file name such as `state.json`) and a final full stop.
pub fn capitalised(text: &str) -> String {
    let first_word = text.split(' ').next().unwrap_or_default();
    let mut out = if first_word.chars().all(char::is_alphabetic) {
        let mut chars = text.chars();
        let mut s: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
        s.push_str(chars.as_str());
        s
    } else {
        text.to_owned()
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Seconds since the Unix epoch, from the browser's clock.
pub fn now() -> shared::drive::UnixTime {
    #[allow(clippy::cast_possible_truncation)]
    let secs = (js_sys::Date::now() / 1000.0).floor() as i64;
    shared::drive::UnixTime(secs)
}

/// Milliseconds from `performance.now()` (for calibration).
pub fn millis() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// The chosen primary drive, or a notice saying to choose it.
pub fn need_primary(st: DrivesState) -> Option<AnyDrive> {
    let p = st.primary.get_untracked();
    if p.is_none() {
        st.notice.set(Some(Notice::Failed("Choose your primary drive above first.".to_owned())));
    }
    p
}

/// Both chosen drives, or a notice saying which to choose.
pub fn need_both(st: DrivesState) -> Option<(AnyDrive, AnyDrive)> {
    let primary = need_primary(st)?;
    let backup = st.backup.get_untracked();
    if backup.is_none() {
        st.notice.set(Some(Notice::Failed("Choose your backup drive above first.".to_owned())));
    }
    Some((primary, backup?))
}

/// Both drives with access allowed (after a click).
///
/// # Errors
/// A plain-words message when access is refused.
pub async fn allowed_both(primary: &AnyDrive, backup: &AnyDrive) -> Result<(), String> {
    allowed(primary, "primary drive").await?;
    allowed(backup, "backup drive").await
}
