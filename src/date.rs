//! Civil dates (`YYYY-MM-DD`) without time or time zone.
//!
//! Every tariff instrument used here takes effect "on or after 12:01 a.m. eastern time on date D" and
//! ends "before 12:01 a.m. on date E"; with date-only entry dates that is the half-open window
//! `[D, E)`, so a calendar date is all the engine needs. The type is a day count, which makes
//! comparisons and ordering trivial and cheap on the per-row path.

use std::fmt;

/// A proleptic Gregorian calendar date, stored as days since 1970-01-01 (the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(i32);

/// Why a text is not a valid date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` (e.g. `2025/04/16`, `16.04.2025`).
    Format,
    /// Well formed, but no such day (e.g. `2025-02-30`).
    NoSuchDay,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::Format => f.write_str("expected a date as YYYY-MM-DD"),
            DateError::NoSuchDay => f.write_str("no such day in the calendar"),
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// Builds a date from year, month (1-12) and day (1-31), checking that the day exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(DateError::NoSuchDay);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay);
        }
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Ok(Date(era * 146_097 + doe - 719_468))
    }

    /// Parses exactly `YYYY-MM-DD` (surrounding spaces are trimmed).
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let b = crate::money::trim(text).as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Format);
        }
        // Eight ASCII digits: their values all below 10 (a byte below `0` wraps above).
        let d = |i: usize| u32::from(b[i].wrapping_sub(b'0'));
        let v = [d(0), d(1), d(2), d(3), d(5), d(6), d(8), d(9)];
        if v.iter().all(|&x| x < 10) {
            let year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
            return Date::from_ymd(year as i32, v[4] * 10 + v[5], v[6] * 10 + v[7]);
        }
        let num = |s: &[u8]| -> Result<u32, DateError> {
            s.iter().try_fold(0u32, |acc, &c| {
                if c.is_ascii_digit() { Ok(acc * 10 + u32::from(c - b'0')) } else { Err(DateError::Format) }
            })
        };
        let year = num(&b[0..4])?;
        let month = num(&b[5..7])?;
        let day = num(&b[8..10])?;
        Date::from_ymd(year as i32, month, day)
    }

    /// The (year, month, day) of this date.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// Days since 1970-01-01 (negative before): consecutive dates differ by one.
    pub fn days(self) -> i32 {
        self.0
    }

    /// The date `days` after 1970-01-01, within the years 1 to 9999 that [`Date::from_ymd`]
    /// takes (`None` outside them).
    pub fn from_days(days: i64) -> Option<Date> {
        const FIRST: i64 = -719_162; // 0001-01-01
        const LAST: i64 = 2_932_896; // 9999-12-31
        if (FIRST..=LAST).contains(&days) { Some(Date(days as i32)) } else { None }
    }

    /// The next calendar day.
    pub fn succ(self) -> Date {
        Date(self.0 + 1)
    }

    /// The previous calendar day.
    pub fn pred(self) -> Date {
        Date(self.0 - 1)
    }

    /// `YYYY-MM` of this date (for monthly summaries).
    pub fn year_month(self) -> String {
        let (y, m, _) = self.ymd();
        format!("{y:04}-{m:02}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for text in ["1970-01-01", "2024-02-29", "2025-04-09", "2026-02-23", "9999-12-31", "0001-01-01"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        let a = Date::parse("2025-04-09").unwrap();
        assert_eq!(a.succ().to_string(), "2025-04-10");
        assert_eq!(a.pred().to_string(), "2025-04-08");
        assert!(a < a.succ());
        assert_eq!(Date::parse("2025-03-01").unwrap().pred().to_string(), "2025-02-28");
    }

    #[test]
    fn refuses_bad_dates() {
        assert_eq!(Date::parse("2025-02-30"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2025/04/16"), Err(DateError::Format));
        assert_eq!(Date::parse("2025-4-16"), Err(DateError::Format));
        assert_eq!(Date::parse("2025-04-1a"), Err(DateError::Format));
        assert_eq!(Date::parse(""), Err(DateError::Format));
        // A byte other than a digit anywhere (below `0`, above `9`, a sign) is a format error.
        for at in [0, 1, 2, 3, 5, 6, 8, 9] {
            for bad in [b'/', b':', b'+', b' ', b'a', 0xff] {
                let mut text = *b"2025-04-16";
                text[at] = bad;
                let text = String::from_utf8_lossy(&text).into_owned();
                assert!(Date::parse(&text).is_err(), "{text:?}");
            }
        }
    }

    #[test]
    fn every_day_of_four_centuries_parses_to_itself() {
        let mut day = Date::parse("1900-01-01").unwrap();
        for _ in 0..146_097 {
            assert_eq!(Date::parse(&day.to_string()), Ok(day));
            day = day.succ();
        }
        assert_eq!(day.to_string(), "2300-01-01");
    }
}
