//! `run --fees`: each row's MPF and HMF columns, and the entries' MPF (held between the fiscal
//! year's minimum and maximum) summed for the summary. Rows are grouped into entries by their
//! `entry_number`; a row without one is its own entry. Memory grows with the entries, never with
//! rows without an entry number. The rules and their sources are in [`crate::fees`].

use crate::fees::{MPF_YEARS, MpfLine, TransportMode, hmf, mpf_entry, mpf_year};
use crate::flow::{FieldError, FieldSource, Flow};
use crate::money::MoneySum;
use crate::result_columns::ResultSink;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Where the fee columns are in the input header.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FeeColumns {
    entry: Option<usize>,
    mode: Option<usize>,
}

impl FeeColumns {
    /// Finds `entry_number` and `transport_mode` (case and surrounding blanks ignored).
    pub(super) fn find(header: &csv::ByteRecord) -> FeeColumns {
        let find = |name: &str| {
            header.iter().position(|h| {
                String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name)
            })
        };
        FeeColumns { entry: find("entry_number"), mode: find("transport_mode") }
    }

    /// The header has a `transport_mode` column.
    pub(super) fn has_mode(&self) -> bool {
        self.mode.is_some()
    }
}

/// One entry's MPF so far: the sum of its lines' amounts, and the fiscal year of its earliest row.
#[derive(Clone, Copy, Debug)]
struct EntryMpf {
    lines: Decimal,
    first: crate::date::Date,
}

/// The fees of the rows a worker priced.
#[derive(Debug, Default)]
pub(super) struct FeeTally {
    entries: HashMap<Box<str>, EntryMpf>,
    /// MPF of the rows without an entry number (each its own entry, held at once).
    single: MoneySum,
    single_rows: u64,
    single_at_min: u64,
    single_at_max: u64,
    single_assumed: u64,
    hmf: MoneySum,
    vessel_rows: u64,
    no_mode_rows: u64,
    usmca_exempt_rows: u64,
    other_claim_rows: u64,
    not_computed_rows: u64,
}

impl FeeTally {
    /// The row's transport mode (`None` without one); a mode that is not one is the row's error,
    /// found before anything of the row is written.
    pub(super) fn mode(cols: FeeColumns, fields: &impl FieldSource) -> Result<Option<TransportMode>, FieldError> {
        let Some(c) = cols.mode else { return Ok(None) };
        let text = String::from_utf8_lossy(fields.field(c));
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        TransportMode::parse(t).map(Some).map_err(|reason| FieldError {
            column: "transport_mode",
            value: t.to_string(),
            reason,
        })
    }

    /// Counts a row's fees and appends its two columns (`mpf_ad_valorem`, `hmf`) to `out`; `mode` is from
    /// [`FeeTally::mode`].
    pub(super) fn add_row(
        &mut self,
        cols: FeeColumns,
        fields: &impl FieldSource,
        flow: &Flow,
        mode: Option<TransportMode>,
        out: &mut impl ResultSink,
    ) {
        let value = flow.customs_value;
        let line = MpfLine::of(value, flow.origin, flow.spi, flow.entry_date);
        match line {
            MpfLine::UsmcaExempt => self.usmca_exempt_rows += 1,
            MpfLine::OtherClaim(_) => self.other_claim_rows += 1,
            MpfLine::NotComputed => self.not_computed_rows += 1,
            MpfLine::Due(_) => {}
        }
        // An exempt line adds nothing to its entry's base (an entry of exempt lines only owes none).
        if let MpfLine::Due(amount) | MpfLine::OtherClaim(amount) = line {
            let entry = cols.map_entry(fields);
            match entry {
                Some(number) => match self.entries.get_mut(number.as_str()) {
                    Some(e) => {
                        e.lines += amount;
                        e.first = e.first.min(flow.entry_date);
                    }
                    None => {
                        self.entries
                            .insert(number.into_boxed_str(), EntryMpf { lines: amount, first: flow.entry_date });
                    }
                },
                None => {
                    if let Some((year, assumed)) = mpf_year(flow.entry_date) {
                        let (fee, bound) = mpf_entry(amount, &year);
                        self.single.add(fee);
                        self.single_rows += 1;
                        self.single_at_min += u64::from(bound < 0);
                        self.single_at_max += u64::from(bound > 0);
                        self.single_assumed += u64::from(assumed);
                    }
                }
            }
        }
        out.fixed(line.amount(), 2);
        match mode {
            Some(m) => {
                let h = hmf(value, m);
                self.hmf.add(h);
                self.vessel_rows += u64::from(m == TransportMode::Vessel);
                out.fixed(Some(h), 2);
            }
            None => {
                self.no_mode_rows += 1;
                out.fixed(None, 2);
            }
        }
    }

    /// Adds another worker's tally (an entry split between workers is summed before it is held).
    pub(super) fn merge(&mut self, o: &FeeTally) {
        for (k, e) in &o.entries {
            match self.entries.get_mut(k) {
                Some(mine) => {
                    mine.lines += e.lines;
                    mine.first = mine.first.min(e.first);
                }
                None => {
                    self.entries.insert(k.clone(), *e);
                }
            }
        }
        self.single.add_sum(&o.single);
        self.single_rows += o.single_rows;
        self.single_at_min += o.single_at_min;
        self.single_at_max += o.single_at_max;
        self.single_assumed += o.single_assumed;
        self.hmf.add_sum(&o.hmf);
        self.vessel_rows += o.vessel_rows;
        self.no_mode_rows += o.no_mode_rows;
        self.usmca_exempt_rows += o.usmca_exempt_rows;
        self.other_claim_rows += o.other_claim_rows;
        self.not_computed_rows += o.not_computed_rows;
    }

    /// The summary lines (after every worker's tally is merged).
    pub(super) fn report(&self, name: &str, has_mode: bool) -> Vec<String> {
        let mut mpf = self.single;
        let (mut at_min, mut at_max, mut assumed) = (self.single_at_min, self.single_at_max, self.single_assumed);
        for e in self.entries.values() {
            if let Some((year, a)) = mpf_year(e.first) {
                let (fee, bound) = mpf_entry(e.lines, &year);
                mpf.add(fee);
                at_min += u64::from(bound < 0);
                at_max += u64::from(bound > 0);
                assumed += u64::from(a);
            }
        }
        let entries = self.entries.len() as u64 + self.single_rows;
        let total = |s: &MoneySum| s.value().map_or_else(|| "(too large to sum)".to_string(), |v| format!("{v:.2}"));
        let mut out = vec![format!(
            "{name}: fees: MPF {} on {entries} entries ({at_min} at the minimum, {at_max} at the maximum; 0.3464% per line, each entry held between its fiscal year's minimum and maximum, 19 CFR 24.23)",
            total(&mpf)
        )];
        if self.single_rows > 0 {
            out.push(format!(
                "{name}: fees: {} rows without an entry_number were each taken as their own entry (give entry_number to group lines into entries)",
                self.single_rows
            ));
        }
        if self.usmca_exempt_rows > 0 {
            out.push(format!(
                "{name}: fees: {} rows claiming USMCA (S) are exempt from the MPF (19 U.S.C. 58c(b)(10))",
                self.usmca_exempt_rows
            ));
        }
        if self.other_claim_rows > 0 {
            out.push(format!(
                "{name}: fees: {} rows claim another program; free-trade-agreement MPF exemptions other than the USMCA are not modelled, so their MPF is charged (a high figure)",
                self.other_claim_rows
            ));
        }
        if assumed > 0 {
            let y = MPF_YEARS[MPF_YEARS.len() - 1].fiscal_year;
            out.push(format!(
                "{name}: fees: {assumed} entries fall in a fiscal year whose MPF minimum and maximum were not read (from 2026-10-01); FY{y}'s were used, a low figure where an entry is held at one"
            ));
        }
        if self.not_computed_rows > 0 {
            out.push(format!(
                "{name}: fees: {} rows entered before 2024-10-01: MPF not computed (fiscal years before 2025 are not in the table)",
                self.not_computed_rows
            ));
        }
        out.push(if has_mode {
            let missing = match self.no_mode_rows {
                0 => String::new(),
                n => format!("; {n} rows without a transport_mode: HMF not computed for them"),
            };
            format!(
                "{name}: fees: HMF {} on {} rows by vessel (0.125%, 19 CFR 24.24){missing}",
                total(&self.hmf),
                self.vessel_rows
            )
        } else {
            format!("{name}: fees: HMF not computed: the input has no transport_mode column (vessel, air, truck, ...)")
        });
        out.push(format!(
            "{name}: fees: not included: antidumping and countervailing duties, excise taxes, state taxes, informal-entry and express fees"
        ));
        out
    }
}

impl FeeColumns {
    /// The row's entry number, when it has one.
    fn map_entry(&self, fields: &impl FieldSource) -> Option<String> {
        let c = self.entry?;
        let t = String::from_utf8_lossy(fields.field(c)).trim().to_string();
        (!t.is_empty()).then_some(t)
    }
}
