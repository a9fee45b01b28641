//! Horizontal bar charts as inline SVG, drawn here (the page runs no script): one row per group
//! (a label on the left, one bar per series), an axis with ticks at round values, value labels at
//! the bars' ends, an optional low-high whisker, and a legend.
//!
//! Values stay `Decimal`: tick values and every printed label are computed and written from
//! decimals. Only pixel positions go through `f64` (a value's place on the axis, to a tenth of a
//! pixel), never a number that is shown.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write as _;

/// Escapes text for HTML and SVG (element content and quoted attribute values alike).
pub(super) fn escape(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The colours of the series (scenarios), in order, then again: the Okabe-Ito palette, which stays
/// distinct for the common kinds of colour blindness.
const SERIES: [&str; 7] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"];

/// The colour of series `i`.
pub(super) fn series_colour(i: usize) -> &'static str {
    SERIES[i % SERIES.len()]
}

/// The colour of a waterfall step that raises the duty.
pub(super) const UP: &str = "#D55E00";
/// The colour of a waterfall step that lowers the duty.
pub(super) const DOWN: &str = "#009E73";
/// The colour of a total.
pub(super) const TOTAL: &str = "#7A7A7A";

/// What the axis measures, and so how its ticks are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    /// A rate as a fraction (`0.142447`), written in percent (`14%`).
    Rate,
    /// US dollars, written short (`$2.5B`, `$300k`).
    Money,
}

/// One bar of a group.
pub(super) struct Bar {
    /// The span of the axis the bar covers (from zero for a rate or a total, from the running total
    /// for a waterfall step); `None`: no value (a dash is written instead).
    pub(super) span: Option<(Decimal, Decimal)>,
    /// The low-high whisker (ranges).
    pub(super) whisker: Option<(Decimal, Decimal)>,
    /// Fill colour.
    pub(super) colour: &'static str,
    /// The value written at the bar's end.
    pub(super) label: String,
    /// The bar's tooltip.
    pub(super) tooltip: String,
}

/// A row of the chart: a label and its bars.
pub(super) struct Group {
    /// The label on the left.
    pub(super) label: String,
    /// The bars, top to bottom.
    pub(super) bars: Vec<Bar>,
}

/// A horizontal bar chart.
pub(super) struct Chart {
    /// The `id` of the `<svg>` element.
    pub(super) id: String,
    /// The chart's `<title>`.
    pub(super) title: String,
    /// The chart's `<desc>`: what it shows, and where its data is.
    pub(super) desc: String,
    /// What the axis measures.
    pub(super) unit: Unit,
    /// The legend: (colour, text).
    pub(super) legend: Vec<(&'static str, String)>,
    /// The rows.
    pub(super) groups: Vec<Group>,
}

/// Width of every chart, in pixels.
const WIDTH: f64 = 960.0;
/// Height of a bar, and the gap between the bars of a group and between groups.
const BAR: f64 = 16.0;
const BAR_GAP: f64 = 2.0;
const GROUP_GAP: f64 = 10.0;
/// The width of a character of the 12-pixel labels, for room (a generous average).
const CHAR: f64 = 7.0;
/// The number of intervals the axis is cut into, at most.
const MAX_TICKS: i64 = 6;

impl Chart {
    /// Appends the chart as an `<svg>` element.
    pub(super) fn render(&self, o: &mut String) {
        let bars = || self.groups.iter().flat_map(|g| &g.bars);
        let chars = |s: &str| s.chars().count() as f64;
        let label_w =
            (self.groups.iter().map(|g| chars(&g.label)).fold(0.0, f64::max) * CHAR + 16.0).clamp(60.0, 280.0);
        let value_w = (bars().map(|b| chars(&b.label)).fold(0.0, f64::max) * CHAR + 16.0).clamp(60.0, 320.0);
        let (left, right) = (label_w, WIDTH - value_w);
        let legend_h = if self.legend.is_empty() { 8.0 } else { 34.0 };
        let rows_h: f64 = self
            .groups
            .iter()
            .map(|g| g.bars.len().max(1) as f64 * (BAR + BAR_GAP) - BAR_GAP + GROUP_GAP)
            .sum::<f64>()
            .max(BAR + GROUP_GAP);
        let (top, bottom) = (legend_h, legend_h + rows_h);
        let height = bottom + 34.0;
        let axis =
            Axis::over(self.unit, bars().flat_map(|b| b.span.into_iter().chain(b.whisker).flat_map(|(a, z)| [a, z])));
        let x = |v: Decimal| left + axis.fraction(v) * (right - left);
        let id = escape(&self.id);
        let _ = writeln!(
            o,
            r#"<svg id="{id}" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" font-family="system-ui, sans-serif" font-size="12">"#
        );
        let _ = writeln!(o, r#"<title id="{id}-title">{}</title>"#, escape(&self.title));
        let _ = writeln!(o, r#"<desc id="{id}-desc">{}</desc>"#, escape(&self.desc));
        // Legend.
        let mut lx = left;
        for (colour, text) in &self.legend {
            let _ = writeln!(
                o,
                r#"<rect x="{lx:.1}" y="10" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="20.5">{}</text>"#,
                lx + 16.0,
                escape(text)
            );
            lx += 16.0 + chars(text) * CHAR + 18.0;
        }
        // Grid and ticks.
        for (t, text) in axis.ticks() {
            let tx = x(t);
            let stroke = if t.is_zero() { "#555" } else { "#ddd" };
            let _ = writeln!(
                o,
                r##"<line x1="{tx:.1}" y1="{top:.1}" x2="{tx:.1}" y2="{bottom:.1}" stroke="{stroke}"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text>"##,
                bottom + 16.0,
                escape(&text)
            );
        }
        // Rows.
        let mut y = top + GROUP_GAP / 2.0;
        if self.groups.is_empty() {
            let _ = writeln!(o, r##"<text x="{left:.1}" y="{:.1}" fill="#333">no rows</text>"##, y + BAR - 4.0);
        }
        for g in &self.groups {
            let h = g.bars.len().max(1) as f64 * (BAR + BAR_GAP) - BAR_GAP;
            let _ = writeln!(
                o,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
                left - 8.0,
                y + h / 2.0,
                escape(&g.label)
            );
            for b in &g.bars {
                let mid = y + BAR / 2.0;
                let mut end = x(Decimal::ZERO);
                if let Some((a, z)) = b.span {
                    let (x0, x1) = (x(a.min(z)), x(a.max(z)));
                    // A value too small to see still shows as a hairline.
                    let w = if a == z { 0.0 } else { (x1 - x0).max(1.0) };
                    let _ = writeln!(
                        o,
                        r#"<rect x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="{}"><title>{}</title></rect>"#,
                        b.colour,
                        escape(&b.tooltip)
                    );
                    end = x0 + w;
                }
                if let Some((lo, hi)) = b.whisker {
                    let (x0, x1) = (x(lo), x(hi));
                    let _ = writeln!(
                        o,
                        r##"<path d="M{x0:.1} {mid:.1}H{x1:.1}M{x0:.1} {:.1}V{:.1}M{x1:.1} {:.1}V{:.1}" stroke="#222" stroke-width="1.5" fill="none"/>"##,
                        mid - 5.0,
                        mid + 5.0,
                        mid - 5.0,
                        mid + 5.0
                    );
                    end = end.max(x1);
                }
                let _ = writeln!(
                    o,
                    r##"<text x="{:.1}" y="{mid:.1}" dominant-baseline="middle" fill="#222">{}</text>"##,
                    end + 6.0,
                    escape(&b.label)
                );
                y += BAR + BAR_GAP;
            }
            if g.bars.is_empty() {
                y += BAR + BAR_GAP;
            }
            y += GROUP_GAP - BAR_GAP;
        }
        let _ = writeln!(o, "</svg>");
    }
}

/// The axis: from the lowest to the highest value shown (zero included), widened to whole ticks.
struct Axis {
    unit: Unit,
    min: Decimal,
    max: Decimal,
    step: Decimal,
}

impl Axis {
    /// The axis over `values`.
    fn over(unit: Unit, values: impl Iterator<Item = Decimal>) -> Axis {
        let (mut lo, mut hi) = (Decimal::ZERO, Decimal::ZERO);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo == hi {
            // Nothing to show: one tick of 1% or $1.
            hi = lo + if unit == Unit::Rate { Decimal::new(1, 2) } else { Decimal::ONE };
        }
        let step = nice_step(hi - lo);
        Axis { unit, min: (lo / step).floor() * step, max: (hi / step).ceil() * step, step }
    }

    /// Where `v` lies between the ends of the axis, 0 to 1 (a pixel position: the one use of `f64`).
    fn fraction(&self, v: Decimal) -> f64 {
        ((v - self.min) / (self.max - self.min)).to_f64().unwrap_or(0.0)
    }

    /// The ticks and their labels.
    fn ticks(&self) -> Vec<(Decimal, String)> {
        let mut out = Vec::new();
        let mut t = self.min;
        while t <= self.max {
            out.push((t, tick_label(self.unit, t)));
            t += self.step;
        }
        out
    }
}

/// The smallest step of 1, 2, 2.5 or 5 times a power of ten that cuts `span` into at most
/// [`MAX_TICKS`] intervals.
fn nice_step(span: Decimal) -> Decimal {
    let mut unit = Decimal::new(1, 6);
    loop {
        for m in [Decimal::ONE, Decimal::TWO, Decimal::new(25, 1), Decimal::new(5, 0)] {
            let step = m * unit;
            if (span / step).ceil() <= Decimal::from(MAX_TICKS) {
                return step;
            }
        }
        match unit.checked_mul(Decimal::TEN) {
            Some(u) => unit = u,
            None => return unit,
        }
    }
}

/// A tick's label: a rate in percent (`12.5%`), money short (`$2.5B`).
fn tick_label(unit: Unit, t: Decimal) -> String {
    match unit {
        Unit::Rate => format!("{}%", (t * Decimal::ONE_HUNDRED).normalize()),
        Unit::Money => {
            let sign = if t.is_sign_negative() && !t.is_zero() { "-" } else { "" };
            let a = t.abs();
            let (div, suffix) = [(1_000_000_000_000u64, "T"), (1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")]
                .into_iter()
                .map(|(d, s)| (Decimal::from(d), s))
                .find(|(d, _)| a >= *d)
                .unwrap_or((Decimal::ONE, ""));
            format!("{sign}${}{suffix}", (a / div).normalize())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn steps_are_round_and_few() {
        assert_eq!(nice_step(d("0.218254")), d("0.05"));
        assert_eq!(nice_step(d("1.368182")), d("0.25"));
        assert_eq!(nice_step(d("23592235696.89")), d("5000000000"));
        assert_eq!(nice_step(d("0.01")), d("0.002"));
    }

    #[test]
    fn ticks_cover_the_values_and_are_written_from_decimals() {
        let a = Axis::over(Unit::Rate, [d("0.142447"), d("0.218254")].into_iter());
        let labels: Vec<String> = a.ticks().into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels, ["0%", "5%", "10%", "15%", "20%", "25%"]);
        let m = Axis::over(Unit::Money, [d("23592235696.89")].into_iter());
        let labels: Vec<String> = m.ticks().into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels, ["$0", "$5B", "$10B", "$15B", "$20B", "$25B"]);
        assert_eq!(tick_label(Unit::Money, d("2500")), "$2.5k");
        assert_eq!(tick_label(Unit::Money, d("-250000")), "-$250k");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
