//! CSV columns to flows: where each flow column is in a header, and the checks every field passes.

use super::{Flow, above_max, below_a_cent, max_amount};
use crate::codes::{Country, Declared, HtsCode, Program};
use crate::date::Date;
use crate::money::parse_amount;
use crate::rate_text::RateExpr;
use crate::units::Unit;
use csv::ByteRecord;
use rust_decimal::Decimal;

/// A field that could not be read, with its column name and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The column (its header name; see `docs/contracts.md`).
    pub column: &'static str,
    /// The value as found.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// Positions of the flow columns in a header.
#[derive(Clone, Debug)]
pub struct FlowColumns {
    hts: usize,
    origin: usize,
    entry_date: usize,
    customs_value: usize,
    quantity: Option<usize>,
    quantity_unit: Option<usize>,
    spi: Option<usize>,
    us_content_value: Option<usize>,
    loaded_date: Option<usize>,
    mfn_rate: Option<usize>,
    content: [Option<usize>; 3],
    declared: Option<usize>,
    /// Number of fields in the header.
    pub width: usize,
    /// The header has a column beyond the usual six (programme, US or metal content, loading date,
    /// MFN override): rows read it; else that part of the row is skipped.
    has_rare: bool,
}

/// The fields of one record, however it was read: a [`ByteRecord`], or the spans of a raw record.
pub trait FieldSource {
    /// Field `i` (empty when there is no such field).
    fn field(&self, i: usize) -> &[u8];
    /// Field `i` as text; `None` when it is not valid UTF-8.
    fn field_str(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.field(i)).ok()
    }
    /// The number of fields.
    fn len(&self) -> usize;
    /// Field `i` as an amount, when the source holds it as a number (a Parquet decimal or integer
    /// cell) whose text [`parse_amount`] would read as this very value; `None` to read the text.
    /// A source gives a value here only where its text would be read without error, so the checks
    /// and messages stay those of the text.
    #[inline]
    fn amount(&self, _i: usize) -> Option<Decimal> {
        None
    }
    /// Field `i` as a date, when the source holds it as one (a Parquet `date32` cell) whose text
    /// [`Date::parse`] would read as this very date; `None` to read the text.
    #[inline]
    fn date(&self, _i: usize) -> Option<Date> {
        None
    }
    /// True when the record has no field.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FieldSource for ByteRecord {
    fn field(&self, i: usize) -> &[u8] {
        self.get(i).unwrap_or(b"")
    }
    fn len(&self) -> usize {
        ByteRecord::len(self)
    }
}

/// The longest value of a flow column read, in bytes (an HTS code, a date, an amount, a rate text
/// are far shorter; pass-through columns are not limited).
pub const MAX_FIELD_BYTES: usize = 1024;

/// The required flow columns.
pub const REQUIRED: [&str; 4] = ["hts", "origin", "entry_date", "customs_value"];
/// The optional flow columns (every other column passes through).
pub const OPTIONAL: [&str; 10] = [
    "quantity",
    "quantity_unit",
    "spi",
    "us_content_value",
    "loaded_date",
    "mfn_rate",
    "steel_content_value",
    "aluminum_content_value",
    "copper_content_value",
    "declared",
];

fn header_name(field: &[u8], first: bool) -> String {
    let f = if first { field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field) } else { field };
    String::from_utf8_lossy(f).trim().to_ascii_lowercase()
}

impl FlowColumns {
    /// Maps a header. Fails when a required column is missing or a flow column appears twice.
    pub fn from_header(header: &ByteRecord) -> Result<FlowColumns, String> {
        Self::from_header_split(header, b',')
    }

    /// [`FlowColumns::from_header`] for a header whose fields were split at `delimiter` (shown
    /// between them in messages).
    pub fn from_header_split(header: &ByteRecord, delimiter: u8) -> Result<FlowColumns, String> {
        let names: Vec<String> = header.iter().enumerate().map(|(i, f)| header_name(f, i == 0)).collect();
        let find = |name: &str| -> Result<Option<usize>, String> {
            let hits: Vec<usize> = names.iter().enumerate().filter(|(_, n)| *n == name).map(|(i, _)| i).collect();
            match hits.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(*one)),
                [a, b, ..] => Err(format!(
                    "column `{name}` appears twice in the header (fields {} and {}); keep one",
                    a + 1,
                    b + 1
                )),
            }
        };
        let mut missing = Vec::new();
        let mut req = [0usize; 4];
        for (i, name) in REQUIRED.iter().enumerate() {
            match find(name)? {
                Some(p) => req[i] = p,
                None => missing.push(*name),
            }
        }
        if !missing.is_empty() {
            let seen = if names.iter().all(String::is_empty) {
                "nothing".to_string()
            } else {
                crate::text::shown(&names.join(&char::from(delimiter).to_string())).into_owned()
            };
            return Err(format!(
                "missing required column{} {}; the header has {}; required: {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                seen,
                REQUIRED.join(",")
            ));
        }
        let mut opt = [None; 10];
        for (i, name) in OPTIONAL.iter().enumerate() {
            opt[i] = find(name)?;
        }
        Ok(FlowColumns {
            hts: req[0],
            origin: req[1],
            entry_date: req[2],
            customs_value: req[3],
            quantity: opt[0],
            quantity_unit: opt[1],
            spi: opt[2],
            us_content_value: opt[3],
            loaded_date: opt[4],
            mfn_rate: opt[5],
            content: [opt[6], opt[7], opt[8]],
            declared: opt[9],
            width: header.len(),
            has_rare: opt[2..].iter().any(Option::is_some),
        })
    }

    /// Reads a flow from a record. Empty optional fields are `None`.
    pub fn parse<F: FieldSource + ?Sized>(&self, rec: &F) -> Result<Flow, FieldError> {
        let mut flow = Flow::placeholder();
        self.parse_into(rec, &mut flow)?;
        Ok(flow)
    }

    /// [`FlowColumns::parse`] into a flow that is reused from row to row (no move of the whole
    /// flow per row). On error, `out` holds a partly read row.
    pub fn parse_into<F: FieldSource + ?Sized>(&self, rec: &F, out: &mut Flow) -> Result<(), FieldError> {
        let text = |idx: usize, column: &'static str| -> Result<&str, FieldError> {
            // The usual field: valid UTF-8 and short, found with one lookup.
            if let Some(t) = rec.field_str(idx)
                && t.len() <= MAX_FIELD_BYTES
            {
                return Ok(t);
            }
            let bytes = rec.field(idx);
            let reason = if bytes.len() > MAX_FIELD_BYTES {
                // No flow value is this long: refused before it is parsed or echoed.
                format!("the value is {} bytes long; a flow column holds at most {MAX_FIELD_BYTES}", bytes.len())
            } else {
                "is not valid UTF-8".into()
            };
            Err(FieldError { column, value: String::from_utf8_lossy(bytes).into_owned(), reason })
        };
        let opt = |idx: Option<usize>, column: &'static str| -> Result<Option<&str>, FieldError> {
            match idx {
                Some(i) => {
                    let t = crate::money::trim(text(i, column)?);
                    Ok(if t.is_empty() { None } else { Some(t) })
                }
                None => Ok(None),
            }
        };
        let bad =
            |column: &'static str, value: &str, reason: String| FieldError { column, value: value.to_string(), reason };

        // An amount or a date a source holds typed is taken as it is (its text would read as the
        // same value); else it is read from its text.
        let amount = |idx: usize, column: &'static str, label: &str| -> Result<Decimal, FieldError> {
            match rec.amount(idx) {
                Some(v) => Ok(v),
                None => {
                    let t = text(idx, column)?;
                    parse_amount(t).map_err(|e| amount_error(column, label, t, e))
                }
            }
        };
        let opt_amount =
            |idx: Option<usize>, column: &'static str, label: &str| -> Result<Option<Decimal>, FieldError> {
                match idx {
                    Some(i) => match rec.amount(i) {
                        Some(v) => Ok(Some(v)),
                        None => opt(Some(i), column)?
                            .map(|t| parse_amount(t).map_err(|e| amount_error(column, label, t, e)))
                            .transpose(),
                    },
                    None => Ok(None),
                }
            };

        let hts_text = text(self.hts, "hts")?;
        let hts = HtsCode::parse(hts_text).map_err(|e| bad("hts", hts_text, e))?;
        let origin_text = text(self.origin, "origin")?;
        let origin = Country::parse(origin_text).map_err(|e| origin_error(origin_text, e))?;
        let entry_date = match rec.date(self.entry_date) {
            Some(d) => d,
            None => {
                let date_text = text(self.entry_date, "entry_date")?;
                Date::parse(date_text).map_err(|e| date_error("entry_date", date_text, e))?
            }
        };
        let customs_value = amount(self.customs_value, "customs_value", "customs value")?;
        if above_max(customs_value) {
            return Err(bad(
                "customs_value",
                text(self.customs_value, "customs_value")?,
                format!("customs value {customs_value} is above the largest value priced ({})", max_amount()),
            ));
        }
        // A value above zero but below a cent would make duty / value (the MFN ad valorem equivalent
        // of inclusive rates, the effective rate) overflow a 96-bit decimal.
        if below_a_cent(customs_value) {
            return Err(bad(
                "customs_value",
                text(self.customs_value, "customs_value")?,
                format!("customs value {customs_value} is below one cent; give 0 or at least 0.01"),
            ));
        }
        *out = Flow::new(hts, origin, entry_date, customs_value);
        let flow = out;
        if let Some(v) = opt_amount(self.quantity, "quantity", "quantity")? {
            if above_max(v) {
                return Err(bad(
                    "quantity",
                    crate::money::trim(text(self.quantity.unwrap_or_default(), "quantity")?),
                    format!("quantity {v} is above the largest quantity priced ({})", max_amount()),
                ));
            }
            flow.quantity = Some(v);
        }
        if let Some(u) = opt(self.quantity_unit, "quantity_unit")? {
            // Any unit is accepted here: the HTS has many (`m3`, `Dz Pcs`, `Pt g` ...). A unit only
            // matters for a specific duty, and the engine rejects the row there when it cannot
            // convert the quantity to the rate's unit.
            flow.quantity_unit = Unit::parse(u);
            if flow.quantity_unit == Some(Unit::Other) {
                flow.unknown_unit = Some(u.into());
            }
        }
        if !self.has_rare {
            return Ok(());
        }
        if let Some(s) = opt(self.spi, "spi")? {
            flow.spi = Some(Program::parse(s).map_err(|e| bad("spi", s, e))?);
        }
        if let Some(v) = opt_amount(self.us_content_value, "us_content_value", "US content value")? {
            if v > customs_value {
                return Err(bad(
                    "us_content_value",
                    crate::money::trim(text(self.us_content_value.unwrap_or_default(), "us_content_value")?),
                    format!("US content {v} is more than the customs value {customs_value}"),
                ));
            }
            flow.us_content_value = Some(v);
        }
        let loaded = match self.loaded_date {
            Some(i) => match rec.date(i) {
                Some(d) => Some(d),
                None => match opt(Some(i), "loaded_date")? {
                    Some(d) => Some(Date::parse(d).map_err(|e| date_error("loaded_date", d, e))?),
                    None => None,
                },
            },
            None => None,
        };
        if let Some(loaded) = loaded {
            if loaded > entry_date {
                let d = crate::money::trim(text(self.loaded_date.unwrap_or_default(), "loaded_date")?);
                return Err(bad("loaded_date", d, format!("loaded on {loaded}, after the entry date {entry_date}")));
            }
            flow.loaded_date = Some(loaded);
        }
        for (i, column) in
            ["steel_content_value", "aluminum_content_value", "copper_content_value"].into_iter().enumerate()
        {
            if let Some(v) = opt_amount(self.content[i], column, "metal content value")? {
                if v > customs_value {
                    return Err(bad(
                        column,
                        crate::money::trim(text(self.content[i].unwrap_or_default(), column)?),
                        format!("metal content {v} is more than the customs value {customs_value}"),
                    ));
                }
                match i {
                    0 => flow.steel_content_value = Some(v),
                    1 => flow.aluminum_content_value = Some(v),
                    _ => flow.copper_content_value = Some(v),
                }
            }
        }
        if let Some(d) = opt(self.declared, "declared")? {
            flow.declared = Declared::parse(d).map_err(|e| bad("declared", d, e))?;
        }
        if let Some(r) = opt(self.mfn_rate, "mfn_rate")? {
            flow.mfn_rate = Some(RateExpr::parse(r).map_err(|e| bad("mfn_rate", r, e.to_string()))?);
        }
        Ok(())
    }
}

// The error paths are cold and out of line: the row path stays as small as it was before the
// messages that carry a fix were added (measured: inlined, they slowed `run` by a tenth).

/// A country code refused, with the fix when its meaning is plain (`UK` -> `GB`).
#[cold]
#[inline(never)]
fn origin_error(text: &str, reason: String) -> FieldError {
    FieldError { column: "origin", value: text.to_string(), reason: super::hints::country(text).unwrap_or(reason) }
}

/// A date refused, with the date to write when its reading is plain (`03/15/2025`).
#[cold]
#[inline(never)]
fn date_error(column: &'static str, text: &str, e: crate::date::DateError) -> FieldError {
    let mut reason = format!("`{}`: {e}", text.trim());
    if let Some(fix) = super::hints::date(text) {
        reason.push_str("; ");
        reason.push_str(&fix);
    }
    FieldError { column, value: text.to_string(), reason }
}

/// An amount refused: with the value to write when its reading is plain (`$1,200.50`).
#[cold]
#[inline(never)]
fn amount_error(column: &'static str, label: &str, text: &str, e: crate::money::MoneyError) -> FieldError {
    use crate::money::MoneyError;
    let reason = match (&e, super::hints::amount(text)) {
        (MoneyError::ThousandsSeparator | MoneyError::NotADecimal, Some(fix)) => {
            format!("{label} is not a plain decimal number; {fix}")
        }
        _ => format!("{label} {e}"),
    };
    FieldError { column, value: text.to_string(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn rec(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn maps_columns_case_insensitively_with_bom() {
        let cols =
            FlowColumns::from_header(&rec(&["\u{feff}HTS", "Origin", "x", "ENTRY_DATE", "customs_value"])).unwrap();
        let f = cols.parse(&rec(&["8703.23.01", "jp", "keep", "2025-04-16", "30000"])).unwrap();
        assert_eq!(f.origin.as_str(), "JP");
        assert_eq!(f.hts.digits(), "87032301");
    }

    #[test]
    fn refuses_missing_and_duplicate_columns() {
        let e = FlowColumns::from_header(&rec(&["hts", "origin", "customs_value"])).unwrap_err();
        assert!(e.contains("missing required column `entry_date`"), "{e}");
        let e = FlowColumns::from_header(&rec(&["hts", "origin", "entry_date", "customs_value", "HTS"])).unwrap_err();
        assert!(e.contains("column `hts` appears twice"), "{e}");
    }

    #[test]
    fn integer_bounds_agree_with_decimal_comparisons() {
        for text in [
            "0",
            "0.00",
            "0.001",
            "0.0099",
            "0.01",
            "0.010",
            "1",
            "999999999999999.99",
            "1000000000000000",
            "1000000000000000.00",
            "1000000000000000.01",
            "1000000000000001",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "12.3456789",
        ] {
            let v: Decimal = text.parse().unwrap();
            assert_eq!(above_max(v), v > max_amount(), "{text}");
            assert_eq!(below_a_cent(v), !v.is_zero() && v < Decimal::new(1, 2), "{text}");
        }
    }

    #[test]
    fn customs_values_below_a_cent_are_refused() {
        let cols = FlowColumns::from_header(&rec(&["hts", "origin", "entry_date", "customs_value"])).unwrap();
        for ok in ["0", "0.00", "0.01", "0.010", "12.345"] {
            assert!(cols.parse(&rec(&["8703.23.01", "JP", "2025-04-16", ok])).is_ok(), "{ok}");
        }
        for tiny in ["0.001", "0.0099", "0.0000000000000000000000000001"] {
            let e = cols.parse(&rec(&["8703.23.01", "JP", "2025-04-16", tiny])).unwrap_err();
            assert_eq!(e.column, "customs_value");
            assert!(e.reason.contains("below one cent"), "{}", e.reason);
        }
    }

    #[test]
    fn field_errors_name_the_column() {
        let cols =
            FlowColumns::from_header(&rec(&["hts", "origin", "entry_date", "customs_value", "us_content_value"]))
                .unwrap();
        let e = cols.parse(&rec(&["8703.23.01", "JP", "2025-02-30", "1", ""])).unwrap_err();
        assert_eq!(e.column, "entry_date");
        let e = cols.parse(&rec(&["8703.23.01", "JP", "2025-04-16", "100", "150"])).unwrap_err();
        assert_eq!(e.column, "us_content_value");
        let e = cols.parse(&rec(&["8703.23.01", "XX", "2025-04-16", "100", ""])).unwrap_err();
        assert_eq!(e.column, "origin");
    }
}
