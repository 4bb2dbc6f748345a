//! `cargo xtask bench --only <area>`: the areas not re-run are read back
//! from the previous report's JSON (`docs/benchmarks.json`), so one area
//! can be refreshed without the whole half-hour run. Kept areas carry the
//! date of the run that measured them, and the report says so.

use serde_json::Value;

use crate::bench_rows::{Anchor, Figure, Row, Section, Target};

/// A unit read back from JSON. Rows hold `&'static str` units (the
/// harness's own literals); the few a report contains are leaked once, in a
/// process that lives for one run.
fn unit(text: &str) -> &'static str {
    const KNOWN: &[&str] = &["", "MiB", "MiB/s", "GiB/s", "MB/s", "KiB", "ms", "µs", "s", "Mbit/s", "photons/s"];
    KNOWN.iter().find(|k| **k == text).copied().unwrap_or_else(|| Box::leak(text.to_owned().into_boxed_str()))
}

fn figure(v: &Value) -> Option<Figure> {
    Some(Figure::new(v["value"].as_f64()?, unit(v["unit"].as_str()?)))
}

/// A target as the report writes it (`≥ 0.8×`, `≤ 512 MiB`, `≥ 1e8 photons/s`), with its unit.
fn target(text: &str) -> Option<(Target, &'static str)> {
    let (at_least, rest) = match (text.strip_prefix("≥ "), text.strip_prefix("≤ ")) {
        (Some(rest), _) => (true, rest),
        (_, Some(rest)) => (false, rest),
        _ => return None,
    };
    if let Some(ratio) = rest.strip_suffix('×') {
        let r = ratio.parse().ok()?;
        return Some((if at_least { Target::RatioAtLeast(r) } else { Target::RatioAtMost(r) }, ""));
    }
    let (number, unit_text) = rest.split_once(' ').unwrap_or((rest, ""));
    let v = number.parse().ok()?;
    Some((if at_least { Target::AtLeast(v) } else { Target::AtMost(v) }, unit(unit_text)))
}

/// A row as `Row::to_json` wrote it; `None` if it is not one.
pub fn row(v: &Value) -> Option<Row> {
    let what = v["what"].as_str()?;
    let mut row = match figure(&v["value"]) {
        Some(f) => Row::measured(what, f),
        None => Row::not_measured(what, v["not_measured"].as_str().unwrap_or("no figure in the previous report")),
    };
    if let Some((t, unit)) = v["target"].as_str().and_then(target) {
        row = row.target(t);
        if row.value.is_err() {
            row = row.unit(unit);
        }
    }
    let a = &v["anchor"];
    row.anchor = figure(&a["figure"]).map(|figure| Anchor {
        label: a["label"].as_str().unwrap_or_default().to_owned(),
        figure,
        published: a["published"].as_bool().unwrap_or(false),
    });
    Some(row.note(v["note"].as_str().unwrap_or_default()))
}

/// The section titled `title` in a previous report, with the date of the
/// run that measured it; `None` when the report has no such area.
pub fn section(report: &Value, title: &'static str) -> Option<Section> {
    let s = report["sections"].as_array()?.iter().find(|s| s["title"] == title)?;
    let machine_date = report["machine"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["label"] == "Date (UTC)"))
        .and_then(|e| e["value"].as_str());
    // An area kept twice keeps the date of the run that really measured it.
    let date = s["measured"].as_str().or(machine_date).unwrap_or("an earlier run");
    let mut section = Section::new(title, s["method"].as_str().unwrap_or_default());
    section.rows = s["rows"].as_array()?.iter().filter_map(row).collect();
    section.failure = s["failure"].as_str().map(str::to_owned);
    section.kept_from = Some(date.to_owned());
    Some(section)
}

/// The previous report's JSON, or why there is none.
pub fn previous(path: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("no previous report at {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a report: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_report;

    #[test]
    fn targets_read_back() {
        assert_eq!(target("≥ 0.8×"), Some((Target::RatioAtLeast(0.8), "")));
        assert_eq!(target("≤ 1.5×"), Some((Target::RatioAtMost(1.5), "")));
        assert_eq!(target("≤ 512 MiB"), Some((Target::AtMost(512.0), "MiB")));
        assert_eq!(target("≥ 1e8 photons/s"), Some((Target::AtLeast(1e8), "photons/s")));
        assert_eq!(target("≤ 1.1"), Some((Target::AtMost(1.1), "")));
        assert_eq!(target("—"), None);
        assert_eq!(target("≥ lots"), None);
    }

    #[test]
    fn a_report_round_trips() {
        let mut s = Section::new("Server (loopback)", "loopback");
        s.rows.push(
            Row::measured("download", Figure::new(900.0, "MiB/s"))
                .anchor("nginx", Some(Figure::new(1000.0, "MiB/s")))
                .target(Target::RatioAtLeast(0.8))
                .note("best of 3"),
        );
        s.rows.push(Row::not_measured("peak", "crashed").target(Target::AtMost(512.0)).unit("MiB"));
        s.rows
            .push(Row::measured("bb84", Figure::new(5e8, "photons/s")).published("qkd", Figure::new(7e5, "photons/s")));
        let machine = vec![("Date (UTC)", "2026-01-02 03:04".to_owned())];
        let report = bench_report::json(&machine, std::slice::from_ref(&s));
        let back = section(&report, "Server (loopback)").expect("section");
        assert_eq!(back.rows, s.rows);
        assert_eq!(back.kept_from.as_deref(), Some("2026-01-02 03:04"));
        assert_eq!(back.failure, None);
        // Kept again by a later run: still the date of the run that measured it.
        let later = bench_report::json(&vec![("Date (UTC)", "2027-01-01 00:00".to_owned())], &[back]);
        assert_eq!(section(&later, "Server (loopback)").and_then(|s| s.kept_from).as_deref(), Some("2026-01-02 03:04"));
        assert!(section(&report, "Native (criterion)").is_none());
    }
}
