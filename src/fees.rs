//! User fees charged beside the duties: the Merchandise Processing Fee (MPF) and the Harbor
//! Maintenance Fee (HMF). Facts and sources: `docs/research/assumptions-fees-2026-12.md` §4.
//!
//! - **MPF** (19 U.S.C. 58c(a)(9); 19 CFR 24.23(b)(1)): 0.3464% of the value of the goods on a formal
//!   entry, the entry's total held between a minimum and a maximum that CBP adjusts for inflation each
//!   fiscal year (1 October - 30 September; 19 CFR 24.22(k)). The rate is not indexed. Goods that
//!   qualify for the USMCA (program `S` claimed on a Canadian or Mexican row) are exempt (19 U.S.C.
//!   58c(b)(10); 19 CFR 24.23(c)). Other free-trade-agreement exemptions are not modelled (see
//!   [`MpfLine::OtherClaim`]).
//! - **HMF** (26 U.S.C. 4461; 19 CFR 24.24(a)): 0.125% of the value of cargo unloaded from a
//!   commercial vessel, no minimum or maximum; air, truck and rail pay none. Without a transport mode
//!   it is not computed (never taken as zero).
//!
//! Rounding: each line's ad valorem amount is rounded half-up to the cent; an entry's MPF is the sum
//! of its lines' amounts, then held between the fiscal year's minimum and maximum.

use crate::codes::{Country, Program};
use crate::date::Date;
use crate::money::mul_round_cents;
use rust_decimal::Decimal;

/// The MPF amounts of one fiscal year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpfYear {
    /// The fiscal year (FY2026 runs from 2025-10-01 to 2026-09-30).
    pub fiscal_year: u16,
    /// The least MPF of a formal entry, USD.
    pub minimum: Decimal,
    /// The most MPF of a formal entry, USD.
    pub maximum: Decimal,
    /// The notice that set them.
    pub source: &'static str,
}

/// The MPF ad valorem rate, 0.3464% (19 U.S.C. 58c(a)(9)(A); not indexed).
pub const MPF_RATE: Decimal = Decimal::from_parts(3464, 0, 0, false, 6);

/// The HMF rate, 0.125% (19 CFR 24.24(a)).
pub const HMF_RATE: Decimal = Decimal::from_parts(125, 0, 0, false, 5);

/// The fiscal years whose MPF minimum and maximum were read in a primary source.
pub const MPF_YEARS: [MpfYear; 2] = [
    MpfYear {
        fiscal_year: 2025,
        minimum: Decimal::from_parts(3271, 0, 0, false, 2),
        maximum: Decimal::from_parts(63462, 0, 0, false, 2),
        source: "CBP, Customs User Fees To Be Adjusted for Inflation in Fiscal Year 2025, 89 FR (2024-07-22), FR Doc. 2024-15990; CSMS #61572319",
    },
    MpfYear {
        fiscal_year: 2026,
        minimum: Decimal::from_parts(3358, 0, 0, false, 2),
        maximum: Decimal::from_parts(65150, 0, 0, false, 2),
        source: "CBP Dec. 25-10, 90 FR 34665 (2025-07-23), FR Doc. 2025-13869; CSMS #65741993",
    },
];

/// The fiscal year of an entry date (October starts the next year's).
pub fn fiscal_year(date: Date) -> u16 {
    let (y, m, _) = date.ymd();
    let y = u16::try_from(y).unwrap_or(0);
    if m >= 10 { y + 1 } else { y }
}

/// The MPF amounts for an entry date: the year's own, or for a later year whose notice was not read
/// the last year known (`assumed` is then true: the minimum and maximum are known to rise each
/// year, so a clamped fee is then a low figure). `None` before the first year known.
pub fn mpf_year(date: Date) -> Option<(MpfYear, bool)> {
    let fy = fiscal_year(date);
    let last = MPF_YEARS[MPF_YEARS.len() - 1];
    match MPF_YEARS.iter().find(|y| y.fiscal_year == fy) {
        Some(y) => Some((*y, false)),
        None if fy > last.fiscal_year => Some((last, true)),
        None => None,
    }
}

/// What the MPF is on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpfLine {
    /// The line's ad valorem amount (before the entry's minimum and maximum).
    Due(Decimal),
    /// USMCA claimed on Canadian or Mexican goods: exempt (19 U.S.C. 58c(b)(10)).
    UsmcaExempt,
    /// Another preference program is claimed: several free-trade agreements exempt originating
    /// goods, which is not modelled; the line is charged (a high figure) and counted.
    OtherClaim(Decimal),
    /// The entry date is before the first fiscal year known.
    NotComputed,
}

impl MpfLine {
    /// The line's MPF for goods of `value` from `origin` claiming `spi`, entered on `date`.
    pub fn of(value: Decimal, origin: Country, spi: Option<Program>, date: Date) -> MpfLine {
        if mpf_year(date).is_none() {
            return MpfLine::NotComputed;
        }
        let amount = mul_round_cents(MPF_RATE, value);
        match spi {
            Some(p) if p == Program::USMCA && matches!(origin.as_str(), "CA" | "MX") => MpfLine::UsmcaExempt,
            Some(_) => MpfLine::OtherClaim(amount),
            None => MpfLine::Due(amount),
        }
    }

    /// The amount charged on the line (zero when exempt or not computed).
    pub fn amount(self) -> Option<Decimal> {
        match self {
            MpfLine::Due(a) | MpfLine::OtherClaim(a) => Some(a),
            MpfLine::UsmcaExempt => Some(Decimal::ZERO),
            MpfLine::NotComputed => None,
        }
    }
}

/// An entry's MPF from the sum of its lines' amounts: held between the year's minimum and maximum.
/// Returns the fee and whether the minimum (-1) or the maximum (+1) bound it (0: neither).
pub fn mpf_entry(lines_sum: Decimal, year: &MpfYear) -> (Decimal, i8) {
    if lines_sum < year.minimum {
        (year.minimum, -1)
    } else if lines_sum > year.maximum {
        (year.maximum, 1)
    } else {
        (lines_sum, 0)
    }
}

/// How the goods arrived, for the HMF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportMode {
    /// By commercial vessel (HMF due).
    Vessel,
    /// By air, truck, rail, mail or pipeline (no HMF).
    Other,
}

impl TransportMode {
    /// Reads a mode: words (`vessel`, `ocean`, `sea`; `air`, `truck`, `road`, `rail`, `mail`,
    /// `pipeline`) or the Census/ACE mode-of-transport codes (10 and 11 vessel; 20-21 rail, 30-34
    /// truck, 40-41 air, 50 mail, 60 passenger, 70 pipeline). Code 12 (border, waterborne) is refused:
    /// whether the HMF applies depends on the port.
    pub fn parse(text: &str) -> Result<TransportMode, String> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "vessel" | "ocean" | "sea" | "10" | "11" => Ok(TransportMode::Vessel),
            "air" | "truck" | "road" | "rail" | "mail" | "pipeline" | "20" | "21" | "30" | "31" | "32" | "33"
            | "34" | "40" | "41" | "50" | "60" | "70" => Ok(TransportMode::Other),
            "12" => Err("mode 12 (border, waterborne): whether the HMF applies depends on the port; write vessel or the land mode".into()),
            _ => Err(format!(
                "`{}` is not a transport mode: write vessel, air, truck, rail, mail or pipeline, or a Census mode code (10, 11 vessel; 20 rail; 30 truck; 40 air)",
                text.trim()
            )),
        }
    }
}

/// The HMF of a line of `value` arriving by `mode`.
pub fn hmf(value: Decimal, mode: TransportMode) -> Decimal {
    match mode {
        TransportMode::Vessel => mul_round_cents(HMF_RATE, value),
        TransportMode::Other => Decimal::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn rates_are_the_regulations() {
        assert_eq!(MPF_RATE, d("0.003464"));
        assert_eq!(HMF_RATE, d("0.00125"));
    }

    #[test]
    fn fiscal_years_turn_on_the_first_of_october() {
        assert_eq!(fiscal_year(date("2025-09-30")), 2025);
        assert_eq!(fiscal_year(date("2025-10-01")), 2026);
        let (y, assumed) = mpf_year(date("2025-10-01")).unwrap();
        assert_eq!((y.minimum, y.maximum, assumed), (d("33.58"), d("651.50"), false));
        let (y, assumed) = mpf_year(date("2025-04-10")).unwrap();
        assert_eq!((y.minimum, y.maximum, assumed), (d("32.71"), d("634.62"), false));
        // FY2027's notice was not read: FY2026's amounts, said to be assumed.
        let (y, assumed) = mpf_year(date("2026-10-01")).unwrap();
        assert_eq!((y.fiscal_year, assumed), (2026, true));
        assert!(mpf_year(date("2024-09-30")).is_none());
    }

    #[test]
    fn mpf_lines_and_entries() {
        let jp = Country::parse("JP").unwrap();
        let mx = Country::parse("MX").unwrap();
        let on = date("2025-11-03");
        // 0.3464% of 100,000.00 = 346.40.
        assert_eq!(MpfLine::of(d("100000"), jp, None, on), MpfLine::Due(d("346.40")));
        // 0.3464% of 1,234.56 = 4.27650... -> 4.28.
        assert_eq!(MpfLine::of(d("1234.56"), jp, None, on).amount(), Some(d("4.28")));
        assert_eq!(MpfLine::of(d("5000"), mx, Some(Program::USMCA), on), MpfLine::UsmcaExempt);
        assert_eq!(MpfLine::of(d("5000"), jp, Program::parse("JP").ok(), on), MpfLine::OtherClaim(d("17.32")));
        let fy26 = mpf_year(on).unwrap().0;
        assert_eq!(mpf_entry(d("4.28"), &fy26), (d("33.58"), -1));
        assert_eq!(mpf_entry(d("346.40"), &fy26), (d("346.40"), 0));
        assert_eq!(mpf_entry(d("3464.00"), &fy26), (d("651.50"), 1));
    }

    #[test]
    fn hmf_by_vessel_only() {
        assert_eq!(hmf(d("100000"), TransportMode::parse("vessel").unwrap()), d("125.00"));
        assert_eq!(hmf(d("1234.56"), TransportMode::parse("11").unwrap()), d("1.54"));
        assert_eq!(hmf(d("100000"), TransportMode::parse("Air").unwrap()), Decimal::ZERO);
        assert!(TransportMode::parse("12").unwrap_err().contains("port"));
        assert!(TransportMode::parse("boat").unwrap_err().contains("vessel"));
    }

    #[test]
    fn the_usmca_program_constant_is_the_parsed_code() {
        assert_eq!(Program::USMCA, Program::parse("S").unwrap());
        assert_eq!(Program::USMCA, Program::parse("s").unwrap());
    }
}
