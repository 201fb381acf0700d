//! Line bookkeeping for formats parsed without positions (TOML through serde, and
//! line-oriented formats).

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> u32 {
    let bytes = text.as_bytes();
    let prefix = bytes.get(..offset.min(bytes.len())).unwrap_or(bytes);
    let newlines = prefix.iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// The 1-based lines of every line that, trimmed, equals `header` (such as
/// `[[package]]`), in order: the nth header belongs to the nth array-of-tables entry.
/// When the count differs from `entries` (the header text inside a multi-line string,
/// or entries written inline), no lines are given rather than wrong ones.
pub(crate) fn header_lines(text: &str, header: &str, entries: usize) -> Vec<u32> {
    let lines: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == header)
        .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
        .collect();
    if lines.len() == entries {
        lines
    } else {
        Vec::new()
    }
}

/// A TOML document deserialized into `T`, with a line on the error.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    input: &crate::catalog::Input,
) -> Result<T, crate::CatalogError> {
    toml::from_str(input.text).map_err(|e| {
        let line = e.span().map(|s| line_at(input.text, s.start));
        input.error(line, format!("not valid TOML: {}", e.message()))
    })
}

/// Lines numbered from 1.
pub(crate) fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line))
}
