use leptos::prelude::*;

use super::Upcoming;

#[component]
pub fn Drives() -> impl IntoView {
    view! { <Upcoming title="Drives" what="Create your identity on a USB drive with a sealed backup on a second one; unlock, rotate keys, verify the backup and restore."/> }
}
