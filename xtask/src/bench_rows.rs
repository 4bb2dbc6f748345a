//! One benchmark figure as the report shows it: value, anchor, ratio,
//! target and verdict. Ratios against an anchor measured in the same run
//! are what count on a shared machine; absolute figures drift.

use serde_json::{Value, json};

/// A measured quantity in a unit a reader knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub value: f64,
    pub unit: &'static str,
}

impl Figure {
    pub fn new(value: f64, unit: &'static str) -> Self {
        Self { value, unit }
    }

    /// The value with a sensible number of digits for its size.
    pub fn show(&self) -> String {
        let v = self.value;
        let digits = if v == 0.0 || v.abs() >= 100.0 {
            0
        } else if v.abs() >= 10.0 {
            1
        } else if v.abs() >= 1.0 {
            2
        } else {
            3
        };
        let number = if v.abs() >= 1e6 { format!("{v:.3e}") } else { format!("{v:.digits$}") };
        if self.unit.is_empty() { number } else { format!("{number} {}", self.unit) }
    }
}

/// What the anchor is: measured in the same run, or a published figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    pub label: String,
    pub figure: Figure,
    /// True for figures from the literature (not re-measured here).
    pub published: bool,
}

/// A target, on the value itself or on value ÷ anchor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
    RatioAtLeast(f64),
    RatioAtMost(f64),
}

impl Target {
    fn show(self, unit: &str) -> String {
        let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
        match self {
            Self::AtLeast(v) => format!("≥ {}{unit}", short(v)),
            Self::AtMost(v) => format!("≤ {}{unit}", short(v)),
            Self::RatioAtLeast(r) => format!("≥ {}×", short(r)),
            Self::RatioAtMost(r) => format!("≤ {}×", short(r)),
        }
    }
}

fn short(v: f64) -> String {
    if v.abs() >= 1e6 { format!("{v:.0e}") } else { format!("{v}") }
}

/// Met, missed, or not decidable (no value, or a ratio target without anchor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    NoTarget,
    Unknown,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub what: String,
    /// The figure, or why it was not measured.
    pub value: Result<Figure, String>,
    pub anchor: Option<Anchor>,
    pub target: Option<Target>,
    /// The reason for a miss, or what the figure means.
    pub note: String,
    /// The unit of the value and of an absolute target (known even when
    /// the value is missing).
    pub unit: &'static str,
}

impl Row {
    pub fn measured(what: impl Into<String>, figure: Figure) -> Self {
        let unit = figure.unit;
        Self { what: what.into(), value: Ok(figure), anchor: None, target: None, note: String::new(), unit }
    }

    pub fn not_measured(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { what: what.into(), value: Err(reason.into()), anchor: None, target: None, note: String::new(), unit: "" }
    }

    /// The unit a missing value would have had (for the target column).
    pub fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }

    /// A figure or its absence (`None` becomes "not measured: `reason`").
    pub fn maybe(what: impl Into<String>, figure: Option<Figure>, reason: &str) -> Self {
        match figure {
            Some(f) => Self::measured(what, f),
            None => Self::not_measured(what, reason),
        }
    }

    pub fn anchor(mut self, label: impl Into<String>, figure: Option<Figure>) -> Self {
        self.anchor = figure.map(|figure| Anchor { label: label.into(), figure, published: false });
        self
    }

    pub fn published(mut self, label: impl Into<String>, figure: Figure) -> Self {
        self.anchor = Some(Anchor { label: label.into(), figure, published: true });
        self
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// value ÷ anchor, when both exist in the same unit.
    pub fn ratio(&self) -> Option<f64> {
        let value = self.value.as_ref().ok()?;
        let anchor = &self.anchor.as_ref()?.figure;
        (anchor.unit == value.unit && anchor.value != 0.0).then(|| value.value / anchor.value)
    }

    pub fn verdict(&self) -> Verdict {
        let Some(target) = self.target else { return Verdict::NoTarget };
        let Ok(value) = &self.value else { return Verdict::Unknown };
        let met = match target {
            Target::AtLeast(t) => Some(value.value >= t),
            Target::AtMost(t) => Some(value.value <= t),
            Target::RatioAtLeast(t) => self.ratio().map(|r| r >= t),
            Target::RatioAtMost(t) => self.ratio().map(|r| r <= t),
        };
        match met {
            Some(true) => Verdict::Met,
            Some(false) => Verdict::Missed,
            None => Verdict::Unknown,
        }
    }

    pub fn target_text(&self) -> String {
        self.target.map_or_else(|| "—".into(), |t| t.show(self.unit))
    }

    pub fn to_json(&self) -> Value {
        let figure = |f: &Figure| json!({ "value": f.value, "unit": f.unit });
        json!({
            "what": self.what,
            "value": self.value.as_ref().ok().map(figure),
            "not_measured": self.value.as_ref().err(),
            "anchor": self.anchor.as_ref().map(|a| json!({
                "label": a.label, "published": a.published, "figure": figure(&a.figure)
            })),
            "ratio": self.ratio(),
            "target": self.target_text(),
            "verdict": format!("{:?}", self.verdict()),
            "note": self.note,
        })
    }
}

/// The rows of one area of the report (Native, Browser, Server, Memory).
#[derive(Debug, Clone)]
pub struct Section {
    pub title: &'static str,
    /// How the figures were produced (one or two sentences).
    pub method: String,
    pub rows: Vec<Row>,
    /// Set when the whole area failed to run; its rows then say why.
    pub failure: Option<String>,
    /// `Some(date)`: not re-run now (`--only` another area), these rows are
    /// the previous report's, measured on that date.
    pub kept_from: Option<String>,
}

impl Section {
    pub fn new(title: &'static str, method: impl Into<String>) -> Self {
        Self { title, method: method.into(), rows: Vec::new(), failure: None, kept_from: None }
    }

    /// Appends rows, or records why the area could not run.
    pub fn fill(mut self, rows: Result<Vec<Row>, String>) -> Self {
        match rows {
            Ok(rows) => self.rows.extend(rows),
            Err(e) => {
                self.rows.push(Row::not_measured(format!("{} (whole area)", self.title), e.clone()));
                self.failure = Some(e);
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_targets_use_the_same_run_anchor() {
        let row = Row::measured("enc", Figure::new(600.0, "MB/s"))
            .anchor("raw", Some(Figure::new(800.0, "MB/s")))
            .target(Target::RatioAtLeast(0.8));
        assert_eq!(row.ratio(), Some(0.75));
        assert_eq!(row.verdict(), Verdict::Missed);
        let row = Row { value: Ok(Figure::new(640.0, "MB/s")), ..row };
        assert_eq!(row.verdict(), Verdict::Met);
    }

    #[test]
    fn missing_values_and_anchors_are_never_met() {
        let row = Row::not_measured("heap", "needs the share flow").target(Target::AtMost(1.0)).unit("MiB");
        assert_eq!(row.verdict(), Verdict::Unknown);
        assert_eq!(row.target_text(), "≤ 1 MiB");
        let row = Row::measured("enc", Figure::new(1.0, "MB/s")).target(Target::RatioAtLeast(0.8));
        assert_eq!(row.verdict(), Verdict::Unknown);
        let row = Row::measured("x", Figure::new(1.0, "MB/s")).anchor("y", Some(Figure::new(1.0, "ms")));
        assert_eq!(row.ratio(), None, "different units have no ratio");
    }

    #[test]
    fn absolute_targets() {
        let row = Row::measured("f", Figure::new(1.12, "")).target(Target::AtMost(1.10));
        assert_eq!(row.verdict(), Verdict::Missed);
        assert_eq!(row.target_text(), "≤ 1.1");
        let row = Row::measured("photons", Figure::new(2.5e8, "photons/s")).target(Target::AtLeast(1e8));
        assert_eq!(row.verdict(), Verdict::Met);
        assert_eq!(row.target_text(), "≥ 1e8 photons/s");
        assert_eq!(Figure::new(2.5e8, "photons/s").show(), "2.500e8 photons/s");
        assert_eq!(Figure::new(0.1234, "ms").show(), "0.123 ms");
    }

    #[test]
    fn a_failed_area_says_why() {
        let s = Section::new("Server", "loopback").fill(Err("nginx missing".into()));
        assert_eq!(s.failure.as_deref(), Some("nginx missing"));
        assert_eq!(s.rows[0].value, Err("nginx missing".into()));
    }
}
