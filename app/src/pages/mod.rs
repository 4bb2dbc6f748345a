//! One module per page of the app.

pub mod audit;
pub mod drives;
pub mod home;
pub mod lab;
pub mod lab_chart;
pub mod lab_form;
pub mod lab_plots;
pub mod lab_report;
pub mod not_found;
pub mod settings;
pub mod share;
pub mod vault;
pub mod vault_widgets;

use leptos::prelude::*;

/// A page that is planned but not built yet: says so plainly and points to what works.
#[component]
pub fn Upcoming(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="page-title">
            <h1 id="page-title">{title}</h1>
            <p>{what}</p>
            <p class="muted">"This part of QuantumVault is not available in this version yet."</p>
        </section>
    }
}
