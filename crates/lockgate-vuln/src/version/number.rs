//! Unbounded non-negative integers as they appear in version strings.
//!
//! Version numbers are untrusted and may be longer than any machine integer
//! (`999999999999999999999999999991`), so a number that does not fit a `u64` keeps its
//! digits: without leading zeros, a longer digit string is a larger number, and two of
//! the same length compare byte by byte.

use std::cmp::Ordering;
use std::fmt;

/// A parsed run of ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Number {
    /// Fits in a `u64`.
    Small(u64),
    /// Larger than `u64::MAX`: the digits without leading zeros.
    Big(Box<str>),
}

impl Number {
    pub(crate) const ZERO: Number = Number::Small(0);

    /// Parses a run of ASCII digits; the empty string is zero. Callers pass only digits.
    pub(crate) fn from_digits(digits: &str) -> Number {
        let significant = digits.trim_start_matches('0');
        if significant.is_empty() {
            return Number::ZERO;
        }
        match significant.parse::<u64>() {
            Ok(value) => Number::Small(value),
            Err(_) => Number::Big(significant.into()),
        }
    }

    /// Parses `text` when it is a non-empty run of ASCII digits.
    pub(crate) fn parse(text: &str) -> Option<Number> {
        is_digits(text).then(|| Number::from_digits(text))
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Number::Small(0))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Number::Small(a), Number::Small(b)) => a.cmp(b),
            // A big number never fits a u64, so it exceeds every small one.
            (Number::Small(_), Number::Big(_)) => Ordering::Less,
            (Number::Big(_), Number::Small(_)) => Ordering::Greater,
            (Number::Big(a), Number::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Small(value) => write!(f, "{value}"),
            Number::Big(digits) => f.write_str(digits),
        }
    }
}

/// Whether `text` is a non-empty run of ASCII digits.
pub(crate) fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two runs of ASCII digits as numbers without parsing them.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares two lists of numbers, padding the shorter one with zeros.
pub(crate) fn cmp_padded(a: &[Number], b: &[Number]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).unwrap_or(&Number::ZERO);
        let y = b.get(i).unwrap_or(&Number::ZERO);
        match x.cmp(y) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_numbers_compare_without_overflow() {
        let a = Number::from_digits("999999999999999999999999999991");
        let b = Number::from_digits("0999999999999999999999999999999");
        assert!(a < b);
        assert!(
            Number::from_digits("18446744073709551615")
                < Number::from_digits("18446744073709551616")
        );
        assert_eq!(Number::from_digits("000"), Number::ZERO);
        assert_eq!(cmp_digits("0010", "10"), Ordering::Equal);
        assert_eq!(cmp_digits("9", "10"), Ordering::Less);
    }
}
