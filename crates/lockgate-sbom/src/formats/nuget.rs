//! NuGet's `packages.lock.json`: `dependencies.<framework>.<package>` with its
//! `resolved` version. Versions 1 and 2 share this layout (2 adds `CentralTransitive`
//! entries for central package management); other versions are refused rather than
//! misread. A package locked for several target frameworks at the same
//! version is reported once; project references (no `resolved`) are skipped.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package};
use crate::tree::{self, line_of, parse_json, text};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let root = parse_json(&input.path, input.text)?;
    let version = root.get("version").and_then(lockgate_syntax::Node::as_i64);
    if !matches!(version, Some(1 | 2)) {
        let shown = text(&root, "version").unwrap_or_else(|| "(missing)".to_string());
        return Err(input.error(
            root.get("version").and_then(line_of),
            format!("unsupported lock file version {shown}"),
        ));
    }
    let mut packages: Vec<Package> = Vec::new();
    for (_, framework) in tree::entries(&root, "dependencies") {
        let Some(framework) = framework.as_map() else {
            continue;
        };
        for (key, detail) in framework.iter() {
            let (Some(name), Some(resolved)) = (key.as_str(), text(detail, "resolved")) else {
                continue;
            };
            if packages
                .iter()
                .any(|p| p.name == name && p.version == resolved)
            {
                continue;
            }
            packages.push(Package::new(
                Ecosystem::NuGet,
                name,
                resolved,
                input.at(line_of(key)),
            ));
        }
    }
    Ok(packages)
}
