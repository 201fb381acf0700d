//! Existing SBOMs as input: the packages of a CycloneDX (JSON, any 1.x version) or SPDX
//! 2.x JSON document, read back from their package-urls so they can be matched like
//! cataloged packages (`lockgate scan --sbom FILE`). Each package points at the line of
//! its purl in the document.
//!
//! Components without a purl, and purls of types lockgate does not match (`pkg:generic`,
//! `pkg:deb/ubuntu/...`), are counted in [`SbomPackages::unsupported`], not guessed at.

use std::path::Path;
use std::sync::Arc;

use lockgate_syntax::Node;

use crate::error::CatalogError;
use crate::package::{Ecosystem, FoundAt, Package, PackageSet, SourcePackage};
use crate::purl::Purl;

/// What an SBOM document gave.
#[derive(Debug, Default)]
pub struct SbomPackages {
    /// `CycloneDX` or `SPDX`.
    pub format: &'static str,
    pub set: PackageSet,
    /// Components or packages that have no purl lockgate can match.
    pub unsupported: usize,
}

/// Deepest nesting of CycloneDX `components` followed.
const MAX_COMPONENT_DEPTH: usize = 32;

/// Reads the packages of an SBOM document. An error names the file and, for JSON
/// syntax errors, the line.
pub fn read_sbom(path: &Path, bytes: &[u8]) -> Result<SbomPackages, CatalogError> {
    let shown: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    if bytes.len() as u64 > crate::MAX_FILE_BYTES {
        return Err(CatalogError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
            limit: crate::MAX_FILE_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CatalogError::parse(&shown, None, format!("not UTF-8 text: {e}")))?;
    let root = crate::json::parse(text).map_err(|e| {
        CatalogError::parse(
            &shown,
            Some(e.line),
            format!("not a JSON SBOM: {}", e.message),
        )
    })?;
    let mut out = SbomPackages::default();
    if root.get("bomFormat").and_then(Node::as_str) == Some("CycloneDX") {
        out.format = "CycloneDX";
        if let Some(metadata) = root.path(&["metadata", "component"]) {
            // The subject itself (an application) is listed with its own purl at times.
            component(metadata, &shown, 0, &mut out);
        }
        for item in root.get("components").map(Node::items).unwrap_or_default() {
            component(item, &shown, 0, &mut out);
        }
    } else if root
        .get("spdxVersion")
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with("SPDX-2"))
    {
        out.format = "SPDX";
        for item in root.get("packages").map(Node::items).unwrap_or_default() {
            spdx_package(item, &shown, &mut out);
        }
    } else {
        return Err(CatalogError::parse(
            &shown,
            Some(root.span.line),
            "neither a CycloneDX JSON document (`\"bomFormat\": \"CycloneDX\"`) nor an SPDX 2.x JSON document (`\"spdxVersion\": \"SPDX-2.3\"`)",
        ));
    }
    Ok(out)
}

fn component(node: &Node, path: &Arc<str>, depth: usize, out: &mut SbomPackages) {
    if depth > MAX_COMPONENT_DEPTH {
        out.unsupported += 1;
        return;
    }
    let version = node.get("version").and_then(Node::as_str);
    match node.get("purl") {
        Some(purl) => add(purl, version, cyclonedx_license(node), path, out),
        None => out.unsupported += 1,
    }
    for nested in node.get("components").map(Node::items).unwrap_or_default() {
        component(nested, path, depth + 1, out);
    }
}

fn spdx_package(node: &Node, path: &Arc<str>, out: &mut SbomPackages) {
    let version = node.get("versionInfo").and_then(Node::as_str);
    let purl = node
        .get("externalRefs")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|r| r.get("referenceType").and_then(Node::as_str) == Some("purl"))
        .find_map(|r| r.get("referenceLocator"));
    // `licenseConcluded` is the author's finding; `licenseDeclared` what the package says.
    let license = ["licenseConcluded", "licenseDeclared"]
        .iter()
        .filter_map(|key| node.get(key).and_then(Node::as_str))
        .find(|l| !matches!(*l, "NOASSERTION" | "NONE" | ""))
        .map(String::from);
    match purl {
        Some(purl) => add(purl, version, license, path, out),
        None => out.unsupported += 1,
    }
}

/// A CycloneDX component's licence: its `expression`, else its licences' `id`s or
/// `name`s (a list of several is a choice, joined with `OR`).
fn cyclonedx_license(node: &Node) -> Option<String> {
    let entries = node.get("licenses")?.items();
    if let Some(expression) = entries
        .iter()
        .find_map(|e| e.get("expression").and_then(Node::as_str))
    {
        return Some(expression.to_string());
    }
    let names: Vec<&str> = entries
        .iter()
        .filter_map(|e| {
            let license = e.get("license")?;
            license
                .get("id")
                .or_else(|| license.get("name"))
                .and_then(Node::as_str)
        })
        .collect();
    crate::package::join_licenses(names)
}

/// Adds the package a purl node names; `stated_version` fills in a purl without one.
fn add(
    purl_node: &Node,
    stated_version: Option<&str>,
    license: Option<String>,
    path: &Arc<str>,
    out: &mut SbomPackages,
) {
    let Some((purl, (ecosystem, name))) = purl_node
        .as_str()
        .and_then(Purl::parse)
        .and_then(|p| p.ecosystem_name().map(|e| (p, e)))
    else {
        out.unsupported += 1;
        return;
    };
    let version = purl
        .version
        .clone()
        .or_else(|| stated_version.map(str::to_string))
        .unwrap_or_default();
    let found_at = FoundAt {
        path: Arc::clone(path),
        line: Some(purl_node.span.line),
    };
    let mut package = Package::new(ecosystem, name, version, found_at);
    package.license = license;
    if let Some(text) = purl_node.as_str() {
        // Keep the document's own purl (qualifiers included) rather than a rebuilt one.
        package.purl = text.to_string();
    }
    if matches!(
        ecosystem,
        Ecosystem::Debian | Ecosystem::Alpine | Ecosystem::Rpm
    ) {
        // `distro=debian-12` (the purl spec's qualifier; syft writes it too).
        package.distro = purl.qualifier("distro").and_then(|d| {
            let (id, version) = d.split_once('-').unwrap_or((d, ""));
            (!id.is_empty()).then(|| crate::Distro {
                id: id.to_ascii_lowercase(),
                version_id: Some(version.to_string()).filter(|v| !v.is_empty()),
            })
        });
        // `upstream=openssl` or `upstream=openssl@3.0.11-1`: the source package.
        package.source = purl
            .qualifier("upstream")
            .filter(|u| !u.is_empty())
            .map(|upstream| match upstream.split_once('@') {
                Some((name, version)) => SourcePackage {
                    name: name.to_string(),
                    version: Some(version.to_string()).filter(|v| *v != package.version),
                },
                None => SourcePackage {
                    name: upstream.to_string(),
                    version: None,
                },
            });
    }
    out.set.packages.push(package);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{SbomFormat, Subject, SubjectKind, document};

    fn cataloged() -> PackageSet {
        let mut set = crate::catalog_file(
            Path::new("package-lock.json"),
            br#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},
"node_modules/lodash":{"version":"4.17.20"},
"node_modules/@babel/core":{"version":"7.0.0","dev":true}}}"#,
        );
        set.extend(crate::catalog_file(
            Path::new("var/lib/dpkg/status"),
            b"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.11-1~deb12u1)\nVersion: 3.0.11-1~deb12u2\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n",
        ));
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        set
    }

    fn round_trip(format: SbomFormat) -> SbomPackages {
        let set = cataloged();
        let subject = Subject {
            name: "app",
            kind: SubjectKind::Application,
            tool_version: "0.0.0",
        };
        let value = document(&set, &subject, format);
        let text = serde_json::to_string_pretty(&value).unwrap();
        read_sbom(Path::new("sbom.json"), text.as_bytes()).unwrap()
    }

    #[test]
    fn our_own_documents_read_back_to_the_same_packages() {
        for format in [SbomFormat::CycloneDx, SbomFormat::Spdx] {
            let original = cataloged();
            let read = round_trip(format);
            let key = |p: &Package| {
                (
                    p.ecosystem,
                    p.name.clone(),
                    p.version.clone(),
                    p.source.clone(),
                )
            };
            let mut expected: Vec<_> = original.packages.iter().map(key).collect();
            let mut got: Vec<_> = read.set.packages.iter().map(key).collect();
            expected.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            assert_eq!(got, expected, "{format:?}");
            assert!(
                read.set
                    .packages
                    .iter()
                    .all(|p| p.found_at.line.is_some_and(|l| l > 1))
            );
        }
    }

    #[test]
    fn foreign_and_broken_documents_are_clear_errors() {
        let error = read_sbom(Path::new("x.json"), b"{\"a\": 1}").unwrap_err();
        assert!(error.to_string().contains("neither a CycloneDX"), "{error}");
        let error = read_sbom(Path::new("x.json"), b"{\n\"bomFormat\": ").unwrap_err();
        assert_eq!(error.line(), Some(2), "{error}");
        let read = read_sbom(
            Path::new("x.json"),
            br#"{"bomFormat":"CycloneDX","components":[{"name":"a"},{"purl":"pkg:generic/x@1"},{"purl":"pkg:pypi/Requests@2.0.0"}]}"#,
        )
        .unwrap();
        assert_eq!(read.unsupported, 2);
        assert_eq!(read.set.packages.len(), 1);
        assert_eq!(read.set.packages[0].name, "Requests");
    }

    #[test]
    fn deeply_nested_components_are_bounded() {
        let mut text = String::from(r#"{"bomFormat":"CycloneDX","components":["#);
        for _ in 0..100 {
            text.push_str(r#"{"purl":"pkg:npm/a@1","components":["#);
        }
        for _ in 0..100 {
            text.push_str("]}");
        }
        text.push_str("]}");
        let read = read_sbom(Path::new("x.json"), text.as_bytes()).unwrap();
        assert_eq!(read.set.packages.len(), MAX_COMPONENT_DEPTH + 1);
    }
}
