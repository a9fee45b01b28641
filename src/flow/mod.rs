//! The flow boundary: a trade flow's checked form ([`Flow`]) and the one way to get one, from a CSV
//! record ([`FlowColumns`]: column names to fields, every value checked), from a flow file read in
//! chunks of whole records ([`reader`], [`RowParser`]), or from named values such as `explain`'s
//! flags ([`Flow::check`]), all through the same checks. A row that fails them becomes a
//! [`Reject`] with its line, column, value and reason; the engine never sees it.
//!
//! Column names are matched case-insensitively after trimming (and a UTF-8 byte-order mark on the
//! first one is ignored); order is free; unknown columns pass through untouched. The columns are
//! listed in `docs/contracts.md`.
//!
//! Files in other layouts cross the same boundary: [`input`] opens a batch command's file (a flow
//! file separated by `,`, `;` or tabs, a Parquet file, an ACE ES-003 report, or Census trade
//! data), [`es003`] converts a report's rows (CSV, or an Excel sheet read by [`xlsx`]) into flow
//! records on the way in, [`parquet`] a Parquet file's row groups, [`census`] the Census API's
//! JSON or CSV rows, and [`hints`] words the fix for a value whose meaning is plain but whose
//! spelling is not the one read.

mod arrow_row;
pub mod census;
mod columns;
pub mod es003;
pub mod hints;
pub mod input;
pub mod parquet;
pub mod reader;
mod row;
pub mod xlsx;

pub use arrow_row::{ArrowFields, typed_amount};
pub use columns::{FieldError, FieldSource, FlowColumns, OPTIONAL, REQUIRED};
pub use row::{ParsedRow, Reject, RowFields, RowParser};

use crate::codes::{Country, Declared, HtsCode, Program};
use crate::date::Date;
use crate::rate_text::RateExpr;
use crate::units::Unit;
use rust_decimal::Decimal;

/// One trade flow, checked.
#[derive(Clone, Debug)]
pub struct Flow {
    /// HTS code (4 to 10 digits).
    pub hts: HtsCode,
    /// Country of origin.
    pub origin: Country,
    /// Date of entry for consumption.
    pub entry_date: Date,
    /// Customs value, USD.
    pub customs_value: Decimal,
    /// Quantity, for specific duties.
    pub quantity: Option<Decimal>,
    /// Unit of `quantity`.
    pub quantity_unit: Option<Unit>,
    /// The unit as written, kept only when it is not a unit this tool knows ([`Unit::Other`]), for
    /// the message that refuses it.
    pub unknown_unit: Option<Box<str>>,
    /// Special program claimed.
    pub spi: Option<Program>,
    /// US content, USD.
    pub us_content_value: Option<Decimal>,
    /// Date loaded on the final mode of transport.
    pub loaded_date: Option<Date>,
    /// Row-level override of the column-1 rate.
    pub mfn_rate: Option<RateExpr>,
    /// Value of the steel content, USD (Section 232 steel derivatives).
    pub steel_content_value: Option<Decimal>,
    /// Value of the aluminum content, USD.
    pub aluminum_content_value: Option<Decimal>,
    /// Value of the copper content, USD.
    pub copper_content_value: Option<Decimal>,
    /// Chapter 99 headings declared on the line (certifications, claims: a branch that needs one
    /// applies only when it is declared).
    pub declared: Declared,
}

impl Flow {
    /// A flow with the four required fields, for tests and the `explain` command.
    pub fn new(hts: HtsCode, origin: Country, entry_date: Date, customs_value: Decimal) -> Flow {
        Flow {
            hts,
            origin,
            entry_date,
            customs_value,
            quantity: None,
            quantity_unit: None,
            unknown_unit: None,
            spi: None,
            us_content_value: None,
            loaded_date: None,
            mfn_rate: None,
            steel_content_value: None,
            aluminum_content_value: None,
            copper_content_value: None,
            declared: Declared::default(),
        }
    }
}

impl Flow {
    /// Makes this flow equal to `other`, keeping this one's allocations: the derived `clone_from`
    /// builds a whole new flow and moves it in, a cost on the per-row path of ranges. Every field
    /// is named, so a new field cannot be forgotten here.
    pub fn copy_from(&mut self, other: &Flow) {
        let Flow {
            hts,
            origin,
            entry_date,
            customs_value,
            quantity,
            quantity_unit,
            unknown_unit,
            spi,
            us_content_value,
            loaded_date,
            mfn_rate,
            steel_content_value,
            aluminum_content_value,
            copper_content_value,
            declared,
        } = other;
        self.hts = *hts;
        self.origin = *origin;
        self.entry_date = *entry_date;
        self.customs_value = *customs_value;
        self.quantity = *quantity;
        self.quantity_unit = *quantity_unit;
        self.unknown_unit.clone_from(unknown_unit);
        self.spi = *spi;
        self.us_content_value = *us_content_value;
        self.loaded_date = *loaded_date;
        self.mfn_rate.clone_from(mfn_rate);
        self.steel_content_value = *steel_content_value;
        self.aluminum_content_value = *aluminum_content_value;
        self.copper_content_value = *copper_content_value;
        self.declared = *declared;
    }

    /// An empty flow to be filled by [`FlowColumns::parse_into`].
    pub fn placeholder() -> Flow {
        Flow::new(HtsCode::default(), Country::from_index(0), Date::default(), Decimal::ZERO)
    }
}

/// The largest customs value or quantity priced: 10^15 (a quadrillion). Duties are computed exactly
/// in 96-bit decimals; far above this, products of value and rate would lose digits, so larger
/// numbers are refused rather than priced wrong.
pub fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000u64)
}

/// `v > max_amount()` for a non-negative `v`, in integer arithmetic (a per-row check).
pub(crate) fn above_max(v: Decimal) -> bool {
    // v = m / 10^s > 10^15  <=>  m > 10^(15 + s); a 96-bit mantissa is below 10^29.
    let exponent = 15 + v.scale();
    exponent < 29 && v.mantissa().unsigned_abs() > crate::money::POW10[exponent as usize]
}

/// `0 < v < 0.01` for a non-negative `v`, in integer arithmetic.
pub(crate) fn below_a_cent(v: Decimal) -> bool {
    let m = v.mantissa().unsigned_abs();
    m != 0 && v.scale() > 2 && m < crate::money::POW10[(v.scale() - 2) as usize]
}

impl Flow {
    /// Checks a flow given as named values, under the CSV column names (`hts`, `origin`,
    /// `entry_date`, `customs_value`, and any optional column), with exactly the checks a CSV row
    /// gets: `explain` builds its flow this way, so it accepts what `run` accepts and nothing else.
    pub fn check(fields: &[(&str, &str)]) -> Result<Flow, FieldError> {
        let header: csv::ByteRecord = fields.iter().map(|(name, _)| *name).collect();
        let record: csv::ByteRecord = fields.iter().map(|(_, value)| *value).collect();
        let columns = FlowColumns::from_header(&header).map_err(|reason| FieldError {
            column: "",
            value: String::new(),
            reason,
        })?;
        columns.parse(&record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_from_makes_every_field_equal() {
        let mut full = Flow::new(
            HtsCode::parse("7308.90.95").unwrap(),
            Country::parse("CA").unwrap(),
            Date::parse("2025-06-04").unwrap(),
            Decimal::new(123_456, 2),
        );
        full.quantity = Some(Decimal::new(7, 0));
        full.quantity_unit = Some(Unit::Kilogram);
        full.unknown_unit = Some("lbs".into());
        full.spi = Some(Program::USMCA);
        full.us_content_value = Some(Decimal::new(10, 0));
        full.loaded_date = Some(Date::parse("2025-06-01").unwrap());
        full.mfn_rate = Some(RateExpr::parse("2.5%").unwrap());
        full.steel_content_value = Some(Decimal::new(20, 0));
        full.aluminum_content_value = Some(Decimal::new(30, 0));
        full.copper_content_value = Some(Decimal::new(40, 0));
        full.declared = Declared::parse("9903.81.91").unwrap();
        // Into an empty flow and back into one that had other values.
        let mut copy = Flow::placeholder();
        copy.copy_from(&full);
        assert_eq!(format!("{copy:?}"), format!("{full:?}"));
        let plain = Flow::placeholder();
        copy.copy_from(&plain);
        assert_eq!(format!("{copy:?}"), format!("{plain:?}"));
    }
}
