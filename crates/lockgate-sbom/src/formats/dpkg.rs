//! dpkg's status database (`var/lib/dpkg/status`, and distroless `status.d/*` files):
//! RFC 822-style stanzas separated by blank lines.
//!
//! Only installed packages count: the third word of `Status:` must be `installed`
//! (stanzas for removed packages keep `deinstall ok config-files`). A stanza without
//! `Status:` is kept, because distroless `status.d` files omit it. The binary package is
//! the package; `Source: name (version)` becomes its [`SourcePackage`], which is what
//! Debian advisories name.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::lines::numbered;
use crate::package::{Ecosystem, Package, SourcePackage};
use crate::purl;

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    for stanza in stanzas(input.text) {
        if let Some(package) = package_of(input, &stanza) {
            packages.push(package);
        }
    }
    Ok(packages)
}

/// One stanza: its first line and its fields (continuation lines dropped; no field we
/// read spans lines).
pub(crate) struct Stanza<'a> {
    pub line: u32,
    pub fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Stanza<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

/// Splits a control file into stanzas; `separator` splits a field line.
pub(crate) fn stanzas_with(text: &str, separator: char) -> Vec<Stanza<'_>> {
    let mut out = Vec::new();
    let mut current: Option<Stanza> = None;
    for (number, line) in numbered(text) {
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(separator) else {
            continue;
        };
        current
            .get_or_insert_with(|| Stanza {
                line: number,
                fields: Vec::new(),
            })
            .fields
            .push((key.trim(), value.trim()));
    }
    out.extend(current);
    out
}

fn stanzas(text: &str) -> Vec<Stanza<'_>> {
    stanzas_with(text, ':')
}

fn package_of(input: &Input, stanza: &Stanza) -> Option<Package> {
    if let Some(status) = stanza.get("Status")
        && status.split_whitespace().nth(2) != Some("installed")
    {
        return None;
    }
    let source = stanza.get("Source").and_then(|s| {
        let mut words = s.split_whitespace();
        let name = words.next()?.to_string();
        let version = words
            .next()
            .and_then(|v| v.strip_prefix('(')?.strip_suffix(')'))
            .map(String::from);
        Some(SourcePackage { name, version })
    });
    let name = stanza
        .get("Package")
        .map(String::from)
        .or_else(|| source.as_ref().map(|s| s.name.clone()))?;
    let version = stanza.get("Version").unwrap_or_default().to_string();
    let arch = stanza.get("Architecture").unwrap_or_default();
    let mut package = Package::new(
        Ecosystem::Debian,
        name,
        version,
        input.at(Some(stanza.line)),
    );
    let upstream = source.as_ref().map(|s| match &s.version {
        Some(v) => format!("{}@{v}", s.name),
        None => s.name.clone(),
    });
    let (namespace, distro) = input.distro_purl_parts("debian");
    package.purl = purl::for_distro_package(
        Ecosystem::Debian,
        &namespace,
        &package.name,
        &package.version,
        &[
            ("arch", arch),
            ("distro", &distro),
            ("upstream", upstream.as_deref().unwrap_or_default()),
        ],
    );
    package.source = source;
    package.distro.clone_from(&input.distro);
    Some(package)
}
