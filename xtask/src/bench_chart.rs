//! One SVG chart for the report: every ratio against a same-run anchor as
//! a horizontal bar, with its target marked. Hand-written SVG (a few
//! rects and texts) rather than a plotting crate, so `cargo xtask` stays
//! quick to build; no inline styles or scripts, so it renders anywhere.

use std::fmt::Write;

use crate::bench_rows::{Section, Target, Verdict};

const WIDTH: f64 = 900.0;
const LABEL: f64 = 430.0;
const BAR_H: f64 = 18.0;
const GAP: f64 = 8.0;

/// The chart, or `None` when no row has a same-run ratio.
pub fn ratios(sections: &[Section]) -> Option<String> {
    let bars: Vec<(String, f64, Option<f64>, Verdict)> = sections
        .iter()
        .flat_map(|s| &s.rows)
        .filter(|r| r.anchor.as_ref().is_some_and(|a| !a.published))
        .filter_map(|r| {
            let target = match r.target {
                Some(Target::RatioAtLeast(t) | Target::RatioAtMost(t)) => Some(t),
                _ => None,
            };
            r.ratio().map(|x| (r.what.clone(), x, target, r.verdict()))
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    let max = bars.iter().map(|b| b.1.max(b.2.unwrap_or(0.0))).fold(1.0, f64::max) * 1.1;
    let scale = (WIDTH - LABEL - 60.0) / max;
    let height = 40.0 + bars.len() as f64 * (BAR_H + GAP) + 20.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-labelledby=\"title\">\n\
         <title id=\"title\">Ratios against anchors measured in the same run (bar: value ÷ anchor; line: target)</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Ratio to the same-run anchor (line = target)</text>\n"
    );
    let one = LABEL + scale;
    let _ = writeln!(
        svg,
        "<line x1=\"{one:.1}\" y1=\"30\" x2=\"{one:.1}\" y2=\"{:.1}\" stroke=\"#999999\" stroke-dasharray=\"3 3\"/>",
        height - 15.0
    );
    for (i, (what, ratio, target, verdict)) in bars.iter().enumerate() {
        let y = 35.0 + i as f64 * (BAR_H + GAP);
        let colour = match verdict {
            Verdict::Met => "#2e7d32",
            Verdict::Missed => "#c62828",
            _ => "#546e7a",
        };
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{BAR_H}\" fill=\"{colour}\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\">{ratio:.2}×</text>",
            LABEL - 8.0,
            y + 13.0,
            escape(what),
            ratio * scale,
            LABEL + ratio * scale + 4.0,
            y + 13.0
        );
        if let Some(t) = target {
            let x = LABEL + t * scale;
            let _ = writeln!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#000000\" stroke-width=\"2\"/>",
                y - 2.0,
                y + BAR_H + 2.0
            );
        }
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_rows::{Figure, Row};

    #[test]
    fn one_bar_per_same_run_ratio() {
        let mut s = Section::new("Browser", "");
        s.rows.push(
            Row::measured("enc <app>", Figure::new(600.0, "MB/s"))
                .anchor("raw", Some(Figure::new(750.0, "MB/s")))
                .target(Target::RatioAtLeast(0.8)),
        );
        s.rows.push(
            Row::measured("photons", Figure::new(1e8, "photons/s")).published("qkd", Figure::new(7e5, "photons/s")),
        );
        let svg = ratios(&[s]).expect("chart");
        assert_eq!(svg.matches("<rect x=").count(), 1, "published anchors are not charted");
        assert!(svg.contains("enc &lt;app&gt;") && svg.contains("0.80×") && svg.contains("#2e7d32"));
        assert!(ratios(&[Section::new("Empty", "")]).is_none());
    }
}
