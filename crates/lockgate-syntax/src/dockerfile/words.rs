//! Splitting an instruction's text into words the way Docker's parser does, keeping the
//! byte range of each word: plain whitespace splitting, quote-aware splitting (ENV,
//! LABEL, ARG), the leading `--flags`, and the shell words that may hold heredoc markers.
//!
//! All ranges are byte offsets into the text given, shifted by `base` so that they are
//! offsets into the instruction's logical line.

use super::expand;

/// The whitespace Docker splits on (`[\t\v\f\r ]+`).
pub(crate) fn is_split_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Byte range of `text` with surrounding whitespace removed.
pub(crate) fn trim_range(text: &str, start: usize, end: usize) -> (usize, usize) {
    let piece = text.get(start..end).unwrap_or("");
    let trimmed_start = piece.trim_start();
    let start = start + (piece.len() - trimmed_start.len());
    let trimmed = trimmed_start.trim_end();
    (start, start + trimmed.len())
}

/// Splits at runs of [`is_split_space`]; quotes mean nothing here (FROM, EXPOSE, and
/// COPY/ADD/VOLUME in shell form).
pub(crate) fn split_whitespace(text: &str, base: usize) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_split_space(c), start) {
            (true, Some(s)) => {
                words.push((base + s, base + i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((base + s, base + text.len()));
    }
    words
}

/// Splits into words that keep their quotes and escapes (Docker's `parseWords`):
/// whitespace inside quotes or after the escape character does not split. An escape
/// character at the very end of the text is not part of the word, as Docker drops it.
pub(crate) fn quoted_words(text: &str, base: usize, escape: char) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut chars = text.char_indices();
    // Start and end of the word being read.
    let mut current: Option<(usize, usize)> = None;
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if let Some((s, e)) = current.take().filter(|(s, e)| s < e) {
                words.push((base + s, base + e));
            }
            continue;
        }
        let start = current.map_or(i, |(s, _)| s);
        let mut end = i + c.len_utf8();
        let escapes = match quote {
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                false
            }
            None => c == escape,
            Some(q) if c == q => {
                quote = None;
                false
            }
            // Nothing can be escaped inside single quotes.
            Some(q) => c == escape && q != '\'',
        };
        if escapes {
            end = match chars.next() {
                Some((j, next)) => j + next.len_utf8(),
                None => i,
            };
        }
        current = Some((start, end));
    }
    if let Some((s, e)) = current.filter(|(s, e)| s < e) {
        words.push((base + s, base + e));
    }
    words
}

/// A `--flag` word before the arguments: its raw range, the position of the `=` that
/// separates name and value, and name and value with quotes and escapes removed.
#[derive(Debug)]
pub(crate) struct RawFlag {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Offset of the first `=` (in the logical line).
    pub(crate) equals: Option<usize>,
    pub(crate) name: String,
    pub(crate) value: Option<String>,
}

/// Takes the leading `--flag` words off `text` (Docker's `extractBuilderFlags`, whose
/// escape character is always `\`). Returns the flags and where the arguments start.
/// A lone `--` ends the flags and is dropped.
pub(crate) fn extract_flags(text: &str, base: usize) -> (Vec<RawFlag>, usize) {
    let mut flags = Vec::new();
    let mut pos = 0;
    loop {
        let rest = text.get(pos..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start().len();
        pos += skipped;
        let rest = text.get(pos..).unwrap_or("");
        if !rest.starts_with("--") {
            return (flags, base + pos);
        }
        let start = pos;
        let mut word = String::new();
        let mut equals = None;
        let mut quote: Option<char> = None;
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match quote {
                None if c.is_whitespace() => {
                    end = i;
                    break;
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ => {
                    let c = if c == '\\' {
                        match chars.next() {
                            Some((_, next)) => next,
                            None => break,
                        }
                    } else {
                        c
                    };
                    if c == '=' && equals.is_none() {
                        equals = Some(base + start + i);
                        word.push(c);
                        continue;
                    }
                    word.push(c);
                }
            }
        }
        pos = start + end;
        if word == "--" {
            return (flags, base + pos);
        }
        let body = word.get(2..).unwrap_or("");
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (body.to_string(), None),
        };
        flags.push(RawFlag {
            start: base + start,
            end: base + pos,
            equals,
            name,
            value,
        });
    }
}

/// Splits a line into shell words the way Docker looks for heredoc markers (quotes and
/// `\` escapes kept in the words); `None` when a quote is left open, in which case Docker
/// finds no heredocs at all.
pub(crate) fn shell_words(text: &str, base: usize) -> Option<Vec<(usize, usize)>> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push((base + s, base + i));
            }
            continue;
        }
        start.get_or_insert(i);
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some(_) => {}
                    None => return None,
                }
            },
            '"' => loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => {
                        chars.next();
                    }
                    Some(_) => {}
                    None => return None,
                }
            },
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((base + s, base + text.len()));
    }
    Some(words)
}

/// A heredoc marker read from one shell word (`^(\d*)<<(-?)([^<]*)$` in Docker).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    pub(crate) fd: Option<u32>,
    pub(crate) strip_tabs: bool,
    pub(crate) name: String,
    pub(crate) expand: bool,
}

pub(crate) fn heredoc_marker(word: &str) -> Option<Marker> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = word.get(digits..)?.strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let name = expand::unquote(rest, '\\')?;
    if name.is_empty() {
        return None;
    }
    // Quote characters that quote removal took away mean the delimiter was quoted.
    let quotes = |s: &str| s.chars().filter(|c| matches!(c, '\'' | '"')).count();
    let expand = quotes(rest) == quotes(&name);
    let fd = if digits == 0 {
        None
    } else {
        // An absurdly long descriptor number still marks a heredoc in Docker.
        Some(word.get(..digits)?.parse().unwrap_or(u32::MAX))
    };
    Some(Marker {
        fd,
        strip_tabs,
        name,
        expand,
    })
}
