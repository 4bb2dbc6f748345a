use leptos::prelude::*;

use super::Upcoming;

#[component]
pub fn Audit() -> impl IntoView {
    view! { <Upcoming title="Audit" what="The server's tamper-evident record of your account's security events, verified in this browser, beside your drive's own log."/> }
}
