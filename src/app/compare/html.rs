//! `compare --format html`: one self-contained page. It fetches nothing (a Content-Security-Policy
//! forbids every fetch; styles are inline, charts are inline SVG drawn by [`super::svg`], there is no
//! script) and carries the data of every table and chart as CSV, in `<pre id="data-...">` blocks
//! holding exactly what `compare --format csv` (with the matching `--by`) prints.
//!
//! Sections: the title, input, each scenario's law line and the answer line; the totals table (as
//! `--format table`); the effective rate by scenario (low-high whiskers with `--ranges`), by origin
//! and by HTS chapter (the [`TOP`] groups of most customs value, then the rest as `(other)`); what
//! makes each difference from the reference, measure by measure (a waterfall per scenario), or
//! with one scenario its duty by measure; and `--by`'s breakdown table when it asks for another one.

use super::svg::{Bar, Chart, DOWN, Group, TOTAL, UP, Unit, escape, series_colour};
use super::{DutyTotals, Report, breakdown_csv, percent, signed, thousands};
use crate::api::GroupBy;
use crate::app::table::Table;
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The groups of a by-origin or by-chapter chart: those with the most customs value; the others are
/// summed into one `(other)` group.
const TOP: usize = 15;

/// The key of the group that sums the groups past the [`TOP`] (in the charts' CSV blocks).
const OTHER: &str = "(other)";

/// The page's policy: nothing may be fetched; only the inline styles apply.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#222;line-height:1.4}
h1{font-size:1.4em;margin-bottom:.3em}h3{font-size:1em;margin:1.2em 0 .2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
ul.about{padding-left:1.2em;color:#444}code{font-size:.95em}
table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums;margin:.5em 0}
th,td{padding:3px 4px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #999;vertical-align:bottom;white-space:normal}td:last-child{white-space:normal}
.scroll{overflow-x:auto}svg.chart{display:block;max-width:100%;height:auto;margin:.5em 0}
details{margin:.5em 0 1em}summary{cursor:pointer;color:#444}
pre.csv{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px;max-height:24em}
p.note{color:#555;font-size:.92em}
";

/// The whole page.
pub(super) fn page(r: &Report<'_>) -> String {
    let mut o = String::new();
    let title = r.title();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(o, "<header>\n<h1>{}</h1>\n<ul class=\"about\">", escape(&title));
    let _ = writeln!(o, "<li>input: <code>{}</code></li>", escape(r.input));
    for (n, law) in r.names.iter().zip(&r.laws) {
        let _ = writeln!(o, "<li><code>{}</code>: {}</li>", escape(n), escape(&law.line()));
    }
    let _ = writeln!(o, "<li>{}</li>\n</ul>\n</header>", escape(&r.answer));

    let (summary, breakdown) = r.tables();
    section(&mut o, "totals", "Totals by scenario");
    table(&mut o, "summary-table", &summary);
    data_block(&mut o, "data-summary", "the totals (compare --format csv)", &r.summary_csv());

    section(&mut o, "rate-by-scenario", "Effective rate by scenario");
    rate_by_scenario(r).render(&mut o);
    let _ = writeln!(o, "<p class=\"note\">Data: the block <code>data-summary</code> above.</p>");

    for (by, what) in [(GroupBy::Origin, "origin"), (GroupBy::Chapter, "HTS chapter")] {
        let (chart, plotted) = rate_by_group(r, by, what);
        section(&mut o, &format!("rate-by-{}", by.name()), &format!("Effective rate by {what}"));
        chart.render(&mut o);
        let name = by.name();
        data_block(
            &mut o,
            &format!("data-chart-{name}"),
            &format!("the chart's groups: the {TOP} of most customs value, then the rest as {OTHER}"),
            &breakdown_csv(by, r.names, plotted.iter().map(|(k, v)| (k, v))),
        );
        data_block(
            &mut o,
            &format!("data-by-{name}"),
            &format!("every {what} (compare --format csv --by {name})"),
            &breakdown_csv(by, r.names, r.groups(by)),
        );
    }

    if r.names.len() == 1 {
        section(&mut o, "duty-by-measure", "Duty by measure");
        duty_by_measure(r).render(&mut o);
    } else {
        section(&mut o, "differences", "What makes each difference from the reference");
        let _ = writeln!(
            o,
            "<p class=\"note\">From the total duty under <code>{}</code>, one step per measure (and MFN) whose duty differs, to the total under each other scenario.</p>",
            escape(&r.names[0])
        );
        for i in 1..r.names.len() {
            let d = r.totals[i].total() - r.totals[0].total();
            let _ = writeln!(
                o,
                "<h3>{} to {}: {}</h3>",
                escape(&r.names[0]),
                escape(&r.names[i]),
                if d.is_zero() { "no difference".to_string() } else { signed(d) }
            );
            if steps(r, i).len() == 2 {
                let _ = writeln!(o, "<p class=\"note\">No measure's duty differs.</p>");
            }
            waterfall(r, i).render(&mut o);
        }
        data_block(&mut o, "data-waterfall", "the steps of each waterfall", &waterfall_csv(r));
    }
    data_block(
        &mut o,
        "data-by-measure",
        "every measure (compare --format csv --by measure)",
        &breakdown_csv(GroupBy::Measure, r.names, r.groups(GroupBy::Measure)),
    );

    if let (Some(by), Some(b)) = (r.by, breakdown) {
        let name = by.name();
        section(&mut o, &format!("by-{name}"), &format!("By {name}"));
        table(&mut o, &format!("by-{name}-table"), &b);
        if !matches!(by, GroupBy::Origin | GroupBy::Chapter | GroupBy::Measure) {
            data_block(
                &mut o,
                &format!("data-by-{name}"),
                &format!("compare --format csv --by {name}"),
                &breakdown_csv(by, r.names, r.groups(by)),
            );
        } else {
            let _ = writeln!(o, "<p class=\"note\">Data: the block <code>data-by-{name}</code> above.</p>");
        }
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// A section's heading.
fn section(o: &mut String, id: &str, heading: &str) {
    let _ = writeln!(o, "<h2 id=\"{}\">{}</h2>", escape(id), escape(heading));
}

/// A table as HTML: column headers, and each row's first cell as its header.
fn table(o: &mut String, id: &str, t: &Table) {
    let _ = writeln!(o, "<div class=\"scroll\"><table id=\"{}\">\n<thead><tr>", escape(id));
    for h in &t.header {
        let _ = write!(o, "<th scope=\"col\">{}</th>", escape(h));
    }
    let _ = writeln!(o, "</tr></thead>\n<tbody>");
    for row in &t.rows {
        o.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(o, "<th scope=\"row\">{}</th>", escape(c));
            } else {
                // A rate range (`10.0428%-21.8254%`) may break after its dash in a narrow window.
                let _ = write!(o, "<td>{}</td>", escape(c).replace("%-", "%-<wbr>"));
            }
        }
        o.push_str("</tr>\n");
    }
    let _ = writeln!(o, "</tbody></table></div>");
}

/// A CSV block, folded: `<pre id=...>` whose text is the CSV exactly (escaped for HTML).
fn data_block(o: &mut String, id: &str, what: &str, csv: &str) {
    let _ = writeln!(
        o,
        "<details><summary>Data as CSV: {} (<code>{}</code>)</summary>\n<pre class=\"csv\" id=\"{}\">{}</pre></details>",
        escape(what),
        escape(id),
        escape(id),
        escape(csv)
    );
}

/// The rate of `t` as a bar from zero, labelled as the tables write it.
fn rate_bar(t: &DutyTotals, colour: &'static str, scenario: &str, group: Option<&str>) -> Bar {
    let rate = t.rate();
    let label = rate.map(percent).unwrap_or_else(|| "-".into());
    let of = group.map(|g| format!(" ({g})")).unwrap_or_default();
    Bar {
        span: rate.map(|r| (Decimal::ZERO, r)),
        whisker: None,
        colour,
        tooltip: format!(
            "{scenario}{of}: {label} = duty {} / customs value {}",
            thousands(t.total()),
            thousands(t.value())
        ),
        label,
    }
}

/// The scenarios' legend.
fn legend(r: &Report<'_>) -> Vec<(&'static str, String)> {
    r.names.iter().enumerate().map(|(i, n)| (series_colour(i), n.clone())).collect()
}

/// Effective rate by scenario: one bar each, with the low-high span as a whisker under `--ranges`.
fn rate_by_scenario(r: &Report<'_>) -> Chart {
    let groups = r
        .names
        .iter()
        .zip(r.totals)
        .enumerate()
        .map(|(i, (n, t))| {
            let mut bar = rate_bar(t, series_colour(i), n, None);
            let v = t.value();
            if r.ranges && !v.is_zero() {
                let (lo, hi) = t.range();
                let (lo, hi) = (lo / v, hi / v);
                bar.whisker = Some((lo, hi));
                bar.label = format!("{} (range {}-{})", bar.label, percent(lo), percent(hi));
                bar.tooltip = format!("{}; range {}-{}", bar.tooltip, percent(lo), percent(hi));
            }
            Group { label: n.clone(), bars: vec![bar] }
        })
        .collect();
    let whiskers = if r.ranges { "; the whiskers span the low and high totals (--ranges)" } else { "" };
    Chart {
        id: "chart-rate-by-scenario".into(),
        title: "Effective rate by scenario".into(),
        desc: format!("Total duty over customs value under each scenario{whiskers}. Data: CSV block data-summary."),
        unit: Unit::Rate,
        legend: legend(r),
        groups,
    }
}

/// The groups of `by` to plot: the [`TOP`] of most customs value (under the reference scenario; it is
/// the same under all), in that order, then the rest summed as `(other)`.
fn top_groups(r: &Report<'_>, by: GroupBy) -> Vec<(String, Vec<DutyTotals>)> {
    let mut all: Vec<(&String, &Vec<DutyTotals>)> = r.groups(by).iter().collect();
    all.sort_by(|a, b| b.1[0].value().cmp(&a.1[0].value()).then_with(|| a.0.cmp(b.0)));
    let mut out: Vec<(String, Vec<DutyTotals>)> =
        all.iter().take(TOP).map(|(k, v)| ((*k).clone(), (*v).clone())).collect();
    if all.len() > TOP {
        let mut rest = vec![DutyTotals::default(); r.names.len()];
        for (_, per) in &all[TOP..] {
            for (t, x) in rest.iter_mut().zip(per.iter()) {
                t.merge(x);
            }
        }
        out.push((OTHER.to_string(), rest));
    }
    out
}

/// Effective rate by origin or chapter, a bar per scenario in each group; and the groups plotted.
fn rate_by_group(r: &Report<'_>, by: GroupBy, what: &str) -> (Chart, Vec<(String, Vec<DutyTotals>)>) {
    let plotted = top_groups(r, by);
    let all = r.groups(by).len();
    let groups = plotted
        .iter()
        .map(|(k, per)| {
            let label = if k == OTHER { format!("other ({} {what}s)", all - TOP) } else { k.clone() };
            let bars = r
                .names
                .iter()
                .zip(per)
                .enumerate()
                .map(|(i, (n, t))| rate_bar(t, series_colour(i), n, Some(&label)))
                .collect();
            Group { label, bars }
        })
        .collect();
    let name = by.name();
    let chart = Chart {
        id: format!("chart-rate-by-{name}"),
        title: format!("Effective rate by {what}, per scenario"),
        desc: format!(
            "Total duty over customs value of each {what}, one bar per scenario; the {TOP} {what}s of most customs value, the others together. Data: CSV blocks data-chart-{name} (as plotted) and data-by-{name} (every {what})."
        ),
        unit: Unit::Rate,
        legend: legend(r),
        groups,
    };
    (chart, plotted)
}

/// One step of a waterfall: its label, where it starts and ends.
struct Step {
    label: String,
    from: Decimal,
    to: Decimal,
}

/// The steps from the reference's total duty to scenario `i`'s: the reference total, one step per
/// measure (or MFN) whose duty differs (largest change first), the scenario's total.
fn steps(r: &Report<'_>, i: usize) -> Vec<Step> {
    let start = r.totals[0].total();
    let mut changes: Vec<(&String, Decimal)> = r
        .groups(GroupBy::Measure)
        .iter()
        .map(|(k, per)| (k, per[i].total() - per[0].total()))
        .filter(|(_, d)| !d.is_zero())
        .collect();
    changes.sort_by(|a, b| b.1.abs().cmp(&a.1.abs()).then_with(|| a.0.cmp(b.0)));
    let mut out = vec![Step { label: format!("{} total", r.names[0]), from: Decimal::ZERO, to: start }];
    let mut at = start;
    for (k, d) in changes {
        out.push(Step { label: k.clone(), from: at, to: at + d });
        at += d;
    }
    out.push(Step { label: format!("{} total", r.names[i]), from: Decimal::ZERO, to: r.totals[i].total() });
    out
}

/// The waterfall from the reference to scenario `i`.
fn waterfall(r: &Report<'_>, i: usize) -> Chart {
    let steps = steps(r, i);
    let last = steps.len() - 1;
    let groups = steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let d = s.to - s.from;
            let total = k == 0 || k == last;
            let (colour, label) = if total {
                (TOTAL, thousands(s.to))
            } else if d > Decimal::ZERO {
                (UP, signed(d))
            } else {
                (DOWN, signed(d))
            };
            let tooltip = if total {
                format!("{}: {}", s.label, thousands(s.to))
            } else {
                format!("{}: {} ({} to {})", s.label, signed(d), thousands(s.from), thousands(s.to))
            };
            Group {
                label: s.label.clone(),
                bars: vec![Bar { span: Some((s.from, s.to)), whisker: None, colour, label, tooltip }],
            }
        })
        .collect();
    let (a, b) = (&r.names[0], &r.names[i]);
    Chart {
        id: format!("chart-waterfall-{i}"),
        title: format!("From {a} to {b}: the measures behind the difference"),
        desc: format!(
            "Total duty under {a}, then the change in each measure's duty (and MFN) that differs under {b}, largest first, then the total under {b} ({}). Data: CSV blocks data-waterfall and data-by-measure (its difference column).",
            signed(r.totals[i].total() - r.totals[0].total())
        ),
        unit: Unit::Money,
        legend: vec![(UP, "more duty".into()), (DOWN, "less duty".into()), (TOTAL, "total".into())],
        groups,
    }
}

/// The waterfalls' steps as CSV: `scenario,step,start,end,change` (plain decimals).
fn waterfall_csv(r: &Report<'_>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["scenario", "step", "start", "end", "change"]);
    for i in 1..r.names.len() {
        for s in steps(r, i) {
            let _ = w.write_record([
                r.names[i].clone(),
                s.label,
                format!("{:.2}", s.from),
                format!("{:.2}", s.to),
                format!("{:.2}", s.to - s.from),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// With one scenario: the duty of each measure (and MFN), largest first.
fn duty_by_measure(r: &Report<'_>) -> Chart {
    let mut measures: Vec<(&String, &Vec<DutyTotals>)> = r.groups(GroupBy::Measure).iter().collect();
    measures.sort_by(|a, b| b.1[0].total().cmp(&a.1[0].total()).then_with(|| a.0.cmp(b.0)));
    let groups = measures
        .into_iter()
        .map(|(k, per)| {
            let t = &per[0];
            let rate = t.rate().map(|x| format!(", {} of the value it applies to", percent(x))).unwrap_or_default();
            Group {
                label: k.clone(),
                bars: vec![Bar {
                    span: Some((Decimal::ZERO, t.total())),
                    whisker: None,
                    colour: series_colour(0),
                    label: thousands(t.total()),
                    tooltip: format!("{k}: {} on {} rows{rate}", thousands(t.total()), t.rows),
                }],
            }
        })
        .collect();
    Chart {
        id: "chart-duty-by-measure".into(),
        title: format!("Duty by measure under {}", r.names[0]),
        desc: "The duty of each measure (and MFN), largest first. Data: CSV block data-by-measure.".into(),
        unit: Unit::Money,
        legend: Vec::new(),
        groups,
    }
}
