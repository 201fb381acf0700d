//! A fast path for documents that are plain JSON: one object or array, as the Kubernetes
//! API server sends every admission object and as `kubectl get -o json` writes them.
//!
//! JSON is YAML flow syntax, so the YAML parser reads it too, but `saphyr-parser` keeps
//! every token of a flow collection queued until the collection closes (any flow node
//! may still turn out to be an implicit key): on a 3.7 MB Pod with 3,000 containers that
//! was four times the memory of the finished tree. This reader builds the same tree,
//! spans included, straight from the text.
//!
//! It only answers for what it reads exactly as the YAML parser would: strict JSON, one
//! object or array, no byte-order mark, no surrogate escapes, no characters YAML treats
//! differently, nesting under saphyr's own limit. Anything else (a syntax error included)
//! gives `None`, and the caller parses the text as YAML, so errors and the less common
//! cases keep their YAML reading. A limit ([`Limits`]) or a duplicate key is the YAML
//! parser's error, at the same place; it is only given when a second pass, which builds
//! nothing, finds the whole text to be JSON this reader takes, since the YAML parser
//! reports a syntax error anywhere in the text before those.

use compact_str::CompactString;
use lockgate_model::Span;

use super::{
    Limits, Node, ParsedStream, SyntaxError, Value, finish_mapping, too_deep, too_many_nodes,
};
use crate::json_escape::{hex4, simple_escape};

/// saphyr refuses a collection nested in 255 others ("recursion limit exceeded"), before
/// any error of the tree builder: deeper text is left to it, whatever [`Limits`] says.
const YAML_NESTING_LIMIT: usize = 255;

/// The tree of `text` when it is one JSON object or array; `None` when the YAML parser
/// must decide.
pub(super) fn parse(text: &str, limits: Limits) -> Option<ParsedStream> {
    let root = match Reader::new(text, limits, false).document() {
        Ok(root) => root,
        Err(Stop::NotJson) => return None,
        Err(Stop::Refused(error)) => {
            // The YAML parser gives this error only when the text holds no syntax error.
            Reader::new(text, limits, true).document().ok()?;
            return Some(ParsedStream {
                documents: Vec::new(),
                error: Some(error),
            });
        }
    };
    Some(ParsedStream {
        documents: vec![root],
        error: None,
    })
}

/// Why reading stopped.
enum Stop {
    /// Not JSON this reader takes (or not JSON at all): the YAML parser decides.
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

/// Reads one JSON value into a tree, or, `checking`, only checks that the text is JSON
/// this reader takes, building nothing and applying no [`Limits`].
struct Reader<'a> {
    text: &'a str,
    /// Byte offset of the next byte to read.
    at: usize,
    line: u32,
    column: u32,
    limits: Limits,
    checking: bool,
    /// Collections open around the reading position.
    depth: usize,
    /// Nodes finished so far, counted as the YAML tree builder counts them.
    nodes: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, limits: Limits, checking: bool) -> Self {
        Reader {
            text,
            at: 0,
            line: 1,
            column: 1,
            limits,
            checking,
            depth: 0,
            nodes: 0,
        }
    }

    /// The whole text: blanks, one object or array, blanks.
    fn document(&mut self) -> Result<Node, Stop> {
        self.skip_whitespace();
        if !matches!(self.peek(), Some(b'{' | b'[')) {
            return Err(Stop::NotJson);
        }
        let root = self.value()?;
        self.skip_whitespace();
        if self.at == self.text.len() {
            Ok(root)
        } else {
            Err(Stop::NotJson)
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Steps over `bytes` bytes of ASCII text without a line break.
    fn advance(&mut self, bytes: usize) {
        self.at += bytes;
        self.column = self
            .column
            .saturating_add(u32::try_from(bytes).unwrap_or(u32::MAX));
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' => self.advance(1),
                b'\n' => self.new_line(1),
                b'\r' if self.text.as_bytes().get(self.at + 1) == Some(&b'\n') => self.new_line(2),
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

    /// Blanks on the same line. The YAML parser's spans of collections and quoted
    /// scalars end after them (where the next token or the line break is).
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.advance(1);
        }
    }

    fn count(&mut self, at: Mark) -> Result<(), Stop> {
        if self.checking {
            return Ok(());
        }
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes > self.limits.max_nodes {
            return Err(refused(at, too_many_nodes(self.limits.max_nodes)));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Node, Stop> {
        let start = self.mark();
        match self.peek() {
            Some(b'{') => self.object(start),
            Some(b'[') => self.array(start),
            Some(b'"') => {
                let decoded = self.string()?;
                self.count(start)?;
                Ok(Node::new(span(start, self.mark()), Value::Str(decoded)))
            }
            Some(b'-' | b'0'..=b'9') => self.plain(start, number_length),
            Some(b't' | b'f' | b'n') => self.plain(start, literal_length),
            _ => Err(Stop::NotJson),
        }
    }

    /// A number or `true`/`false`/`null`, typed as the YAML parser types the same plain
    /// scalar; `length` gives how many bytes of the rest of the text it is.
    fn plain(&mut self, start: Mark, length: fn(&[u8]) -> Option<usize>) -> Result<Node, Stop> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        let length = length(rest.as_bytes()).ok_or(Stop::NotJson)?;
        // ASCII by construction, so `length` is a character boundary.
        let token = rest.get(..length).ok_or(Stop::NotJson)?;
        let value = if self.checking {
            Value::Null
        } else {
            super::resolve_plain(token)
        };
        self.advance(length);
        self.count(start)?;
        Ok(Node::new(span(start, self.mark()), value))
    }

    /// Steps into a collection at its opening bracket.
    fn enter(&mut self, at: Mark) -> Result<(), Stop> {
        if self.depth >= YAML_NESTING_LIMIT {
            return Err(Stop::NotJson);
        }
        if !self.checking && self.depth >= self.limits.max_depth {
            return Err(refused(at, too_deep(self.limits.max_depth)));
        }
        self.depth += 1;
        self.advance(1);
        self.skip_whitespace();
        Ok(())
    }

    /// Steps over a collection's closing bracket; returns where the collection is.
    fn leave(&mut self, start: Mark) -> Span {
        self.depth -= 1;
        self.advance(1);
        self.skip_blanks();
        span(start, self.mark())
    }

    /// After an item or entry: `,` (more follow) or the closing bracket.
    fn more(&mut self, close: u8) -> Result<bool, Stop> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.advance(1);
                self.skip_whitespace();
                Ok(true)
            }
            Some(byte) if byte == close => Ok(false),
            _ => Err(Stop::NotJson),
        }
    }

    fn array(&mut self, start: Mark) -> Result<Node, Stop> {
        self.enter(start)?;
        let mut items = Vec::new();
        if self.peek() != Some(b']') {
            loop {
                let item = self.value()?;
                if !self.checking {
                    items.push(item);
                }
                if !self.more(b']')? {
                    break;
                }
            }
        }
        let place = self.leave(start);
        // Counted at its end, as the YAML tree builder counts a collection.
        self.count(start)?;
        Ok(Node::new(place, Value::Seq(items)))
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
                self.advance(1);
                self.after_colon()?;
                let value = self.value()?;
                if !self.checking {
                    entries.push((key, value));
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        let place = self.leave(start);
        // Duplicate keys, then the count: the order of the YAML tree builder's checks.
        let mapping = if self.checking {
            super::Mapping::default()
        } else {
            // Every JSON key is quoted, so none is a merge key.
            finish_mapping(entries, Vec::new())
                .map_err(Stop::Refused)?
                .0
        };
        self.count(start)?;
        Ok(Node::new(place, Value::Map(mapping)))
    }

    /// The whitespace after a `:`. The YAML parser refuses a tab there when a plain
    /// scalar follows on the line (`{"a":\t1}`): such text is left to it.
    fn after_colon(&mut self) -> Result<(), Stop> {
        if self.peek() == Some(b'\t') {
            let blanks = self.text.as_bytes()[self.at..]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            let next = self.text.as_bytes().get(self.at + blanks);
            if next.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-') {
                return Err(Stop::NotJson);
            }
        }
        self.skip_whitespace();
        Ok(())
    }

    /// A string, from its opening quote to after its closing one and the blanks after it.
    fn string(&mut self) -> Result<CompactString, Stop> {
        self.advance(1);
        let mut decoded = CompactString::default();
        loop {
            let rest = self.text.get(self.at..).unwrap_or_default();
            // The run of ordinary characters up to the next quote, backslash or control
            // byte (all ASCII, so the run ends on a character boundary).
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(Stop::NotJson)?;
            let piece = rest.get(..run).ok_or(Stop::NotJson)?;
            if piece.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}']) {
                // Characters YAML may treat as line breaks or marks: its reading decides.
                return Err(Stop::NotJson);
            }
            if !self.checking {
                decoded.push_str(piece);
            }
            self.at += run;
            let characters = piece.chars().count();
            self.column = self
                .column
                .saturating_add(u32::try_from(characters).unwrap_or(u32::MAX));
            match rest.as_bytes().get(run) {
                Some(b'"') => {
                    self.advance(1);
                    // A quoted scalar's span takes in the blanks after it (the YAML
                    // parser looks past them for a `:`); a plain scalar's does not.
                    self.skip_blanks();
                    return Ok(decoded);
                }
                Some(b'\\') => {
                    let escaped = self.escape()?;
                    if !self.checking {
                        decoded.push(escaped);
                    }
                }
                // A raw control character: not JSON.
                _ => return Err(Stop::NotJson),
            }
        }
    }

    /// One escape sequence at its backslash.
    fn escape(&mut self) -> Result<char, Stop> {
        let bytes = self.text.as_bytes();
        let code = *bytes.get(self.at + 1).ok_or(Stop::NotJson)?;
        if code == b'u' {
            let unit = hex4(bytes, self.at + 2).ok_or(Stop::NotJson)?;
            // Surrogates (halves of a pair) are left to the YAML parser's reading.
            let escaped = char::from_u32(unit).ok_or(Stop::NotJson)?;
            self.advance(6);
            Ok(escaped)
        } else {
            let escaped = simple_escape(code).ok_or(Stop::NotJson)?;
            self.advance(2);
            Ok(escaped)
        }
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

    /// The fast path must give what the YAML parser gives, spans included: the same tree,
    /// or the same error. Returns whether it answered at all.
    fn assert_same_as_yaml(text: &str, what: &str) -> bool {
        assert_same_as_yaml_within(text, Limits::default(), what)
    }

    fn assert_same_as_yaml_within(text: &str, limits: Limits, what: &str) -> bool {
        let Some(fast) = parse(text, limits) else {
            return false;
        };
        let yaml = parse_yaml_stream(text, limits);
        assert_eq!(fast.error, yaml.error, "{what}: errors differ");
        assert_eq!(fast.documents, yaml.documents, "{what}: trees differ");
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
        let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        let deep = nested(210);
        assert!(assert_same_as_yaml(&deep, "210 levels"));
        let error = parse(&deep, Limits::default()).unwrap().error.unwrap();
        assert!(error.message.contains("nesting deeper than 200"), "{error}");
        assert_eq!((error.line, error.column), (1, 201));
        // saphyr's own limit comes first from 256 levels on, whatever the limits say.
        assert!(parse(&nested(300), Limits::default()).is_none());
        let lenient = Limits {
            max_depth: 1_000_000,
            ..Limits::default()
        };
        assert!(parse(&nested(300), lenient).is_none());
        assert!(parse(&nested(1_000_000), lenient).is_none());

        let wide = format!("[{}0]", "0,".repeat(20));
        let limits = Limits {
            max_nodes: 10,
            ..Limits::default()
        };
        assert!(assert_same_as_yaml_within(&wide, limits, "wide"));
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
        // A quoted "<<" is an ordinary key, in JSON as in YAML.
        assert!(assert_same_as_yaml("{\"<<\": 1}", "quoted merge key"));

        // A syntax error anywhere comes first in the YAML parser: the text is left to it.
        for text in [
            "{\"a\":1,\"a\":2} @",
            "[{\"a\":1,\"a\":2}, \"\\q\"]",
            "{\"a\":1,\"a\":2}}",
            "{\"<<\": 1} @",
        ] {
            assert!(parse(text, Limits::default()).is_none(), "taken: {text}");
        }
        assert!(parse(&format!("{wide} @"), limits).is_none());
    }

    #[test]
    fn a_tab_before_a_plain_value_is_left_to_the_yaml_parser() {
        for text in [
            "{\"a\":\t1}",
            "{\"a\":\ttrue}",
            "{\"a\":\t-1}",
            "{\"a\"\t:\tnull}",
        ] {
            assert!(parse(text, Limits::default()).is_none(), "taken: {text:?}");
            assert!(parse_yaml_stream(text, Limits::default()).error.is_some());
        }
        for text in [
            "{\"a\": \t1}",
            "{\"a\":\t\"x\"}",
            "{\"a\":\t[1]}",
            "{\"a\":\t\n1}",
        ] {
            assert!(assert_same_as_yaml(text, text), "not taken: {text:?}");
        }
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
            if let Some(fast) = parse(&text, Limits::default()) {
                // serde_json also refuses numbers beyond f64 and duplicate keys do not
                // trouble it; everything else it refuses, the fast path must not take.
                let strict = serde_json::from_str::<serde_json::Value>(&text);
                prop_assert!(
                    fast.error.is_some()
                        || strict.as_ref().map_or_else(|e| e.to_string().contains("number out of range"), |_| true),
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
