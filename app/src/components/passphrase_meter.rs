//! A passphrase strength meter driven by zxcvbn (Dropbox's estimator, as
//! maintained in the `zxcvbn` crate): a score from 0 to 4, how long an
//! offline attacker would need, and zxcvbn's own advice.

use leptos::prelude::*;

/// The weakest score accepted for a backup passphrase: 3 = "safely
/// unguessable: moderate protection from offline slow-hash scenario".
pub const MIN_SCORE: u8 = 3;

/// What the meter shows for a passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strength {
    /// 0 (too guessable) to 4 (very unguessable).
    pub score: u8,
    /// A word for the score.
    pub label: &'static str,
    /// Time to guess it at 10,000 guesses per second.
    pub crack_time: String,
    /// zxcvbn's warning and suggestions, in one sentence.
    pub advice: String,
}

/// Rates `passphrase`; `context` are words an attacker would try first
/// (the app's name, the user's name).
pub fn rate(passphrase: &str, context: &[&str]) -> Strength {
    let e = zxcvbn::zxcvbn(passphrase, context);
    let score = u8::from(e.score());
    let label = ["very weak", "weak", "fair", "strong", "very strong"][usize::from(score.min(4))];
    let mut advice: Vec<String> = Vec::new();
    if let Some(f) = e.feedback() {
        if let Some(w) = f.warning() {
            advice.push(w.to_string());
        }
        advice.extend(f.suggestions().iter().map(ToString::to_string));
    }
    Strength {
        score,
        label,
        crack_time: e.crack_times().offline_slow_hashing_1e4_per_second().to_string(),
        advice: advice.join(" "),
    }
}

/// The meter for the passphrase in `value`; `id` names the element so the
/// input can point at it with `aria-describedby`.
#[component]
pub fn PassphraseMeter(value: RwSignal<String>, #[prop(into)] id: String) -> impl IntoView {
    let strength = Memo::new(move |_| value.with(|v| (!v.is_empty()).then(|| rate(v, &["quantumvault", "vault"]))));
    view! {
        <div class="meter" id=id aria-live="polite">
            <meter min="0" max="4" low="2" high="3" optimum="4" aria-label="Passphrase strength"
                value=move || strength.get().map_or(0, |s| s.score)></meter>
            <p class="meter-text" data-testid="passphrase-strength"
                data-score=move || strength.get().map_or(0, |s| s.score).to_string()>
                {move || match strength.get() {
                    None => "Use at least four random words, or a long sentence only you would say.".to_owned(),
                    Some(s) => format!("Strength: {} — about {} to guess offline. {}", s.label, s.crack_time, s.advice),
                }}
            </p>
        </div>
    }
}
