//! The JSON array of exec-form arguments (`["sh", "-c", "..."]`), read with the byte
//! range of every element.
//!
//! Docker decodes the first JSON value of the arguments with Go's `encoding/json` and
//! ignores anything after it; text that is not valid JSON falls back to shell form, and a
//! valid array holding anything but strings is an error. We need element positions,
//! which no JSON library gives, so this is a small validating scanner. It keeps an
//! explicit stack instead of recursing, so nesting depth costs no stack.

use crate::json_escape::{hex4, simple_escape};

/// What the arguments turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArgs {
    /// Not a JSON array: Docker reads the text as shell form.
    NotJson,
    /// A JSON array, but some elements are not strings (which Docker refuses). The
    /// string elements are still returned.
    NotStrings(Vec<Element>),
    Strings(Vec<Element>),
}

/// A decoded string element and the byte range of its literal (quotes included).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) value: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Clone, Copy)]
enum Expect {
    Value,
    ValueOrClose,
    CommaOrClose,
    Key,
    KeyOrClose,
    Colon,
}

/// Reads `text` (which starts at `base` in the logical line) as a JSON array of strings.
pub(crate) fn parse_array(text: &str, base: usize) -> JsonArgs {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'[') {
        return JsonArgs::NotJson;
    }
    pos += 1;
    let mut stack: Vec<u8> = vec![b'['];
    let mut expect = Expect::ValueOrClose;
    let mut elements = Vec::new();
    let mut all_strings = true;
    loop {
        pos = skip_ws(bytes, pos);
        let Some(&byte) = bytes.get(pos) else {
            return JsonArgs::NotJson;
        };
        let top = stack.last().copied();
        match expect {
            Expect::ValueOrClose | Expect::KeyOrClose
                if (byte == b']' && top == Some(b'[')) || (byte == b'}' && top == Some(b'{')) =>
            {
                stack.pop();
                pos += 1;
            }
            Expect::ValueOrClose | Expect::Value => {
                // An element of the top-level array starts here.
                let element = stack.len() == 1;
                match byte {
                    b'[' | b'{' => {
                        stack.push(byte);
                        pos += 1;
                        all_strings &= !element;
                        expect = if byte == b'[' {
                            Expect::ValueOrClose
                        } else {
                            Expect::KeyOrClose
                        };
                        continue;
                    }
                    b'"' => {
                        let Some((value, end)) = read_string(text, pos, element) else {
                            return JsonArgs::NotJson;
                        };
                        if let Some(value) = value {
                            elements.push(Element {
                                value,
                                start: base + pos,
                                end: base + end,
                            });
                        }
                        pos = end;
                    }
                    _ => {
                        let Some(end) = read_scalar(bytes, pos) else {
                            return JsonArgs::NotJson;
                        };
                        all_strings &= !element;
                        pos = end;
                    }
                }
            }
            Expect::CommaOrClose => match (byte, top) {
                (b',', Some(b'[')) => {
                    pos += 1;
                    expect = Expect::Value;
                    continue;
                }
                (b',', _) => {
                    pos += 1;
                    expect = Expect::Key;
                    continue;
                }
                (b']', Some(b'[')) | (b'}', Some(b'{')) => {
                    stack.pop();
                    pos += 1;
                }
                _ => return JsonArgs::NotJson,
            },
            Expect::Key | Expect::KeyOrClose => {
                if byte != b'"' {
                    return JsonArgs::NotJson;
                }
                let Some((_, end)) = read_string(text, pos, false) else {
                    return JsonArgs::NotJson;
                };
                pos = end;
                expect = Expect::Colon;
                continue;
            }
            Expect::Colon => {
                if byte != b':' {
                    return JsonArgs::NotJson;
                }
                pos += 1;
                expect = Expect::Value;
                continue;
            }
        }
        // A value (or a whole container) just ended.
        if stack.is_empty() {
            // Go's decoder stops after the first value; trailing text is ignored.
            return if all_strings {
                JsonArgs::Strings(elements)
            } else {
                JsonArgs::NotStrings(elements)
            };
        }
        expect = Expect::CommaOrClose;
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Reads `true`, `false`, `null` or a number starting at `pos`; returns its end.
fn read_scalar(bytes: &[u8], pos: usize) -> Option<usize> {
    for literal in [&b"true"[..], b"false", b"null"] {
        if bytes.get(pos..pos + literal.len()) == Some(literal) {
            return Some(pos + literal.len());
        }
    }
    let digits = |mut p: usize| {
        let start = p;
        while bytes.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
        (p > start).then_some(p)
    };
    let mut p = pos;
    if bytes.get(p) == Some(&b'-') {
        p += 1;
    }
    p = if bytes.get(p) == Some(&b'0') {
        p + 1
    } else {
        digits(p)?
    };
    if bytes.get(p) == Some(&b'.') {
        p = digits(p + 1)?;
    }
    if matches!(bytes.get(p), Some(b'e' | b'E')) {
        p += 1;
        if matches!(bytes.get(p), Some(b'+' | b'-')) {
            p += 1;
        }
        p = digits(p)?;
    }
    Some(p)
}

/// Reads the string literal at `pos` (an opening quote). Returns the decoded value when
/// `decode` is set, and the offset after the closing quote; `None` when it is invalid.
fn read_string(text: &str, pos: usize, decode: bool) -> Option<(Option<String>, usize)> {
    let bytes = text.as_bytes();
    let mut out = decode.then(String::new);
    let mut p = pos + 1;
    // Start of the run of plain characters not yet copied to `out`.
    let mut run = p;
    loop {
        let byte = *bytes.get(p)?;
        match byte {
            b'"' => {
                if let Some(out) = out.as_mut() {
                    out.push_str(text.get(run..p)?);
                }
                return Some((out, p + 1));
            }
            b'\\' => {
                if let Some(out) = out.as_mut() {
                    out.push_str(text.get(run..p)?);
                }
                let escape = *bytes.get(p + 1)?;
                p += 2;
                let decoded = if escape == b'u' {
                    let (c, next) = read_unicode_escape(bytes, p)?;
                    p = next;
                    c
                } else {
                    simple_escape(escape)?
                };
                if let Some(out) = out.as_mut() {
                    out.push(decoded);
                }
                run = p;
            }
            // Control characters must be escaped inside JSON strings.
            0..=0x1f => return None,
            _ => p += 1,
        }
    }
}

/// Decodes the four hex digits at `p` (after `\u`), joining a surrogate pair when a
/// second `\uXXXX` follows; a lone surrogate becomes U+FFFD, as Go decodes it.
fn read_unicode_escape(bytes: &[u8], p: usize) -> Option<(char, usize)> {
    let unit = hex4(bytes, p)?;
    let next = p + 4;
    if (0xD800..0xDC00).contains(&unit)
        && bytes.get(next) == Some(&b'\\')
        && bytes.get(next + 1) == Some(&b'u')
        && let Some(low) = hex4(bytes, next + 2)
        && (0xDC00..0xE000).contains(&low)
    {
        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        return Some((char::from_u32(code).unwrap_or('\u{fffd}'), next + 6));
    }
    Some((char::from_u32(unit).unwrap_or('\u{fffd}'), next))
}
