use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="page-title">
            <h1 id="page-title">"Page not found"</h1>
            <p>"There is no page at this address. " <A href="/">"Go to the home page"</A> "."</p>
        </section>
    }
}
