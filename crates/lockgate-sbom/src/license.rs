//! Licences as the package files state them (`MIT`, `MIT OR Apache-2.0`,
//! `GPL-2.0-only WITH Classpath-exception-2.0`), and the one question policy asks of
//! them: does every way of taking this package use a denied licence?
//!
//! Expressions are read leniently (the files are not validated SPDX): `OR` gives the user
//! a choice, `AND` imposes every part, `WITH` qualifies the licence before it, and
//! parentheses are honoured. Text that is no expression (`SEE LICENSE IN LICENSE.md`)
//! is one opaque licence name.

/// Whether a licence expression is denied: true when every alternative the expression
/// offers includes a licence that `is_denied` refuses.
pub fn expression_is_denied(expression: &str, is_denied: &dyn Fn(&str) -> bool) -> bool {
    let tokens = tokenize(expression);
    if tokens.is_empty() {
        return false;
    }
    let mut parser = Parser {
        tokens: &tokens,
        position: 0,
        depth: 0,
    };
    match parser.or_expression(is_denied) {
        Some(denied) if parser.position == tokens.len() => denied,
        // Not an expression: judge the text as one licence name.
        _ => is_denied(expression.trim()),
    }
}

/// Whether `text` is a plausible SPDX license expression (identifiers, `AND`, `OR`,
/// `WITH`, parentheses), so writers can state it as one; free text is not.
pub fn is_spdx_expression(text: &str) -> bool {
    let tokens = tokenize(text);
    !tokens.is_empty()
        && tokens.iter().all(|t| {
            matches!(*t, "(" | ")" | "AND" | "OR" | "WITH")
                || t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b':'))
        })
        && {
            let mut parser = Parser {
                tokens: &tokens,
                position: 0,
                depth: 0,
            };
            parser.or_expression(&|_| false).is_some() && parser.position == tokens.len()
        }
}

fn tokenize(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push(&text[s..i]);
            }
            if c != ' ' && !c.is_whitespace() {
                tokens.push(&text[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }
    tokens
}

/// Deepest parenthesis nesting followed.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    tokens: &'a [&'a str],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek_operator(&self, operator: &str) -> bool {
        self.tokens
            .get(self.position)
            .is_some_and(|t| t.eq_ignore_ascii_case(operator))
    }

    /// `a OR b`: denied only if every alternative is.
    fn or_expression(&mut self, is_denied: &dyn Fn(&str) -> bool) -> Option<bool> {
        let mut denied = self.and_expression(is_denied)?;
        while self.peek_operator("OR") {
            self.position += 1;
            denied &= self.and_expression(is_denied)?;
        }
        Some(denied)
    }

    /// `a AND b`: denied if any part is.
    fn and_expression(&mut self, is_denied: &dyn Fn(&str) -> bool) -> Option<bool> {
        let mut denied = self.term(is_denied)?;
        while self.peek_operator("AND") {
            self.position += 1;
            denied |= self.term(is_denied)?;
        }
        Some(denied)
    }

    fn term(&mut self, is_denied: &dyn Fn(&str) -> bool) -> Option<bool> {
        let token = *self.tokens.get(self.position)?;
        self.position += 1;
        if token == "(" {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return None;
            }
            let inner = self.or_expression(is_denied)?;
            if self.tokens.get(self.position) != Some(&")") {
                return None;
            }
            self.position += 1;
            self.depth -= 1;
            return Some(inner);
        }
        if matches!(token, ")")
            || ["AND", "OR", "WITH"]
                .iter()
                .any(|o| token.eq_ignore_ascii_case(o))
        {
            return None;
        }
        if self.peek_operator("WITH") {
            // The exception widens what the licence allows; the licence is what counts.
            self.position += 1;
            self.tokens.get(self.position)?;
            self.position += 1;
        }
        Some(is_denied(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpl(name: &str) -> bool {
        name.starts_with("GPL") || name.starts_with("AGPL")
    }

    #[test]
    fn choices_and_obligations_are_weighed() {
        assert!(expression_is_denied("GPL-3.0-only", &gpl));
        assert!(!expression_is_denied("MIT", &gpl));
        assert!(
            !expression_is_denied("MIT OR GPL-3.0-only", &gpl),
            "MIT can be chosen"
        );
        assert!(expression_is_denied("MIT AND GPL-3.0-only", &gpl));
        assert!(expression_is_denied(
            "(MIT OR Apache-2.0) AND AGPL-3.0",
            &gpl
        ));
        assert!(!expression_is_denied(
            "(GPL-2.0 AND MIT) OR Apache-2.0",
            &gpl
        ));
        assert!(expression_is_denied(
            "GPL-2.0-only WITH Classpath-exception-2.0",
            &gpl
        ));
        assert!(!expression_is_denied("", &gpl));
        // Free text is one name.
        assert!(!expression_is_denied("SEE LICENSE IN LICENSE.md", &gpl));
        assert!(expression_is_denied("GPL (see COPYING)", &|n| n.starts_with("GPL (")));
    }

    #[test]
    fn hostile_expressions_end_without_panic() {
        let deep = "(".repeat(10_000) + "MIT" + &")".repeat(10_000);
        assert!(!expression_is_denied(&deep, &gpl));
        for text in ["(", ")", "AND", "MIT OR", "MIT WITH", "((MIT)", "MIT)"] {
            let _ = expression_is_denied(text, &gpl);
        }
        assert!(is_spdx_expression("MIT OR (Apache-2.0 AND BSD-3-Clause)"));
        assert!(is_spdx_expression("LicenseRef-custom"));
        assert!(!is_spdx_expression("SEE LICENSE IN LICENSE.md"));
        assert!(!is_spdx_expression("MIT OR"));
    }
}
