//! `yarn.lock`, both yarn v1 (its own format) and berry (yarn ≥ 2, a YAML subset written
//! by yarn's serializer). Both are read line by line, which gives every package its line
//! and avoids YAML type guessing on versions:
//!
//! ```text
//! "lodash@^4.17.0", lodash@^4.17.21:        berry: "lodash@npm:^4.17.21":
//!   version "4.17.21"                               version: 4.17.21
//!   resolved "https://..."                          resolution: "lodash@npm:4.17.21"
//! ```
//!
//! The name comes from berry's `resolution` (which names the real package behind an
//! alias), else from the first specifier of the header, following `npm:` aliases.
//! Git dependencies carry the commit from `resolved` / `resolution`. Workspace packages
//! (`0.0.0-use.local`) are reported: they are the project's own packages.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::npm::commit_of;
use crate::lines::numbered;
use crate::package::{Ecosystem, Package};

#[derive(Default)]
struct Entry {
    line: u32,
    header: String,
    version: Option<String>,
    resolved: Option<String>,
    resolution: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    for (number, line) in numbered(input.text) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            entries.extend(current.take());
            if let Some(header) = line.trim_end().strip_suffix(':') {
                current = Some(Entry {
                    line: number,
                    header: header.to_string(),
                    ..Entry::default()
                });
            }
            continue;
        }
        // Only the entry's own fields (two-space indent), not nested dependency lists.
        let Some(field) = line.strip_prefix("  ").filter(|f| !f.starts_with(' ')) else {
            continue;
        };
        let Some(entry) = current.as_mut() else {
            continue;
        };
        // `key "value"` (v1) or `key: value` (berry): the key is the first word either
        // way, so a `: ` inside a value cannot split it.
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        let value = unquote(value.trim()).to_string();
        match unquote(key.trim_end_matches(':')) {
            "version" => entry.version = Some(value),
            "resolved" => entry.resolved = Some(value),
            "resolution" => entry.resolution = Some(value),
            _ => {}
        }
    }
    entries.extend(current);

    let mut packages = Vec::new();
    for entry in entries {
        if entry.header == "__metadata" {
            continue;
        }
        let Some(version) = entry.version else {
            continue;
        };
        let name = entry
            .resolution
            .as_deref()
            .and_then(name_of_spec)
            .or_else(|| first_spec(&entry.header).and_then(name_of_spec));
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            input.warn(input.incomplete(
                Some(entry.line),
                format!("cannot tell the package name from `{}`", entry.header),
            ));
            continue;
        };
        // Berry's resolution is `name@url`; v1's `resolved` is the URL itself.
        let commit = match (&entry.resolution, &entry.resolved) {
            (Some(resolution), _) => split_spec(resolution).and_then(|(_, url)| commit_of(url)),
            (None, Some(resolved)) => commit_of(resolved),
            (None, None) => None,
        };
        packages.push(
            Package::new(Ecosystem::Npm, name, version, input.at(Some(entry.line)))
                .with_commit(commit),
        );
    }
    Ok(packages)
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

/// `@scope/name@range` → (`@scope/name`, `range`): the name ends at the first `@` that
/// is not its first character.
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    let (name, range) = spec.split_at(at);
    Some((name, range.strip_prefix('@')?))
}

/// The first specifier of `"a@^1", a@^1.2`.
fn first_spec(header: &str) -> Option<&str> {
    header.split(", ").next().map(|s| unquote(s.trim()))
}

/// `@scope/name@range` → `@scope/name`; `alias@npm:real@range` → `real`.
fn name_of_spec(spec: &str) -> Option<String> {
    let (name, range) = split_spec(spec)?;
    if let Some(target) = range.strip_prefix("npm:")
        && let Some(real) = name_of_spec(target)
    {
        return Some(real);
    }
    Some(name.to_string())
}
