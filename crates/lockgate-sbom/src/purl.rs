//! Package-url (<https://github.com/package-url/purl-spec>) strings for packages.
//!
//! Components are percent-encoded except for the spec's unreserved characters, so a
//! purl never needs quoting and two tools that follow the spec agree byte for byte.
//! Per-type rules applied here: npm scopes and Go module paths and Composer vendors and
//! Maven group IDs become the namespace; PyPI names are normalized (lowercase, `_` → `-`).

use std::fmt::Write as _;

use crate::package::Ecosystem;

/// The purl of a package of `ecosystem`, without qualifiers.
pub fn for_package(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let (namespace, short_name) = split_name(ecosystem, name);
    build(
        ecosystem.purl_type(),
        namespace.as_deref(),
        &short_name,
        version,
        &[],
    )
}

/// The purl of a distro package: `pkg:deb/debian/NAME@VERSION?arch=...&upstream=...`.
pub fn for_distro_package(
    ecosystem: Ecosystem,
    distro: &str,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    build(
        ecosystem.purl_type(),
        Some(distro),
        name,
        version,
        qualifiers,
    )
}

/// Splits an ecosystem's package name into purl namespace and name.
fn split_name(ecosystem: Ecosystem, name: &str) -> (Option<String>, String) {
    match ecosystem {
        Ecosystem::Npm | Ecosystem::Go | Ecosystem::Packagist => match name.rsplit_once('/') {
            Some((namespace, short)) => (Some(namespace.to_string()), short.to_string()),
            None => (None, name.to_string()),
        },
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group.to_string()), artifact.to_string()),
            None => (None, name.to_string()),
        },
        Ecosystem::PyPI => (None, name.to_ascii_lowercase().replace(['_', '.'], "-")),
        Ecosystem::CratesIo
        | Ecosystem::RubyGems
        | Ecosystem::NuGet
        | Ecosystem::Debian
        | Ecosystem::Alpine => (None, name.to_string()),
    }
}

fn build(
    purl_type: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut out = format!("pkg:{purl_type}/");
    if let Some(namespace) = namespace.filter(|n| !n.is_empty()) {
        for segment in namespace.split('/').filter(|s| !s.is_empty()) {
            encode_into(&mut out, segment);
            out.push('/');
        }
    }
    encode_into(&mut out, name);
    if !version.is_empty() {
        out.push('@');
        encode_into(&mut out, version);
    }
    let mut qualifiers: Vec<_> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    qualifiers.sort();
    for (i, (key, value)) in qualifiers.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_npm_package_has_encoded_namespace() {
        assert_eq!(
            for_package(Ecosystem::Npm, "@babel/core", "7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
    }

    #[test]
    fn maven_group_is_the_namespace() {
        assert_eq!(
            for_package(Ecosystem::Maven, "org.slf4j:slf4j-api", "1.7.30"),
            "pkg:maven/org.slf4j/slf4j-api@1.7.30"
        );
    }

    #[test]
    fn go_module_path_segments_become_the_namespace() {
        assert_eq!(
            for_package(Ecosystem::Go, "github.com/pkg/errors", "v0.9.1"),
            "pkg:golang/github.com/pkg/errors@v0.9.1"
        );
    }

    #[test]
    fn pypi_names_are_normalized() {
        assert_eq!(
            for_package(Ecosystem::PyPI, "Django_Filter", "2.0"),
            "pkg:pypi/django-filter@2.0"
        );
    }

    #[test]
    fn distro_purl_has_sorted_qualifiers_and_encoded_epoch() {
        assert_eq!(
            for_distro_package(
                Ecosystem::Debian,
                "debian",
                "libc6",
                "1:2.36+x",
                &[("upstream", "glibc"), ("arch", "amd64")]
            ),
            "pkg:deb/debian/libc6@1%3A2.36%2Bx?arch=amd64&upstream=glibc"
        );
    }
}
