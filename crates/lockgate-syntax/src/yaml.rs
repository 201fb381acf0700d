//! Spanned YAML built from `saphyr-parser` events, and JSON (YAML flow syntax) read
//! directly when a document is plain JSON (see `json`).
//!
//! We build our own tree rather than use a generic YAML value type because we need three
//! things together: a span on every key and value, hard limits against hostile input
//! (alias bombs, deep nesting), and Kubernetes' reading of plain scalars (YAML 1.1
//! booleans such as `yes`/`on`, as `sigs.k8s.io/yaml` reads them).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use compact_str::CompactString;
use lockgate_model::Span;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

mod json;

/// Bounds applied while building trees; exceeding one is a [`SyntaxError`], not a panic.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest allowed nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes one stream may produce, counting every node an alias expands to.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 200,
            max_nodes: 2_000_000,
        }
    }
}

/// A parse failure with the position where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line}, column {column})")]
pub struct SyntaxError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

impl SyntaxError {
    fn at(marker: Marker, message: impl Into<String>) -> Self {
        SyntaxError {
            message: message.into(),
            line: to_u32(marker.line()),
            column: to_u32(marker.col()) + 1,
        }
    }

    fn from_scan(error: &ScanError) -> Self {
        let info = error.info();
        let message = if info.contains("recursion limit") {
            format!("nesting too deep ({info}); refusing to parse further")
        } else {
            info.to_string()
        };
        Self::at(*error.marker(), message)
    }
}

/// A YAML value. Plain scalars are resolved the way Kubernetes reads them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Most keys and values are short: stored inline, without a heap allocation.
    Str(CompactString),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// An ordered mapping. Keys are nodes too, so a finding can point at the key itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapping {
    pub entries: Vec<(Node, Node)>,
}

impl Mapping {
    /// The entry whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Node, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A value and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Node { span, value }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items of a sequence; empty for anything else (a missing list and an empty
    /// list mean the same to every rule).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// The key node and value node under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?.entry(key)
    }

    /// Follows mapping keys: `node.path(&["spec", "template", "spec"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// A scalar rendered as text (`true`, `42`, `text`); `None` for null and collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Counts this node and all nodes below it.
    pub fn node_count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::node_count).sum(),
            Value::Map(m) => m
                .entries
                .iter()
                .map(|(k, v)| k.node_count() + v.node_count())
                .sum(),
            _ => 0,
        }
    }
}

/// The documents of a stream, in order, and the error that stopped parsing, if any.
/// Documents before an error are kept: a broken last document must not hide the rest.
#[derive(Debug, Default)]
pub struct ParsedStream {
    pub documents: Vec<Node>,
    pub error: Option<SyntaxError>,
}

/// Parses every document of a YAML (or JSON) stream. Empty documents are dropped.
///
/// A text that is one plain JSON object or array is read by a JSON reader that builds the
/// same tree (see `json`): the YAML scanner would hold all of its tokens until the end.
///
/// Quoted scalars whose continuation lines are indented less than the YAML 1.2 rules
/// require are accepted, as libyaml-based parsers (and so `kubectl`) accept them: such a
/// scalar is re-indented (leading spaces of continuation lines are folded away, so its
/// value is unchanged) and the stream parsed again.
pub fn parse_stream(text: &str, limits: Limits) -> ParsedStream {
    json::parse(text, limits).unwrap_or_else(|| parse_yaml_stream(text, limits))
}

/// [`parse_stream`] without the JSON fast path.
fn parse_yaml_stream(text: &str, limits: Limits) -> ParsedStream {
    const MAX_REPAIRS: usize = 32;
    let mut repaired: Option<String> = None;
    for _ in 0..MAX_REPAIRS {
        let current = repaired.as_deref().unwrap_or(text);
        let stream = parse_once(current, limits);
        let Some(error) = &stream.error else {
            return stream;
        };
        if error.message != QUOTED_INDENT_ERROR {
            return stream;
        }
        match reindent_quoted_scalar(current, error.line, error.column) {
            Some(fixed) => repaired = Some(fixed),
            None => return stream,
        }
    }
    parse_once(repaired.as_deref().unwrap_or(text), limits)
}

const QUOTED_INDENT_ERROR: &str = "invalid indentation in quoted scalar";

/// Indents the continuation lines of the quoted scalar opening at `line`/`column`
/// (1-based) to the quote's column. Returns `None` when nothing could be changed.
fn reindent_quoted_scalar(text: &str, line: u32, column: u32) -> Option<String> {
    let line_index = usize::try_from(line).ok()?.checked_sub(1)?;
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line_index)
        .map(str::len)
        .sum();
    let column_index = usize::try_from(column).ok()?.checked_sub(1)?;
    let quote_offset = line_start + text.get(line_start..)?.char_indices().nth(column_index)?.0;
    let quote = text.get(quote_offset..)?.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    // Find the closing quote, honouring `\"` in double quotes and `''` in single quotes.
    let body = text.get(quote_offset + 1..)?;
    let mut end = None;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            (q, c) if c == q => {
                end = Some(quote_offset + 1 + i);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let indent = " ".repeat(column_index + 1);
    let scalar = text.get(quote_offset..end)?;
    let mut fixed_scalar = String::with_capacity(scalar.len() + 64);
    let mut changed = false;
    for (n, piece) in scalar.split_inclusive('\n').enumerate() {
        if n > 0 && !piece.trim().is_empty() {
            let content = piece.trim_start_matches([' ', '\t']);
            let current = piece.len() - content.len();
            if current <= column_index {
                fixed_scalar.push_str(&indent);
                fixed_scalar.push_str(content);
                changed = true;
                continue;
            }
        }
        fixed_scalar.push_str(piece);
    }
    changed.then(|| format!("{}{}{}", &text[..quote_offset], fixed_scalar, &text[end..]))
}

fn parse_once(text: &str, limits: Limits) -> ParsedStream {
    let mut builder = Builder::new(limits);
    let mut stream = ParsedStream::default();
    for event in Parser::new_from_str(text) {
        let step = match event {
            Ok((event, span)) => builder.event(event, span.start, span.end),
            Err(error) => Err(SyntaxError::from_scan(&error)),
        };
        match step {
            Ok(Some(document)) => {
                if !document.is_null() {
                    stream.documents.push(document);
                }
            }
            Ok(None) => {}
            Err(error) => {
                stream.error = Some(error);
                break;
            }
        }
    }
    stream
}

/// A collection under construction.
enum Frame {
    Seq {
        start: Marker,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Marker,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        /// The values of its merge keys (`<<: ...`), applied when it ends.
        merges: Vec<Node>,
        /// A key waiting for its value, and whether it is a merge key.
        pending_key: Option<(Node, bool)>,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Anchored nodes of the current document, with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
        }
    }

    /// Feeds one event; returns a finished document at its end.
    fn event(
        &mut self,
        event: Event<'_>,
        start: Marker,
        end: Marker,
    ) -> Result<Option<Node>, SyntaxError> {
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => return Ok(self.root.take()),
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                // Only a plain `<<` merges (as in go-yaml, under sigs.k8s.io/yaml): a
                // quoted "<<", and so every JSON key, is an ordinary key.
                let is_merge_key = style == ScalarStyle::Plain
                    && &*text == "<<"
                    && tag.as_ref().is_none_or(|t| t.suffix == "merge");
                let value = if style == ScalarStyle::Plain && !is_str_tag {
                    resolve_plain(&text)
                } else {
                    Value::Str(CompactString::from(text.as_ref()))
                };
                let node = Node::new(span_of(start, end), value);
                self.count(start, 1)?;
                self.remember(anchor, &node, 1);
                self.complete(node, is_merge_key)?;
            }
            Event::Alias(anchor) => {
                let Some((node, count)) = self.anchors.get(&anchor) else {
                    return Err(SyntaxError::at(start, "alias refers to an unknown anchor"));
                };
                let (mut node, count) = (node.clone(), *count);
                // The alias stands where it is written; its content keeps the anchor's
                // positions, which is where a user would fix it.
                node.span = span_of(start, end);
                self.count(start, count)?;
                self.complete(node, false)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.push(
                    start,
                    Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    },
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.push(
                    start,
                    Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        merges: Vec::new(),
                        pending_key: None,
                    },
                )?;
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    start: open,
                    anchor,
                    items,
                }) => {
                    let node = Node::new(span_of(open, end), Value::Seq(items));
                    self.count(open, 1)?;
                    self.remember_counted(anchor, &node);
                    self.complete(node, false)?;
                }
                _ => return Err(SyntaxError::at(start, "unbalanced sequence end")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    start: open,
                    anchor,
                    entries,
                    merges,
                    ..
                }) => {
                    let (mapping, merged) = finish_mapping(entries, merges)?;
                    let node = Node::new(span_of(open, end), Value::Map(mapping));
                    // Merged entries are copies, like an alias's content: they count, so
                    // that chains of merges cannot multiply the work unbounded.
                    self.count(open, 1 + merged)?;
                    self.remember_counted(anchor, &node);
                    self.complete(node, false)?;
                }
                _ => return Err(SyntaxError::at(start, "unbalanced mapping end")),
            },
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    fn push(&mut self, at: Marker, frame: Frame) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(SyntaxError::at(at, too_deep(self.limits.max_depth)));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn count(&mut self, at: Marker, nodes: usize) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            return Err(SyntaxError::at(at, too_many_nodes(self.limits.max_nodes)));
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node, count: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
    }

    fn remember_counted(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            let count = node.node_count();
            self.anchors.insert(anchor, (node.clone(), count));
        }
    }

    /// Places a finished node into its parent, or makes it the document root;
    /// `is_merge_key`: the node is a plain `<<` (which only matters as a key).
    fn complete(&mut self, node: Node, is_merge_key: bool) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                merges,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some((node, is_merge_key)),
                Some((_, true)) => merges.push(node),
                Some((key, false)) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// The error of a collection nested deeper than `max_depth` (shared with `json`).
fn too_deep(max_depth: usize) -> String {
    format!("nesting deeper than {max_depth} levels; refusing to parse further")
}

/// The error of a stream with more than `max_nodes` nodes (shared with `json`).
fn too_many_nodes(max_nodes: usize) -> String {
    format!(
        "document expands to more than {max_nodes} nodes (an alias bomb?); refusing to parse further"
    )
}

/// A key's text for comparisons, borrowed when the key is a string.
fn key_text(key: &Node) -> Option<Cow<'_, str>> {
    match &key.value {
        Value::Str(s) => Some(Cow::Borrowed(s.as_str())),
        _ => key.scalar_text().map(Cow::Owned),
    }
}

fn duplicate_key_error(key: &Node, text: &str) -> SyntaxError {
    SyntaxError {
        message: format!("duplicate mapping key `{text}`"),
        line: key.span.line,
        column: key.span.column,
    }
}

/// Checks duplicate keys and applies the values of `<<` merge keys (explicit keys win
/// over merged ones). Returns the mapping and how many nodes the merges copied into it.
fn finish_mapping(
    entries: Vec<(Node, Node)>,
    merges: Vec<Node>,
) -> Result<(Mapping, usize), SyntaxError> {
    // Most mappings are small: compare pairwise without allocating.
    if entries.len() <= 12 {
        for (i, (key, _)) in entries.iter().enumerate() {
            let Some(text) = key_text(key) else { continue };
            let repeated = entries[..i]
                .iter()
                .any(|(earlier, _)| key_text(earlier).as_deref() == Some(&*text));
            if repeated {
                return Err(duplicate_key_error(key, &text));
            }
        }
    } else {
        let mut seen: HashSet<Cow<'_, str>> = HashSet::with_capacity(entries.len());
        for (key, _) in &entries {
            if let Some(text) = key_text(key)
                && !seen.insert(text.clone())
            {
                return Err(duplicate_key_error(key, &text));
            }
        }
    }
    if merges.is_empty() {
        return Ok((Mapping { entries }, 0));
    }
    let mut own = entries;
    let mut seen: HashSet<String> = own
        .iter()
        .filter_map(|(key, _)| key.scalar_text())
        .collect();
    let mut merged = 0;
    for merge in merges {
        let sources: Vec<&Node> = match &merge.value {
            Value::Map(_) => vec![&merge],
            Value::Seq(items) => items.iter().collect(),
            _ => {
                return Err(SyntaxError {
                    message: "merge key `<<` needs a mapping or a list of mappings".into(),
                    line: merge.span.line,
                    column: merge.span.column,
                });
            }
        };
        for source in sources {
            let Some(map) = source.as_map() else {
                return Err(SyntaxError {
                    message: "merge key `<<` list holds something other than a mapping".into(),
                    line: source.span.line,
                    column: source.span.column,
                });
            };
            for (key, value) in map.iter() {
                if let Some(text) = key.scalar_text()
                    && seen.insert(text)
                {
                    merged += key.node_count() + value.node_count();
                    own.push((key.clone(), value.clone()));
                }
            }
        }
    }
    Ok((Mapping { entries: own }, merged))
}

/// Resolves a plain scalar the way `sigs.k8s.io/yaml` (YAML 1.1 rules) reads it.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::Str(CompactString::from(text));
    }
    if let Some(int) = parse_int(text) {
        return Value::Int(int);
    }
    if looks_like_float(text)
        && let Ok(float) = text.parse::<f64>()
    {
        return Value::Float(float);
    }
    Value::Str(CompactString::from(text))
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = digits.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()?
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        // YAML 1.1 octal, e.g. file modes written as `0644`.
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn looks_like_float(text: &str) -> bool {
    let body = text.trim_start_matches(['-', '+']);
    !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn span_of(start: Marker, end: Marker) -> Span {
    Span {
        line: to_u32(start.line()),
        column: to_u32(start.col()) + 1,
        end_line: to_u32(end.line()),
        end_column: to_u32(end.col()) + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedStream {
        parse_stream(text, Limits::default())
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let stream = parse("apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true\n");
        assert!(stream.error.is_none());
        let doc = &stream.documents[0];
        let (key, value) = doc
            .path(&["spec"])
            .and_then(|s| s.entry("hostNetwork"))
            .unwrap();
        assert_eq!((key.span.line, key.span.column), (4, 3));
        assert_eq!(value.as_bool(), Some(true));
    }

    #[test]
    fn multi_document_streams_skip_empty_documents() {
        let stream = parse("a: 1\n---\n---\nb: 2\n");
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.documents[1].get("b").and_then(Node::as_i64), Some(2));
    }

    #[test]
    fn json_parses_with_positions() {
        let stream = parse("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}");
        let doc = &stream.documents[0];
        assert_eq!(doc.get("kind").and_then(Node::as_str), Some("Pod"));
        let (key, _) = doc.get("spec").and_then(|s| s.entry("hostPID")).unwrap();
        assert_eq!(key.span.line, 3);
    }

    #[test]
    fn plain_scalars_resolve_like_kubernetes() {
        let stream =
            parse("a: yes\nb: \"yes\"\nc: 0644\nd: 1.5\ne: ~\nf: 1.2.3\ng: !!str true\nh: Y\n");
        let doc = &stream.documents[0];
        assert_eq!(doc.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("yes"));
        assert_eq!(doc.get("c").unwrap().as_i64(), Some(0o644));
        assert_eq!(doc.get("d").unwrap().value, Value::Float(1.5));
        assert!(doc.get("e").unwrap().is_null());
        assert_eq!(doc.get("f").unwrap().as_str(), Some("1.2.3"));
        assert_eq!(doc.get("g").unwrap().as_str(), Some("true"));
        // go-yaml v2, under sigs.k8s.io/yaml, reads `y`/`Y`/`n`/`N` as booleans too.
        assert_eq!(doc.get("h").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn merge_keys_apply_and_explicit_keys_win() {
        let stream = parse("base: &b {x: 1, z: 2}\nderived:\n  <<: *b\n  z: 3\n");
        let derived = stream.documents[0].get("derived").unwrap();
        assert_eq!(derived.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(derived.get("z").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn only_a_plain_merge_key_merges() {
        let stream = parse("base: &b {x: 1}\nplain: {<<: *b}\nquoted: {\"<<\": *b}\n");
        let doc = &stream.documents[0];
        assert_eq!(doc.path(&["plain", "x"]).and_then(Node::as_i64), Some(1));
        let quoted = doc.get("quoted").unwrap();
        assert!(quoted.get("x").is_none());
        assert!(quoted.get("<<").and_then(|v| v.get("x")).is_some());
    }

    #[test]
    fn merged_copies_count_against_the_node_limit() {
        // Each level merges the one inside it: copies grow with depth times size.
        let mut text = String::from("{a0: 0, a1: 1, a2: 2, a3: 3}");
        for level in 0..60 {
            text = format!("{{<<: {text}, k{level}: {level}}}");
        }
        let limits = Limits {
            max_nodes: 2_000,
            ..Limits::default()
        };
        let stream = parse_stream(&text, limits);
        assert!(
            stream
                .error
                .unwrap()
                .message
                .contains("more than 2000 nodes")
        );
        assert!(parse_stream(&text, Limits::default()).error.is_none());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let stream = parse("a: 1\nb: 2\na: 3\n");
        let error = stream.error.unwrap();
        assert!(error.message.contains("duplicate"), "{error}");
        assert_eq!(error.line, 3);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let stream = parse(&text);
        assert!(stream.error.unwrap().message.contains("alias bomb"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(100_000);
        let stream = parse(&text);
        assert!(stream.error.unwrap().message.contains("nesting"));
    }

    #[test]
    fn under_indented_quoted_scalars_are_accepted_like_libyaml() {
        let text = "command:\n  - sh\n  - \"exec a \\\n --flag=1 \\\"x\\\" \\\nb\"\nnext: 1\n";
        let stream = parse(text);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let doc = &stream.documents[0];
        let command = doc.get("command").unwrap().items();
        assert_eq!(command[1].as_str(), Some("exec a --flag=1 \"x\" b"));
        assert_eq!(doc.get("next").unwrap().span.line, 6);
    }

    #[test]
    fn documents_before_an_error_are_kept() {
        let stream = parse("a: 1\n---\nb: [unclosed\n");
        assert_eq!(stream.documents.len(), 1);
        assert!(stream.error.is_some());
    }
}
