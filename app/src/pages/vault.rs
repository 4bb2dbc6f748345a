use leptos::prelude::*;

use super::Upcoming;

#[component]
pub fn Vault() -> impl IntoView {
    view! { <Upcoming title="Vault" what="Your files and the files shared with you, with their names decrypted in this browser and each sender's signature verified."/> }
}
