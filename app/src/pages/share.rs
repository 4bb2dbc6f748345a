use leptos::prelude::*;

use super::Upcoming;

#[component]
pub fn Share() -> impl IntoView {
    view! { <Upcoming title="Share" what="Encrypt files in this browser for the people you choose, check their fingerprints, and upload only ciphertext."/> }
}
