//! A small SVG chart: axes with round ticks (linear or log), lines and
//! points, a legend, an accessible name and description, and the same data
//! as a table for readers who cannot see the picture.
//!
//! Hand-built with Leptos' SVG elements rather than a plotting crate: the
//! charts are simple, styling goes through CSS classes (the CSP forbids
//! style attributes), and text needs no font measuring in the browser.

use leptos::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A polyline through the points (a model or theory curve).
    Line,
    /// One dot per point (simulated data).
    Dots,
}

/// One named series; `class` picks its colour in `style/60-lab.css`.
#[derive(Clone)]
pub struct Series {
    pub name: String,
    pub mark: Mark,
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// Everything a chart needs.
#[derive(Clone)]
pub struct ChartSpec {
    /// Short title (the figure caption).
    pub title: String,
    /// What the chart shows, read out by screen readers.
    pub description: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Logarithmic y axis (the range must then be positive).
    pub log_y: bool,
    pub series: Vec<Series>,
    /// The data as a table: headers, then rows.
    pub table: (Vec<String>, Vec<Vec<String>>),
}

const W: f64 = 640.0;
const H: f64 = 400.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// Round tick positions covering `lo..=hi` (about five of them).
pub fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| span / s <= 6.0).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Powers of ten covering `lo..=hi` (both positive).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo) {
        return vec![];
    }
    let first = lo.log10().ceil() as i32;
    let last = hi.log10().floor() as i32;
    let every = ((last - first) / 6 + 1).max(1) as usize;
    (first..=last).step_by(every).map(|e| 10f64.powi(e)).collect()
}

/// A tick label: few digits, scientific for tiny or huge numbers.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.0e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

struct Frame {
    x: (f64, f64),
    y: (f64, f64),
    log_y: bool,
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * (W - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> Option<f64> {
        let (v, lo, hi) = if self.log_y {
            if y <= 0.0 {
                return None;
            }
            (y.log10(), self.y.0.log10(), self.y.1.log10())
        } else {
            (y, self.y.0, self.y.1)
        };
        let t = ((v - lo) / (hi - lo)).clamp(-0.05, 1.05);
        Some(TOP + (1.0 - t) * (H - TOP - BOTTOM))
    }

    fn inside_x(&self, x: f64) -> bool {
        x >= self.x.0 && x <= self.x.1
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// The chart as a figure.
#[component]
pub fn Chart(spec: ChartSpec, id: &'static str) -> impl IntoView {
    let f = Frame { x: spec.x_range, y: spec.y_range, log_y: spec.log_y };
    let y_ticks = if spec.log_y { log_ticks(f.y.0, f.y.1) } else { linear_ticks(f.y.0, f.y.1) };
    let x_ticks = linear_ticks(f.x.0, f.x.1);
    let bottom = H - BOTTOM;
    let grid_y = y_ticks
        .iter()
        .filter_map(|&v| {
            let y = f.py(v)?;
            Some(view! {
                <line class="chart-grid" x1=fmt(LEFT) x2=fmt(W - RIGHT) y1=fmt(y) y2=fmt(y)/>
                <text class="chart-tick" x=fmt(LEFT - 6.0) y=fmt(y + 4.0) text-anchor="end">{tick_label(v)}</text>
            })
        })
        .collect_view();
    let grid_x = x_ticks
        .iter()
        .map(|&v| {
            let x = f.px(v);
            view! {
                <line class="chart-grid" x1=fmt(x) x2=fmt(x) y1=fmt(TOP) y2=fmt(bottom)/>
                <text class="chart-tick" x=fmt(x) y=fmt(bottom + 18.0) text-anchor="middle">{tick_label(v)}</text>
            }
        })
        .collect_view();
    let marks = spec
        .series
        .iter()
        .map(|s| {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|(x, _)| f.inside_x(*x))
                .filter_map(|&(x, y)| Some((f.px(x), f.py(y)?)))
                .collect();
            match s.mark {
                Mark::Line => {
                    let d = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                    view! { <polyline class=format!("chart-line {}", s.class) points=d/> }.into_any()
                }
                Mark::Dots => view! {
                    <g class=format!("chart-dots {}", s.class)>
                        {pts.iter().map(|(x, y)| view! { <circle cx=fmt(*x) cy=fmt(*y) r="4"/> }).collect_view()}
                    </g>
                }
                .into_any(),
            }
        })
        .collect_view();
    let legend = spec
        .series
        .iter()
        .map(|s| {
            let mark = if s.mark == Mark::Line { "chart-key-line" } else { "chart-key-dot" };
            view! { <li><span class=format!("chart-key {mark} {}", s.class) aria-hidden="true"></span>{s.name.clone()}</li> }
        })
        .collect_view();
    let (headers, rows) = spec.table.clone();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <figure class="lab-plot" aria-labelledby=labelled_by data-testid=id>
            <figcaption id=title_id>{spec.title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("{}: {}", spec.title, spec.description)
                xmlns="http://www.w3.org/2000/svg">
                {grid_y}
                {grid_x}
                <line class="chart-axis" x1=fmt(LEFT) x2=fmt(W - RIGHT) y1=fmt(bottom) y2=fmt(bottom)/>
                <line class="chart-axis" x1=fmt(LEFT) x2=fmt(LEFT) y1=fmt(TOP) y2=fmt(bottom)/>
                {marks}
                <text class="chart-label" x=fmt((LEFT + W - RIGHT) / 2.0) y=fmt(H - 10.0) text-anchor="middle">{spec.x_label.clone()}</text>
                <text class="chart-label" x=fmt(-(TOP + bottom) / 2.0) y="16" text-anchor="middle" transform="rotate(-90)">{spec.y_label.clone()}</text>
            </svg>
            <ul class="chart-legend" aria-label=format!("Legend of {}", spec.title)>{legend}</ul>
            <details>
                <summary>{format!("Data table: {}", spec.title)}</summary>
                <div class="lab-table-wrap">
                    <table class="lab-table">
                        <caption>{spec.description.clone()}</caption>
                        <thead><tr>{headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
