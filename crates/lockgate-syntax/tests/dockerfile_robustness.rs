//! Property tests: whatever text arrives, the Dockerfile parser and the substitution
//! finish without panicking, and every span points at a real position.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockgate_model::Span;
use lockgate_syntax::dockerfile::{Args, Dockerfile, parse};
use proptest::prelude::*;

fn assert_spans(text: &str, dockerfile: &Dockerfile) {
    let lines = u32::try_from(text.lines().count().max(1)).unwrap();
    let check = |span: Span| {
        assert!(span.line >= 1 && span.column >= 1, "{span:?}");
        assert!(span.end_line >= span.line, "{span:?}");
        assert!(span.end_line <= lines, "{span:?} beyond {lines} lines");
        if span.end_line == span.line {
            assert!(span.end_column >= span.column, "{span:?}");
        }
    };
    for instruction in &dockerfile.instructions {
        check(instruction.span);
        check(instruction.keyword.span);
        for word in instruction.words() {
            check(word.span);
        }
        for flag in &instruction.flags {
            check(flag.span);
        }
        let trigger = match &instruction.args {
            Args::Onbuild(trigger) => Some(trigger.as_ref()),
            _ => None,
        };
        for heredoc in instruction
            .heredocs
            .iter()
            .chain(trigger.iter().flat_map(|t| &t.heredocs))
        {
            check(heredoc.marker.span);
            check(heredoc.body_span);
            heredoc.terminator.into_iter().for_each(check);
        }
    }
    for directive in &dockerfile.directives {
        check(directive.span);
        check(directive.value.span);
    }
    for stage in &dockerfile.stages {
        check(stage.image.span);
    }
    for problem in &dockerfile.problems {
        assert!(problem.span.line >= 1 && problem.span.column >= 1);
    }
}

fn parse_and_resolve(text: &str) {
    let dockerfile = parse(text);
    assert_spans(text, &dockerfile);
    let resolved = dockerfile.resolve(&[("A", "x"), ("B", "")]);
    assert_eq!(resolved.instructions.len(), dockerfile.instructions.len());
    assert_eq!(resolved.stages.len(), dockerfile.stages.len());
}

/// Lines built from Dockerfile pieces, so that the interesting paths are reached often.
fn dockerfile_line() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "FROM",
        "from",
        "RUN",
        "CMD",
        "COPY",
        "ADD",
        "ENV",
        "ARG",
        "LABEL",
        "USER",
        "ONBUILD",
        "HEALTHCHECK",
        "SHELL",
        "EXPOSE",
        "VOLUME",
        "WORKDIR",
        "STOPSIGNAL",
        "MAINTAINER",
        "ENTRYPOINT",
        "BOGUS",
        "# escape=`",
        "# syntax=x",
        "EOF",
        "",
    ]);
    let piece = prop::sample::select(vec![
        " ", "\t", "\\", "`", "\"", "'", "[", "]", ",", "=", "$", "${", "}", ":-", ":+", "-", "+",
        "#", "%", "/", "*", "?", "<<", "<<-", "EOF", "--from=", "--mount=", "--", "AS", "a", "x=1",
        "${A}", "$B", "é", "\r", "\u{feff}", "NONE", "CMD", "0", "{", ":",
    ]);
    (keyword, prop::collection::vec(piece, 0..12))
        .prop_map(|(keyword, pieces)| format!("{keyword} {}", pieces.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        parse_and_resolve(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        parse_and_resolve(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn dockerfile_like_noise_never_panics(lines in prop::collection::vec(dockerfile_line(), 0..16)) {
        parse_and_resolve(&lines.join("\n"));
    }
}
