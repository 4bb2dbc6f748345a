//! The Lab: run the BB84 simulator with any settings in the background
//! worker, watch its progress, cancel it, read the figures, the timeline
//! and the per-photon table, and plot how the protocol behaves.

use leptos::prelude::*;
use shared::bb84::{RunParams, RunReport};

use super::lab_form::{LabForm, LabFormView};
use super::lab_plots::Plots;
use super::lab_report::{Figures, PhotonTable, Timeline};
use crate::platform::worker::{self, Canceller, JobProgress, WorkerError};
use crate::platform::worker_bb84::Bb84Run;

/// What the Run section shows.
#[derive(Clone, PartialEq)]
enum RunState {
    Idle,
    Running,
    Done(Box<RunReport>),
    Cancelled,
    Failed(String),
}

/// A progress bar with its words; also used by the plots.
#[component]
pub fn JobProgressBar(progress: ReadSignal<Option<JobProgress>>, label: &'static str) -> impl IntoView {
    view! {
        <div class="lab-progress">
            <progress aria-label=label max="1"
                value=move || progress.get().map_or(0.0, |p| p.fraction())></progress>
            <span class="muted">{move || progress.get().map_or_else(|| "Starting…".to_owned(), |p| {
                format!("{} ({:.0}%)", p.label, p.fraction() * 100.0)
            })}</span>
        </div>
    }
}

#[component]
pub fn Lab() -> impl IntoView {
    let form = LabForm::new(&RunParams::default());
    let state = RwSignal::new(RunState::Idle);
    let (progress, set_progress) = signal(None::<JobProgress>);
    let canceller: StoredValue<Option<Canceller>, LocalStorage> = StoredValue::new_local(None);

    let run = move |_| {
        let params = match form.params() {
            Ok(p) => p,
            Err(e) => {
                state.set(RunState::Failed(e));
                return;
            }
        };
        set_progress.set(None);
        let job = match worker::start::<Bb84Run>(&params, Vec::new(), move |p| set_progress.set(Some(p))) {
            Ok(job) => job,
            Err(e) => {
                state.set(RunState::Failed(e.to_string()));
                return;
            }
        };
        canceller.set_value(Some(job.canceller()));
        state.set(RunState::Running);
        leptos::task::spawn_local(async move {
            // The key stays in the worker's answer only; the Lab has no use for it.
            let next = match job.finish().await {
                Ok((report, _key)) => RunState::Done(Box::new(report)),
                Err(WorkerError::Cancelled) => RunState::Cancelled,
                Err(e) => RunState::Failed(e.to_string()),
            };
            canceller.set_value(None);
            state.set(next);
        });
    };
    let cancel = move |_| {
        if let Some(c) = canceller.get_value() {
            c.cancel();
        }
    };
    let running = move || state.get() == RunState::Running;

    view! {
        <section class="card" aria-labelledby="page-title">
            <h1 id="page-title">"BB84 Lab"</h1>
            <p>
                "Simulate quantum key distribution: Alice sends single photons in random bases, Bob measures them, "
                "and an eavesdropper can listen in. Errors are estimated, corrected with Cascade and squeezed out "
                "with privacy amplification."
            </p>
            <p class="muted">
                "This is a simulation running in your browser, not a quantum device. QuantumVault only ever mixes a "
                "simulated key into its real post-quantum key wrapping (X-Wing and ML-DSA): your files' security never "
                "rests on it. Everything here works offline."
            </p>
        </section>
        <section class="card" aria-labelledby="lab-params-title">
            <h2 id="lab-params-title">"Settings"</h2>
            <form class="lab-form" on:submit=move |ev| {
                ev.prevent_default();
                run(());
            }>
                <LabFormView form=form/>
                <div class="lab-actions">
                    <button type="submit" disabled=running>"Run simulation"</button>
                    <button type="button" class="secondary" disabled=move || !running() on:click=cancel>"Cancel"</button>
                </div>
            </form>
        </section>
        <section class="card" aria-labelledby="lab-result-title" aria-busy=move || running().to_string()>
            <h2 id="lab-result-title">"Result"</h2>
            {move || match state.get() {
                RunState::Idle => view! { <p class="muted">"Choose settings and press Run simulation."</p> }.into_any(),
                RunState::Running => view! { <JobProgressBar progress=progress label="Simulation progress"/> }.into_any(),
                RunState::Cancelled => view! { <p role="status" data-testid="lab-cancelled">"Simulation cancelled."</p> }.into_any(),
                RunState::Failed(e) => view! { <p role="alert" class="lab-error">{format!("The simulation could not run: {e}.")}</p> }.into_any(),
                RunState::Done(report) => view! { <RunResult report=*report/> }.into_any(),
            }}
        </section>
        <Plots/>
    }
}

/// Figures, timeline and photon table of a finished run.
#[component]
fn RunResult(report: RunReport) -> impl IntoView {
    let photons = report.photons.clone();
    view! {
        <Figures report=report.clone()/>
        <h3 id="lab-timeline-title">"Timeline"</h3>
        <Timeline events=report.timeline.clone()/>
        {photons.map(|rows| view! { <h3>"Photon by photon"</h3><PhotonTable rows=rows/> })}
    }
}
