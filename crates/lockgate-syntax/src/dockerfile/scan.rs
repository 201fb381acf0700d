//! The line loop: parser directives at the top, comments and blank lines, continuation
//! lines joined into one logical line per instruction, and heredoc bodies read after
//! the line that opens them. It follows BuildKit's parser line by line, so an input
//! reads the same here as in `docker build`.

use lockgate_model::Span;

use super::ast::{Args, Directive, Heredoc, Instruction, Problem, Word};
use super::instruction;
use super::lines::{Logical, Source, line_number};

/// The directives Docker knows; any other `# name=value` ends the directive block.
const DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

pub(crate) struct Scanned {
    pub(crate) directives: Vec<Directive>,
    pub(crate) escape: char,
    pub(crate) instructions: Vec<Instruction>,
    pub(crate) problems: Vec<Problem>,
}

pub(crate) fn scan(source: &Source<'_>) -> Scanned {
    let mut scanner = Scanner {
        source,
        next: 0,
        escape: '\\',
        directives_done: false,
        out: Scanned {
            directives: Vec::new(),
            escape: '\\',
            instructions: Vec::new(),
            problems: Vec::new(),
        },
    };
    while scanner.next < source.len() {
        scanner.step();
    }
    scanner.out.escape = scanner.escape;
    scanner.out
}

struct Scanner<'s, 'a> {
    source: &'s Source<'a>,
    /// The next physical line to read (0-based).
    next: usize,
    escape: char,
    directives_done: bool,
    out: Scanned,
}

impl Scanner<'_, '_> {
    /// Reads one physical line and, when it starts an instruction, the whole instruction.
    fn step(&mut self) {
        let index = self.next;
        self.next += 1;
        let line = self.source.line(index);
        let lead = line.len() - line.trim_start().len();
        let content = &line[lead..];
        if !self.directives_done {
            self.directive(index, lead, content);
        }
        if content.starts_with('#') {
            return;
        }
        let (cut, mut continued) = continuation(content, self.escape);
        if !continued && content.is_empty() {
            return;
        }
        let mut logical = Logical::new();
        logical.push(
            &content[..cut],
            line_number(index),
            self.source.column(index, lead),
        );
        let mut last_line = index;
        while continued && self.next < self.source.len() {
            let index = self.next;
            self.next += 1;
            let line = self.source.line(index);
            let trimmed = line.trim_start();
            // Comment lines and (deprecated, but accepted) empty lines inside an
            // instruction are skipped.
            if trimmed.starts_with('#') || trimmed.is_empty() {
                continue;
            }
            let (cut, more) = continuation(line, self.escape);
            logical.push(&line[..cut], line_number(index), 1);
            last_line = index;
            continued = more;
        }
        if logical.text.trim().is_empty() {
            return;
        }
        let mut instruction = instruction::parse(
            &logical,
            0,
            logical.text.len(),
            self.escape,
            false,
            &mut self.out.problems,
        );
        let last = self.source.line(last_line);
        let mut end = (
            line_number(last_line),
            self.source.column(last_line, last.trim_end().len()),
        );
        if let Some(heredoc_end) = self.heredoc_bodies(&mut instruction) {
            end = heredoc_end;
        }
        instruction.span.end_line = end.0;
        instruction.span.end_column = end.1;
        self.out.instructions.push(instruction);
    }

    /// Reads `content` (line `index`, left-trimmed by `lead` bytes) as a parser
    /// directive while directives are still allowed.
    fn directive(&mut self, index: usize, lead: usize, content: &str) {
        let Some((name, value_start, value_end)) = split_directive(content) else {
            self.directives_done = true;
            return;
        };
        let lower = name.to_ascii_lowercase();
        if !DIRECTIVES.contains(&lower.as_str()) {
            // An unknown directive is a comment, and ends the directive block.
            self.directives_done = true;
            return;
        }
        let span = self.source.span(index, lead, lead + content.len());
        let value = Word {
            text: content[value_start..value_end].to_string(),
            span: self
                .source
                .span(index, lead + value_start, lead + value_end),
        };
        if self.out.directives.iter().any(|d| d.name == lower) {
            self.out.problems.push(Problem::new(
                span,
                format!("only one {lower} parser directive can be used"),
            ));
            return;
        }
        if lower == "escape" {
            match value.text.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                other => self.out.problems.push(Problem::new(
                    value.span,
                    format!("invalid escape token '{other}' does not match ` or \\"),
                )),
            }
        }
        self.out.directives.push(Directive {
            name: lower,
            value,
            span,
        });
    }

    /// Reads the bodies of the instruction's heredocs from the following lines. Returns
    /// the end of the last line read, if any.
    fn heredoc_bodies(&mut self, instruction: &mut Instruction) -> Option<(u32, u32)> {
        let heredocs = match &mut instruction.args {
            Args::Onbuild(inner) => &mut inner.heredocs,
            _ => &mut instruction.heredocs,
        };
        let mut end = None;
        for heredoc in heredocs.iter_mut() {
            if let Some(last) = self.heredoc_body(heredoc) {
                end = Some(last);
            }
        }
        end
    }

    fn heredoc_body(&mut self, heredoc: &mut Heredoc) -> Option<(u32, u32)> {
        let first = self.next;
        let mut last_body: Option<usize> = None;
        while self.next < self.source.len() {
            let index = self.next;
            self.next += 1;
            let line = self.source.line(index);
            let candidate = if heredoc.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == heredoc.name {
                let start = line.len() - candidate.len();
                let terminator = self.source.span(index, start, line.len());
                heredoc.terminator = Some(terminator);
                heredoc.body_span = match last_body {
                    Some(last) => self.lines_span(first, last),
                    None => Span::point(terminator.line, 1),
                };
                return Some((terminator.end_line, terminator.end_column));
            }
            heredoc.body.push_str(candidate);
            heredoc.body.push('\n');
            last_body = Some(index);
        }
        self.out.problems.push(Problem::new(
            heredoc.marker.span,
            format!("unterminated heredoc `{}`", heredoc.name),
        ));
        let Some(last) = last_body else {
            // Nothing followed the marker: point at where the body would have begun.
            let marker = heredoc.marker.span;
            heredoc.body_span = Span::point(marker.end_line, marker.end_column);
            return None;
        };
        heredoc.body_span = self.lines_span(first, last);
        Some((heredoc.body_span.end_line, heredoc.body_span.end_column))
    }

    fn lines_span(&self, first: usize, last: usize) -> Span {
        let end = self.source.span(last, 0, self.source.line(last).len());
        Span {
            line: line_number(first),
            column: 1,
            end_line: end.end_line,
            end_column: end.end_column,
        }
    }
}

/// Splits `# name = value` (Docker's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`) into
/// the name and the byte range of the value.
fn split_directive(line: &str) -> Option<(&str, usize, usize)> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r');
    let after_hash = line.strip_prefix('#')?;
    let rest = after_hash.trim_start_matches(is_space);
    let name_start = line.len() - rest.len();
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = &line[name_start..name_start + name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = line[name_start + name_len..].trim_start_matches(is_space);
    let value = rest.strip_prefix('=')?.trim_start_matches(is_space);
    let value_start = line.len() - value.len();
    let value_end = value_start + value.trim_end_matches(is_space).len();
    (value_end > value_start).then_some((name, value_start, value_end))
}

/// Where the content of `line` ends and whether the line continues: the escape
/// character as the last non-blank character continues the line, unless it is itself
/// escaped (`\\`).
fn continuation(line: &str, escape: char) -> (usize, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    if let Some(before) = trimmed.strip_suffix(escape)
        && !before.ends_with(escape)
    {
        return (before.len(), true);
    }
    (line.len(), false)
}
