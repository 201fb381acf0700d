//! Maven versions, ordered as Maven's `ComparableVersion` (the Maven version spec):
//! tokens split at `.`, `-` and digit/letter changes, each remembering its separator;
//! trailing "null" tokens (`0`, `""`, `final`, `ga`, `release`) are trimmed before each
//! hyphen; qualifiers order `alpha < beta < milestone < rc = cr < snapshot < "" = ga =
//! final = release < sp < other words (alphabetically)`, and
//! `.qualifier < -qualifier < -number < .number`.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::number::Number;

const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Separator {
    /// The first token has none.
    Start,
    Dot,
    Hyphen,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Number(Number),
    Word(Box<str>),
}

#[derive(Clone, Debug)]
struct Token {
    separator: Separator,
    value: Value,
    /// Padding added to the shorter version while comparing.
    is_null: bool,
}

impl Token {
    fn same(&self, other: &Token) -> bool {
        self.separator == other.separator && self.value == other.value
    }

    fn is_trimmable(&self) -> bool {
        match &self.value {
            Value::Number(n) => n.is_zero(),
            Value::Word(w) => w.is_empty(),
        }
    }

    /// `.qualifier < -qualifier < -number < .number`.
    fn separator_rank(&self) -> u8 {
        match (&self.value, self.separator) {
            (Value::Number(_), Separator::Hyphen) => 2,
            (Value::Number(_), Separator::Dot) => 3,
            (Value::Word(_), Separator::Hyphen) => 1,
            _ => 0,
        }
    }

    /// The padding that stands for a missing token opposite `token`.
    fn null_for(token: &Token) -> Token {
        let value = match (token.separator, &token.value) {
            // `sp` is the only qualifier above the empty one: pad it with "".
            (Separator::Dot, Value::Word(w)) if &**w == "sp" => Value::Word("".into()),
            (Separator::Dot, _) => Value::Number(Number::ZERO),
            _ => Value::Word("".into()),
        };
        Token {
            separator: token.separator,
            value,
            is_null: true,
        }
    }

    fn less_than(&self, other: &Token) -> bool {
        if self.separator != other.separator {
            return self.separator_rank() < other.separator_rank();
        }
        match (&self.value, &other.value) {
            (Value::Number(a), Value::Number(b)) => a < b,
            // Numbers sort after qualifiers, unless they are padding.
            (Value::Number(_), _) if !self.is_null => false,
            (_, Value::Number(_)) if !other.is_null => true,
            _ => {
                let a = word_or_zero(&self.value);
                let b = word_or_zero(&other.value);
                match (keyword_rank(a), keyword_rank(b)) {
                    (None, None) => a < b,
                    (x, y) => x.unwrap_or(KEYWORDS.len()) < y.unwrap_or(KEYWORDS.len()),
                }
            }
        }
    }
}

fn word_or_zero(value: &Value) -> &str {
    match value {
        Value::Word(w) => w,
        Value::Number(_) => "0",
    }
}

fn keyword_rank(word: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| *k == word)
}

#[derive(Clone, Debug)]
pub(crate) struct MavenVersion {
    tokens: Vec<Token>,
}

impl MavenVersion {
    pub(crate) fn parse(text: &str) -> MavenVersion {
        let mut tokens = Vec::new();
        let mut separator = Separator::Start;
        let mut rest = text;
        loop {
            let end = rest.find(['.', '-']).unwrap_or(rest.len());
            push_pieces(&rest[..end], separator, &mut tokens);
            match rest[end..].chars().next() {
                Some(c) => {
                    separator = if c == '.' {
                        Separator::Dot
                    } else {
                        Separator::Hyphen
                    };
                    rest = &rest[end + 1..];
                }
                None => break,
            }
        }
        trim_nulls(&mut tokens);
        MavenVersion { tokens }
    }

    pub(crate) fn compare(&self, other: &MavenVersion) -> Ordering {
        let (a, b) = (&self.tokens, &other.tokens);
        if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y)) {
            return Ordering::Equal;
        }
        for i in 0..a.len().max(b.len()) {
            let (left, right) = match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => (Cow::Borrowed(x), Cow::Borrowed(y)),
                (None, Some(y)) => (Cow::Owned(Token::null_for(y)), Cow::Borrowed(y)),
                (Some(x), None) => (Cow::Borrowed(x), Cow::Owned(Token::null_for(x))),
                (None, None) => break,
            };
            if left.same(&right) {
                continue;
            }
            return if left.less_than(&right) {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        // Token lists that differ only by padding-equivalent tokens are equal.
        Ordering::Equal
    }
}

/// Splits one `.`/`-`-delimited token at digit/non-digit changes; the pieces after the
/// first count as hyphen-separated.
fn push_pieces(raw: &str, separator: Separator, tokens: &mut Vec<Token>) {
    let mut start = 0;
    let mut previous_digit = None;
    let mut separator = separator;
    let bounds = raw
        .char_indices()
        .filter_map(|(i, c)| {
            let digit = c.is_ascii_digit();
            let boundary = previous_digit.is_some_and(|p| p != digit);
            previous_digit = Some(digit);
            boundary.then_some(i)
        })
        .chain(std::iter::once(raw.len()))
        .collect::<Vec<_>>();
    for end in bounds {
        let piece = raw[start..end].to_lowercase();
        let followed_by_number = end != raw.len();
        let word = match piece.as_str() {
            "" => "0",
            "cr" => "rc",
            "ga" | "final" | "release" => "",
            // Single-letter short forms count only when a number follows directly.
            "a" if followed_by_number => "alpha",
            "b" if followed_by_number => "beta",
            "m" if followed_by_number => "milestone",
            other => other,
        };
        let value = match Number::parse(word) {
            Some(n) => Value::Number(n),
            None => Value::Word(word.into()),
        };
        tokens.push(Token {
            separator,
            value,
            is_null: false,
        });
        separator = Separator::Hyphen;
        start = end;
    }
}

/// Trims trailing null tokens, then again before each remaining hyphen, from the end.
///
/// The walk only moves towards the front and removes the token it stands on, so
/// marking tokens and dropping them at the end is the same as removing them at once,
/// and stays linear on hostile input such as `1-0-x-0-x-0-x...`.
fn trim_nulls(tokens: &mut Vec<Token>) {
    let mut removed = vec![false; tokens.len()];
    let mut i = tokens.len() as isize - 1;
    while i > 0 {
        let index = i as usize;
        if tokens.get(index).is_some_and(Token::is_trimmable) {
            removed[index] = true;
            i -= 1;
            continue;
        }
        while i >= 0
            && tokens
                .get(i as usize)
                .is_some_and(|t| t.separator != Separator::Hyphen)
        {
            i -= 1;
        }
        i -= 1;
    }
    let mut flags = removed.into_iter();
    tokens.retain(|_| !flags.next().unwrap_or(false));
}
