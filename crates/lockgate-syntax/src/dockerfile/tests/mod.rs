//! Unit tests of the Dockerfile parser, one group per part of the syntax, with exact
//! spans (1-based lines and columns, exclusive end column). This file holds the shared
//! helpers; `syntax` covers lines, instructions, flags, forms and heredocs, `semantics`
//! covers stages, substitution and hostile input.

mod semantics;
mod syntax;

use lockgate_model::Span;

use super::*;

fn span(line: u32, column: u32, end_line: u32, end_column: u32) -> Span {
    Span {
        line,
        column,
        end_line,
        end_column,
    }
}

/// Parses and insists on no problems.
fn clean(text: &str) -> Dockerfile {
    let dockerfile = parse(text);
    assert!(
        dockerfile.problems.is_empty(),
        "unexpected problems: {:#?}",
        dockerfile.problems
    );
    dockerfile
}

fn messages(dockerfile: &Dockerfile) -> Vec<&str> {
    dockerfile
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect()
}

fn texts(words: &[Word]) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

fn exec(instruction: &Instruction) -> Vec<&str> {
    match &instruction.args {
        Args::Exec(words) => texts(words),
        other => panic!("not exec form: {other:?}"),
    }
}

fn list(instruction: &Instruction) -> Vec<&str> {
    match &instruction.args {
        Args::List(words) => texts(words),
        other => panic!("not a list: {other:?}"),
    }
}

fn shell(instruction: &Instruction) -> &str {
    match &instruction.args {
        Args::Shell(word) => &word.text,
        other => panic!("not shell form: {other:?}"),
    }
}

fn text_arg(instruction: &Instruction) -> &Word {
    match &instruction.args {
        Args::Text(word) => word,
        other => panic!("not text: {other:?}"),
    }
}

fn pairs(instruction: &Instruction) -> Vec<(&str, Option<&str>)> {
    match &instruction.args {
        Args::Pairs(pairs) => pairs
            .iter()
            .map(|p| {
                (
                    p.key.text.as_str(),
                    p.value.as_ref().map(|v| v.text.as_str()),
                )
            })
            .collect(),
        other => panic!("not pairs: {other:?}"),
    }
}

fn from(instruction: &Instruction) -> &FromArgs {
    match &instruction.args {
        Args::From(from) => from,
        other => panic!("not FROM: {other:?}"),
    }
}

/// Resolved words of instruction `index`.
fn resolved_words(resolved: &Resolved, index: usize) -> Vec<&str> {
    resolved.instructions[index]
        .words
        .iter()
        .map(|e| e.value.as_str())
        .collect()
}
