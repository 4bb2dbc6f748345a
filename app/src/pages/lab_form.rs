//! The Lab's parameter form: every simulator setting as a labelled field,
//! presets, and the conversion to [`RunParams`] with errors in plain words.

use leptos::prelude::*;
use shared::bb84::{Attack, CascadeParams, ChannelParams, DetectorParams, PostParams, RunParams, Source};

/// One text field per parameter, as typed (parsed on Run).
#[derive(Clone, Copy)]
pub struct LabForm {
    pub photons: RwSignal<String>,
    pub source: RwSignal<String>,
    pub mu: RwSignal<String>,
    pub distance_km: RwSignal<String>,
    pub attenuation: RwSignal<String>,
    pub noise: RwSignal<String>,
    pub efficiency: RwSignal<String>,
    pub dark_counts: RwSignal<String>,
    pub attack: RwSignal<String>,
    pub eve_fraction: RwSignal<String>,
    pub sample_fraction: RwSignal<String>,
    pub threshold: RwSignal<String>,
    pub frame_bits: RwSignal<String>,
    pub passes: RwSignal<String>,
    pub verify_bits: RwSignal<String>,
    pub eps_pe: RwSignal<String>,
    pub eps_pa: RwSignal<String>,
    pub seed: RwSignal<String>,
}

/// A named starting point.
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub params: fn() -> RunParams,
}

fn small_table() -> RunParams {
    RunParams { photons: 64, photon_table_limit: 64, ..RunParams::default() }
}

fn with_eve() -> RunParams {
    RunParams { attack: Attack::InterceptResend { fraction: 1.0 }, ..RunParams::default() }
}

fn long_fibre() -> RunParams {
    let mut p = RunParams {
        photons: 5_000_000,
        source: Source::WeakCoherent { mu: 0.5 },
        detector: DetectorParams { efficiency: 0.1, dark_count_probability: 1e-6 },
        ..RunParams::default()
    };
    p.channel = ChannelParams { distance_km: 50.0, attenuation_db_per_km: 0.2, noise: 0.02 };
    p
}

fn pns() -> RunParams {
    RunParams {
        photons: 1_000_000,
        source: Source::WeakCoherent { mu: 0.5 },
        attack: Attack::PhotonNumberSplitting,
        ..RunParams::default()
    }
}

/// The presets offered above the form.
pub const PRESETS: &[Preset] = &[
    Preset { id: "default", name: "Default (10 km, 1% noise)", params: RunParams::default },
    Preset { id: "small", name: "64 photons, with a table", params: small_table },
    Preset { id: "eve", name: "Eavesdropper on every photon", params: with_eve },
    Preset { id: "long", name: "50 km with a laser source", params: long_fibre },
    Preset { id: "pns", name: "Photon-number splitting", params: pns },
];

fn num(v: f64) -> String {
    format!("{v}")
}

impl LabForm {
    /// A form filled with `p`.
    pub fn new(p: &RunParams) -> Self {
        let f = Self {
            photons: RwSignal::new(String::new()),
            source: RwSignal::new(String::new()),
            mu: RwSignal::new(String::new()),
            distance_km: RwSignal::new(String::new()),
            attenuation: RwSignal::new(String::new()),
            noise: RwSignal::new(String::new()),
            efficiency: RwSignal::new(String::new()),
            dark_counts: RwSignal::new(String::new()),
            attack: RwSignal::new(String::new()),
            eve_fraction: RwSignal::new(String::new()),
            sample_fraction: RwSignal::new(String::new()),
            threshold: RwSignal::new(String::new()),
            frame_bits: RwSignal::new(String::new()),
            passes: RwSignal::new(String::new()),
            verify_bits: RwSignal::new(String::new()),
            eps_pe: RwSignal::new(String::new()),
            eps_pa: RwSignal::new(String::new()),
            seed: RwSignal::new(String::new()),
        };
        f.fill(p);
        f
    }

    /// Overwrites every field with `p`.
    pub fn fill(&self, p: &RunParams) {
        self.photons.set(p.photons.to_string());
        let (source, mu) = match p.source {
            Source::SinglePhoton => ("single", 0.5),
            Source::WeakCoherent { mu } => ("laser", mu),
        };
        self.source.set(source.into());
        self.mu.set(num(mu));
        self.distance_km.set(num(p.channel.distance_km));
        self.attenuation.set(num(p.channel.attenuation_db_per_km));
        self.noise.set(num(p.channel.noise * 100.0));
        self.efficiency.set(num(p.detector.efficiency * 100.0));
        self.dark_counts.set(format!("{:e}", p.detector.dark_count_probability));
        let (attack, fraction) = match p.attack {
            Attack::None => ("none", 100.0),
            Attack::InterceptResend { fraction } => ("intercept", fraction * 100.0),
            Attack::PhotonNumberSplitting => ("pns", 100.0),
        };
        self.attack.set(attack.into());
        self.eve_fraction.set(num(fraction));
        self.sample_fraction.set(num(p.post.sample_fraction * 100.0));
        self.threshold.set(num(p.post.qber_threshold * 100.0));
        self.frame_bits.set(p.post.cascade.frame_bits.to_string());
        self.passes.set(p.post.cascade.passes.to_string());
        self.verify_bits.set(p.post.verify_tag_bits.to_string());
        self.eps_pe.set(format!("{:e}", p.post.eps_pe));
        self.eps_pa.set(format!("{:e}", p.post.eps_pa));
        self.seed.set(p.seed.to_string());
    }

    /// The parameters, or the first field that does not hold a number.
    /// Ranges are checked by [`RunParams::validate`] in the worker.
    pub fn params(&self) -> Result<RunParams, String> {
        fn parse<T: std::str::FromStr>(field: RwSignal<String>, name: &str) -> Result<T, String> {
            let text = field.get_untracked();
            text.trim()
                .replace([' ', '\u{202f}', '_'], "")
                .parse()
                .map_err(|_| format!("{name}: “{text}” is not a number"))
        }
        let pct = |field, name| parse::<f64>(field, name).map(|v| v / 100.0);
        let source = match self.source.get_untracked().as_str() {
            "laser" => Source::WeakCoherent { mu: parse(self.mu, "Mean photon number")? },
            _ => Source::SinglePhoton,
        };
        let attack = match self.attack.get_untracked().as_str() {
            "intercept" => Attack::InterceptResend { fraction: pct(self.eve_fraction, "Photons intercepted")? },
            "pns" => Attack::PhotonNumberSplitting,
            _ => Attack::None,
        };
        let photons: u64 = parse(self.photons, "Photons")?;
        Ok(RunParams {
            photons,
            source,
            channel: ChannelParams {
                distance_km: parse(self.distance_km, "Distance")?,
                attenuation_db_per_km: parse(self.attenuation, "Attenuation")?,
                noise: pct(self.noise, "Noise")?,
            },
            detector: DetectorParams {
                efficiency: pct(self.efficiency, "Detector efficiency")?,
                dark_count_probability: parse(self.dark_counts, "Dark counts")?,
            },
            attack,
            post: PostParams {
                sample_fraction: pct(self.sample_fraction, "Sample")?,
                qber_threshold: pct(self.threshold, "Abort threshold")?,
                cascade: CascadeParams {
                    frame_bits: parse(self.frame_bits, "Cascade frame")?,
                    passes: parse(self.passes, "Cascade passes")?,
                },
                verify_tag_bits: parse(self.verify_bits, "Verification hash")?,
                eps_pe: parse(self.eps_pe, "ε parameter estimation")?,
                eps_pa: parse(self.eps_pa, "ε privacy amplification")?,
            },
            seed: parse(self.seed, "Seed")?,
            photon_table_limit: photons.min(shared::bb84::params::MAX_PHOTON_TABLE).min(256),
        })
    }
}

/// A labelled number field with a hint.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="lab-field">
            <label for=id>{label}</label>
            <input id=id name=id type="text" inputmode="decimal" autocomplete="off" spellcheck="false"
                aria-describedby=hint_id.clone() bind:value=value
                disabled=move || disabled.is_some_and(|d| d.get())/>
            <small id=hint_id class="muted">{hint}</small>
        </div>
    }
}

const SOURCES: &[(&str, &str)] = &[("single", "Ideal single photons"), ("laser", "Attenuated laser (Poisson)")];

const ATTACKS: &[(&str, &str)] = &[
    ("none", "Nobody listens"),
    ("intercept", "Intercept and resend"),
    ("pns", "Photon-number splitting (laser only)"),
];

/// A labelled drop-down with a hint.
#[component]
fn Choice(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    value: RwSignal<String>,
    options: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="lab-field">
            <label for=id>{label}</label>
            <select id=id name=id aria-describedby=hint_id.clone() bind:value=value>
                {options.iter().map(|(v, text)| view! { <option value=*v>{*text}</option> }).collect_view()}
            </select>
            <small id=hint_id class="muted">{hint}</small>
        </div>
    }
}

/// The whole form: presets, then fieldsets by part of the experiment.
#[component]
pub fn LabFormView(form: LabForm) -> impl IntoView {
    let not_laser = Signal::derive(move || form.source.get() != "laser");
    let not_intercept = Signal::derive(move || form.attack.get() != "intercept");
    let apply_preset = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if let Some(p) = PRESETS.iter().find(|p| p.id == id) {
            form.fill(&(p.params)());
        }
    };
    view! {
        <div class="lab-field lab-preset">
            <label for="lab-preset">"Preset"</label>
            <select id="lab-preset" on:change=apply_preset>
                {PRESETS.iter().map(|p| view! { <option value=p.id>{p.name}</option> }).collect_view()}
            </select>
        </div>
        <fieldset class="lab-fieldset">
            <legend>"Alice's source"</legend>
            <Field id="lab-photons" label="Photons (pulses)" hint="1 to 20 000 000; a table of photons is shown up to 256" value=form.photons/>
            <Choice id="lab-source" label="Source" value=form.source options=SOURCES
                hint="A laser sometimes sends two photons, which an eavesdropper can split"/>
            <Field id="lab-mu" label="Mean photon number μ" hint="Laser only; typically 0.1–0.8" value=form.mu disabled=not_laser/>
        </fieldset>
        <fieldset class="lab-fieldset">
            <legend>"Fibre and detectors"</legend>
            <Field id="lab-distance" label="Distance (km)" hint="0 to 10 000" value=form.distance_km/>
            <Field id="lab-attenuation" label="Attenuation (dB/km)" hint="0.2 is telecom fibre at 1550 nm" value=form.attenuation/>
            <Field id="lab-noise" label="Noise / misalignment (%)" hint="Chance a detected bit flips, 0–50" value=form.noise/>
            <Field id="lab-efficiency" label="Detector efficiency (%)" hint="Chance a photon reaching Bob clicks" value=form.efficiency/>
            <Field id="lab-dark" label="Dark counts (per pulse)" hint="Clicks without a photon, e.g. 1e-6" value=form.dark_counts/>
        </fieldset>
        <fieldset class="lab-fieldset">
            <legend>"Eavesdropper"</legend>
            <Choice id="lab-attack" label="Strategy" value=form.attack options=ATTACKS
                hint="Intercept-resend causes 25% errors on the photons it touches"/>
            <Field id="lab-eve-fraction" label="Photons intercepted (%)" hint="Intercept-resend only" value=form.eve_fraction disabled=not_intercept/>
        </fieldset>
        <fieldset class="lab-fieldset">
            <legend>"Post-processing"</legend>
            <Field id="lab-sample" label="Sample disclosed (%)" hint="Sifted bits revealed to estimate the error rate" value=form.sample_fraction/>
            <Field id="lab-threshold" label="Abort threshold (%)" hint="Stop above this estimated error rate (11% ≈ Shor–Preskill)" value=form.threshold/>
            <Field id="lab-frame" label="Cascade frame (bits)" hint="Bits reconciled together, 64 to 1 000 000; below 10 000 Cascade leaves errors" value=form.frame_bits/>
            <Field id="lab-passes" label="Cascade passes" hint="Passes of Cascade with “option 8” block sizes, 1–64 (14 by default)" value=form.passes/>
            <Field id="lab-verify" label="Verification hash (bits)" hint="Per frame, 8 to 256; each bit counts as leaked" value=form.verify_bits/>
            <Field id="lab-eps-pe" label="ε parameter estimation" hint="Chance the error-rate bound is wrong" value=form.eps_pe/>
            <Field id="lab-eps-pa" label="ε privacy amplification" hint="Distance of the final key from perfect" value=form.eps_pa/>
            <Field id="lab-seed" label="Seed" hint="Same seed and settings, same run" value=form.seed/>
        </fieldset>
    }
}
