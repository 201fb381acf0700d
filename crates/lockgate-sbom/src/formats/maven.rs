//! Maven `pom.xml`, resolved offline as far as the files at hand allow.
//!
//! Reported: the project's `<dependencies>`, plus `<dependencyManagement>` entries that
//! no dependency names. Managed versions also pin *transitive* dependencies, and without
//! resolving the graph (which needs a repository) a managed version is the best statement
//! of what is used; an unused managed entry is the price. BOM imports (`scope import`)
//! are not packages and are skipped.
//!
//! Versions: `${...}` references are interpolated from `<properties>` and the built-in
//! `project.*` / `parent.*` values, through the `<parent>` chain as far as it can be read
//! (`relativePath`, default `../pom.xml`, through the catalog run's file source, checked
//! against the declared coordinates). A dependency without a version takes the managed
//! version of this POM or its parents. A hard pin `[1.2.3]` is that version; any other
//! range, and anything left unresolved, gives an empty version rather than a guess, and
//! one [`CatalogError::Incomplete`] per file says how many versions could not be
//! resolved offline. A directory scan reads parents only inside the scanned directory,
//! so scan a multi-module project from its top.
//!
//! Dependencies the parents declare are not added to the child: they are reported, at
//! their own lines, when the parent POM itself is cataloged.
//!
//! Scopes other than `compile` become the package's group (`test`, `provided`,
//! `runtime`, `system`). XML is parsed with DTDs refused (no entity expansion) and a node
//! limit; parent chains are bounded and cycles cut.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node, ParsingOptions};

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package};

/// Most `<parent>` levels followed.
const MAX_PARENT_DEPTH: usize = 8;
/// Most XML nodes in one POM.
const MAX_NODES: u32 = 1_000_000;
/// Most nested `${...}` expansions of one value.
const MAX_INTERPOLATION_ROUNDS: usize = 16;

/// A dependency as written, before interpolation.
struct Declared {
    group: String,
    artifact: String,
    version: Option<String>,
    scope: Option<String>,
    line: u32,
}

/// What a POM contributes to resolution.
#[derive(Default)]
struct Model {
    group: Option<String>,
    artifact: Option<String>,
    version: Option<String>,
    parent: Option<ParentRef>,
    properties: HashMap<String, String>,
    dependencies: Vec<Declared>,
    managed: Vec<Declared>,
}

struct ParentRef {
    group: String,
    artifact: String,
    version: String,
    relative_path: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let model = read_model(input.text).map_err(|(line, message)| input.error(line, message))?;
    let parents = read_parents(input, &model);
    let properties = effective_properties(&model, &parents);
    let managed_versions = managed_versions(&model, &parents, &properties);

    let mut packages = Vec::new();
    let mut unresolved = 0usize;
    let mut push = |declared: &Declared, version: Option<String>| {
        let written = version.map(|v| interpolate(&v, &properties));
        if written.as_ref().is_none_or(|v| v.contains("${")) {
            unresolved += 1;
        }
        let version = written.and_then(|v| exact_version(&v)).unwrap_or_default();
        let group = interpolate(&declared.group, &properties);
        let artifact = interpolate(&declared.artifact, &properties);
        let groups: Vec<&str> = declared
            .scope
            .as_deref()
            .filter(|s| *s != "compile")
            .into_iter()
            .collect();
        packages.push(
            Package::new(
                Ecosystem::Maven,
                format!("{group}:{artifact}"),
                version,
                input.at(Some(declared.line)),
            )
            .with_groups(groups),
        );
    };
    let key = |d: &Declared| (d.group.clone(), d.artifact.clone());
    let declared_keys: HashSet<_> = model.dependencies.iter().map(key).collect();
    for dependency in &model.dependencies {
        let version = dependency.version.clone().or_else(|| {
            managed_versions
                .get(&(
                    interpolate(&dependency.group, &properties),
                    interpolate(&dependency.artifact, &properties),
                ))
                .cloned()
        });
        push(dependency, version);
    }
    for managed in &model.managed {
        if managed.scope.as_deref() == Some("import") || declared_keys.contains(&key(managed)) {
            continue;
        }
        push(managed, managed.version.clone());
    }
    if unresolved > 0 {
        input.warn(input.incomplete(
            None,
            format!(
                "{unresolved} dependency version(s) cannot be resolved offline (a parent POM \
                 or property is not available); reported without a version"
            ),
        ));
    }
    Ok(packages)
}

/// `1.2.3` → itself; `[1.2.3]` → `1.2.3`; other ranges and unresolved references → none.
fn exact_version(version: &str) -> Option<String> {
    let version = version.trim();
    if version.is_empty() || version.contains("${") {
        return None;
    }
    if let Some(inner) = version.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return (!inner.contains(',')).then(|| inner.trim().to_string());
    }
    if version.starts_with(['[', '(']) || version.contains(',') {
        return None;
    }
    Some(version.to_string())
}

fn read_model(text: &str) -> Result<Model, (Option<u32>, String)> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let document = Document::parse_with_options(text, options).map_err(|e| {
        let line = e.pos().row;
        (Some(line), format!("XML syntax error: {e}"))
    })?;
    let project = document.root_element();
    if project.tag_name().name() != "project" {
        return Err((
            Some(1),
            format!(
                "not a POM: the root element is <{}>",
                project.tag_name().name()
            ),
        ));
    }
    let mut model = Model {
        group: child_text(project, "groupId"),
        artifact: child_text(project, "artifactId"),
        version: child_text(project, "version"),
        ..Model::default()
    };
    if let Some(parent) = child(project, "parent") {
        model.parent = Some(ParentRef {
            group: child_text(parent, "groupId").unwrap_or_default(),
            artifact: child_text(parent, "artifactId").unwrap_or_default(),
            version: child_text(parent, "version").unwrap_or_default(),
            relative_path: child_text(parent, "relativePath"),
        });
    }
    if let Some(properties) = child(project, "properties") {
        for property in properties.children().filter(Node::is_element) {
            let value = property.text().unwrap_or_default().trim().to_string();
            model
                .properties
                .insert(property.tag_name().name().to_string(), value);
        }
    }
    if let Some(dependencies) = child(project, "dependencies") {
        model.dependencies = dependencies_of(&document, dependencies);
    }
    if let Some(dependencies) =
        child(project, "dependencyManagement").and_then(|m| child(m, "dependencies"))
    {
        model.managed = dependencies_of(&document, dependencies);
    }
    Ok(model)
}

fn dependencies_of(document: &Document, list: Node) -> Vec<Declared> {
    list.children()
        .filter(|n| n.is_element() && n.tag_name().name() == "dependency")
        .filter_map(|dependency| {
            Some(Declared {
                group: child_text(dependency, "groupId")?,
                artifact: child_text(dependency, "artifactId")?,
                version: child_text(dependency, "version"),
                scope: child_text(dependency, "scope"),
                line: document.text_pos_at(dependency.range().start).row,
            })
        })
        .collect()
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn child_text(node: Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The parent chain, nearest first, as far as it can be read and matches its coordinates.
fn read_parents(input: &Input, model: &Model) -> Vec<Model> {
    let mut parents = Vec::new();
    let mut visited: HashSet<PathBuf> = HashSet::new();
    let mut dir = input
        .fs_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut next = model.parent.as_ref().map(parent_location);
    while let Some(relative) = next.take() {
        if parents.len() >= MAX_PARENT_DEPTH {
            break;
        }
        let mut path = dir.join(&relative);
        if !relative.ends_with(".xml") {
            path = path.join("pom.xml");
        }
        if !visited.insert(path.clone()) {
            break;
        }
        let Ok(bytes) = input.files.read(&path) else {
            break;
        };
        let Ok(parent) = read_model(&String::from_utf8_lossy(&bytes)) else {
            break;
        };
        let expected = parents.last().unwrap_or(model).parent.as_ref();
        let matches = expected.is_some_and(|e| {
            parent.artifact.as_deref() == Some(e.artifact.as_str())
                && parent
                    .group
                    .as_ref()
                    .or(parent.parent.as_ref().map(|p| &p.group))
                    == Some(&e.group)
        });
        if !matches {
            break;
        }
        dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        next = parent.parent.as_ref().map(parent_location);
        parents.push(parent);
    }
    parents
}

fn parent_location(parent: &ParentRef) -> String {
    parent
        .relative_path
        .clone()
        .unwrap_or_else(|| "../pom.xml".to_string())
}

/// Properties visible in the POM: the parents' (farthest first), overridden by the
/// POM's own, plus `project.*` and `parent.*` built-ins.
fn effective_properties(model: &Model, parents: &[Model]) -> HashMap<String, String> {
    let mut properties = HashMap::new();
    for parent in parents.iter().rev() {
        properties.extend(parent.properties.clone());
    }
    properties.extend(model.properties.clone());
    let parent_ref = model.parent.as_ref();
    let version = model
        .version
        .clone()
        .or_else(|| parent_ref.map(|p| p.version.clone()));
    let group = model
        .group
        .clone()
        .or_else(|| parent_ref.map(|p| p.group.clone()));
    let builtins = [
        ("project.version", version.clone()),
        ("pom.version", version.clone()),
        ("version", version),
        ("project.groupId", group.clone()),
        ("pom.groupId", group.clone()),
        ("groupId", group),
        ("project.artifactId", model.artifact.clone()),
        (
            "project.parent.version",
            parent_ref.map(|p| p.version.clone()),
        ),
        ("parent.version", parent_ref.map(|p| p.version.clone())),
        (
            "project.parent.groupId",
            parent_ref.map(|p| p.group.clone()),
        ),
    ];
    for (name, value) in builtins {
        if let Some(value) = value {
            properties.entry(name.to_string()).or_insert(value);
        }
    }
    properties
}

/// Managed versions by (groupId, artifactId): the POM's own over its parents'.
fn managed_versions(
    model: &Model,
    parents: &[Model],
    properties: &HashMap<String, String>,
) -> HashMap<(String, String), String> {
    let mut managed = HashMap::new();
    for source in parents.iter().rev().chain(std::iter::once(model)) {
        for entry in &source.managed {
            if let Some(version) = &entry.version {
                managed.insert(
                    (
                        interpolate(&entry.group, properties),
                        interpolate(&entry.artifact, properties),
                    ),
                    version.clone(),
                );
            }
        }
    }
    managed
}

/// Replaces `${name}` references, repeatedly (values may refer to other properties),
/// a bounded number of times. Unknown references stay as written.
fn interpolate(value: &str, properties: &HashMap<String, String>) -> String {
    let mut current = value.to_string();
    for _ in 0..MAX_INTERPOLATION_ROUNDS {
        if !current.contains("${") {
            break;
        }
        let mut out = String::with_capacity(current.len());
        let mut rest = current.as_str();
        let mut changed = false;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match properties.get(name) {
                        Some(replacement) => {
                            out.push_str(replacement);
                            changed = true;
                        }
                        None => {
                            out.push_str("${");
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        // Values can grow by substitution; stop before they get out of hand.
        if !changed || out.len() > 64 * 1024 {
            current = out;
            break;
        }
        current = out;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_follows_nested_properties_and_keeps_unknown_ones() {
        let properties: HashMap<String, String> = [
            ("a".to_string(), "${b}.1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]
        .into();
        assert_eq!(interpolate("${a}", &properties), "2.1");
        assert_eq!(interpolate("${missing}-x", &properties), "${missing}-x");
        let looping: HashMap<String, String> = [("x".to_string(), "${x}${x}".to_string())].into();
        assert!(interpolate("${x}", &looping).len() < 200_000);
    }

    #[test]
    fn only_exact_versions_are_kept() {
        assert_eq!(exact_version("1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(exact_version("[1.2.3]").as_deref(), Some("1.2.3"));
        assert_eq!(exact_version("[9.4,9.5)"), None);
        assert_eq!(exact_version("${unknown}"), None);
    }
}
