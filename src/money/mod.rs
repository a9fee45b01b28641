//! Money and rates: every `Decimal` rule of the crate lives here.
//!
//! * Money is `rust_decimal::Decimal`, parsed from the text of a CSV field and never through a float.
//! * A rate is a fraction (`24%` is `0.24`); user texts carry `%` and are converted at the boundary.
//! * Rounding: each duty line is computed exactly and rounded **half-up to the cent** (midpoint away
//!   from zero; duties are never negative). No authoritative CBP rule for line rounding was found
//!   (`research/tariff-facts.md` section 6 #11); half-up per line is the usual broker practice and is
//!   what the known-rate cases assume. The total is the sum of the rounded lines.
//! * The effective rate is `total / customs value`, rounded half-up to 6 places.
//!
//! The rules live by concern: [`parse`](parse_amount) (text to money), rounding and sums
//! ([`round_cents`], [`mul_round_cents`], [`effective_rate`], [`MoneySum`]), [`Rate`] (percent texts),
//! and formatting ([`push_fixed`]).

mod format;
mod parse;
mod rate;
mod round;

pub(crate) use format::push_scaled_integer;
pub use format::{push_fixed, push_fixed_bytes, thousands};
pub use parse::{MoneyError, parse_amount, trim};
pub use rate::{Rate, percent};
pub use round::{MoneySum, effective_rate, exact_cents, mul_round_cents, round_cents};

/// Powers of ten that fit in a `u128`: `POW10[n]` = 10^n.
pub(crate) const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};
