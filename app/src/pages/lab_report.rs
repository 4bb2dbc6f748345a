//! A run's report as the Lab shows it: the figures, the timeline step by
//! step (each event expandable, Cascade passes with the parities they
//! exchanged) and, for small runs, the per-photon table. The timeline is
//! also what a link shows (see the links module).

use leptos::prelude::*;
use shared::bb84::{Attack, Basis, Event, Fate, PhotonRow, RunReport, Source};

/// `12 345` style grouping, for counts people read.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A percentage with two decimals.
pub fn pct(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

fn sci(v: f64) -> String {
    format!("{v:.1e}")
}

/// The run's figures, as a description list.
#[component]
pub fn Figures(report: RunReport) -> impl IntoView {
    let s = &report.stats;
    let mut rows: Vec<(&'static str, String)> = vec![
        ("Photons sent", count(s.quantum.pulses)),
        ("Detected by Bob", count(s.quantum.clicks)),
        ("Sifted key", format!("{} bits ({} of detections)", count(s.quantum.sifted), pct(s.sifting_ratio))),
        ("QBER estimate", format!("{} (sample of {} bits)", pct(s.qber_estimate), count(s.sample_bits))),
        ("True QBER (simulator only)", pct(s.qber_true)),
        ("Bits Eve knows exactly (simulator only)", pct(s.eve_known_fraction)),
        ("Leaked by Cascade", format!("{} parity bits", count(s.leaked_parity_bits))),
        ("Leaked by verification", format!("{} bits", count(s.leaked_verify_bits))),
        ("Cascade efficiency f", s.efficiency.map_or_else(|| "—".into(), |f| format!("{f:.3}"))),
        ("Final key", format!("{} bits", count(s.final_key_bits))),
    ];
    if let Some(b) = &s.finite_key {
        rows.push((
            "ε (PE + EC + PA)",
            format!("{} = {} + {} + {}", sci(b.epsilon), sci(b.eps_pe), sci(b.eps_ec), sci(b.eps_pa)),
        ));
        rows.push(("QBER upper bound used", pct(b.qber_upper)));
    }
    if s.final_key_bits > 0 {
        rows.push(("Alice's and Bob's keys", if s.keys_identical { "identical".into() } else { "differ".into() }));
    }
    let outcome = match &report.abort {
        Some(reason) => view! {
            <p class="lab-outcome" data-outcome="aborted" role="alert">{format!("No key: {}.", reason.message())}</p>
        }
        .into_any(),
        None => view! {
            <p class="lab-outcome" data-outcome="key" role="status">
                {format!("Key established: {} secret bits.", count(s.final_key_bits))}
            </p>
        }
        .into_any(),
    };
    view! {
        {outcome}
        <dl class="status-list lab-figures" data-testid="lab-figures">
            {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}

fn source_text(s: Source) -> String {
    match s {
        Source::SinglePhoton => "an ideal single-photon source".into(),
        Source::WeakCoherent { mu } => format!("an attenuated laser (μ = {mu})"),
    }
}

fn attack_text(a: Attack) -> String {
    match a {
        Attack::None => "nobody".into(),
        Attack::InterceptResend { fraction } => format!("intercept-resend on {} of pulses", pct(fraction)),
        Attack::PhotonNumberSplitting => "photon-number splitting".into(),
    }
}

/// Title and explanation of one event.
pub fn describe(e: &Event) -> (String, String) {
    match e {
        Event::Prepared { pulses, source } => (
            format!("Alice prepared {} pulses", count(*pulses)),
            format!("Random bits in random bases (+ or ×) from {}.", source_text(*source)),
        ),
        Event::Sent { pulses, distance_km, transmittance } => (
            format!("{} pulses sent over {distance_km} km", count(*pulses)),
            format!("The fibre lets through {} of photons.", pct(*transmittance)),
        ),
        Event::Intercepted { pulses, attack } => {
            (format!("Eve acted on {} pulses", count(*pulses)), format!("Strategy: {}.", attack_text(*attack)))
        }
        Event::Lost { pulses } => (
            format!("{} pulses lost", count(*pulses)),
            "No click at Bob: fibre loss, detector inefficiency, empty pulses or Eve's blocking.".into(),
        ),
        Event::Measured { clicks, dark_clicks } => (
            format!("Bob detected {} pulses", count(*clicks)),
            format!("Each measured in a random basis; {} clicks were dark counts.", count(*dark_clicks)),
        ),
        Event::Sifted { bits, kept_fraction } => (
            format!("Sifting kept {} bits", count(*bits)),
            format!("Bases compared in public; {} of detections had matching bases.", pct(*kept_fraction)),
        ),
        Event::Sampled { bits, errors } => (
            format!("{} bits disclosed as a sample", count(*bits)),
            format!("{} disagreements found; the sample is then discarded.", count(*errors)),
        ),
        Event::Qber { estimate, upper_bound, true_qber, threshold } => (
            format!("Error rate estimated at {}", pct(*estimate)),
            format!(
                "With the statistical margin at most {}; abort threshold {}. The true rate (only the simulator knows it) is {}.",
                pct(*upper_bound),
                pct(*threshold),
                pct(*true_qber)
            ),
        ),
        Event::CascadePass(p) => (
            format!("Cascade pass {}: {} parities exchanged", p.pass, count(p.parities)),
            format!(
                "Blocks of {} bits; Alice revealed {} parity bits (including binary searches), Bob corrected {} errors.",
                count(p.block_size as u64),
                count(p.parities),
                count(p.corrections)
            ),
        ),
        Event::Reconciled { frames, bits, leaked_bits, efficiency, residual_errors } => (
            format!("Cascade reconciled {} bits", count(*bits)),
            format!(
                "{} frames, {} parity bits leaked (efficiency f = {}); {} errors left for verification to catch.",
                count(*frames),
                count(*leaked_bits),
                efficiency.map_or_else(|| "—".into(), |f| format!("{f:.3}")),
                count(*residual_errors)
            ),
        ),
        Event::Verified { frames, failed_frames, tag_bits } => (
            format!("{} frames verified", count(*frames)),
            format!(
                "Hashes compared ({} bits revealed); {} frames differed and were dropped.",
                count(*tag_bits),
                count(*failed_frames)
            ),
        ),
        Event::Amplified { input_bits, output_bits, seed_bits } => (
            format!("Privacy amplification: {} → {} bits", count(*input_bits), count(*output_bits)),
            format!(
                "Toeplitz hashing with a public random seed of {} bits removes what Eve may know.",
                count(*seed_bits)
            ),
        ),
        Event::FinalKey { bits, epsilon } => (
            format!("Final key: {} bits", count(*bits)),
            format!("Secure up to ε = {} (the chance this key is distinguishable from a perfect one).", sci(*epsilon)),
        ),
        Event::Aborted { message, .. } => ("Run aborted".into(), format!("{message}.")),
    }
}

/// The timeline, revealed one step at a time or all at once.
#[component]
pub fn Timeline(events: Vec<Event>, #[prop(optional)] heading_id: Option<&'static str>) -> impl IntoView {
    let total = events.len();
    let shown = RwSignal::new(total);
    let events = StoredValue::new(events);
    let heading_id = heading_id.unwrap_or("lab-timeline-title");
    view! {
        <div class="lab-timeline">
            <div class="lab-actions">
                <button type="button" class="secondary" on:click=move |_| shown.set(1)>"Replay step by step"</button>
                <button type="button" class="secondary" disabled=move || { shown.get() >= total }
                    on:click=move |_| shown.update(|n| *n = (*n + 1).min(total))>"Next step"</button>
                <button type="button" class="secondary" disabled=move || { shown.get() >= total }
                    on:click=move |_| shown.set(total)>"Show all steps"</button>
                <span class="muted" role="status">{move || format!("Step {} of {total}", shown.get())}</span>
            </div>
            <ol class="lab-events" aria-labelledby=heading_id>
                {move || {
                    events.with_value(|events| {
                        events
                            .iter()
                            .take(shown.get())
                            .map(|e| {
                                let (title, detail) = describe(e);
                                let kind = serde_json::to_value(e)
                                    .ok()
                                    .and_then(|v| v.get("event").and_then(|k| k.as_str()).map(str::to_owned))
                                    .unwrap_or_default();
                                view! {
                                    <li class="lab-event" data-event=kind>
                                        <details>
                                            <summary>{title}</summary>
                                            <p>{detail}</p>
                                        </details>
                                    </li>
                                }
                            })
                            .collect_view()
                    })
                }}
            </ol>
        </div>
    }
}

fn basis(b: Basis) -> &'static str {
    match b {
        Basis::Rectilinear => "+",
        Basis::Diagonal => "×",
    }
}

fn bit(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn fate(f: Fate) -> &'static str {
    match f {
        Fate::NoClick => "no click",
        Fate::BasisMismatch => "no: bases differ",
        Fate::Sampled => "sampled",
        Fate::Key => "yes",
    }
}

fn row(r: &PhotonRow) -> impl IntoView + use<> {
    let eve = match r.eve {
        None => "—".to_owned(),
        Some(e) => format!("{} {}", e.basis.map_or("split", basis), e.bit.map_or("?", bit)),
    };
    let bob = match r.bob_bit {
        None => "—".to_owned(),
        Some(b) => format!("{}{}", bit(b), if r.dark { " (dark)" } else { "" }),
    };
    let error = r.fate != Fate::NoClick && r.fate != Fate::BasisMismatch && r.bob_bit != Some(r.alice_bit);
    view! {
        <tr data-fate=fate(r.fate) data-error=error.to_string()>
            <th scope="row">{r.index + 1}</th>
            <td>{bit(r.alice_bit)}</td>
            <td>{basis(r.alice_basis)}</td>
            <td>{eve}</td>
            <td>{basis(r.bob_basis)}</td>
            <td>{bob}</td>
            <td>{fate(r.fate)}{if error { " (error)" } else { "" }}</td>
        </tr>
    }
}

/// The per-photon table of a small run.
#[component]
pub fn PhotonTable(rows: Vec<PhotonRow>) -> impl IntoView {
    view! {
        <div class="lab-table-wrap" tabindex="0" role="region" aria-labelledby="lab-photons-caption">
            <table class="lab-table" data-testid="photon-table">
                <caption id="lab-photons-caption">"Every photon of this run: + is the rectilinear basis, × the diagonal one"</caption>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Alice bit"</th>
                        <th scope="col">"Alice basis"</th>
                        <th scope="col">"Eve"</th>
                        <th scope="col">"Bob basis"</th>
                        <th scope="col">"Bob result"</th>
                        <th scope="col">"Kept?"</th>
                    </tr>
                </thead>
                <tbody>{rows.iter().map(row).collect_view()}</tbody>
            </table>
        </div>
    }
}
