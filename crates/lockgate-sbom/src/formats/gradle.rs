//! Gradle dependency lockfiles (`gradle.lockfile`, `buildscript-gradle.lockfile`,
//! `gradle/dependency-locks/*.lockfile`): one `group:artifact:version=configurations`
//! line per module. Comments, the `empty=` line and malformed lines are skipped.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::lines::numbered;
use crate::package::{Ecosystem, Package};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    for (number, line) in numbered(input.text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let coordinates = line.split_once('=').map_or(line, |(c, _)| c);
        let parts: Vec<&str> = coordinates.split(':').collect();
        let [group, artifact, version] = parts.as_slice() else {
            continue;
        };
        if [group, artifact, version]
            .iter()
            .any(|p| p.is_empty() || p.contains(char::is_whitespace))
        {
            continue;
        }
        packages.push(Package::new(
            Ecosystem::Maven,
            format!("{group}:{artifact}"),
            *version,
            input.at(Some(number)),
        ));
    }
    Ok(packages)
}
