//! RubyGems versions, ordered as `Gem::Version#<=>`: segments split at dots and at every
//! change between digits and other characters, trailing zeros dropped from the release
//! numbers and from the pre-release part, numbers above words (`1.0.a < 1.0`).

use std::cmp::Ordering;

use super::number::Number;

#[derive(Clone, Debug)]
enum Segment {
    Number(Number),
    Word(Box<str>),
}

#[derive(Clone, Debug)]
pub(crate) struct RubyGemsVersion {
    segments: Vec<Segment>,
}

impl RubyGemsVersion {
    pub(crate) fn parse(text: &str) -> RubyGemsVersion {
        let raw = split_segments(text);
        // Numbers up to the first word are the release; the rest is the pre-release.
        let release_len = raw
            .iter()
            .position(|s| Number::parse(s).is_none())
            .unwrap_or(raw.len());
        let (release, pre) = raw.split_at(release_len);
        let mut segments = Vec::with_capacity(raw.len());
        segments.extend(trim_zeros(release).iter().map(|s| to_segment(s)));
        segments.extend(trim_zeros(pre).iter().map(|s| to_segment(s)));
        RubyGemsVersion { segments }
    }

    pub(crate) fn compare(&self, other: &RubyGemsVersion) -> Ordering {
        let zero = Segment::Number(Number::ZERO);
        for i in 0..self.segments.len().max(other.segments.len()) {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let order = match (a, b) {
                (Segment::Number(x), Segment::Number(y)) => x.cmp(y),
                (Segment::Word(x), Segment::Word(y)) => x.cmp(y),
                (Segment::Number(_), Segment::Word(_)) => Ordering::Greater,
                (Segment::Word(_), Segment::Number(_)) => Ordering::Less,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

fn to_segment(text: &str) -> Segment {
    match Number::parse(text) {
        Some(number) => Segment::Number(number),
        None => Segment::Word(text.into()),
    }
}

/// Drops trailing segments that are exactly `0`.
fn trim_zeros<'a>(segments: &'a [&'a str]) -> &'a [&'a str] {
    let keep = segments
        .iter()
        .rposition(|s| *s != "0")
        .map_or(0, |last| last + 1);
    &segments[..keep]
}

/// Splits at dots and at each boundary between digits and non-digits within a segment.
fn split_segments(text: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    for part in text.split('.') {
        let mut start = 0;
        let mut previous_digit = None;
        for (i, c) in part.char_indices() {
            let digit = c.is_ascii_digit();
            if previous_digit.is_some_and(|p| p != digit) {
                segments.push(&part[start..i]);
                start = i;
            }
            previous_digit = Some(digit);
        }
        segments.push(&part[start..]);
    }
    segments
}
