//! Hostile and broken input: every cataloger must answer with packages or problems,
//! never a panic, a stack overflow or unbounded work.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockgate_sbom::{CatalogError, Cataloger, LocalFiles, NoFiles, catalog_file};

fn corpus_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/sbom-osv-scanner/lockfiles");
    let mut files = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return files;
    };
    for dir in dirs.flatten() {
        if let Ok(entries) = std::fs::read_dir(dir.path()) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

#[test]
fn truncated_fixtures_never_panic_any_cataloger() {
    let fixtures = corpus_fixtures();
    assert!(!fixtures.is_empty(), "corpus fixtures missing");
    for fixture in fixtures {
        let bytes = std::fs::read(&fixture).unwrap();
        let cuts = [
            0,
            1,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(1),
        ];
        for cut in cuts {
            for cataloger in Cataloger::ALL {
                // Fed under the fixture's own path so includes and parents resolve.
                let _ = cataloger.catalog(&fixture, &bytes[..cut.min(bytes.len())], &LocalFiles);
            }
        }
    }
}

fn problems_of(cataloger: Cataloger, name: &str, text: &str) -> Vec<CatalogError> {
    cataloger
        .catalog(Path::new(name), text.as_bytes(), &NoFiles)
        .problems
}

#[test]
fn deeply_nested_json_is_refused() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let text = format!("{{\"lockfileVersion\": 1, \"dependencies\": {deep}}}");
    for cataloger in [
        Cataloger::NpmLock,
        Cataloger::ComposerLock,
        Cataloger::PipfileLock,
        Cataloger::NugetLock,
    ] {
        assert!(
            !problems_of(cataloger, "package-lock.json", &text).is_empty(),
            "{cataloger:?}"
        );
    }
}

#[test]
fn deeply_nested_toml_is_refused() {
    let text = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    for cataloger in [
        Cataloger::CargoLock,
        Cataloger::PoetryLock,
        Cataloger::UvLock,
    ] {
        assert!(
            !problems_of(cataloger, "Cargo.lock", &text).is_empty(),
            "{cataloger:?}"
        );
    }
}

#[test]
fn yaml_alias_bombs_are_refused() {
    let mut text = String::from("lockfileVersion: 5.4\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in 'b'..='z' {
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        previous = name;
    }
    let problems = problems_of(Cataloger::PnpmLock, "pnpm-lock.yaml", &text);
    assert!(!problems.is_empty());
}

#[test]
fn xml_entities_are_refused() {
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<project><dependencies><dependency><groupId>&lol2;</groupId><artifactId>a</artifactId><version>1</version></dependency></dependencies></project>"#;
    let problems = problems_of(Cataloger::MavenPom, "pom.xml", text);
    assert!(
        matches!(problems.as_slice(), [CatalogError::Parse { .. }]),
        "{problems:?}"
    );
}

#[test]
fn maven_interpolation_that_grows_is_bounded() {
    let text = r#"<project><properties><x>${x}${x}</x></properties>
<dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${x}</version></dependency></dependencies></project>"#;
    let set = Cataloger::MavenPom.catalog(Path::new("pom.xml"), text.as_bytes(), &NoFiles);
    assert_eq!(set.packages.len(), 1);
    assert_eq!(
        set.packages[0].version, "",
        "an unresolvable version is not guessed"
    );
}

#[test]
fn parse_errors_carry_the_file_and_line() {
    let problems = problems_of(
        Cataloger::CargoLock,
        "sub/Cargo.lock",
        "[[package]]\nname = \"a\"\nversion = \n",
    );
    let [CatalogError::Parse { path, line, .. }] = problems.as_slice() else {
        panic!("{problems:?}");
    };
    assert_eq!(path.as_ref(), "sub/Cargo.lock");
    assert_eq!(*line, Some(3));

    let problems = problems_of(Cataloger::GoMod, "go.mod", "module x\n\nfrobnicate y\n");
    assert_eq!(problems.first().and_then(CatalogError::line), Some(3));
}

#[test]
fn unknown_files_give_an_empty_set() {
    let set = catalog_file(Path::new("README.md"), b"# hello");
    assert!(set.is_empty());
}

#[test]
fn non_utf8_bytes_do_not_stop_a_dpkg_database() {
    let mut bytes =
        b"Package: a\nStatus: install ok installed\nVersion: 1\nDescription: caf".to_vec();
    bytes.extend([0xE9, 0xFF, b'\n']);
    let set = catalog_file(Path::new("var/lib/dpkg/status"), &bytes);
    assert_eq!(set.packages.len(), 1);
}
