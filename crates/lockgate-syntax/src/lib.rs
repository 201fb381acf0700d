//! Parsers that keep positions: spanned YAML and JSON documents (multi-document streams,
//! anchors and merge keys) as a tree of [`yaml::Node`]s whose every key and value knows
//! its line and column; and Dockerfiles ([`dockerfile::parse`]) read the way BuildKit
//! reads them, with directives, heredocs, stages and Docker's variable substitution,
//! every instruction, flag, argument, key and value keeping its span.
//!
//! The parsers treat their input as hostile: YAML nesting depth and alias expansion are
//! bounded and duplicate keys are errors; Dockerfile problems are collected with their
//! positions while parsing goes on, and variable substitution is bounded in depth and
//! size. Nothing panics. This crate knows nothing about rules or Kubernetes.

pub mod dockerfile;
mod json_escape;
pub mod yaml;

pub use dockerfile::{
    Args, Dockerfile, Instruction, Keyword, Problem, Resolved, Stage, Word,
    parse as parse_dockerfile,
};
pub use yaml::{Limits, Mapping, Node, ParsedStream, SyntaxError, Value, parse_stream};
