//! Form fields the drive panels share: a labelled input, a new passphrase
//! (rated and typed twice), and the optional PIN.

use leptos::prelude::*;

use crate::components::passphrase_meter::{MIN_SCORE, PassphraseMeter, rate};

/// A labelled input bound to `value`.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "password")] kind: &'static str,
    #[prop(optional, into)] describedby: Option<String>,
    #[prop(default = "off")] autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=kind autocomplete=autocomplete spellcheck="false"
                aria-describedby=describedby bind:value=value/>
        </div>
    }
}

/// A new passphrase with its strength meter and confirmation. The inputs
/// are `{id}-pass` and `{id}-confirm`.
#[component]
pub fn NewPassphrase(
    pass: RwSignal<String>,
    confirm: RwSignal<String>,
    id: &'static str,
    label: &'static str,
) -> impl IntoView {
    let meter = format!("{id}-meter");
    view! {
        <Field id=format!("{id}-pass") label=label value=pass describedby=meter.clone() autocomplete="new-password"/>
        <PassphraseMeter value=pass id=meter/>
        <Field id=format!("{id}-confirm") label="Passphrase again" value=confirm autocomplete="new-password"/>
    }
}

/// Why the new passphrase cannot be used yet, in plain words.
pub fn passphrase_problem(pass: RwSignal<String>, confirm: RwSignal<String>) -> Option<String> {
    let p = pass.get();
    if p.is_empty() {
        return Some("Choose a passphrase.".to_owned());
    }
    if rate(&p, &[]).score < MIN_SCORE {
        return Some("The passphrase is too easy to guess; make it longer (see the advice above).".to_owned());
    }
    if confirm.with(|c| *c != p) {
        return Some("The two passphrases differ.".to_owned());
    }
    None
}

/// Why the chosen PIN cannot be used, if one is wanted.
pub fn pin_problem(use_pin: RwSignal<bool>, pin: RwSignal<String>) -> Option<String> {
    (use_pin.get() && pin.with(|p| p.chars().count() < 4)).then(|| "A PIN needs at least 4 characters.".to_owned())
}

/// The optional PIN for a new primary drive (set-up and restore).
#[component]
pub fn PinChoice(use_pin: RwSignal<bool>, pin: RwSignal<String>, id: &'static str) -> impl IntoView {
    let check = format!("{id}-use");
    view! {
        <div class="field checkbox">
            <input type="checkbox" id=check.clone() bind:checked=use_pin/>
            <label for=check>"Also lock the primary drive with a PIN (asked at every unlock)"</label>
        </div>
        <Show when=move || use_pin.get()>
            <Field id=id label="PIN for the primary drive" value=pin/>
        </Show>
    }
}

/// A panel's form: Enter in any field runs the action, like its button
/// (which must be `type="submit"`), and password managers see a form.
#[component]
pub fn ActionForm(on_submit: impl Fn() + 'static, children: Children) -> impl IntoView {
    view! {
        <form class="action-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            on_submit();
        }>{children()}</form>
    }
}
