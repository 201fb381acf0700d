//! A fast path for documents that are plain JSON: one object or array, as the Kubernetes
//! API server sends every admission object and as `kubectl get -o json` writes them.
//!
//! JSON is YAML flow syntax, so the YAML parser reads it too, but `saphyr-parser` keeps
//! every token of a flow collection queued until the collection closes (any flow node
//! may still turn out to be an implicit key): a 3.6 MB Pod peaked at 114 MB in the
//! scanner alone and 146 MB in all, 362 bytes per node, where the finished tree needs 91.
//! This parser builds the same tree, spans included, straight from the text.
//!
//! It only answers for what it reads exactly as the YAML parser would: strict JSON, one
//! object or array, no byte-order mark, no surrogate escapes, no characters YAML treats
//! differently. Anything else (a syntax error included) gives `None`, and the caller
//! parses the text as YAML, so errors and the less common cases keep their YAML
//! reading. The limits ([`Limits`]) and duplicate keys give the same errors as there.

use compact_str::CompactString;
use lockgate_model::Span;

use super::{Limits, Mapping, Node, ParsedStream, SyntaxError, Value, finish_mapping};
use crate::json_escape::{hex4, simple_escape};

/// The tree of `text` when it is one JSON object or array; `None` when the YAML parser
/// must decide.
pub(super) fn parse(text: &str, limits: Limits) -> Option<ParsedStream> {
    let start = text.find(|c: char| !matches!(c, ' ' | '\t' | '\n' | '\r'))?;
    if !matches!(text.as_bytes()[start], b'{' | b'[') {
        return None;
    }
    let mut reader = Reader {
        text: text.as_bytes(),
        at: 0,
        line: 1,
        column: 1,
        limits,
        depth: 0,
        nodes: 0,
    };
    reader.skip_whitespace();
    let root = match reader.value() {
        Ok(root) => root,
        Err(Stop::NotJson) => return None,
        Err(Stop::Refused(error)) => {
            return Some(ParsedStream {
                documents: Vec::new(),
                error: Some(error),
            });
        }
    };
    reader.skip_whitespace();
    (reader.at == text.len()).then(|| ParsedStream {
        documents: vec![root],
        error: None,
    })
}

/// Why reading stopped.
enum Stop {
    /// Not JSON this parser takes (or not JSON at all): the YAML parser decides.
    NotJson,
    /// JSON beyond a limit, or with a duplicate key: the error the YAML parser would give.
    Refused(SyntaxError),
}

/// A position: 1-based line and column, columns counted in characters as YAML's are.
#[derive(Clone, Copy)]
struct Mark {
    line: u32,
    column: u32,
}

fn span(start: Mark, end: Mark) -> Span {
    Span {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
    column: u32,
    limits: Limits,
    depth: usize,
    nodes: usize,
}

impl Reader<'_> {
    fn mark(&self) -> Mark {
        Mark {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// Steps over one byte of ASCII text that is not a line break.
    fn bump(&mut self) {
        self.at += 1;
        self.column = self.column.saturating_add(1);
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' => self.bump(),
                b'\n' => self.new_line(1),
                b'\r' if self.text.get(self.at + 1) == Some(&b'\n') => self.new_line(2),
                b'\r' => self.new_line(1),
                _ => break,
            }
        }
    }

    fn new_line(&mut self, bytes: usize) {
        self.at += bytes;
        self.line = self.line.saturating_add(1);
        self.column = 1;
    }

    /// Blanks after a closing bracket on the same line: the YAML parser's collection
    /// spans end after them, where the next token or the line break is.
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.bump();
        }
    }

    fn count(&mut self, at: Mark) -> Result<(), Stop> {
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes > self.limits.max_nodes {
            return Err(refused(
                at,
                format!(
                    "document expands to more than {} nodes (an alias bomb?); refusing to parse further",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, Stop> {
        let start = self.mark();
        match self.peek() {
            Some(b'{') => self.object(start),
            Some(b'[') => self.array(start),
            Some(b'"') => {
                let text = self.string()?;
                self.count(start)?;
                Ok(Node::new(span(start, self.mark()), Value::Str(text)))
            }
            Some(b'-' | b'0'..=b'9') => self.scalar(start, number_length),
            Some(b't' | b'f' | b'n') => self.scalar(start, literal_length),
            _ => Err(Stop::NotJson),
        }
    }

    /// A number or `true`/`false`/`null`, typed as the YAML parser types the same plain
    /// scalar; `length` gives how many bytes of the rest of the text it is.
    fn scalar(&mut self, start: Mark, length: fn(&[u8]) -> Option<usize>) -> Result<Node, Stop> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        let length = length(rest).ok_or(Stop::NotJson)?;
        let token = std::str::from_utf8(&rest[..length]).map_err(|_| Stop::NotJson)?;
        let value = super::resolve_plain(token);
        for _ in 0..length {
            self.bump();
        }
        self.count(start)?;
        Ok(Node::new(span(start, self.mark()), value))
    }

    fn enter(&mut self, at: Mark) -> Result<(), Stop> {
        if self.depth >= self.limits.max_depth {
            return Err(refused(
                at,
                format!(
                    "nesting deeper than {} levels; refusing to parse further",
                    self.limits.max_depth
                ),
            ));
        }
        self.depth += 1;
        self.bump();
        self.skip_whitespace();
        Ok(())
    }

    /// Steps over a closing bracket and the blanks after it; the collection's node is
    /// counted then, as the YAML parser counts it at its end.
    fn leave(&mut self, start: Mark) -> Result<Span, Stop> {
        self.depth -= 1;
        self.bump();
        self.skip_blanks();
        self.count(start)?;
        Ok(span(start, self.mark()))
    }

    fn array(&mut self, start: Mark) -> Result<Node, Stop> {
        self.enter(start)?;
        let mut items = Vec::new();
        if self.peek() != Some(b']') {
            loop {
                items.push(self.value()?);
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.bump();
                        self.skip_whitespace();
                    }
                    Some(b']') => break,
                    _ => return Err(Stop::NotJson),
                }
            }
        }
        let span = self.leave(start)?;
        Ok(Node::new(span, Value::Seq(items)))
    }

    fn object(&mut self, start: Mark) -> Result<Node, Stop> {
        self.enter(start)?;
        let mut entries = Vec::new();
        if self.peek() != Some(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(Stop::NotJson);
                }
                let key = self.value()?;
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return Err(Stop::NotJson);
                }
                self.bump();
                self.skip_whitespace();
                let value = self.value()?;
                entries.push((key, value));
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.bump();
                        self.skip_whitespace();
                    }
                    Some(b'}') => break,
                    _ => return Err(Stop::NotJson),
                }
            }
        }
        let span = self.leave(start)?;
        let mapping: Mapping = finish_mapping(entries).map_err(Stop::Refused)?;
        Ok(Node::new(span, Value::Map(mapping)))
    }

    /// A string, from its opening quote to after its closing one and the blanks after it.
    fn string(&mut self) -> Result<CompactString, Stop> {
        self.bump();
        let mut text = CompactString::default();
        loop {
            let rest = self.text.get(self.at..).unwrap_or_default();
            // The run of ordinary bytes up to the next quote, backslash or control byte.
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(Stop::NotJson)?;
            let piece = std::str::from_utf8(&rest[..run]).map_err(|_| Stop::NotJson)?;
            if piece.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}']) {
                // Characters YAML may treat as line breaks or marks: its reading decides.
                return Err(Stop::NotJson);
            }
            text.push_str(piece);
            self.at += run;
            let characters = piece.chars().count();
            self.column = self
                .column
                .saturating_add(u32::try_from(characters).unwrap_or(u32::MAX));
            match rest.get(run) {
                Some(b'"') => {
                    self.bump();
                    // The YAML parser's span of a quoted scalar takes in the blanks after
                    // it (it looks past them for a `:`); a plain scalar's does not.
                    self.skip_blanks();
                    return Ok(text);
                }
                Some(b'\\') => {
                    let escaped = self.escape()?;
                    text.push(escaped);
                }
                // A raw control character: not JSON.
                _ => return Err(Stop::NotJson),
            }
        }
    }

    /// One escape sequence after its backslash.
    fn escape(&mut self) -> Result<char, Stop> {
        let code = *self.text.get(self.at + 1).ok_or(Stop::NotJson)?;
        let escaped = if code == b'u' {
            let unit = hex4(self.text, self.at + 2).ok_or(Stop::NotJson)?;
            // Surrogates (halves of a pair) are left to the YAML parser's reading.
            let escaped = char::from_u32(unit).ok_or(Stop::NotJson)?;
            for _ in 0..4 {
                self.bump();
            }
            escaped
        } else {
            simple_escape(code).ok_or(Stop::NotJson)?
        };
        self.bump();
        self.bump();
        Ok(escaped)
    }
}

fn refused(at: Mark, message: String) -> Stop {
    Stop::Refused(SyntaxError {
        message,
        line: at.line,
        column: at.column,
    })
}

/// The length of the JSON number at the start of `text`, if one is there and ends where
/// a token may end.
fn number_length(text: &[u8]) -> Option<usize> {
    let digits = |from: usize| {
        text[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(text.first() == Some(&b'-'));
    match text.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at += digits(at),
        _ => return None,
    }
    if text.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return None;
        }
        at += exponent;
    }
    ends_token(text, at)
}

fn literal_length(text: &[u8]) -> Option<usize> {
    ["true", "false", "null"]
        .iter()
        .find(|word| text.starts_with(word.as_bytes()))
        .and_then(|word| ends_token(text, word.len()))
}

/// `Some(length)` when the token is followed by what may follow a JSON value.
fn ends_token(text: &[u8], length: usize) -> Option<usize> {
    match text.get(length) {
        None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') => Some(length),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::yaml::parse_yaml_stream;

    /// The fast path must give what the YAML parser gives, spans included, whenever the
    /// YAML parser reads the text at all.
    fn assert_same_as_yaml(text: &str, what: &str) -> bool {
        let Some(fast) = parse(text, Limits::default()) else {
            return false;
        };
        let yaml = parse_yaml_stream(text, Limits::default());
        if yaml.error.is_none() {
            assert_eq!(fast.error, None, "{what}: the fast path refused it");
            assert_eq!(fast.documents, yaml.documents, "{what}: trees differ");
        } else {
            // Limits and duplicate keys: the same error at the same place.
            if let Some(error) = &fast.error {
                assert_eq!(Some(error), yaml.error.as_ref(), "{what}: errors differ");
            }
        }
        true
    }

    fn json_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                json_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }

    #[test]
    fn corpus_json_reads_as_the_yaml_parser_reads_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
        let mut files = Vec::new();
        json_files(&root, &mut files);
        assert!(
            files.len() > 100,
            "too few JSON files under {}",
            root.display()
        );
        let (mut fast, mut variants) = (0, 0);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let shown = file.display().to_string();
            let mut forms = vec![text.clone(), text.replace('\n', "\r\n")];
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                forms.push(value.to_string());
                forms.extend(serde_json::to_string_pretty(&value));
            }
            for form in &forms {
                variants += 1;
                fast += usize::from(assert_same_as_yaml(form, &shown));
            }
        }
        println!(
            "{fast} of {variants} forms of {} corpus files took the fast path",
            files.len()
        );
        // Most corpus JSON is plain objects; a drop means the fast path stopped working.
        assert!(fast * 10 >= variants * 8, "{fast} of {variants}");
    }

    #[test]
    fn spans_match_the_yaml_parser_in_awkward_layouts() {
        for text in [
            r#"{"a": [1, "xé", {"b": null}], "c": true, "d": {} , "e":[ ]}"#,
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": {}\n    }\n  ]   \n  ,\"c\": [] }  \n\n",
            "  [1,2]",
            "\n\n[\"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\", -0, -0.5e3, 1E2, 12345678901234567890, 0.0]\n",
            "{\"\": \"\", \"k\": \"😀 wide\"}",
            "[[[]],[{}],{\"a\":{\"b\":[true,false,null]}}]",
            "{\"<<\": {\"x\": 1}, \"y\": 2}",
            "[ \"x\" , \"y\"\t]",
            "{\"a\" : \"x\"  \n, \"b\": 1 }",
        ] {
            assert!(assert_same_as_yaml(text, text), "not taken: {text}");
        }
    }

    #[test]
    fn what_is_not_plain_json_is_left_to_the_yaml_parser() {
        for text in [
            "{\"a\": 1} # comment",
            "{\"a\": 1,}",
            "{a: 1}",
            "{\"a\": 1}\n{\"b\": 2}",
            "{\"a\": 1}\n---\n{\"b\": 2}",
            "\u{feff}{\"a\": 1}",
            "{\"a\": \"\\ud83d\\ude00\"}",
            "{\"a\": 0644}",
            "{\"a\": .5}",
            "{\"a\": NaN}",
            "{\"a\": \"tab\there\"}",
            "{\"a\": \"\\x41\"}",
            "{\"a\": [1 2]}",
            "{\"a\": 1",
            "\"a string\"",
            "42",
            "a: 1\n",
            "",
        ] {
            assert!(parse(text, Limits::default()).is_none(), "taken: {text:?}");
        }
    }

    #[test]
    fn limits_and_duplicate_keys_give_the_yaml_errors() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let error = parse(&deep, Limits::default()).unwrap().error.unwrap();
        assert!(error.message.contains("nesting deeper than 200"), "{error}");
        assert_eq!((error.line, error.column), (1, 201));

        let wide = format!("[{}0]", "0,".repeat(20));
        let limits = Limits {
            max_nodes: 10,
            ..Limits::default()
        };
        let error = parse(&wide, limits).unwrap().error.unwrap();
        assert!(error.message.contains("more than 10 nodes"), "{error}");

        let duplicate = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}";
        assert!(assert_same_as_yaml(duplicate, "duplicate"));
        let error = parse(duplicate, Limits::default()).unwrap().error.unwrap();
        assert!(
            error.message.contains("duplicate mapping key `a`"),
            "{error}"
        );
        assert_eq!((error.line, error.column), (4, 3));
    }

    /// JSON values of every kind, nested a few levels.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            (-1.0e6f64..1.0e6).prop_map(serde_json::Value::from),
            "[ -~\u{e9}\u{4e2d}\n\t\"\\\\]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z<]{0,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Bytes that matter to JSON or YAML, for edits of valid documents.
    const EDIT_BYTES: &[u8] = b" \t\n\r{}[],:\"\\#&*!|>'%@`-0eE.u";

    proptest! {
        /// Edited documents: never a panic; what the fast path accepts is strict JSON
        /// (serde_json agrees, numbers beyond f64 aside) and reads as the YAML parser
        /// reads it.
        #[test]
        fn edited_json_is_taken_only_when_it_is_still_json(
            value in json_value(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<prop::sample::Index>()), 1..4),
        ) {
            let mut bytes = serde_json::to_string_pretty(&value).unwrap_or_default().into_bytes();
            for (at, kind, byte) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at.index(bytes.len());
                let byte = EDIT_BYTES[byte.index(EDIT_BYTES.len())];
                match kind {
                    0 => bytes.insert(at, byte),
                    1 => { bytes.remove(at); }
                    _ => bytes[at] = byte,
                }
            }
            let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
            if let Some(fast) = parse(&text, Limits::default()) && fast.error.is_none() {
                // serde_json also refuses numbers beyond f64, which are JSON all the same.
                let strict = serde_json::from_str::<serde_json::Value>(&text);
                prop_assert!(
                    strict.as_ref().map_or_else(|e| e.to_string().contains("number out of range"), |_| true),
                    "took non-JSON: {text:?}"
                );
                assert_same_as_yaml(&text, &text);
            }
        }

        #[test]
        fn generated_json_reads_as_the_yaml_parser_reads_it(value in json_value()) {
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap_or_default()] {
                if text.starts_with(['{', '[']) {
                    prop_assert!(assert_same_as_yaml(&text, &text), "not taken: {text}");
                }
            }
        }
    }
}
