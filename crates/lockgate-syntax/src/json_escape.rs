//! JSON string escapes, shared by the two JSON readers of this crate (Dockerfile exec-form
//! arguments and the JSON fast path of the YAML parser).

/// The character a one-letter escape (`\n`, `\"`, `\/`, ...) stands for; `None` for `u`
/// (see [`hex4`]) and for anything JSON does not define.
pub(crate) fn simple_escape(code: u8) -> Option<char> {
    Some(match code {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The code unit written by the four hex digits at `p` (after `\u`).
pub(crate) fn hex4(bytes: &[u8], p: usize) -> Option<u32> {
    let digits = bytes.get(p..p.checked_add(4)?)?;
    digits.iter().try_fold(0u32, |acc, &b| {
        let digit = char::from(b).to_digit(16)?;
        Some(acc * 16 + digit)
    })
}
