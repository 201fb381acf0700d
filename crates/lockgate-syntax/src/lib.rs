//! Parsers that keep positions: spanned YAML and JSON documents (multi-document streams,
//! anchors and merge keys) as a tree of [`yaml::Node`]s whose every key and value knows
//! its line and column.
//!
//! The parsers treat their input as hostile: nesting depth and alias expansion are
//! bounded, duplicate keys are errors, and nothing panics. This crate knows nothing about
//! rules or Kubernetes.

pub mod yaml;

pub use yaml::{Limits, Mapping, Node, ParsedStream, SyntaxError, Value, parse_stream};
