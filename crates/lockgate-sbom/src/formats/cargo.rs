//! `Cargo.lock` (format versions 1 to 4): every `[[package]]`, registry, git and local
//! path packages alike (a local crate is still shipped code). Git sources carry the
//! locked commit after `#`.

use serde::Deserialize;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::lines::{header_lines, parse_toml};
use crate::package::{Ecosystem, Package};

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let lock: CargoLock = parse_toml(input)?;
    let lines = header_lines(input.text, "[[package]]", lock.package.len());
    Ok(lock
        .package
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let commit = p
                .source
                .as_deref()
                .filter(|s| s.starts_with("git+"))
                .and_then(|s| s.rsplit_once('#'))
                .map(|(_, commit)| commit.to_string());
            Package::new(
                Ecosystem::CratesIo,
                p.name,
                p.version,
                input.at(lines.get(i).copied()),
            )
            .with_commit(commit)
        })
        .collect())
}
