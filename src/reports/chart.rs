//! A small, dependency-free SVG line chart of a GMV series, for an `<img>` tag.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Series of (period label, value), by series name; periods are drawn in sorted order.
pub struct ChartData {
    pub title: String,
    pub y_label: String,
    pub series: BTreeMap<String, BTreeMap<String, Decimal>>,
}

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A "nice" axis maximum above `max`.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|f| f * magnitude)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * magnitude)
}

pub fn render(data: &ChartData) -> String {
    let periods: Vec<&String> = {
        let mut all: Vec<&String> = data.series.values().flat_map(|s| s.keys()).collect();
        all.sort();
        all.dedup();
        all
    };
    let max = data
        .series
        .values()
        .flat_map(|s| s.values())
        .filter_map(|v| v.to_f64())
        .fold(0.0_f64, f64::max);
    let top = nice_max(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        LEFT + if periods.len() <= 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (periods.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h - plot_h * (v / top);

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="28" font-size="16" font-weight="bold">{}</text>"#,
        LEFT,
        escape(&data.title)
    );
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let yy = y(value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e0e0e0"/>"##,
            LEFT + plot_w
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            yy + 4.0,
            format_value(value)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="18" y="{:.1}" transform="rotate(-90 18 {:.1})" text-anchor="middle" fill="#555">{}</text>"##,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        escape(&data.y_label)
    );
    let label_every = periods.len().div_ceil(10).max(1);
    for (i, period) in periods.iter().enumerate() {
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                TOP + plot_h + 20.0,
                escape(period)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    for (index, (name, points)) in data.series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let coords: Vec<String> = periods
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                points
                    .get(*p)
                    .and_then(|v| v.to_f64())
                    .map(|v| format!("{:.1},{:.1}", x(i), y(v)))
            })
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            coords.join(" ")
        );
        for point in &coords {
            if let Some((px, py)) = point.split_once(',') {
                let _ = write!(
                    svg,
                    r#"<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>"#
                );
            }
        }
        let ly = TOP + 18.0 * index as f64;
        let lx = LEFT + plot_w + 16.0;
        let _ = write!(
            svg,
            r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#,
            ly
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 18.0,
            ly + 10.0,
            escape(name)
        );
    }
    if data.series.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#888">No sales in this range</text>"##,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn format_value(value: f64) -> String {
    if value >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if value >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0)
    } else {
        format!("{value:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(2100.0), 2500.0);
    }

    #[test]
    fn names_are_escaped() {
        let mut series = BTreeMap::new();
        series.insert(
            "<script>".to_owned(),
            BTreeMap::from([("2026-11-01".to_owned(), Decimal::from(5))]),
        );
        let svg = render(&ChartData {
            title: "A & B".into(),
            y_label: "net".into(),
            series,
        });
        assert!(
            svg.contains("&lt;script&gt;")
                && svg.contains("A &amp; B")
                && !svg.contains("<script>")
        );
    }
}
