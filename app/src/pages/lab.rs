use leptos::prelude::*;

use super::Upcoming;

#[component]
pub fn Lab() -> impl IntoView {
    view! { <Upcoming title="Lab" what="Run the BB84 quantum key distribution simulator step by step, with an eavesdropper if you like, and plot what happens."/> }
}
