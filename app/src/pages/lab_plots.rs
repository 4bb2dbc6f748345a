//! The Lab's plots: four series simulated in the background worker, one
//! after the other, each drawn as soon as it arrives.

use leptos::prelude::*;
use shared::bb84::RunParams;
use shared::bb84::lab::{SeriesRequest, SeriesResult};
use shared::bb84::models::DecoySystem;

use super::lab::JobProgressBar;
use super::lab_chart::{Chart, ChartSpec, Mark, Series};
use super::lab_report::pct;
use crate::platform::worker::{self, Canceller, JobProgress, WorkerError};
use crate::platform::worker_bb84::Bb84Series;

/// The four plots' requests, sized to take seconds, not minutes.
pub fn requests() -> Vec<(&'static str, SeriesRequest)> {
    let mut quiet = RunParams { photons: 200_000, ..RunParams::default() };
    quiet.channel.noise = 0.0;
    let range = |n: u32, step: f64| (0..n).map(|i| f64::from(i) * step).collect::<Vec<f64>>();
    vec![
        ("QBER vs eavesdropping", SeriesRequest::QberVsEavesdropping { base: quiet, fractions: range(11, 0.1) }),
        (
            "Secret key fraction vs QBER",
            SeriesRequest::KeyFractionVsQber {
                base: RunParams { photons: 1_000_000, ..RunParams::default() },
                noises: range(13, 0.01),
            },
        ),
        (
            "Key rate vs distance",
            SeriesRequest::DecoyRateVsDistance {
                system: DecoySystem::gys(),
                mu: 0.48,
                nu: 0.1,
                photons: 4_000_000,
                curve_km: range(41, 4.0),
                simulated_km: vec![10.0, 30.0, 50.0, 70.0, 90.0],
                seed: 11,
            },
        ),
        (
            "Cascade efficiency vs QBER",
            SeriesRequest::CascadeEfficiencyVsQber {
                qbers: (1..=8).map(|i| f64::from(i) * 0.01).collect(),
                frame_bits: 10_000,
                frames: 20,
                passes: 14,
                seed: 5,
            },
        ),
    ]
}

fn series(name: &str, mark: Mark, class: &'static str, points: Vec<(f64, f64)>) -> Series {
    Series { name: name.into(), mark, class, points }
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|v| v.is_finite()).fold(0.0, f64::max)
}

/// Turns a series' points into a chart.
pub fn chart(result: &SeriesResult) -> ChartSpec {
    match result {
        SeriesResult::QberVsEavesdropping { points } => ChartSpec {
            title: "QBER vs eavesdropping".into(),
            description: "Simulated error rate for each fraction of photons intercepted and resent, over the line 0.25 × fraction".into(),
            x_label: "Fraction of photons intercepted".into(),
            y_label: "QBER".into(),
            x_range: (0.0, 1.0),
            y_range: (0.0, 0.3),
            log_y: false,
            series: vec![
                series("0.25 × fraction", Mark::Line, "chart-theory", points.iter().map(|p| (p.fraction, p.line)).collect()),
                series("Simulated", Mark::Dots, "chart-sim", points.iter().map(|p| (p.fraction, p.simulated)).collect()),
            ],
            table: (
                vec!["Fraction intercepted".into(), "Simulated QBER".into(), "0.25 × fraction".into(), "Sifted bits".into()],
                points
                    .iter()
                    .map(|p| vec![pct(p.fraction), pct(p.simulated), pct(p.line), p.sifted_bits.to_string()])
                    .collect(),
            ),
        },
        SeriesResult::KeyFractionVsQber { points } => ChartSpec {
            title: "Secret key fraction vs QBER".into(),
            description: "Final key bits per sifted bit from full simulated runs, against 1 − 2h(Q) (ideal) and 1 − h(Q) − f·h(Q) with the measured Cascade efficiency".into(),
            x_label: "QBER".into(),
            y_label: "Secret key bits per sifted bit".into(),
            x_range: (0.0, 0.13),
            y_range: (0.0, 1.0),
            log_y: false,
            series: vec![
                series("1 − 2h(Q)", Mark::Line, "chart-theory", points.iter().map(|p| (p.qber, p.theory_ideal.max(0.0))).collect()),
                series("1 − h(Q) − f·h(Q)", Mark::Line, "chart-theory-2", points.iter().map(|p| (p.qber, p.theory_cascade.max(0.0))).collect()),
                series("Simulated", Mark::Dots, "chart-sim", points.iter().map(|p| (p.qber, p.simulated)).collect()),
            ],
            table: (
                vec!["QBER".into(), "Simulated".into(), "1 − 2h(Q)".into(), "With Cascade's f".into(), "Aborted".into()],
                points
                    .iter()
                    .map(|p| {
                        vec![
                            pct(p.qber),
                            format!("{:.3}", p.simulated),
                            format!("{:.3}", p.theory_ideal.max(0.0)),
                            format!("{:.3}", p.theory_cascade.max(0.0)),
                            if p.aborted { "yes".into() } else { "no".into() },
                        ]
                    })
                    .collect(),
            ),
        },
        SeriesResult::DecoyRateVsDistance { curve, simulated, cutoff_km } => {
            let top = max_of(curve.iter().map(|p| p.ideal_decoy).chain(simulated.iter().map(|p| p.rate)));
            ChartSpec {
                title: "Key rate vs distance".into(),
                description: format!(
                    "Secret key bits per pulse with decoy states on the GYS system (0.21 dB/km, 4.5% detector), model curves and simulated points; the vacuum + weak decoy rate ends near {cutoff_km:.0} km"
                ),
                x_label: "Distance (km)".into(),
                y_label: "Key rate (bits per pulse)".into(),
                x_range: (0.0, 160.0),
                y_range: (1e-7, if top > 0.0 { top * 2.0 } else { 1e-2 }),
                log_y: true,
                series: vec![
                    series("Ideal decoy", Mark::Line, "chart-theory-2", curve.iter().map(|p| (p.distance_km, p.ideal_decoy)).collect()),
                    series("Vacuum + weak decoy", Mark::Line, "chart-theory", curve.iter().map(|p| (p.distance_km, p.vacuum_weak)).collect()),
                    series("Simulated", Mark::Dots, "chart-sim", simulated.iter().map(|p| (p.distance_km, p.rate)).collect()),
                ],
                table: (
                    vec!["Distance (km)".into(), "Model, vacuum + weak".into(), "Simulated".into()],
                    simulated
                        .iter()
                        .map(|s| {
                            let model = curve
                                .iter()
                                .min_by(|a, b| (a.distance_km - s.distance_km).abs().total_cmp(&(b.distance_km - s.distance_km).abs()))
                                .map_or(0.0, |p| p.vacuum_weak);
                            vec![format!("{:.0}", s.distance_km), format!("{model:.2e}"), format!("{:.2e}", s.rate)]
                        })
                        .collect(),
                ),
            }
        }
        SeriesResult::CascadeEfficiencyVsQber { points } => ChartSpec {
            title: "Cascade efficiency vs QBER".into(),
            description: "Parity bits revealed per bit of Shannon limit (f) on 10 000-bit frames; 1 is the limit, lower is impossible".into(),
            x_label: "QBER".into(),
            y_label: "Efficiency f".into(),
            x_range: (0.0, 0.09),
            y_range: (1.0, (max_of(points.iter().map(|p| p.efficiency)) + 0.05).max(1.3)),
            log_y: false,
            series: vec![
                series("Shannon limit", Mark::Line, "chart-theory", vec![(0.0, 1.0), (0.09, 1.0)]),
                series("Cascade (option 8)", Mark::Dots, "chart-sim", points.iter().map(|p| (p.qber, p.efficiency)).collect()),
            ],
            table: (
                vec!["QBER".into(), "Efficiency f".into(), "Frame error rate".into(), "Parities per frame".into()],
                points
                    .iter()
                    .map(|p| {
                        vec![pct(p.qber), format!("{:.3}", p.efficiency), pct(p.frame_error_rate), format!("{:.0}", p.mean_leaked)]
                    })
                    .collect(),
            ),
        },
    }
}

#[derive(Clone, PartialEq)]
enum PlotState {
    Idle,
    Running,
    Done,
    Cancelled,
    Failed(String),
}

/// The plots section.
#[component]
pub fn Plots() -> impl IntoView {
    let charts = RwSignal::new(Vec::<ChartSpec>::new());
    let state = RwSignal::new(PlotState::Idle);
    let (progress, set_progress) = signal(None::<JobProgress>);
    let canceller: StoredValue<Option<Canceller>, LocalStorage> = StoredValue::new_local(None);
    let running = move || state.get() == PlotState::Running;

    let draw = move |_| {
        charts.set(Vec::new());
        state.set(PlotState::Running);
        leptos::task::spawn_local(async move {
            let all = requests();
            let total = all.len();
            for (i, (name, request)) in all.into_iter().enumerate() {
                let report = move |p: JobProgress| {
                    set_progress.set(Some(JobProgress {
                        done: i as f64 + p.fraction(),
                        total: total as f64,
                        label: format!("Plot {} of {total}, {name}: {}", i + 1, p.label),
                    }));
                };
                let outcome = match worker::start::<Bb84Series>(&request, Vec::new(), report) {
                    Ok(job) => {
                        canceller.set_value(Some(job.canceller()));
                        job.finish().await
                    }
                    Err(e) => Err(e),
                };
                canceller.set_value(None);
                match outcome {
                    Ok((result, _)) => charts.update(|c| c.push(chart(&result))),
                    Err(WorkerError::Cancelled) => return state.set(PlotState::Cancelled),
                    Err(e) => return state.set(PlotState::Failed(e.to_string())),
                }
            }
            state.set(PlotState::Done);
        });
    };
    let cancel = move |_| {
        if let Some(c) = canceller.get_value() {
            c.cancel();
        }
    };
    const IDS: [&str; 4] = ["plot-qber", "plot-key-fraction", "plot-key-rate", "plot-cascade"];

    view! {
        <section class="card" aria-labelledby="lab-plots-title" aria-busy=move || running().to_string()>
            <h2 id="lab-plots-title">"Plots"</h2>
            <p class="muted">
                "Each plot runs the simulator many times with fixed settings (a few million photons in all) and "
                "sets the results against theory. It takes a few seconds to a minute, depending on this device."
            </p>
            <div class="lab-actions">
                <button type="button" disabled=running on:click=draw>"Draw plots"</button>
                <button type="button" class="secondary" disabled=move || !running() on:click=cancel>"Cancel plots"</button>
            </div>
            {move || match state.get() {
                PlotState::Running => view! { <JobProgressBar progress=progress label="Plot progress"/> }.into_any(),
                PlotState::Cancelled => view! { <p role="status" data-testid="plots-cancelled">"Plots cancelled."</p> }.into_any(),
                PlotState::Failed(e) => view! { <p role="alert" class="lab-error">{format!("The plots could not be drawn: {e}.")}</p> }.into_any(),
                PlotState::Done => view! { <p role="status" class="muted">"All four plots are drawn."</p> }.into_any(),
                PlotState::Idle => ().into_any(),
            }}
            <div class="lab-plots">
                {move || charts.get().into_iter().zip(IDS).map(|(spec, id)| view! { <Chart spec=spec id=id/> }).collect_view()}
            </div>
        </section>
    }
}
