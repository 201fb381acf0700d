//! A small JSON parser that gives every key and value its line and column, building
//! `lockgate-syntax` nodes so JSON and YAML lockfiles are read by the same code.
//!
//! Why not the YAML parser (JSON is YAML flow syntax)? It works, but costs ~120 ms per
//! MB with positions, and npm lockfiles of large monorepos reach tens of MB. This parser
//! is one pass over the bytes. It is strict RFC 8259 (no comments, no trailing commas),
//! bounds nesting depth, and never panics. Duplicate keys are all kept; lookups see the
//! first. Columns count characters, as `lockgate_model::Span` wants.

use lockgate_model::Span;
use lockgate_syntax::{Mapping, Node, Value};

/// Deepest nesting of arrays and objects accepted.
pub(crate) const MAX_DEPTH: usize = 256;

/// A syntax error and the 1-based line it was found on.
#[derive(Debug)]
pub(crate) struct JsonError {
    pub line: u32,
    pub message: String,
}

/// Parses one JSON document (surrounding whitespace allowed).
pub(crate) fn parse(text: &str) -> Result<Node, JsonError> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
    };
    parser.skip_whitespace();
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    column: u32,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            line: self.line,
            message: format!("{} (column {})", message.into(), self.column),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Moves past one byte, keeping line and (character) column.
    fn bump(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        if byte == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else if byte & 0xC0 != 0x80 {
            self.column = self.column.saturating_add(1);
        }
        Some(byte)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(format!("expected `{}`", char::from(byte))))
        }
    }

    fn start(&self) -> (u32, u32) {
        (self.line, self.column)
    }

    fn node(&self, (line, column): (u32, u32), value: Value) -> Node {
        Node::new(
            Span {
                line,
                column,
                end_line: self.line,
                end_column: self.column,
            },
            value,
        )
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.start();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let text = self.string()?;
                Ok(self.node(start, Value::Str(text.into())))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, JsonError> {
        let start = self.start();
        if self.bytes.get(self.pos..self.pos + word.len()) != Some(word.as_bytes()) {
            return Err(self.error("expected a JSON value"));
        }
        for _ in 0..word.len() {
            self.bump();
        }
        Ok(self.node(start, value))
    }

    fn number(&mut self) -> Result<Node, JsonError> {
        let start = self.start();
        let from = self.pos;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.bump();
        }
        let text = std::str::from_utf8(self.bytes.get(from..self.pos).unwrap_or_default())
            .map_err(|_| self.error("invalid number"))?;
        let value = match text.parse::<i64>() {
            Ok(int) => Value::Int(int),
            Err(_) => Value::Float(
                text.parse::<f64>()
                    .map_err(|_| self.error(format!("invalid number `{text}`")))?,
            ),
        };
        Ok(self.node(start, value))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let from = self.pos;
            // Copy the run of plain bytes in one go.
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.bump();
            }
            out.extend_from_slice(self.bytes.get(from..self.pos).unwrap_or_default());
            match self.bump() {
                Some(b'"') => break,
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not valid UTF-8"))
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonError> {
        let simple = match self.bump() {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0C,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let mut code = u32::from(self.hex4()?);
                if (0xD800..0xDC00).contains(&code) {
                    // A high surrogate must be followed by `\u` and a low surrogate.
                    if self.bump() != Some(b'\\') || self.bump() != Some(b'u') {
                        return Err(self.error("unpaired surrogate in \\u escape"));
                    }
                    let low = u32::from(self.hex4()?);
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.error("unpaired surrogate in \\u escape"));
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                }
                let c = char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))?;
                let mut buffer = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let mut value: u16 = 0;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            // Four hex digits fit in u16; `digit` < 16.
            value = (value << 4) | u16::try_from(digit).unwrap_or_default();
        }
        Ok(value)
    }

    fn array(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.start();
        self.enter(depth)?;
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(self.node(start, Value::Seq(items)));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.bump() {
                Some(b',') => continue,
                Some(b']') => break,
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
        Ok(self.node(start, Value::Seq(items)))
    }

    fn object(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.start();
        self.enter(depth)?;
        self.expect(b'{')?;
        let mut entries = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(self.node(start, Value::Map(Mapping { entries })));
        }
        loop {
            self.skip_whitespace();
            let key_start = self.start();
            let key = self.string()?;
            let key = self.node(key_start, Value::Str(key.into()));
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_whitespace();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
        Ok(self.node(start, Value::Map(Mapping { entries })))
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_keep_their_lines() {
        let node =
            parse("{\n  \"a\": {\n    \"b\": [1, 2.5, \"x\"]\n  },\n  \"c\": null\n}").unwrap();
        let (key, value) = node.entry("a").unwrap();
        assert_eq!((key.span.line, key.span.column), (2, 3));
        assert_eq!(value.get("b").unwrap().items().len(), 3);
        assert_eq!(node.entry("c").unwrap().0.span.line, 5);
    }

    #[test]
    fn escapes_decode() {
        let node = parse(r#"{"k": "a\"b\\c\u00e9\ud83d\ude00\n"}"#).unwrap();
        assert_eq!(node.get("k").unwrap().as_str(), Some("a\"b\\cé😀\n"));
    }

    #[test]
    fn columns_count_characters() {
        let node = parse("{\"é\": 1, \"x\": 2}").unwrap();
        assert_eq!(node.entry("x").unwrap().0.span.column, 10);
    }

    #[test]
    fn broken_input_is_an_error_with_a_line() {
        for text in [
            "",
            "{",
            "{\"a\" 1}",
            "[1,]",
            "{\"a\": tru}",
            "\"\\ud800\"",
            "[1] 2",
            "nope",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
        let error = parse("{\n\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(error.line, 3);
    }

    fn to_serde(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Value::from(*f),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_serde(v)))
                    .collect(),
            ),
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map(".{0,8}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_json(value in json_value(), pretty in proptest::bool::ANY) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let parsed = parse(&text).unwrap();
            proptest::prop_assert_eq!(to_serde(&parsed), value);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,64}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&fine).is_ok());
    }
}
