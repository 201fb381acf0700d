//! Physical lines and logical lines: the source split at `\n` (a trailing CR and a
//! leading BOM dropped), and an instruction's text joined from its continuation lines
//! together with a map from every byte of that text back to a line and column.

use std::cell::Cell;

use lockgate_model::Span;

/// The source text cut into lines.
pub(crate) struct Source<'a> {
    text: &'a str,
    /// Byte ranges of the lines in `text`, without the line end.
    lines: Vec<(usize, usize)>,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        // The BOM is not part of the first line's content, as in Docker.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = Vec::new();
        let mut start = 0;
        for piece in text.split_inclusive('\n') {
            let content = piece.strip_suffix('\n').unwrap_or(piece);
            // Docker trims every CR and LF at a line's end (`bytes.TrimRight(.., "\r\n")`).
            let content = content.trim_end_matches('\r');
            lines.push((start, start + content.len()));
            start += piece.len();
        }
        Source { text, lines }
    }

    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Line `index` (0-based) without its line end.
    pub(crate) fn line(&self, index: usize) -> &'a str {
        self.lines
            .get(index)
            .and_then(|&(start, end)| self.text.get(start..end))
            .unwrap_or("")
    }

    /// The 1-based column of byte `offset` in line `index`.
    pub(crate) fn column(&self, index: usize, offset: usize) -> u32 {
        let line = self.line(index);
        let prefix = line.get(..offset.min(line.len())).unwrap_or("");
        to_u32(prefix.chars().count()).saturating_add(1)
    }

    /// The span of bytes `start..end` of line `index`.
    pub(crate) fn span(&self, index: usize, start: usize, end: usize) -> Span {
        let line = line_number(index);
        let column = self.column(index, start);
        let line_text = self.line(index);
        let piece = line_text
            .get(start.min(line_text.len())..end.min(line_text.len()))
            .unwrap_or("");
        Span {
            line,
            column,
            end_line: line,
            end_column: column.saturating_add(to_u32(piece.chars().count())),
        }
    }
}

/// A run of the logical text that comes from one place in one physical line.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Where the run starts in the logical text.
    start: usize,
    len: usize,
    line: u32,
    column: u32,
    /// An ASCII run maps bytes to columns without counting characters.
    ascii: bool,
}

/// An instruction's text joined from its lines, with the way back to the source.
pub(crate) struct Logical {
    pub(crate) text: String,
    segments: Vec<Segment>,
    /// The last column lookup (segment, offset, column): lookups mostly move forward, so
    /// counting characters from here keeps long non-ASCII lines linear.
    cursor: Cell<(usize, usize, u32)>,
}

impl Logical {
    pub(crate) fn new() -> Self {
        Logical {
            text: String::new(),
            segments: Vec::new(),
            cursor: Cell::new((usize::MAX, 0, 0)),
        }
    }

    /// Appends `piece`, which starts at `line`/`column` of the source.
    pub(crate) fn push(&mut self, piece: &str, line: u32, column: u32) {
        if piece.is_empty() {
            return;
        }
        self.segments.push(Segment {
            start: self.text.len(),
            len: piece.len(),
            line,
            column,
            ascii: piece.is_ascii(),
        });
        self.text.push_str(piece);
    }

    /// Line and column of the character starting at byte `offset`.
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        // The segment holding `offset`; an offset at the very end belongs to the last one.
        let index = self
            .segments
            .partition_point(|s| s.start + s.len <= offset)
            .min(self.segments.len().saturating_sub(1));
        self.position_in(index, offset)
    }

    /// Line and column just after the character ending at byte `offset` (exclusive end):
    /// an end that falls between two lines stays on the earlier line.
    pub(crate) fn end_position(&self, offset: usize) -> (u32, u32) {
        let index = self
            .segments
            .partition_point(|s| s.start + s.len < offset)
            .min(self.segments.len().saturating_sub(1));
        self.position_in(index, offset)
    }

    fn position_in(&self, index: usize, offset: usize) -> (u32, u32) {
        let Some(segment) = self.segments.get(index) else {
            return (1, 1);
        };
        let offset = offset.clamp(segment.start, segment.start + segment.len);
        if segment.ascii {
            let delta = to_u32(offset - segment.start);
            return (segment.line, segment.column.saturating_add(delta));
        }
        let count = |from: usize, to: usize| {
            to_u32(self.text.get(from..to).map_or(0, |s| s.chars().count()))
        };
        let (cached_index, cached, cached_column) = self.cursor.get();
        // Count from the nearest known point: the segment start, or the last lookup
        // (forwards or backwards), so that spans asked out of order stay cheap.
        let column = if cached_index == index && cached <= offset {
            cached_column.saturating_add(count(cached, offset))
        } else if cached_index == index && cached - offset < offset - segment.start {
            cached_column.saturating_sub(count(offset, cached))
        } else {
            segment.column.saturating_add(count(segment.start, offset))
        };
        self.cursor.set((index, offset, column));
        (segment.line, column)
    }

    /// The span of bytes `start..end` of the logical text.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let (line, column) = self.position(start);
        if end <= start {
            return Span::point(line, column);
        }
        let (end_line, end_column) = self.end_position(end);
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// The 1-based line number of 0-based line `index`.
pub(crate) fn line_number(index: usize) -> u32 {
    to_u32(index).saturating_add(1)
}

pub(crate) fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
