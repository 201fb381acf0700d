//! Packagist (Composer) versions, ordered like PHP's `version_compare` after Composer's
//! normalisation: a leading `v` is dropped, `-`, `_` and `+` separate like `.`, and a
//! boundary between digits and letters separates too. Words order
//! `dev < alpha (a) < beta (b) < RC (rc) < number < patch (p, pl)` by their prefix;
//! unknown words rank with `dev`. Every word ranks apart from numbers, so the order is
//! total: a version that runs out of parts compares as if it continued with something
//! just below every number.

use std::cmp::Ordering;

use super::number::Number;

/// `version_compare`'s rank of a number, among the special words.
const NUMBER_RANK: u8 = 4;

#[derive(Clone, Debug)]
enum Part {
    Number(Number),
    /// The rank of a word (see the module docs).
    Word(u8),
    /// A word starting with `#`.
    Hash,
}

#[derive(Clone, Debug)]
pub(crate) struct PackagistVersion {
    parts: Vec<Part>,
}

impl PackagistVersion {
    pub(crate) fn parse(text: &str) -> PackagistVersion {
        let text = text.strip_prefix('v').unwrap_or(text);
        let text = text.strip_prefix('V').unwrap_or(text);
        let mut parts = Vec::new();
        for piece in text.split(['.', '-', '_', '+']) {
            let mut start = 0;
            let mut previous_digit = None;
            for (i, c) in piece.char_indices() {
                let digit = c.is_ascii_digit();
                if previous_digit.is_some_and(|p| p != digit) {
                    parts.push(to_part(&piece[start..i]));
                    start = i;
                }
                previous_digit = Some(digit);
            }
            parts.push(to_part(&piece[start..]));
        }
        // `#` is version_compare's internal stand-in for "any number": equal to every
        // number, so `1.2.3.# = 1.2.3` and `1.2.3.# = 1.2.3.1` although
        // `1.2.3 < 1.2.3.1`. No total order can keep both, and sorting needs one: a
        // `#` part is dropped, which keeps every other fixture line.
        parts.retain(|part| !matches!(part, Part::Hash));
        PackagistVersion { parts }
    }

    pub(crate) fn compare(&self, other: &PackagistVersion) -> Ordering {
        let (a, b) = (&self.parts, &other.parts);
        let common = a.len().min(b.len());
        for (x, y) in a.iter().zip(b) {
            let order = match (x, y) {
                (Part::Number(x), Part::Number(y)) => x.cmp(y),
                _ => rank(x).cmp(&rank(y)),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        // The longer version wins when it continues with a number or a patch word, and
        // loses when it continues with any other word (`1.0 < 1.0.1`, `1.0-RC1 < 1.0`).
        match a.len().cmp(&b.len()) {
            Ordering::Equal => Ordering::Equal,
            Ordering::Greater => compare_tail(&a[common..]),
            Ordering::Less => compare_tail(&b[common..]).reverse(),
        }
    }
}

fn compare_tail(tail: &[Part]) -> Ordering {
    for part in tail {
        match part {
            Part::Number(_) => return Ordering::Greater,
            // No word ranks with numbers, so the first word decides.
            Part::Word(rank) => return rank.cmp(&NUMBER_RANK),
            // Dropped when parsing.
            Part::Hash => {}
        }
    }
    Ordering::Equal
}

fn rank(part: &Part) -> u8 {
    match part {
        Part::Number(_) | Part::Hash => NUMBER_RANK,
        Part::Word(rank) => *rank,
    }
}

fn to_part(text: &str) -> Part {
    if let Some(number) = Number::parse(text) {
        return Part::Number(number);
    }
    if text.starts_with('#') {
        return Part::Hash;
    }
    let rank = if text.starts_with("RC") {
        3
    } else {
        match ["dev", "a", "b", "rc", "p"]
            .iter()
            .position(|special| text.starts_with(special))
        {
            Some(4) => 5,
            Some(i) => i as u8,
            None => 0,
        }
    };
    Part::Word(rank)
}
