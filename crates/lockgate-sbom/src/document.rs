//! SBOM documents from a [`PackageSet`]: CycloneDX 1.6 JSON and SPDX 2.3 JSON, valid
//! against the official schemas (the tests check them).
//!
//! A package found in several files is one component with one occurrence per file and
//! line (CycloneDX `evidence.occurrences`, SPDX `sourceInfo`). The documents are
//! deterministic for a given input and time: serial numbers and namespaces are derived
//! from the content, and the time is `SOURCE_DATE_EPOCH` when it is set (the
//! reproducible-builds convention), else now.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Package, PackageSet};

/// The SBOM formats lockgate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    CycloneDx,
    Spdx,
}

impl std::str::FromStr for SbomFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "cyclonedx" | "cdx" => Ok(SbomFormat::CycloneDx),
            "spdx" => Ok(SbomFormat::Spdx),
            other => Err(format!(
                "unknown SBOM format `{other}`: expected cyclonedx or spdx"
            )),
        }
    }
}

/// What the SBOM describes and who made it.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The scanned directory or image, as the user named it.
    pub name: &'a str,
    /// `application` for a directory, `container` for an image.
    pub kind: SubjectKind,
    pub tool_version: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Application,
    Container,
}

/// One component: a package identity with every place it was found.
struct Component<'a> {
    package: &'a Package,
    occurrences: Vec<(&'a str, Option<u32>)>,
}

/// Packages grouped by identity (purl, else ecosystem/name/version), in a stable order.
fn components(set: &PackageSet) -> Vec<Component<'_>> {
    let mut by_identity: BTreeMap<String, Component<'_>> = BTreeMap::new();
    for package in &set.packages {
        let identity = if package.purl.is_empty() {
            format!("{}/{}@{}", package.ecosystem, package.name, package.version)
        } else {
            package.purl.clone()
        };
        let component = by_identity.entry(identity).or_insert_with(|| Component {
            package,
            occurrences: Vec::new(),
        });
        let place = (package.found_at.path.as_ref(), package.found_at.line);
        if !component.occurrences.contains(&place) {
            component.occurrences.push(place);
        }
    }
    by_identity.into_values().collect()
}

/// A content hash, for serial numbers and namespaces.
fn content_hash(set: &PackageSet, subject: &Subject<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(subject.name.as_bytes());
    for package in &set.packages {
        hasher.update(package.purl.as_bytes());
        hasher.update(package.found_at.path.as_bytes());
        hasher.update(b"\0");
    }
    hasher.finalize().into()
}

/// A version-4-shaped UUID from a hash (RFC 4122 variant bits set).
fn uuid_from(hash: &[u8; 32]) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` for `SOURCE_DATE_EPOCH`, else now.
pub fn timestamp() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    format_time(seconds)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn format_time(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The CycloneDX 1.6 JSON document.
pub fn cyclonedx(set: &PackageSet, subject: &Subject<'_>) -> Value {
    let components: Vec<Value> = components(set)
        .iter()
        .enumerate()
        .map(|(index, component)| {
            let package = component.package;
            let mut value = json!({
                "type": "library",
                "bom-ref": format!("component-{}", index + 1),
                "name": package.name,
                "evidence": {
                    "occurrences": component.occurrences.iter().map(|(path, line)| {
                        let mut occurrence = json!({"location": path});
                        if let Some(line) = line {
                            occurrence["line"] = json!(line);
                        }
                        occurrence
                    }).collect::<Vec<_>>(),
                },
            });
            if !package.version.is_empty() {
                value["version"] = json!(package.version);
            }
            if !package.purl.is_empty() {
                value["purl"] = json!(package.purl);
            }
            if let Some(scope) = scope(package) {
                value["scope"] = json!(scope);
            }
            if let Some(license) = &package.license {
                value["licenses"] = if crate::is_spdx_expression(license) {
                    json!([{"expression": license}])
                } else {
                    json!([{"license": {"name": license}}])
                };
            }
            let mut properties =
                vec![json!({"name": "lockgate:ecosystem", "value": package.ecosystem.osv_name()})];
            for group in &package.groups {
                properties.push(json!({"name": "lockgate:group", "value": group}));
            }
            if let Some(source) = &package.source {
                properties.push(json!({"name": "lockgate:source-package", "value": source.name}));
                if let Some(version) = &source.version {
                    properties.push(json!({"name": "lockgate:source-version", "value": version}));
                }
            }
            if let Some(commit) = &package.commit {
                properties.push(json!({"name": "lockgate:commit", "value": commit}));
            }
            value["properties"] = Value::Array(properties);
            value
        })
        .collect();
    let hash = content_hash(set, subject);
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid_from(&hash)),
        "version": 1,
        "metadata": {
            "timestamp": timestamp(),
            "tools": {"components": [{"type": "application", "name": "lockgate", "version": subject.tool_version}]},
            "component": {
                "type": match subject.kind {
                    SubjectKind::Application => "application",
                    SubjectKind::Container => "container",
                },
                "bom-ref": "subject",
                "name": subject.name,
            },
        },
        "components": components,
    })
}

/// CycloneDX scope: dev and test dependencies are not shipped (`excluded`); optional
/// ones may be.
fn scope(package: &Package) -> Option<&'static str> {
    let groups = &package.groups;
    if groups
        .iter()
        .any(|g| matches!(g.as_str(), "dev" | "test" | "provided"))
    {
        Some("excluded")
    } else if groups.iter().any(|g| g == "optional") {
        Some("optional")
    } else {
        None
    }
}

/// The SPDX 2.3 JSON document.
pub fn spdx(set: &PackageSet, subject: &Subject<'_>) -> Value {
    let hash = content_hash(set, subject);
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Subject",
        "name": subject.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": match subject.kind {
            SubjectKind::Application => "APPLICATION",
            SubjectKind::Container => "CONTAINER",
        },
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Subject",
    })];
    for (index, component) in components(set).iter().enumerate() {
        let package = component.package;
        let id = format!("SPDXRef-Package-{}", index + 1);
        let found: Vec<String> = component
            .occurrences
            .iter()
            .map(|(path, line)| match line {
                Some(line) => format!("{path}:{line}"),
                None => path.to_string(),
            })
            .collect();
        let mut value = json!({
            "SPDXID": id,
            "name": package.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "sourceInfo": format!("found in {}", found.join(", ")),
        });
        if !package.version.is_empty() {
            value["versionInfo"] = json!(package.version);
        }
        // SPDX wants an expression; free-text licences stay NOASSERTION.
        value["licenseDeclared"] = json!(
            package
                .license
                .as_deref()
                .filter(|l| crate::is_spdx_expression(l))
                .unwrap_or("NOASSERTION")
        );
        if !package.purl.is_empty() {
            value["externalRefs"] = json!([{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": package.purl,
            }]);
        }
        packages.push(value);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Subject",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject.name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/lockgate-{}", uuid_from(&hash)),
        "creationInfo": {
            "created": timestamp(),
            "creators": [format!("Tool: lockgate-{}", subject.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

/// The document in `format`.
pub fn document(set: &PackageSet, subject: &Subject<'_>, format: SbomFormat) -> Value {
    match format {
        SbomFormat::CycloneDx => cyclonedx(set, subject),
        SbomFormat::Spdx => spdx(set, subject),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uuids_have_version_and_variant_bits() {
        let uuid = uuid_from(&[0xff; 32]);
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn times_format_as_utc() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            "CycloneDX".parse::<SbomFormat>().unwrap(),
            SbomFormat::CycloneDx
        );
        assert_eq!("spdx".parse::<SbomFormat>().unwrap(), SbomFormat::Spdx);
        assert!("xml".parse::<SbomFormat>().is_err());
    }
}
