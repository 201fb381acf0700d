//! Alpine (apk) package versions: `number{.number}[letter]{_suffix[number]}[~hash][-rN]`,
//! ordered as apk-tools orders them (apk-package(5)).
//!
//! Suffixes sort `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.
//! Text left over after the grammar makes a version sort lower than the same version
//! without it; text after the build number is otherwise ignored, and two versions
//! that do not reach a build number but agree on everything else compare as strings.

use std::cmp::Ordering;

use super::number::Number;

/// Suffix names by weight; "no suffix" sits between `rc` and `cvs`.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
const NO_SUFFIX_WEIGHT: u8 = 4;

#[derive(Clone, Debug)]
struct NumberPart {
    value: Number,
    /// apk compares a non-first part with a leading zero as a string (`1.01 < 1.1`).
    leading_zero: bool,
    first: bool,
    digits: Box<str>,
}

#[derive(Clone, Debug)]
pub(crate) struct AlpineVersion {
    original: Box<str>,
    /// Left-over text that is not a `-rN` build component.
    invalid: bool,
    numbers: Vec<NumberPart>,
    letter: Option<u8>,
    /// (weight, number) per `_suffix`.
    suffixes: Vec<(u8, Number)>,
    build: Number,
    /// Unparsed text left after the build component.
    has_remainder: bool,
}

/// What the comparison of number parts reads from one part.
struct PartKey<'a> {
    value: &'a Number,
    leading_zero: bool,
    first: bool,
    digits: &'a str,
}

static ZERO: Number = Number::ZERO;

/// The key of part `i`, or of a zero written `0` when the version has no such part.
/// (OSV's implementation compares a missing part numerically even where the other part
/// is compared as text, which gives `1 = 1.00` and `1 = 1.0` but `1.0 < 1.00`; as text,
/// `1 = 1.0 < 1.00`.)
fn part_key(part: Option<&NumberPart>, i: usize) -> PartKey<'_> {
    match part {
        Some(p) => PartKey {
            value: &p.value,
            leading_zero: p.leading_zero,
            first: p.first,
            digits: &p.digits,
        },
        None => PartKey {
            value: &ZERO,
            leading_zero: true,
            first: i == 0,
            digits: "0",
        },
    }
}

impl AlpineVersion {
    pub(crate) fn parse(text: &str) -> AlpineVersion {
        let mut rest = text;
        let mut numbers = Vec::new();
        // Digit runs separated by single dots; a dot not followed by a digit ends them.
        loop {
            let len = rest.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                break;
            }
            let digits = &rest[..len];
            numbers.push(NumberPart {
                value: Number::from_digits(digits),
                leading_zero: digits.starts_with('0'),
                first: numbers.is_empty(),
                digits: digits.into(),
            });
            rest = &rest[len..];
            match rest.strip_prefix('.') {
                Some(after) => rest = after,
                None => break,
            }
        }
        let letter = rest.bytes().next().filter(u8::is_ascii_lowercase);
        if letter.is_some() {
            rest = &rest[1..];
        }
        let suffixes = parse_suffixes(&mut rest);
        if let Some(after) = rest.strip_prefix('~') {
            let len = after
                .bytes()
                .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
                .count();
            if len > 0 {
                rest = &after[len..];
            }
        }
        // Anything but `-rN` here leaves the version with a remainder ("invalid").
        let mut build = Number::ZERO;
        let invalid = match rest.strip_prefix("-r") {
            Some(after) => {
                let len = after.bytes().take_while(u8::is_ascii_digit).count();
                build = Number::from_digits(&after[..len]);
                rest = &after[len..];
                false
            }
            None => !rest.is_empty(),
        };
        AlpineVersion {
            original: text.into(),
            invalid,
            numbers,
            letter,
            suffixes,
            build,
            has_remainder: !rest.is_empty(),
        }
    }

    pub(crate) fn compare(&self, other: &AlpineVersion) -> Ordering {
        // Commit hashes are not ordered: they carry no sequence.
        self.compare_numbers(other)
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| self.compare_suffixes(other))
            .then_with(|| self.build.cmp(&other.build))
            // Leftover text makes a version lower.
            .then_with(|| other.has_remainder.cmp(&self.has_remainder))
            // Text after a build number is ignored (`1-r0-1 = 1-r0-2`), but a version
            // that does not even reach one is lower, and two such versions that agree
            // on everything else order as text. (OSV's implementation compares two
            // invalid versions as text outright; doing it only as a tie-break keeps
            // the order total, so sorting cannot fail.)
            .then_with(|| other.invalid.cmp(&self.invalid))
            .then_with(|| {
                if self.invalid && other.invalid {
                    self.original.cmp(&other.original)
                } else {
                    Ordering::Equal
                }
            })
    }

    fn compare_numbers(&self, other: &AlpineVersion) -> Ordering {
        for i in 0..self.numbers.len().max(other.numbers.len()) {
            let (a, b) = (
                part_key(self.numbers.get(i), i),
                part_key(other.numbers.get(i), i),
            );
            let order = if !a.first && !b.first && (a.leading_zero || b.leading_zero) {
                a.digits.cmp(b.digits)
            } else {
                a.value.cmp(b.value)
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }

    fn compare_suffixes(&self, other: &AlpineVersion) -> Ordering {
        let none = (NO_SUFFIX_WEIGHT, Number::ZERO);
        for i in 0..self.suffixes.len().max(other.suffixes.len()) {
            let a = self.suffixes.get(i).unwrap_or(&none);
            let b = other.suffixes.get(i).unwrap_or(&none);
            let order = a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1));
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

/// Reads the `_suffix[number]` groups.
///
/// Like OSV's reference implementation, this records every well-formed suffix in the
/// rest of the string, but consumes from the front only those that follow each other
/// there: a suffix after unreadable text is counted, and the text still makes the
/// version invalid.
fn parse_suffixes(rest: &mut &str) -> Vec<(u8, Number)> {
    let mut found = Vec::new();
    let bytes = rest.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        match match_suffix(&bytes[pos..]) {
            Some((weight, number, len)) => {
                found.push((weight, number, pos, len));
                pos += len;
            }
            None => pos += 1,
        }
    }
    let original = *rest;
    let mut suffixes = Vec::with_capacity(found.len());
    for (weight, number, pos, len) in found {
        let text = original.get(pos..pos + len).unwrap_or("");
        if let Some(after) = rest.strip_prefix(text) {
            *rest = after;
        }
        suffixes.push((weight, number));
    }
    suffixes
}

/// Matches `_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*` at the start of `text`, returning
/// the suffix weight, its number and the matched length.
fn match_suffix(text: &[u8]) -> Option<(u8, Number, usize)> {
    let name_start = text.strip_prefix(b"_")?;
    let (index, name) = SUFFIXES
        .iter()
        .enumerate()
        .find(|(_, name)| name_start.starts_with(name.as_bytes()))?;
    let after = &name_start[name.len()..];
    let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
    // ASCII digits, so valid UTF-8.
    let digits_text = std::str::from_utf8(&after[..digits]).unwrap_or("");
    let weight = if index < NO_SUFFIX_WEIGHT as usize {
        index as u8
    } else {
        index as u8 + 1
    };
    Some((
        weight,
        Number::from_digits(digits_text),
        1 + name.len() + digits,
    ))
}
