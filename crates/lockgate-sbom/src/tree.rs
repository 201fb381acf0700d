//! Spanned JSON and YAML for the catalogers: every node keeps its line, so a package
//! found in `package-lock.json` or `pnpm-lock.yaml` points at its own entry. JSON goes
//! through this crate's own one-pass parser ([`crate::json`]), YAML through
//! `lockgate-syntax`; both give `lockgate_syntax::Node`s, so the format code is shared.

use std::sync::Arc;

use lockgate_syntax::{Limits, Mapping, Node, parse_stream};

use crate::error::CatalogError;

/// The document of a JSON file; it must be an object.
pub(crate) fn parse_json(path: &Arc<str>, text: &str) -> Result<Node, CatalogError> {
    let document = crate::json::parse(text).map_err(|e| {
        CatalogError::parse(path, Some(e.line), format!("not valid JSON: {}", e.message))
    })?;
    if document.as_map().is_none() {
        return Err(CatalogError::parse(
            path,
            line_of(&document),
            "expected a JSON object at the top level",
        ));
    }
    Ok(document)
}

/// The first document of a YAML file (lockfiles have one).
pub(crate) fn parse_yaml(path: &Arc<str>, text: &str) -> Result<Option<Node>, CatalogError> {
    let limits = Limits {
        max_depth: crate::json::MAX_DEPTH,
        ..Limits::default()
    };
    let stream = parse_stream(text, limits);
    if let Some(error) = stream.error {
        return Err(CatalogError::parse(
            path,
            Some(error.line).filter(|l| *l > 0),
            format!("not valid YAML: {}", error.message),
        ));
    }
    Ok(stream.documents.into_iter().next())
}

/// The node's line, `None` when unknown.
pub(crate) fn line_of(node: &Node) -> Option<u32> {
    Some(node.span.line).filter(|l| *l > 0)
}

/// A string value under `key`, numbers and booleans rendered as text.
pub(crate) fn text(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::scalar_text)
}

/// Whether `key` holds `true`.
pub(crate) fn flag(node: &Node, key: &str) -> bool {
    node.get(key).and_then(Node::as_bool).unwrap_or(false)
}

/// The entries of the mapping under `key`; empty when it is missing or not a mapping.
pub(crate) fn entries<'a>(node: &'a Node, key: &str) -> impl Iterator<Item = (&'a Node, &'a Node)> {
    node.get(key)
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(Mapping::iter)
}
