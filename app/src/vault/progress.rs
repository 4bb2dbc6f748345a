//! Progress reports and cancellation shared by the pipelines and the UI.

use std::cell::Cell;
use std::rc::Rc;

/// Where a long operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Bytes done (plaintext read, or ciphertext received).
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
    /// `performance.now()` when the work started, in ms.
    pub started_ms: f64,
    /// `performance.now()` of this report.
    pub now_ms: f64,
    /// Whether the work is waiting for the connection to come back.
    pub waiting: bool,
}

/// Label of a background job's progress reports while it waits for the
/// connection (the others carry the stage's name).
pub const WAITING: &str = "waiting";

impl Progress {
    /// A background job's report, as seen on the page now.
    #[must_use]
    pub fn from_job(p: &crate::platform::worker::JobProgress, started_ms: f64) -> Self {
        Self { done: p.done as u64, total: p.total as u64, started_ms, now_ms: now_ms(), waiting: p.label == WAITING }
    }
}

/// `performance.now()` in ms (0 where unavailable).
#[must_use]
pub fn now_ms() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.now())
}

use wasm_bindgen::JsCast;

impl Progress {
    /// Bytes per second so far.
    #[must_use]
    pub fn speed(&self) -> f64 {
        let secs = (self.now_ms - self.started_ms) / 1000.0;
        if secs <= 0.0 { 0.0 } else { self.done as f64 / secs }
    }

    /// Seconds left at the current speed, if known.
    #[must_use]
    pub fn eta_secs(&self) -> Option<f64> {
        let speed = self.speed();
        (speed > 0.0).then(|| self.total.saturating_sub(self.done) as f64 / speed)
    }

    /// Fraction done, 0–1.
    #[must_use]
    pub fn fraction(&self) -> f64 {
        if self.total == 0 { 1.0 } else { self.done as f64 / self.total as f64 }
    }
}

/// A cancel flag the UI sets and the pipeline checks between pieces.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Rc<Cell<bool>>);

impl Cancel {
    /// Asks the work to stop.
    pub fn cancel(&self) {
        self.0.set(true);
    }
    /// Whether stopping was asked for.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.get()
    }
}

/// Human-readable byte count (binary units).
#[must_use]
pub fn bytes_text(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

/// "12 s", "3 min 5 s".
#[must_use]
pub fn duration_text(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s < 60 { format!("{s} s") } else { format!("{} min {} s", s / 60, s % 60) }
}

/// Waits `ms` milliseconds (setTimeout on window or worker).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        if let Ok(f) =
            js_sys::Reflect::get(&global, &"setTimeout".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            let _ = f.call2(&global, &resolve, &ms.into());
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
