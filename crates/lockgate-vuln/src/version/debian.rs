//! Debian (and Ubuntu) package versions, `[epoch:]upstream[-revision]`, ordered as
//! dpkg's `verrevcmp` orders them (deb-version(7)).

use std::cmp::Ordering;

use super::number::{Number, cmp_digits};

#[derive(Clone, Debug)]
pub(crate) struct DebianVersion {
    epoch: Number,
    upstream: Box<str>,
    /// `0` when absent, which dpkg treats the same as no revision.
    revision: Box<str>,
}

impl DebianVersion {
    pub(crate) fn parse(text: &str) -> DebianVersion {
        let text = text.trim();
        // An epoch that is not a number is no epoch: keep the whole string as the
        // version rather than inventing one (dpkg would reject the version).
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) if epoch.is_empty() || Number::parse(epoch).is_some() => {
                (Number::from_digits(epoch), rest)
            }
            _ => (Number::ZERO, text),
        };
        // The revision starts after the last hyphen; the upstream part may contain more.
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, "0"));
        DebianVersion {
            epoch,
            upstream: upstream.into(),
            revision: revision.into(),
        }
    }

    pub(crate) fn compare(&self, other: &DebianVersion) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

/// dpkg's weight for one character of a non-digit run: `~` before the end of the run,
/// the end before letters, letters before everything else.
fn weight(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Alternately compares the leading non-digit runs (character by character, by
/// [`weight`]) and the leading digit runs (numerically) of both strings.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        let a_text = a.iter().take_while(|c| !c.is_ascii_digit()).count();
        let b_text = b.iter().take_while(|c| !c.is_ascii_digit()).count();
        for i in 0..a_text.max(b_text) {
            let wa = weight(a[..a_text].get(i).copied());
            let wb = weight(b[..b_text].get(i).copied());
            if wa != wb {
                return wa.cmp(&wb);
            }
        }
        a = &a[a_text..];
        b = &b[b_text..];
        let a_num = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let b_num = b.iter().take_while(|c| c.is_ascii_digit()).count();
        // Digit runs are ASCII, so these byte slices are valid strings.
        let order = cmp_digits(
            std::str::from_utf8(&a[..a_num]).unwrap_or(""),
            std::str::from_utf8(&b[..b_num]).unwrap_or(""),
        );
        if order != Ordering::Equal {
            return order;
        }
        a = &a[a_num..];
        b = &b[b_num..];
    }
    Ordering::Equal
}
