//! Browsers without folder access (Firefox, Safari): the user loads each
//! drive's files by upload, and every file an operation writes is offered
//! as a download to put back on the drive. Same protocol, same checks; the
//! user carries the files instead of the browser.

use js_sys::{Array, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlInputElement, Url};

use super::pickers::Slot;
use super::state::{Notice, use_drives};
use crate::platform::drive::any::AnyDrive;
use crate::platform::drive::files::FileSetDrive;

/// Reads the files chosen in `input` into a new file set.
async fn load(input: HtmlInputElement, label: &str) -> Result<FileSetDrive, String> {
    let set = FileSetDrive::new(label);
    let Some(list) = input.files() else {
        return Ok(set);
    };
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        let buf = JsFuture::from(file.array_buffer())
            .await
            .map_err(|e| format!("Could not read {}: {}", file.name(), crate::platform::js_error_text(&e)))?;
        set.add(&file.name(), Uint8Array::new(&buf).to_vec());
    }
    Ok(set)
}

#[component]
fn Loader(which: Slot, label: &'static str, hint: &'static str) -> impl IntoView {
    let st = use_drives();
    let id = format!("load-{}", which.key());
    let on_change = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let set_label = format!("{} drive files", which.key());
        leptos::task::spawn_local(async move {
            match load(input, &set_label).await {
                Ok(set) => {
                    let n = set.len();
                    which.signal(st).set(Some(AnyDrive::Files(set)));
                    st.notice.set(Some(Notice::Done(format!("Loaded {n} file(s) for the {} drive.", which.key()))));
                }
                Err(e) => st.notice.set(Some(Notice::Failed(e))),
            }
        });
    };
    view! {
        <div class="drive-row">
            <div>
                <label for=id.clone()><strong>{label}</strong></label>
                <p class="muted">{hint}</p>
            </div>
            <input id=id type="file" multiple on:change=on_change/>
        </div>
    }
}

/// The two upload fields that stand in for the folder pickers.
#[component]
pub fn FileLoaders() -> impl IntoView {
    view! {
        <p>
            "This browser cannot open folders on a USB drive (Firefox and Safari lack the File System Access API). "
            "You can still use QuantumVault: load the files from each drive here, and save the files it gives you back onto the drives. "
            "For the smoothest use, open QuantumVault in Chrome or Edge."
        </p>
        <Loader which=Slot::Primary label="Primary drive files"
            hint="All files from your primary drive's QuantumVault folder (token_N.bin, state.json, audit.log). Leave empty to set up."/>
        <Loader which=Slot::Backup label="Backup drive files"
            hint="The files from your backup drive (backup_N.enc, pair.json). Leave empty to set up."/>
    }
}

fn object_url(data: &[u8]) -> Option<String> {
    let parts = Array::of1(&Uint8Array::from(data));
    let opts = BlobPropertyBag::new();
    opts.set_type("application/octet-stream");
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
    Url::create_object_url_with_blob(&blob).ok()
}

/// The files to save onto the drives after an operation.
#[component]
pub fn Downloads() -> impl IntoView {
    let st = use_drives();
    view! {
        <Show when=move || st.downloads.with(|d| !d.is_empty())>
            <section class="card" aria-labelledby="downloads-title">
                <h2 id="downloads-title">"Save these files onto your drives"</h2>
                <p>"Your browser cannot write to the drives itself. Download each file and put it on the drive named, "
                   "replacing the old file, all files of a drive together in one folder. Delete the files listed for deletion."</p>
                <ul class="downloads">
                    {move || st.downloads.get().into_iter().map(|(role, f)| {
                        let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_owned();
                        match f.data.as_deref().and_then(object_url) {
                            Some(url) => view! {
                                <li><a href=url download=name.clone()>{format!("Download {name} for the {role} drive")}</a></li>
                            }.into_any(),
                            None => view! { <li>{format!("Delete {name} from the {role} drive")}</li> }.into_any(),
                        }
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
