//! `Gemfile.lock` (and `gems.locked`): the gems under `specs:` of the `GEM`, `GIT`,
//! `PATH` and `PLUGIN SOURCE` sections (four-space indent; six-space lines are their
//! dependencies). A platform suffix (`nokogiri (1.13.3-x86_64-linux)`) is not part of
//! the version; gems from `GIT` sections carry the section's `revision` as their commit.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::lines::numbered;
use crate::package::{Ecosystem, Package};

const SOURCE_SECTIONS: [&str; 4] = ["GEM", "GIT", "PATH", "PLUGIN SOURCE"];

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut packages: Vec<Package> = Vec::new();
    let mut in_source = false;
    let mut in_specs = false;
    let mut revision: Option<String> = None;
    // Gems of the current section, so a later `revision:` still applies to them.
    let mut section_start = 0;
    for (number, line) in numbered(input.text) {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            in_source = SOURCE_SECTIONS.contains(&line.trim());
            in_specs = false;
            revision = None;
            section_start = packages.len();
            continue;
        }
        if !in_source {
            continue;
        }
        if let Some(sha) = line.strip_prefix("  revision:") {
            revision = Some(sha.trim().to_string());
            for package in packages.iter_mut().skip(section_start) {
                package.commit = revision.clone();
            }
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("   ") {
            in_specs = line.trim() == "specs:";
            continue;
        }
        let Some(spec) = line.strip_prefix("    ").filter(|s| !s.starts_with(' ')) else {
            continue;
        };
        if !in_specs {
            continue;
        }
        let Some((name, rest)) = spec.split_once(" (") else {
            continue;
        };
        let version = rest.trim_end().trim_end_matches(')');
        let version = version.split('-').next().unwrap_or(version);
        packages.push(
            Package::new(
                Ecosystem::RubyGems,
                name.trim(),
                version,
                input.at(Some(number)),
            )
            .with_commit(revision.clone()),
        );
    }
    Ok(packages)
}
