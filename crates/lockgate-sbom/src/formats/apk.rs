//! apk's installed database (`lib/apk/db/installed`): stanzas of `X:value` lines
//! separated by blank lines. `P:` name, `V:` version, `A:` architecture, `o:` origin
//! (the source package Alpine advisories name), `c:` the aports commit.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::dpkg::stanzas_with;
use crate::package::{Ecosystem, Package, SourcePackage};
use crate::purl;

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    for stanza in stanzas_with(input.text, ':') {
        // Keys are case-sensitive single letters (`c:` commit, `C:` checksum).
        let get = |key: &str| {
            stanza
                .fields
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
        };
        let Some(name) = get("P").filter(|n| !n.is_empty()) else {
            continue;
        };
        let version = get("V").unwrap_or_default();
        let origin = get("o").filter(|o| !o.is_empty());
        let mut package = Package::new(
            Ecosystem::Alpine,
            name,
            version,
            input.at(Some(stanza.line)),
        )
        .with_commit(get("c").map(String::from))
        .with_licenses(get("L"));
        let (namespace, distro) = input.distro_purl_parts("alpine");
        package.purl = purl::for_distro_package(
            Ecosystem::Alpine,
            &namespace,
            name,
            version,
            &[
                ("arch", get("A").unwrap_or_default()),
                ("distro", &distro),
                ("upstream", origin.unwrap_or_default()),
            ],
        );
        package.distro.clone_from(&input.distro);
        package.source = origin.map(|o| SourcePackage {
            name: o.to_string(),
            version: None,
        });
        packages.push(package);
    }
    Ok(packages)
}
