//! `go.mod`: the `require`d modules, with `replace` directives applied (a versioned
//! replace applies to that version only, an unversioned one to every version; a local
//! `=> ./path` replacement is reported under its path with no version). Versions lose
//! their `v` prefix, as OSV's Go ecosystem writes them; the purl keeps it.
//!
//! The `go` directive (or `toolchain`, when present) is reported as the `stdlib`
//! package. It is the *minimum* Go version the module needs, not necessarily the one
//! that built it; Go binaries' build info gives the exact one.
//!
//! Unknown directives are errors (as in `go mod`), so a file that is not a go.mod is
//! reported instead of silently yielding nothing.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::lines::numbered;
use crate::package::{Ecosystem, Package};
use crate::purl;

const DIRECTIVES: [&str; 10] = [
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

struct Requirement {
    path: String,
    version: String,
    line: u32,
}

struct Replacement {
    old_path: String,
    old_version: Option<String>,
    new_path: String,
    new_version: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut requires = Vec::new();
    let mut replaces = Vec::new();
    let mut go_version: Option<(String, u32)> = None;
    let mut toolchain: Option<(String, u32)> = None;
    let mut block: Option<String> = None;
    for (number, raw) in numbered(input.text) {
        let line = raw.split("//").next().unwrap_or(raw).trim();
        if line.is_empty() {
            continue;
        }
        let (directive, args) = match &block {
            Some(_) if line == ")" => {
                block = None;
                continue;
            }
            Some(directive) => (directive.clone(), line),
            None => {
                let (directive, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                if !DIRECTIVES.contains(&directive) {
                    return Err(
                        input.error(Some(number), format!("unknown directive `{directive}`"))
                    );
                }
                let args = args.trim();
                if args == "(" {
                    block = Some(directive.to_string());
                    continue;
                }
                (directive.to_string(), args)
            }
        };
        let words: Vec<String> = args
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        match directive.as_str() {
            "go" => go_version = words.first().map(|v| (v.clone(), number)),
            "toolchain" => {
                toolchain = words
                    .first()
                    .and_then(|t| t.strip_prefix("go"))
                    .map(|v| (v.to_string(), number));
            }
            "require" => match words.as_slice() {
                [path, version, ..] => requires.push(Requirement {
                    path: path.clone(),
                    version: version.clone(),
                    line: number,
                }),
                _ => {
                    return Err(
                        input.error(Some(number), "`require` needs a module path and a version")
                    );
                }
            },
            "replace" => {
                let Some(arrow) = words.iter().position(|w| w == "=>") else {
                    return Err(input.error(Some(number), "`replace` without `=>`"));
                };
                let (old, new) = words.split_at(arrow);
                let new = new.get(1..).unwrap_or_default();
                let (Some(old_path), Some(new_path)) = (old.first(), new.first()) else {
                    return Err(input.error(Some(number), "`replace` needs a module on both sides"));
                };
                replaces.push(Replacement {
                    old_path: old_path.clone(),
                    old_version: old.get(1).cloned(),
                    new_path: new_path.clone(),
                    new_version: new.get(1).cloned(),
                });
            }
            _ => {}
        }
    }

    let mut packages: Vec<Package> = Vec::new();
    for requirement in requires {
        let replacement = replaces
            .iter()
            .find(|r| {
                r.old_path == requirement.path
                    && r.old_version.as_deref() == Some(&requirement.version)
            })
            .or_else(|| {
                replaces
                    .iter()
                    .find(|r| r.old_path == requirement.path && r.old_version.is_none())
            });
        let (path, version) = match replacement {
            Some(r) => (
                r.new_path.clone(),
                r.new_version.clone().unwrap_or_default(),
            ),
            None => (requirement.path, requirement.version),
        };
        let version = version.strip_prefix('v').unwrap_or(&version).to_string();
        if packages
            .iter()
            .any(|p| p.name == path && p.version == version)
        {
            continue;
        }
        packages.push(go_package(input, path, version, requirement.line));
    }
    if let Some((version, line)) = toolchain.or(go_version) {
        packages.push(go_package(input, "stdlib".to_string(), version, line));
    }
    Ok(packages)
}

fn go_package(input: &Input, path: String, version: String, line: u32) -> Package {
    let mut package = Package::new(Ecosystem::Go, path, version, input.at(Some(line)));
    if !package.version.is_empty() {
        package.purl = purl::for_package(
            Ecosystem::Go,
            &package.name,
            &format!("v{}", package.version),
        );
    }
    package
}
