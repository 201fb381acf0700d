//! `catalog_dir` over a small tree built on disk: which files it reads, which
//! directories it skips, and how it reports what it found.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use lockgate_sbom::{CatalogError, Ecosystem, catalog_dir};

/// A fresh directory under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("lockgate-sbom-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const UV_LOCK: &str = r#"version = 1
requires-python = ">=3.12"

[[package]]
name = "my-app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "Requests" }]

[[package]]
name = "Requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "forked"
version = "1.0.0"
source = { git = "https://github.com/o/forked?rev=main#0123abcd" }
"#;

#[test]
fn walks_package_files_and_skips_installed_copies() {
    let tree = Scratch::new("walk");
    tree.write(
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n",
    );
    tree.write("py/uv.lock", UV_LOCK);
    tree.write("py/requirements.txt", "-r base.txt\nflask==2.0.0\n");
    tree.write("py/base.txt", "six==1.16.0\n");
    tree.write(
        "py/requirements-dev.txt",
        "-r requirements.txt\npytest==8.0.0\n",
    );
    tree.write(
        "web/node_modules/left-pad/package-lock.json",
        r#"{"lockfileVersion": 2, "packages": {"node_modules/x": {"version": "1.0.0"}}}"#,
    );
    tree.write(".git/Cargo.lock", "not even toml [");
    tree.write("broken/composer.lock", "{ not json");

    let set = catalog_dir(&tree.0);
    let names: Vec<(&str, &str)> = set
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert!(names.contains(&("a", "1.0.0")), "{names:?}");
    assert!(
        !names.contains(&("x", "1.0.0")),
        "node_modules is skipped: {names:?}"
    );

    // uv: names are normalized, the git source gives the commit.
    let requests = set.packages.iter().find(|p| p.name == "requests").unwrap();
    assert_eq!(requests.version, "2.32.3");
    assert_eq!(requests.found_at.line, Some(10), "the `[[package]]` header");
    let forked = set.packages.iter().find(|p| p.name == "forked").unwrap();
    assert_eq!(forked.commit.as_deref(), Some("0123abcd"));

    // requirements: `six` comes through the include of an include, once per declaration
    // site, however many files include it.
    let six: Vec<_> = set.packages.iter().filter(|p| p.name == "six").collect();
    assert_eq!(six.len(), 1, "{six:?}");
    assert!(six[0].found_at.path.ends_with("base.txt"));
    assert_eq!(six[0].ecosystem, Ecosystem::PyPI);

    // The broken file is one problem with its path; the rest is still cataloged.
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    assert!(
        matches!(&set.problems[0], CatalogError::Parse { path, .. } if path.ends_with("composer.lock"))
    );
}

#[test]
fn a_missing_include_is_a_problem_and_the_rest_is_read() {
    let tree = Scratch::new("include");
    tree.write("requirements.txt", "-r missing.txt\nflask==2.0.0\n");
    let set = catalog_dir(&tree.0);
    assert_eq!(set.packages.len(), 1);
    assert!(matches!(
        set.problems.as_slice(),
        [CatalogError::Read { source, .. }] if source.kind() == std::io::ErrorKind::NotFound
    ));
}

#[test]
fn maven_parent_properties_and_managed_versions_resolve_from_disk() {
    let tree = Scratch::new("maven");
    tree.write(
        "pom.xml",
        r#"<project>
  <groupId>org.example</groupId><artifactId>parent</artifactId><version>7</version>
  <properties><jackson.version>2.9.9</jackson.version></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency>
  </dependencies></dependencyManagement>
</project>"#,
    );
    tree.write(
        "app/pom.xml",
        r#"<project>
  <parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <artifactId>app</artifactId>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId></dependency>
    <dependency><groupId>org.example</groupId><artifactId>sibling</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>[4.13.2]</version><scope>test</scope></dependency>
  </dependencies>
</project>"#,
    );
    let set = catalog_dir(&tree.0);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let app: Vec<_> = set
        .packages
        .iter()
        .filter(|p| p.found_at.path.ends_with("app/pom.xml"))
        .collect();
    let found: Vec<(&str, &str, Option<u32>)> = app
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.found_at.line))
        .collect();
    assert_eq!(
        found,
        [
            (
                "com.fasterxml.jackson.core:jackson-databind",
                "2.9.9",
                Some(5)
            ),
            ("org.example:sibling", "7", Some(6)),
            ("junit:junit", "4.13.2", Some(7)),
        ]
    );
    assert_eq!(app[2].groups, ["test"]);
    assert_eq!(
        app[0].purl,
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9"
    );
}

#[test]
fn files_outside_the_scanned_directory_are_not_read() {
    let tree = Scratch::new("confined");
    tree.write("secret.txt", "hunter2==1.0\n");
    tree.write(
        "project/requirements.txt",
        "-r ../secret.txt\nflask==2.0.0\n",
    );
    let set = catalog_dir(&tree.0.join("project"));
    assert_eq!(set.packages.len(), 1, "{:?}", set.packages);
    assert!(matches!(
        set.problems.as_slice(),
        [CatalogError::Read { source, .. }] if source.kind() == std::io::ErrorKind::PermissionDenied
    ));
}

#[test]
fn a_missing_root_is_a_read_problem() {
    let set = catalog_dir(Path::new("/nonexistent/lockgate-sbom-test"));
    assert!(set.packages.is_empty());
    assert!(matches!(
        set.problems.as_slice(),
        [CatalogError::Read { .. }]
    ));
}

/// A real Go binary installed by the test command (Debian's `docker-registry`, from
/// scripts/testimage/packages.txt): its build information names the Go release.
#[test]
fn go_binaries_are_cataloged_from_their_build_information() {
    let binary = Path::new("/usr/bin/docker-registry");
    assert!(
        binary.is_file(),
        "{} is missing: run scripts/test, which installs scripts/testimage/packages.txt",
        binary.display()
    );
    let dir = std::env::temp_dir().join(format!("lockgate-gobinary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::copy(binary, dir.join("bin/registry")).unwrap();
    let set = catalog_dir(&dir);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let stdlib: Vec<_> = set.packages.iter().filter(|p| p.name == "stdlib").collect();
    assert_eq!(stdlib.len(), 1, "{:?}", set.packages);
    let version = &stdlib[0].version;
    assert!(
        version.split('.').count() >= 2 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
    assert!(stdlib[0].found_at.path.ends_with("bin/registry"));
    // The same bytes without the executable bit are not opened.
    let plain = dir.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("registry"), std::fs::read(binary).unwrap()).unwrap();
    assert!(catalog_dir(&plain).packages.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
