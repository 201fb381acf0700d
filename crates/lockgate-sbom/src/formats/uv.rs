//! `uv.lock`: every `[[package]]`, including the project's own (editable or virtual)
//! packages. Git sources (`source = { git = "https://...?rev=x#<commit>" }`) carry the
//! commit after `#`. uv records dependency groups on the depending package only, so
//! packages carry no groups here.

use serde::Deserialize;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::requirements::normalize_name;
use crate::lines::{header_lines, parse_toml};
use crate::package::{Ecosystem, Package};

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    #[serde(default)]
    version: String,
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    git: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let lock: UvLock = parse_toml(input)?;
    let lines = header_lines(input.text, "[[package]]", lock.package.len());
    Ok(lock
        .package
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let commit = p
                .source
                .and_then(|s| s.git)
                .and_then(|url| url.rsplit_once('#').map(|(_, c)| c.to_string()));
            Package::new(
                Ecosystem::PyPI,
                normalize_name(&p.name),
                p.version,
                input.at(lines.get(i).copied()),
            )
            .with_commit(commit)
        })
        .collect())
}
