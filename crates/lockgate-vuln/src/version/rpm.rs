//! RPM versions, `[epoch:]version[-release]`, ordered as rpm's `rpmvercmp` orders them:
//! alternating digit and letter segments, other characters only separate, `~` sorts
//! before anything (even the end of the string) and `^` after the end but before
//! anything else.

use std::cmp::Ordering;

use super::number::cmp_digits;

#[derive(Clone, Debug)]
pub(crate) struct RpmVersion {
    epoch: Box<str>,
    version: Box<str>,
    /// Keeps its leading `-` so that "no release" sorts before any release.
    release: Box<str>,
}

impl RpmVersion {
    pub(crate) fn parse(text: &str) -> RpmVersion {
        // A colon is an epoch separator only after digits: module streams such as
        // `1.module+el9...-nginx:1` carry colons of their own.
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => (epoch, rest),
            _ => ("", text),
        };
        let (version, release) = match rest.split_once('-') {
            Some((version, release)) => (version, format!("-{release}")),
            None => (rest, String::new()),
        };
        RpmVersion {
            epoch: if epoch.is_empty() { "0" } else { epoch }.into(),
            version: version.into(),
            release: release.into(),
        }
    }

    pub(crate) fn compare(&self, other: &RpmVersion) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(&self.release, &other.release))
    }
}

fn is_separator(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

fn rpmvercmp(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && is_separator(a[i]) {
            i += 1;
        }
        while j < b.len() && is_separator(b[j]) {
            j += 1;
        }
        let (a_tilde, b_tilde) = (a.get(i) == Some(&b'~'), b.get(j) == Some(&b'~'));
        if a_tilde && b_tilde {
            i += 1;
            j += 1;
            continue;
        }
        if a_tilde {
            return Ordering::Less;
        }
        if b_tilde {
            return Ordering::Greater;
        }
        let (a_caret, b_caret) = (a.get(i) == Some(&b'^'), b.get(j) == Some(&b'^'));
        if a_caret && b_caret {
            i += 1;
            j += 1;
            continue;
        }
        if a_caret {
            return if j == b.len() {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if b_caret {
            return if i == a.len() {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        if i == a.len() || j == b.len() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let in_segment = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let a_len = a[i..].iter().take_while(|c| in_segment(c)).count();
        let b_len = b[j..].iter().take_while(|c| in_segment(c)).count();
        let (a_seg, b_seg) = (&a[i..i + a_len], &b[j..j + b_len]);
        i += a_len;
        j += b_len;
        if b_seg.is_empty() {
            // Segments of different kinds: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let order = if numeric {
            // ASCII digits, so valid UTF-8.
            cmp_digits(
                std::str::from_utf8(a_seg).unwrap_or(""),
                std::str::from_utf8(b_seg).unwrap_or(""),
            )
        } else {
            a_seg.cmp(b_seg)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    // Equal up to the end of one of them: whatever is left wins.
    (a.len() - i).cmp(&(b.len() - j))
}
