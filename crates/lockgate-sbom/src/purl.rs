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
        | Ecosystem::Alpine
        | Ecosystem::Rpm => (None, name.to_string()),
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

/// A parsed package-url: its type, namespace, name, version and qualifiers, every
/// component percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath`. `None` for text that
    /// is not a purl (no `pkg:` scheme, no name, bad percent-encoding).
    pub fn parse(text: &str) -> Option<Purl> {
        let rest = text.trim().strip_prefix("pkg:")?.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((before, query)) => (before, parse_qualifiers(query)?),
            None => (rest, Vec::new()),
        };
        let (kind, path) = rest.split_once('/')?;
        // The version follows the last `@` of the path: npm scopes (`%40scope`) are
        // encoded, but some writers leave them as `@scope`.
        let (path, version) = match path.rsplit_once('@') {
            Some((before, version)) if !before.is_empty() && !before.ends_with('/') => {
                (before, Some(decode(version)?))
            }
            _ => (path, None),
        };
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect::<Option<_>>()?;
        let name = segments.pop().filter(|n| !n.is_empty())?;
        let namespace = (!segments.is_empty()).then(|| segments.join("/"));
        Some(Purl {
            kind: kind.to_ascii_lowercase(),
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
        })
    }

    /// Whether this purl, used as a pattern, covers `package`: same type, namespace and
    /// name (PyPI names compared normalized), and the same version and qualifiers where
    /// this purl states them (`pkg:npm/lodash` covers every lodash).
    pub fn covers(&self, package: &Purl) -> bool {
        let normalize = |name: &str| name.to_ascii_lowercase().replace(['_', '.'], "-");
        let same_name = if self.kind == "pypi" {
            normalize(&self.name) == normalize(&package.name)
        } else {
            self.name == package.name
        };
        self.kind == package.kind
            && self.namespace == package.namespace
            && same_name
            && self
                .version
                .as_ref()
                .is_none_or(|v| package.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .all(|(key, value)| package.qualifier(key) == Some(value.as_str()))
    }

    /// A qualifier's value.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The ecosystem and the package name as the ecosystem spells it, for the types
    /// lockgate catalogs; `None` for other types (and for distros other than Debian and
    /// Alpine, whose advisories are filed under other ecosystems).
    pub fn ecosystem_name(&self) -> Option<(Ecosystem, String)> {
        let joined = |separator: &str| match &self.namespace {
            Some(namespace) => format!("{namespace}{separator}{}", self.name),
            None => self.name.clone(),
        };
        let ecosystem = match self.kind.as_str() {
            "cargo" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "golang" => Ecosystem::Go,
            "maven" => Ecosystem::Maven,
            "gem" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "composer" => Ecosystem::Packagist,
            "deb" if self.namespace.as_deref() == Some("debian") => Ecosystem::Debian,
            "apk" if self.namespace.as_deref() == Some("alpine") => Ecosystem::Alpine,
            "rpm" => Ecosystem::Rpm,
            _ => return None,
        };
        let name = match ecosystem {
            Ecosystem::Maven => joined(":"),
            Ecosystem::Npm | Ecosystem::Go | Ecosystem::Packagist => joined("/"),
            _ => self.name.clone(),
        };
        Some((ecosystem, name))
    }
}

fn parse_qualifiers(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((key.to_ascii_lowercase(), decode(value)?))
        })
        .collect()
}

/// Percent-decodes a purl component; `None` for a bad escape or bytes that are not UTF-8.
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn purls_of_every_cataloged_type_parse_back() {
        let cases = [
            (Ecosystem::Npm, "@babel/core", "7.0.0"),
            (Ecosystem::Npm, "lodash", "4.17.20"),
            (Ecosystem::Go, "github.com/pkg/errors", "v0.9.1"),
            (Ecosystem::Maven, "org.slf4j:slf4j-api", "1.7.30"),
            (Ecosystem::Packagist, "symfony/http-kernel", "v5.4.0"),
            (Ecosystem::CratesIo, "serde", "1.0.0+build.1"),
            (Ecosystem::RubyGems, "rack", "2.2.3"),
            (Ecosystem::NuGet, "Newtonsoft.Json", "12.0.1"),
        ];
        for (ecosystem, name, version) in cases {
            let text = for_package(ecosystem, name, version);
            let purl = Purl::parse(&text).unwrap_or_else(|| panic!("{text} did not parse"));
            assert_eq!(purl.version.as_deref(), Some(version), "{text}");
            assert_eq!(
                purl.ecosystem_name(),
                Some((ecosystem, name.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn distro_purls_keep_their_qualifiers() {
        let text = for_distro_package(
            Ecosystem::Debian,
            "debian",
            "libssl3",
            "3.0.11-1~deb12u2",
            &[("arch", "amd64"), ("upstream", "openssl")],
        );
        let purl = Purl::parse(&text).unwrap();
        assert_eq!(
            purl.ecosystem_name(),
            Some((Ecosystem::Debian, "libssl3".into()))
        );
        assert_eq!(purl.version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(purl.qualifier("upstream"), Some("openssl"));
        assert_eq!(purl.qualifier("arch"), Some("amd64"));
        let ubuntu = Purl::parse("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1").unwrap();
        assert_eq!(ubuntu.ecosystem_name(), None);
    }

    #[test]
    fn hostile_or_foreign_text_is_refused_without_panic() {
        for text in [
            "",
            "pkg:",
            "pkg:npm",
            "pkg:npm/",
            "npm/lodash@1",
            "pkg:npm/%zz@1",
            "pkg:npm/a@1?x=%f",
        ] {
            assert_eq!(Purl::parse(text), None, "{text}");
        }
        let unscoped = Purl::parse("pkg:npm/@scope/name@1.0.0").unwrap();
        assert_eq!(
            unscoped.ecosystem_name(),
            Some((Ecosystem::Npm, "@scope/name".into()))
        );
        let no_version = Purl::parse("pkg:pypi/requests").unwrap();
        assert_eq!(no_version.version, None);
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

    #[test]
    fn patterns_cover_the_versions_and_qualifiers_they_state() {
        let p = |text: &str| Purl::parse(text).unwrap();
        let package = p("pkg:deb/debian/libssl3@3.0.11-1?arch=amd64&distro=debian-12");
        assert!(p("pkg:deb/debian/libssl3").covers(&package));
        assert!(p("pkg:deb/debian/libssl3@3.0.11-1").covers(&package));
        assert!(p("pkg:deb/debian/libssl3?arch=amd64").covers(&package));
        assert!(!p("pkg:deb/debian/libssl3@3.0.11-2").covers(&package));
        assert!(!p("pkg:deb/debian/libssl3?arch=arm64").covers(&package));
        assert!(!p("pkg:deb/ubuntu/libssl3").covers(&package));
        assert!(p("pkg:pypi/Django_Rest@1.0").covers(&p("pkg:pypi/django-rest@1.0")));
        assert!(!p("pkg:npm/lodash").covers(&p("pkg:npm/lodash-es@1.0.0")));
    }
}
