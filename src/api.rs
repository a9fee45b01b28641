//! A library API for bindings (the Python package in `python/`): the batch commands' work on rows
//! held in memory instead of a CSV file, with results as typed values instead of CSV text.
//!
//! * [`RowPricer`] prices rows given as named text fields (the flow columns, through exactly the
//!   checks of a CSV row) into [`ResultColumns`]: `run`'s result columns, money in integer cents.
//! * [`Comparison`] folds rows under several scenarios into `compare`'s totals and breakdowns
//!   ([`Comparison::report`]: the rows of `compare --format csv`).
//! * [`explain_json`] is `explain --format json`.
//!
//! The caller owns the threads: a `RowPricer` or a `Comparison` is one worker's state, and the
//! comparisons of several workers merge ([`Comparison::merge`]; exact sums do not depend on order).
//! A row that cannot be read or priced is a [`Reject`] with its row number and the reason, as
//! `run --rejects` reports it; it is never priced as zero.

use crate::app::totals::{DutyTotals, GroupTotals, add_to_groups, write_group_key};
use crate::date::Date;
use crate::engine::{Engine, Priced, Pricer};
use crate::estimate::{Assumptions, Estimator};
use crate::flow::{FieldSource, Flow, FlowColumns, Reject};
use crate::mfn::MfnTable;
use rust_decimal::Decimal;
use std::path::Path;
use std::sync::Arc;

/// The column names a row pricer reads (the flow columns, and `entry_number` for
/// [`GroupBy::Entry`]); other columns pass through and are never read.
pub const READ_COLUMNS: [&str; 15] = {
    use crate::flow::{OPTIONAL, REQUIRED};
    let mut out = [ENTRY_NUMBER; REQUIRED.len() + OPTIONAL.len() + 1];
    let mut i = 0;
    while i < REQUIRED.len() {
        out[i] = REQUIRED[i];
        i += 1;
    }
    while i < REQUIRED.len() + OPTIONAL.len() {
        out[i] = OPTIONAL[i - REQUIRED.len()];
        i += 1;
    }
    out
};

/// The column `compare --by entry` groups by (and `refund` reports by).
pub const ENTRY_NUMBER: &str = "entry_number";

/// True when a column of this name is read (matched as a CSV header is: trimmed, any case).
pub fn is_read_column(name: &str) -> bool {
    let n = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
    READ_COLUMNS.contains(&n.as_str())
}

/// The bundled scenario names.
pub fn bundled_scenarios() -> Vec<&'static str> {
    crate::scenario::bundled_names()
}

/// The MFN table: the official USITC HTS export at `hts` (as `--hts FILE`), else the embedded one.
pub fn mfn_table(hts: Option<&Path>) -> Result<Arc<MfnTable>, String> {
    match hts {
        Some(path) => MfnTable::from_hts_path(path).map(Arc::new).map_err(|e| format!("hts: {e}")),
        None => Ok(Arc::new(MfnTable::embedded())),
    }
}

/// Loads a scenario (a bundled name or a path to a TOML file) and builds its engine over `mfn`.
pub fn engine(scenario: &str, mfn: &Arc<MfnTable>) -> Result<Engine, String> {
    crate::app::engine_for(scenario, mfn).map_err(message)
}

/// Loads several scenarios over one MFN table; the same scenario twice is refused (as `compare`
/// refuses it).
pub fn engines(scenarios: &[String], mfn: &Arc<MfnTable>) -> Result<Vec<Engine>, String> {
    if scenarios.is_empty() {
        return Err("give at least one scenario".into());
    }
    let engines = crate::app::engines_for(scenarios, mfn).map_err(message)?;
    for (i, e) in engines.iter().enumerate() {
        let n = &e.scenario().name;
        if let Some(j) = engines[..i].iter().position(|m| &m.scenario().name == n) {
            return Err(format!(
                "scenario `{n}` is given twice ({} and {}); each must be a different scenario",
                scenarios[j], scenarios[i]
            ));
        }
    }
    Ok(engines)
}

/// Loads the assumption sets named as `--assume` names them (bundled names or CSV files).
pub fn assumptions(names: &[String]) -> Result<Assumptions, String> {
    Assumptions::load(names).map_err(|e| format!("assume: {e}"))
}

/// Parses an `--as-of` date.
pub fn as_of(text: Option<&str>) -> Result<Option<Date>, String> {
    text.map(|t| Date::parse(t).map_err(|e| format!("as_of `{t}`: {e}"))).transpose()
}

fn message(e: crate::app::AppError) -> String {
    match e {
        crate::app::AppError::Fatal(m) => m,
        crate::app::AppError::BrokenPipe => "broken pipe".into(),
    }
}

/// A column of texts, in Arrow's layout: value `i` is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Debug)]
pub struct TextColumn {
    /// The bytes of every value, one after the other (UTF-8).
    pub data: Vec<u8>,
    /// `len + 1` offsets, the first 0.
    pub offsets: Vec<usize>,
}

impl Default for TextColumn {
    fn default() -> Self {
        TextColumn { data: Vec::new(), offsets: vec![0] }
    }
}

impl TextColumn {
    /// Appends a value.
    pub fn push(&mut self, text: &[u8]) {
        self.data.extend_from_slice(text);
        self.offsets.push(self.data.len());
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        &self.data[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// `run`'s result columns for a set of rows, one value per row (a rejected row has `priced`
/// false and zeros or empty values elsewhere). Money is in integer cents (a decimal with scale 2),
/// the effective rate in millionths (scale 6), so that nothing passes through a float.
#[derive(Clone, Debug, Default)]
pub struct ResultColumns {
    /// The row was priced (false: rejected; see the rejects).
    pub priced: Vec<bool>,
    /// `mfn_duty`, cents.
    pub mfn_duty: Vec<i128>,
    /// `additional_duty`, cents.
    pub additional_duty: Vec<i128>,
    /// `total_duty`, cents.
    pub total_duty: Vec<i128>,
    /// `effective_rate` in millionths; `None` for a customs value of 0 (and a rejected row).
    pub effective_rate: Vec<Option<i128>>,
    /// `measures`: `mfn` first, `;`-separated, exactly as `run` writes them.
    pub measures: TextColumn,
    /// `citations`, exactly as `run` writes them.
    pub citations: TextColumn,
    /// With assumption sets: `answer` (`compliance` or `estimate`).
    pub answer: TextColumn,
    /// With assumption sets: `estimated` (the facts filled, `;`-separated).
    pub estimated: TextColumn,
    /// With ranges: `total_duty_low`, cents.
    pub total_duty_low: Vec<i128>,
    /// With ranges: `total_duty_high`, cents.
    pub total_duty_high: Vec<i128>,
    /// With ranges: `unknown` (the facts that move the row's total).
    pub unknown: TextColumn,
}

impl ResultColumns {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.priced.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.priced.is_empty()
    }
}

/// `d` as an integer number of `10^-scale` units (rounded half away from zero past `scale`
/// places, which a rounded duty never has).
pub fn scaled(d: Decimal, scale: u32) -> i128 {
    if d.scale() <= scale {
        // The usual case (a duty in cents, a rate in millionths): no rounding, one multiplication.
        return d.mantissa() * 10i128.pow(scale - d.scale());
    }
    let mut x = d.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    x.rescale(scale);
    x.mantissa()
}

/// The rows of a table with named columns, checked as CSV rows with that header are.
#[derive(Clone, Debug)]
pub struct FlowTable {
    columns: FlowColumns,
    entry_number: Option<usize>,
}

impl FlowTable {
    /// Maps the column names; fails when a required flow column is missing or one appears twice.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<FlowTable, String> {
        let header: csv::ByteRecord = names.iter().map(|n| n.as_ref()).collect();
        let columns = FlowColumns::from_header(&header)?;
        let entry_number = names.iter().position(|n| n.as_ref().trim().eq_ignore_ascii_case(ENTRY_NUMBER));
        Ok(FlowTable { columns, entry_number })
    }

    /// Reads row `row` (0-based; reported as such in rejects) into `flow`, with `as_of` applied.
    fn read<F: FieldSource + ?Sized>(
        &self,
        row: u64,
        fields: &F,
        flow: &mut Flow,
        as_of: Option<Date>,
    ) -> Result<(), Reject> {
        self.columns.parse_into(fields, flow).map_err(|e| Reject::at(row, e))?;
        if let Some(d) = as_of {
            // As `--as-of`: the loading date of the real shipment is dropped with the real entry date.
            flow.entry_date = d;
            flow.loaded_date = None;
        }
        Ok(())
    }
}

/// Prices rows under one scenario into `run`'s result columns: one per worker thread.
pub struct RowPricer<'e> {
    engine: &'e Engine,
    table: &'e FlowTable,
    pricer: Pricer<'e>,
    estimator: Option<Estimator<'e>>,
    with_answer: bool,
    ranges: bool,
    as_of: Option<Date>,
    flow: Flow,
    scratch: Vec<u8>,
}

impl<'e> RowPricer<'e> {
    /// A pricer of `table`'s rows under `engine`; with assumption sets or `ranges`, each row is
    /// estimated as `run --assume ... --ranges` estimates it.
    pub fn new(
        engine: &'e Engine,
        table: &'e FlowTable,
        assumptions: &'e Assumptions,
        ranges: bool,
        as_of: Option<Date>,
    ) -> RowPricer<'e> {
        let estimating = ranges || !assumptions.is_empty();
        RowPricer {
            engine,
            table,
            pricer: Pricer::new(engine),
            estimator: estimating.then(|| Estimator::new(engine, assumptions, ranges)),
            with_answer: !assumptions.is_empty(),
            ranges,
            as_of,
            flow: Flow::placeholder(),
            scratch: Vec::new(),
        }
    }

    /// Prices row `row` and appends its result to `out`: the values, or for a row that cannot be
    /// read or priced, `priced` false with empty values (and the reject is returned).
    pub fn price<F: FieldSource + ?Sized>(
        &mut self,
        row: u64,
        fields: &F,
        out: &mut ResultColumns,
    ) -> Result<(), Reject> {
        let result = self.price_inner(row, fields, out);
        if result.is_err() {
            out.priced.push(false);
            for c in [&mut out.mfn_duty, &mut out.additional_duty, &mut out.total_duty] {
                c.push(0);
            }
            out.effective_rate.push(None);
            out.measures.push(b"");
            out.citations.push(b"");
            if self.with_answer {
                out.answer.push(b"");
                out.estimated.push(b"");
            }
            if self.ranges {
                out.total_duty_low.push(0);
                out.total_duty_high.push(0);
                out.unknown.push(b"");
            }
        }
        result
    }

    fn price_inner<F: FieldSource + ?Sized>(
        &mut self,
        row: u64,
        fields: &F,
        out: &mut ResultColumns,
    ) -> Result<(), Reject> {
        self.table.read(row, fields, &mut self.flow, self.as_of)?;
        let engine = self.engine;
        let Some(est) = self.estimator.as_mut() else {
            let p = self.pricer.price(&self.flow).map_err(|e| Reject::at(row, e.into()))?;
            push_priced(engine, p, out);
            return Ok(());
        };
        let e = est.estimate(&self.flow).map_err(|e| Reject::at(row, e.into()))?;
        push_priced(engine, e.central, out);
        if self.with_answer {
            out.answer.push(if e.estimated.is_empty() { b"compliance" } else { b"estimate" });
            self.scratch.clear();
            e.estimated.push_names(&mut self.scratch);
            out.estimated.push(&self.scratch);
        }
        if self.ranges {
            out.total_duty_low.push(scaled(e.low, 2));
            out.total_duty_high.push(scaled(e.high, 2));
            self.scratch.clear();
            e.unknown.push_names(&mut self.scratch);
            out.unknown.push(&self.scratch);
        }
        Ok(())
    }
}

/// Appends the seven result columns of a priced row. `measures` and `citations` follow
/// [`crate::result_columns::ResultColumnWriter`]'s order exactly (`mfn`, the base rate, the measures in file order; the base
/// rate's heading first when it has one): the tests compare them with `run`'s output byte for byte.
fn push_priced(engine: &Engine, p: &Priced, out: &mut ResultColumns) {
    out.priced.push(true);
    out.mfn_duty.push(scaled(p.mfn_duty, 2));
    out.additional_duty.push(scaled(p.additional_duty, 2));
    out.total_duty.push(scaled(p.total_duty, 2));
    out.effective_rate.push(p.effective_rate().map(|r| scaled(r, 6)));
    let base = p.base_rule.map(|b| &engine.scenario().base_rates[b]);
    let m = &mut out.measures.data;
    m.extend_from_slice(b"mfn");
    if let Some(b) = base {
        m.push(b';');
        m.extend_from_slice(b.id.as_bytes());
    }
    for (i, _) in &p.lines {
        m.push(b';');
        m.extend_from_slice(engine.measure(*i).id.as_bytes());
    }
    out.measures.offsets.push(m.len());
    let c = &mut out.citations.data;
    let start = c.len();
    if let Some(h) = base.and_then(|b| b.citation.as_deref()) {
        c.extend_from_slice(h.as_bytes());
    }
    for (i, l) in &p.lines {
        if c.len() > start {
            c.push(b';');
        }
        c.extend_from_slice(engine.citation(*i, l).as_bytes());
    }
    out.citations.offsets.push(c.len());
}

/// How `compare` breaks its totals down (`--by`; its help is these variants' comments).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Country of origin.
    Origin,
    /// HTS chapter (2 digits).
    Chapter,
    /// Measure (duty by measure id).
    Measure,
    /// HTS heading (4 digits).
    Hts4,
    /// Month of entry (`YYYY-MM`, of the date each flow is assessed at).
    Month,
    /// Entry number (the `entry_number` column; rows without one are grouped as `(no entry number)`).
    Entry,
}

impl GroupBy {
    /// Parses `--by`'s names (`origin`, `chapter`, `measure`, `hts4`, `month`, `entry`).
    pub fn parse(text: &str) -> Result<GroupBy, String> {
        Ok(match text {
            "origin" => GroupBy::Origin,
            "chapter" => GroupBy::Chapter,
            "measure" => GroupBy::Measure,
            "hts4" => GroupBy::Hts4,
            "month" => GroupBy::Month,
            "entry" => GroupBy::Entry,
            _ => return Err(format!("by `{text}`: give origin, chapter, measure, hts4, month or entry")),
        })
    }

    /// The name (the first column of the breakdown).
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Origin => "origin",
            GroupBy::Chapter => "chapter",
            GroupBy::Measure => "measure",
            GroupBy::Hts4 => "hts4",
            GroupBy::Month => "month",
            GroupBy::Entry => "entry",
        }
    }
}

/// The group of the rows without an entry number, as `compare --by entry` names it.
pub const NO_ENTRY_NUMBER: &str = "(no entry number)";

/// Rows priced under several scenarios, folded into `compare`'s totals (and one breakdown): one per
/// worker thread, merged at the end. A row that cannot be priced under one scenario is rejected for
/// all, so that the totals compare like with like.
pub struct Comparison<'e> {
    engines: &'e [Engine],
    table: &'e FlowTable,
    pricers: Vec<Pricer<'e>>,
    estimators: Vec<Estimator<'e>>,
    as_of: Option<Date>,
    ranges: bool,
    by: Option<GroupBy>,
    totals: Vec<DutyTotals>,
    groups: GroupTotals,
    flow: Flow,
    key: String,
}

/// One row of `compare --format csv`: a scenario's totals (in a group, with `--by`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareRow {
    /// The group (with `--by`).
    pub group: Option<String>,
    /// The scenario's name.
    pub scenario: String,
    /// Rows counted.
    pub rows: u64,
    /// Customs value (2 places, as the CSV prints it).
    pub customs_value: Decimal,
    /// MFN duty.
    pub mfn_duty: Decimal,
    /// Additional duty.
    pub additional_duty: Decimal,
    /// Total duty.
    pub total_duty: Decimal,
    /// Total duty / customs value, 6 places; `None` for a zero value.
    pub effective_rate: Option<Decimal>,
    /// Total duty less the reference's (the first scenario's, in the same group).
    pub difference: Decimal,
    /// With ranges, in the summary only (as the CSV): the sums of the rows' lowest and highest totals.
    pub range: Option<(Decimal, Decimal)>,
}

/// The decimal `compare --format csv` prints for `v` (`{:.2}`), so the numbers are the same.
fn as_printed(v: Decimal, places: usize) -> Decimal {
    format!("{v:.places$}").parse().unwrap_or(v)
}

impl<'e> Comparison<'e> {
    /// A comparison of `table`'s rows under `engines` (the first is the reference).
    pub fn new(
        engines: &'e [Engine],
        table: &'e FlowTable,
        assumptions: &'e Assumptions,
        ranges: bool,
        as_of: Option<Date>,
        by: Option<GroupBy>,
    ) -> Result<Comparison<'e>, String> {
        if by == Some(GroupBy::Entry) && table.entry_number.is_none() {
            return Err("by `entry` groups by the `entry_number` column, and the table has none".into());
        }
        let estimating = ranges || !assumptions.is_empty();
        Ok(Comparison {
            engines,
            table,
            pricers: engines.iter().map(Pricer::new).collect(),
            estimators: if estimating {
                engines.iter().map(|e| Estimator::new(e, assumptions, ranges)).collect()
            } else {
                Vec::new()
            },
            as_of,
            ranges,
            by,
            totals: vec![DutyTotals::default(); engines.len()],
            groups: GroupTotals::new(),
            flow: Flow::placeholder(),
            key: String::new(),
        })
    }

    /// Prices row `row` (0-based) under every scenario and adds it to the totals.
    pub fn add<F: FieldSource + ?Sized>(&mut self, row: u64, fields: &F) -> Result<(), Reject> {
        self.table.read(row, fields, &mut self.flow, self.as_of)?;
        let flow = &self.flow;
        let scenario_reject = |err: crate::engine::PricingError, engine: &Engine| {
            let mut r = Reject::at(row, err.into());
            r.reason = format!("{} (scenario {})", r.reason, engine.scenario().name);
            r
        };
        if self.estimators.is_empty() {
            for p in &mut self.pricers {
                if let Err(err) = p.price(flow) {
                    return Err(scenario_reject(err, p.engine()));
                }
            }
        } else {
            for est in &mut self.estimators {
                if let Err(err) = est.estimate(flow) {
                    return Err(scenario_reject(err, est.engine()));
                }
            }
            for (t, est) in self.totals.iter_mut().zip(&self.estimators) {
                let e = est.last();
                t.add_range(e.low, e.high);
            }
        }
        let (estimators, pricers) = (&self.estimators, &self.pricers);
        let priced = |i: usize| -> &Priced {
            if estimators.is_empty() { pricers[i].priced() } else { estimators[i].last().central }
        };
        for (i, t) in self.totals.iter_mut().enumerate() {
            t.add(flow.customs_value, priced(i));
        }
        let Some(by) = self.by else { return Ok(()) };
        let entry_column = self.table.entry_number;
        let entry_number = || entry_column.map(|c| String::from_utf8_lossy(fields.field(c))).unwrap_or_default();
        write_group_key(&mut self.key, by, flow, entry_number);
        add_to_groups(&mut self.groups, &self.key, by, flow, self.engines, priced, estimators);
        Ok(())
    }

    /// Adds the totals of another worker's comparison (of the same scenarios and breakdown).
    pub fn merge(&mut self, other: &Comparison<'_>) {
        for (t, x) in self.totals.iter_mut().zip(&other.totals) {
            t.merge(x);
        }
        for (key, g) in &other.groups {
            match self.groups.get_mut(key) {
                Some(have) => have.iter_mut().zip(g).for_each(|(t, x)| t.merge(x)),
                None => {
                    self.groups.insert(key.clone(), g.clone());
                }
            }
        }
    }

    /// The rows of `compare --format csv`: without a breakdown, one per scenario (with the low and
    /// high totals when ranges were asked); with one, one per group and scenario, groups in order.
    /// Fails when a total is too large to be summed exactly.
    pub fn report(&self) -> Result<Vec<CompareRow>, String> {
        let names: Vec<&str> = self.engines.iter().map(|e| e.scenario().name.as_str()).collect();
        let row = |group: Option<&String>, name: &str, t: &DutyTotals, reference: Decimal, range: bool| CompareRow {
            group: group.cloned(),
            scenario: name.to_string(),
            rows: t.rows,
            customs_value: as_printed(t.value(), 2),
            mfn_duty: as_printed(t.mfn(), 2),
            additional_duty: as_printed(t.additional(), 2),
            total_duty: as_printed(t.total(), 2),
            effective_rate: t.rate().map(|r| as_printed(r, 6)),
            difference: as_printed(t.total() - reference, 2),
            range: range.then(|| {
                let (lo, hi) = t.range();
                (as_printed(lo, 2), as_printed(hi, 2))
            }),
        };
        for (t, name) in self.totals.iter().zip(&names) {
            t.check_exact(&format!("scenario {name}")).map_err(message)?;
        }
        let Some(by) = self.by else {
            let base = self.totals[0].total();
            return Ok(names.iter().zip(&self.totals).map(|(n, t)| row(None, n, t, base, self.ranges)).collect());
        };
        let mut rows = Vec::new();
        for (key, per) in &self.groups {
            for (t, name) in per.iter().zip(&names) {
                t.check_exact(&format!("{} {key} under {name}", by.name())).map_err(message)?;
            }
            let base = per[0].total();
            rows.extend(names.iter().zip(per).map(|(n, t)| row(Some(key), n, t, base, false)));
        }
        Ok(rows)
    }
}

/// `explain --format json` for one flow given as named values under the CSV column names (`hts`,
/// `origin`, `entry_date`, `customs_value`, and any optional column), checked as a CSV row is;
/// `hts_file` is `--hts-file`, `assume` and `ranges` as on the command line.
pub fn explain_json(
    scenario: &str,
    fields: &[(&str, &str)],
    hts_file: Option<&Path>,
    assume: &[String],
    ranges: bool,
) -> Result<serde_json::Value, String> {
    crate::app::explain::explain_json(scenario, fields, hts_file, assume, ranges).map_err(message)
}
