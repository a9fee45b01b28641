//! Messages that carry the fix: for a value that is refused but whose meaning is plain (`UK`,
//! `03/15/2025`, `$1,200.50`), the value to write instead. Nothing is converted silently: the row is
//! still refused (a flow file has one spelling for each value, so that no value is ever guessed),
//! and the message says what to write. Only called on the error path.

use crate::date::Date;
use crate::money::parse_amount;

/// Codes that are not ISO 3166-1 alpha-2 but are often written for a country of origin, with the
/// code meant (or, when there is no single one, what to give).
const COUNTRY_FIXES: &[(&str, &str, &str)] = &[
    // Reserved by ISO for the United Kingdom (and used by the EU), never assigned.
    ("UK", "GB", "the United Kingdom is GB in ISO 3166-1"),
    // The EU's own code for Greece (Eurostat, VAT numbers).
    ("EL", "GR", "Greece is GR in ISO 3166-1; EL is the EU's code"),
    // Withdrawn codes whose country goes on under a new one.
    ("FX", "FR", "metropolitan France (FX) was withdrawn; France is FR"),
    ("ZR", "CD", "Zaire (ZR) is now the Democratic Republic of the Congo, CD"),
    ("TP", "TL", "East Timor (TP) is now Timor-Leste, TL"),
    ("BU", "MM", "Burma (BU) is now Myanmar, MM"),
    // Alpha-3 codes of the largest sources of US imports.
    ("CHN", "CN", "ISO alpha-3 CHN is CN in alpha-2"),
    ("JPN", "JP", "ISO alpha-3 JPN is JP in alpha-2"),
    ("DEU", "DE", "ISO alpha-3 DEU is DE in alpha-2"),
    ("GER", "DE", "Germany is DE in ISO 3166-1"),
    ("MEX", "MX", "ISO alpha-3 MEX is MX in alpha-2"),
    ("CAN", "CA", "ISO alpha-3 CAN is CA in alpha-2"),
    ("KOR", "KR", "ISO alpha-3 KOR is KR in alpha-2"),
    ("VNM", "VN", "ISO alpha-3 VNM is VN in alpha-2"),
    ("IND", "IN", "ISO alpha-3 IND is IN in alpha-2"),
    ("TWN", "TW", "ISO alpha-3 TWN is TW in alpha-2"),
    ("GBR", "GB", "ISO alpha-3 GBR is GB in alpha-2"),
    ("FRA", "FR", "ISO alpha-3 FRA is FR in alpha-2"),
    ("ITA", "IT", "ISO alpha-3 ITA is IT in alpha-2"),
    ("IRL", "IE", "ISO alpha-3 IRL is IE in alpha-2"),
    ("CHE", "CH", "ISO alpha-3 CHE is CH in alpha-2"),
    ("THA", "TH", "ISO alpha-3 THA is TH in alpha-2"),
    ("MYS", "MY", "ISO alpha-3 MYS is MY in alpha-2"),
    ("BRA", "BR", "ISO alpha-3 BRA is BR in alpha-2"),
    ("NLD", "NL", "ISO alpha-3 NLD is NL in alpha-2"),
    ("USA", "US", "ISO alpha-3 USA is US in alpha-2"),
];

/// Codes with no single country: what to give instead.
const COUNTRY_NOT_ONE: &[(&str, &str)] = &[
    ("EU", "`EU` is not a country of origin; give the member state where the goods were made (DE, FR, IT ...)"),
    ("AN", "the Netherlands Antilles (AN) were dissolved; give CW, SX or BQ"),
    ("SU", "the Soviet Union (SU) is no more; give the successor state (RU, UA, KZ ...)"),
    ("YU", "Yugoslavia (YU) is no more; give the successor state (RS, ME, BA, MK, HR, SI)"),
];

/// The reason for a country code that is refused, with the fix when the code's meaning is plain
/// (`UK` -> `GB`); `None` when there is nothing better to say than the usual message.
pub fn country(text: &str) -> Option<String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    if let Some((_, fix, why)) = COUNTRY_FIXES.iter().find(|(code, _, _)| *code == upper) {
        return Some(format!("`{t}` is not an ISO 3166-1 alpha-2 code; did you mean `{fix}`? ({why})"));
    }
    COUNTRY_NOT_ONE.iter().find(|(code, _)| *code == upper).map(|(_, what)| what.to_string())
}

/// The fix for a date that is not written `YYYY-MM-DD` but whose reading is plain: `03/15/2025`
/// (US month/day), `15.03.2025` (day.month), `2025/03/15`. A slashed date whose two first numbers
/// could both be months is given both ways.
pub fn date(text: &str) -> Option<String> {
    let t = text.trim();
    let iso = |y: u32, m: u32, d: u32| {
        Date::from_ymd(y as i32, m, d).ok().filter(|_| (1000..=9999).contains(&y)).map(|x| x.to_string())
    };
    let nums = |sep: char| -> Option<Vec<u32>> {
        let parts: Vec<&str> = t.split(sep).collect();
        if parts.len() != 3
            || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        parts.iter().map(|p| p.parse().ok()).collect()
    };
    if let Some(v) = nums('/') {
        if t.split('/').next().is_some_and(|p| p.len() == 4) {
            return iso(v[0], v[1], v[2]).map(|d| format!("write dates as {d}"));
        }
        let us = iso(v[2], v[0], v[1]);
        let eu = iso(v[2], v[1], v[0]);
        return match (us, eu) {
            (Some(a), Some(b)) if a != b => Some(format!("write {a} if it is month/day (US), {b} if it is day/month")),
            (Some(a), _) => Some(format!("write dates as {a}")),
            (None, Some(b)) => Some(format!("write dates as {b}")),
            (None, None) => None,
        };
    }
    for sep in ['.', '-'] {
        if let Some(v) = nums(sep)
            && t.split(sep).next().is_none_or(|p| p.len() != 4)
        {
            return iso(v[2], v[1], v[0]).map(|d| format!("write dates as {d}"));
        }
    }
    None
}

/// The fix for an amount written as a person reads it: `$1,200.50` -> "remove the currency sign
/// and separators: 1200.50"; `1234,56` (a decimal comma) -> "write the decimal point as `.`:
/// 1234.56". `None` when the value has no plain reading.
pub fn amount(text: &str) -> Option<String> {
    let t = text.trim();
    let (rest, sign) = match t.strip_prefix("US$").or_else(|| t.strip_prefix('$')).or_else(|| t.strip_prefix("USD")) {
        Some(r) => (r.trim_start(), true),
        None => (t.strip_suffix("USD").map(str::trim_end).unwrap_or(t), t.ends_with("USD")),
    };
    let fixed = |v: &str, what: &str| parse_amount(v).ok().map(|_| what.replace("{v}", v));
    if thousands_grouped(rest, ',', '.') {
        if !rest.contains('.') && rest.matches(',').count() == 1 {
            let (a, b) = rest.split_once(',').unwrap_or((rest, ""));
            return Some(format!(
                "write the number plainly: {a}{b} if the comma separates thousands, {a}.{b} if it is a decimal comma"
            ));
        }
        let plain = rest.replace(',', "");
        let what =
            if sign { "remove the currency sign and separators: {v}" } else { "remove the thousands separators: {v}" };
        return fixed(&plain, what);
    }
    // A decimal comma: `1234,56` or `1.234,56` (one or two places after the comma, so that it cannot
    // be a thousands separator).
    if let Some((int, frac)) = rest.rsplit_once(',')
        && (1..=2).contains(&frac.len())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (int.bytes().all(|b| b.is_ascii_digit()) || thousands_grouped(int, '.', ','))
        && !int.is_empty()
    {
        let plain = format!("{}.{frac}", int.replace('.', ""));
        let what = if sign {
            "remove the currency sign and write the decimal point as `.`: {v} (a decimal comma is not converted: `1,234` could be either)"
        } else {
            "write the decimal point as `.`: {v} (a decimal comma is not converted: `1,234` could be either)"
        };
        return fixed(&plain, what);
    }
    if sign {
        return fixed(rest, "remove the currency sign: {v}");
    }
    None
}

/// `1,234` / `1,234,567.89`: digits grouped by three with `sep`, an optional `point` and digits.
pub(crate) fn thousands_grouped(text: &str, sep: char, point: char) -> bool {
    let int = text.split_once(point).map_or(text, |(i, f)| if f.bytes().all(|b| b.is_ascii_digit()) { i } else { "" });
    let mut groups = int.split(sep);
    let Some(first) = groups.next() else { return false };
    let mut n = 0;
    let ok_first = (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit());
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        n += 1;
    }
    ok_first && n > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        assert!(country("UK").unwrap().contains("did you mean `GB`?"));
        assert!(country("el").unwrap().contains("did you mean `GR`?"));
        assert!(country("CHN").unwrap().contains("did you mean `CN`?"));
        assert!(country("EU").unwrap().contains("member state"));
        assert_eq!(country("QQ"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(date("03/15/2025").as_deref(), Some("write dates as 2025-03-15"));
        assert_eq!(
            date("3/5/2025").as_deref(),
            Some("write 2025-03-05 if it is month/day (US), 2025-05-03 if it is day/month")
        );
        assert_eq!(date("15.03.2025").as_deref(), Some("write dates as 2025-03-15"));
        assert_eq!(date("2025/03/15").as_deref(), Some("write dates as 2025-03-15"));
        assert_eq!(date("02/30/2025"), None);
        assert_eq!(date("yesterday"), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(amount("$1,200.50").as_deref(), Some("remove the currency sign and separators: 1200.50"));
        assert_eq!(amount("1,200.50").as_deref(), Some("remove the thousands separators: 1200.50"));
        assert_eq!(amount("$850.00").as_deref(), Some("remove the currency sign: 850.00"));
        assert!(amount("1234,56").unwrap().starts_with("write the decimal point as `.`: 1234.56 ("));
        assert!(amount("1.234,5").unwrap().contains(": 1234.5 ("));
        assert_eq!(amount("1,23,4"), None);
        assert!(amount("1,234").unwrap().contains("1234 if the comma separates thousands, 1.234 if"));
        assert_eq!(amount("abc"), None);
    }
}
