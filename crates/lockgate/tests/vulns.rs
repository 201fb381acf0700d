//! Vulnerable packages through `lockgate scan`: real lockfiles and real GitHub advisories
//! from `../shared/vulndata`, matched into VULN-001 findings at the lockfile's lines, with
//! the same waivers, baselines, gate and outputs as every other finding; the database's
//! age in the report and `--db-max-age`; SBOMs as input; Debian packages matched through
//! their source package.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{json, lockgate, scratch, stdout};

fn vulndata() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

/// A scratch directory holding `osv.db` (the GHSA subset: lodash, minimist,
/// follow-redirects, axios) and `app/`, a copy of an inventory's lockfiles.
fn project(name: &str, inventory: &str) -> PathBuf {
    let dir = scratch(name);
    let advisories = vulndata().join("github-advisory-database-subset");
    let import = lockgate(
        &dir,
        &[
            "db",
            "import",
            "--db",
            "osv.db",
            advisories.to_str().unwrap(),
        ],
    );
    assert_eq!(import.status.code(), Some(0), "{import:?}");
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    let source = vulndata().join("inventories/npm").join(inventory);
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), app.join(entry.file_name())).unwrap();
    }
    dir
}

/// (package, version, advisory) of every VULN-001 finding.
fn vulnerabilities(report: &Value) -> BTreeSet<(String, String, String)> {
    vulnerabilities_where(report, |f| f["rule_id"] == "VULN-001")
}

/// (package, version, advisory) of the findings `keep` selects.
fn vulnerabilities_where(
    report: &Value,
    keep: impl Fn(&Value) -> bool,
) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(f))
        .map(|f| {
            let v = &f["vulnerability"];
            (
                v["package"].as_str().unwrap().to_string(),
                v["version"].as_str().unwrap().to_string(),
                v["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn line_of(path: &Path, line: u64) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().nth(line as usize - 1).unwrap().to_string()
}

const LODASH_INJECTION: &str = "GHSA-35jh-r3h4-6jhm";
const LODASH_POLLUTION: &str = "GHSA-jf85-cpcp-j695";
const MINIMIST_2020: &str = "GHSA-vh95-rmgr-6w4m";
const MINIMIST_2021: &str = "GHSA-xvch-5gv4-984h";

#[test]
fn vulnerable_packages_are_findings_at_the_line_that_pins_them() {
    let dir = project("vuln-jquery", "jquery-2017-09");
    let output = lockgate(&dir, &["scan", "app", "--db", "osv.db", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "critical advisories fail the gate"
    );
    let report = json(&output);
    let expected: BTreeSet<(String, String, String)> = [
        ("lodash", "2.4.2", LODASH_INJECTION),
        ("lodash", "2.4.2", LODASH_POLLUTION),
        ("lodash", "3.10.1", LODASH_INJECTION),
        ("lodash", "3.10.1", LODASH_POLLUTION),
        ("lodash", "4.3.0", LODASH_INJECTION),
        ("lodash", "4.3.0", LODASH_POLLUTION),
        ("lodash", "4.17.4", LODASH_INJECTION),
        ("lodash", "4.17.4", LODASH_POLLUTION),
        ("minimist", "0.0.8", MINIMIST_2020),
        ("minimist", "0.0.8", MINIMIST_2021),
        ("minimist", "1.2.0", MINIMIST_2020),
        ("minimist", "1.2.0", MINIMIST_2021),
    ]
    .iter()
    .map(|(p, v, id)| (p.to_string(), v.to_string(), id.to_string()))
    .collect();
    assert_eq!(vulnerabilities(&report), expected);

    for finding in report["findings"].as_array().unwrap() {
        let v = &finding["vulnerability"];
        let location = &finding["location"];
        assert_eq!(location["path"], "app/package-lock.json");
        let line = line_of(
            &dir.join("app/package-lock.json"),
            location["line"].as_u64().unwrap(),
        );
        let package = v["package"].as_str().unwrap();
        assert!(
            line.contains(&format!("\"{package}\"")),
            "{line} for {finding}"
        );
        assert!(
            v["aliases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a.as_str().unwrap().starts_with("CVE-"))
        );
        assert!(!v["fixed"].as_array().unwrap().is_empty(), "{finding}");
        assert!(
            finding["message"].as_str().unwrap().contains("fixed in"),
            "{finding}"
        );
        assert_eq!(
            v["url"],
            format!(
                "https://osv.dev/vulnerability/{}",
                v["id"].as_str().unwrap()
            )
        );
        // The severity is the advisory's, from its CVSS vector.
        let score = v["cvss_score"].as_f64().unwrap();
        let expected = match score {
            s if s >= 9.0 => "critical",
            s if s >= 7.0 => "high",
            s if s >= 4.0 => "medium",
            _ => "low",
        };
        assert_eq!(finding["severity"], expected, "{finding}");
    }
    let fixed_of = |package: &str, version: &str, id: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["vulnerability"])
            .find(|v| v["package"] == package && v["version"] == version && v["id"] == id)
            .map(|v| serde_json::from_value(v["fixed"].clone()).unwrap())
            .unwrap()
    };
    // Each version is told the fix on its own line of releases.
    assert_eq!(fixed_of("minimist", "0.0.8", MINIMIST_2021), vec!["0.2.4"]);
    assert_eq!(fixed_of("minimist", "1.2.0", MINIMIST_2021), vec!["1.2.6"]);

    let db = &report["vuln_db"];
    assert_eq!(db["records"], 6);
    assert_eq!(db["age_days"], 0);
    assert_eq!(
        db["packages"], 524,
        "every package of the lockfile was checked"
    );

    // Human formats state the database's age too.
    let table = lockgate(&dir, &["scan", "app", "--db", "osv.db"]);
    let text = stdout(&table);
    assert!(
        text.contains("vulnerability database updated today (6 advisories"),
        "{text}"
    );
    assert!(text.contains("--> app/package-lock.json:"), "{text}");
    let sarif = lockgate(&dir, &["scan", "app", "--db", "osv.db", "-f", "sarif"]);
    let sarif = json(&sarif);
    assert_eq!(
        sarif["runs"][0]["properties"]["vulnerabilityDatabase"]["records"],
        6
    );
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "VULN-001");
    assert!(
        result["properties"]["vulnerability"]["id"].is_string(),
        "{result}"
    );
    for format in ["markdown", "junit"] {
        let out = stdout(&lockgate(
            &dir,
            &["scan", "app", "--db", "osv.db", "-f", format],
        ));
        assert!(
            out.contains("ulnerability database updated today"),
            "{format}: {out}"
        );
    }
}

#[test]
fn the_exact_fixed_version_is_not_vulnerable() {
    // axios 0.26.0 locks follow-redirects 1.14.8, exactly the version that fixes
    // GHSA-74fj-2j2h-c42q: only minimist 1.2.5 is hit.
    let dir = project("vuln-axios", "axios-v0.26.0");
    let report = json(&lockgate(
        &dir,
        &["scan", "app", "--db", "osv.db", "-f", "json"],
    ));
    assert_eq!(
        vulnerabilities(&report),
        [(
            "minimist".to_string(),
            "1.2.5".to_string(),
            MINIMIST_2021.to_string()
        )]
        .into_iter()
        .collect()
    );
}

#[test]
fn waivers_name_an_advisory_by_id_or_alias() {
    let dir = project("vuln-waivers", "jquery-2017-09");
    std::fs::write(
        dir.join("lockgate.toml"),
        r#"
[[waivers]]
rule = "CVE-2021-44906"
path = "app/**"
owner = "team-web"
reason = "minimist only parses our own build flags"
expires = "2099-01-01"

[[waivers]]
rule = "VULN-001"
advisory = "GHSA-35jh-r3h4-6jhm"
owner = "team-web"
reason = "template() never sees user input"
expires = "2099-01-01"

[[waivers]]
rule = "VULN-001"
advisory = "CVE-1999-0001"
owner = "team-web"
reason = "nothing has it"
expires = "2099-01-01"
"#,
    )
    .unwrap();
    let report = json(&lockgate(
        &dir,
        &["scan", "app", "--db", "osv.db", "-f", "json"],
    ));
    let findings = report["findings"].as_array().unwrap();
    for finding in findings.iter().filter(|f| f["rule_id"] == "VULN-001") {
        let id = finding["vulnerability"]["id"].as_str().unwrap();
        let waived = id == MINIMIST_2021 || id == LODASH_INJECTION;
        assert_eq!(finding["status"] == "waived", waived, "{finding}");
    }
    let unused: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "LG-003")
        .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(
        unused[0]["message"]
            .as_str()
            .unwrap()
            .contains("advisory `CVE-1999-0001`")
    );

    // `advisory` belongs to VULN-001 only, and unknown rule names stay errors.
    for waiver in [
        "rule = \"KUBE-001\"\nadvisory = \"CVE-2021-44906\"",
        "rule = \"KUBE-999\"",
    ] {
        std::fs::write(
            dir.join("lockgate.toml"),
            format!(
                "[[waivers]]\n{waiver}\nowner = \"a\"\nreason = \"b\"\nexpires = \"2099-01-01\"\n"
            ),
        )
        .unwrap();
        let output = lockgate(&dir, &["scan", "app", "--db", "osv.db"]);
        assert_eq!(output.status.code(), Some(2), "{waiver}");
    }
}

#[test]
fn a_baseline_keeps_known_vulnerabilities_out_of_the_gate() {
    let dir = project("vuln-baseline", "jquery-2017-09");
    let write = lockgate(
        &dir,
        &[
            "baseline",
            "write",
            "app",
            "--db",
            "osv.db",
            "-o",
            "baseline.json",
        ],
    );
    assert_eq!(write.status.code(), Some(0), "{write:?}");
    let output = lockgate(
        &dir,
        &[
            "scan",
            "app",
            "--db",
            "osv.db",
            "--baseline",
            "baseline.json",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 12);
    assert!(findings.iter().all(|f| f["status"] == "baseline"));
}

/// Makes the database look `days` old: its write time lives in its JSON metadata.
fn age_database(db: &Path, days: u64) {
    let mut bytes = std::fs::read(db).unwrap();
    let key = b"\"written_unix\":";
    let at = bytes
        .windows(key.len())
        .position(|w| w == key)
        .expect("written_unix in the metadata")
        + key.len();
    let end = at
        + bytes[at..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap();
    let written: u64 = std::str::from_utf8(&bytes[at..end])
        .unwrap()
        .parse()
        .unwrap();
    let older = format!("{}", written - days * 86_400);
    assert_eq!(older.len(), end - at, "same width keeps the file's layout");
    bytes[at..end].copy_from_slice(older.as_bytes());
    std::fs::write(db, bytes).unwrap();
}

#[test]
fn a_stale_database_fails_the_gate_when_a_maximum_age_is_set() {
    let dir = project("vuln-stale", "axios-v0.26.0");
    age_database(&dir.join("osv.db"), 10);
    let fresh_enough = lockgate(
        &dir,
        &[
            "scan",
            "app",
            "--db",
            "osv.db",
            "--db-max-age",
            "2w",
            "--fail-on",
            "critical",
            "-f",
            "json",
        ],
    );
    let report = json(&fresh_enough);
    assert_eq!(report["vuln_db"]["age_days"], 10);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "VULN-002")
    );

    let stale = lockgate(
        &dir,
        &[
            "scan",
            "app",
            "--db",
            "osv.db",
            "--db-max-age",
            "7d",
            "--fail-on",
            "critical",
            "-f",
            "json",
        ],
    );
    assert_eq!(stale.status.code(), Some(1));
    let report = json(&stale);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "VULN-002")
        .expect("VULN-002");
    assert_eq!(finding["severity"], "critical");
    assert!(
        finding["message"].as_str().unwrap().contains("10 days"),
        "{finding}"
    );

    // The same from lockgate.toml; a bad age is a clear error.
    std::fs::write(
        dir.join("lockgate.toml"),
        "[vulnerabilities]\ndb = \"osv.db\"\nmax-age = \"7d\"\n",
    )
    .unwrap();
    let from_config = lockgate(&dir, &["scan", "app", "-f", "json"]);
    assert!(
        json(&from_config)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "VULN-002")
    );
    let bad = lockgate(&dir, &["scan", "app", "--db-max-age", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("not an age"),
        "{bad:?}"
    );
}

#[test]
fn sboms_are_scanned_like_the_lockfiles_they_describe() {
    let dir = project("vuln-sbom", "jquery-2017-09");
    let direct = vulnerabilities(&json(&lockgate(
        &dir,
        &["scan", "app", "--db", "osv.db", "-f", "json"],
    )));
    for format in ["cyclonedx", "spdx"] {
        let file = format!("app.{format}.json");
        let made = lockgate(&dir, &["sbom", "app", "-f", format, "-o", &file]);
        assert_eq!(made.status.code(), Some(0), "{made:?}");
        let output = lockgate(
            &dir,
            &["scan", "--sbom", &file, "--db", "osv.db", "-f", "json"],
        );
        let report = json(&output);
        assert_eq!(vulnerabilities(&report), direct, "{format}");
        for finding in report["findings"].as_array().unwrap() {
            assert_eq!(finding["location"]["path"], file.as_str());
            let line = line_of(
                &dir.join(&file),
                finding["location"]["line"].as_u64().unwrap(),
            );
            assert!(line.contains("pkg:npm/"), "{line}");
        }
    }
    let missing = lockgate(&dir, &["scan", "--sbom", "nope.json", "--db", "osv.db"]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::write(dir.join("other.json"), "{\"hello\": 1}").unwrap();
    let foreign = lockgate(&dir, &["scan", "--sbom", "other.json", "--db", "osv.db"]);
    assert_eq!(foreign.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&foreign.stderr).contains("neither a CycloneDX"),
        "{foreign:?}"
    );
}

/// Runs lockgate with an empty cache directory, so no default database exists.
fn without_database(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("LOCKGATE_CACHE_DIR", dir.join("empty-cache"))
        .output()
        .unwrap()
}

#[test]
fn without_a_database_packages_are_reported_unchecked_unless_vulns_were_asked_for() {
    let dir = project("vuln-nodb", "axios-v0.26.0");
    let output = without_database(&dir, &["scan", "app", "-f", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert!(report.get("vuln_db").is_none());
    let notices = report["notices"].to_string();
    assert!(
        notices.contains("not checked for vulnerabilities"),
        "{notices}"
    );
    assert!(notices.contains("lockgate db update"), "{notices}");

    let asked = without_database(&dir, &["scan", "app", "--scanners", "vulns"]);
    assert_eq!(asked.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&asked.stderr);
    assert!(stderr.contains("lockgate db update"), "{stderr}");
}

#[test]
fn debian_packages_are_matched_through_their_source_package() {
    let dir = scratch("vuln-debian");
    // An advisory filed, as Debian files them, under the source package `openssl`.
    std::fs::write(
        dir.join("DSA-0000-1.json"),
        r#"{"id": "DSA-0000-1", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
  "summary": "openssl: test advisory",
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]}"#,
    )
    .unwrap();
    let import = lockgate(&dir, &["db", "import", "--db", "osv.db", "DSA-0000-1.json"]);
    assert_eq!(import.status.code(), Some(0), "{import:?}");
    let status = dir.join("root/var/lib/dpkg");
    std::fs::create_dir_all(&status).unwrap();
    std::fs::write(
        status.join("status"),
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\n\
Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n\n\
Package: libssl-old\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.9-1)\nVersion: 1.0\n",
    )
    .unwrap();
    let report = json(&lockgate(
        &dir,
        &["scan", "root", "--db", "osv.db", "-f", "json"],
    ));
    let found: BTreeSet<(String, String, String)> = vulnerabilities(&report);
    assert_eq!(
        found,
        [
            (
                "libssl-old".to_string(),
                "1.0".to_string(),
                "DSA-0000-1".to_string()
            ),
            (
                "libssl3".to_string(),
                "3.0.11-1~deb12u1".to_string(),
                "DSA-0000-1".to_string()
            ),
        ]
        .into_iter()
        .collect(),
        "the binary packages built from a vulnerable openssl, not the fixed one"
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("(source package openssl)"), "{message}");
    assert_eq!(
        report["findings"][0]["location"]["path"],
        "root/var/lib/dpkg/status"
    );

    // With the system's os-release known, only that release's advisories apply: the
    // record is filed for Debian 12, so a Debian 11 system is not affected by it.
    for (release, affected) in [("11", false), ("12", true), ("12.4", true)] {
        let root = dir.join(format!("debian-{release}"));
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(
            root.join("etc/os-release"),
            format!("ID=debian\nVERSION_ID=\"{release}\"\n"),
        )
        .unwrap();
        std::fs::copy(status.join("status"), root.join("var/lib/dpkg/status")).unwrap();
        let shown = format!("debian-{release}");
        let report = json(&lockgate(
            &dir,
            &["scan", &shown, "--db", "osv.db", "-f", "json"],
        ));
        assert_eq!(
            !vulnerabilities(&report).is_empty(),
            affected,
            "Debian {release}: {report}"
        );
    }

    // Ubuntu keeps a dpkg database too, but Debian's advisories are not Ubuntu's: its
    // packages are reported as not checked rather than matched against the wrong data.
    let ubuntu = dir.join("ubuntu");
    std::fs::create_dir_all(ubuntu.join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(ubuntu.join("etc")).unwrap();
    std::fs::write(
        ubuntu.join("etc/os-release"),
        "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n",
    )
    .unwrap();
    std::fs::copy(status.join("status"), ubuntu.join("var/lib/dpkg/status")).unwrap();
    let report = json(&lockgate(
        &dir,
        &["scan", "ubuntu", "--db", "osv.db", "-f", "json"],
    ));
    assert!(vulnerabilities(&report).is_empty(), "{report}");
    let notices = report["notices"].to_string();
    assert!(
        notices.contains("3 ubuntu 22.04 package(s) not checked"),
        "{notices}"
    );
}

#[test]
fn openvex_statements_suppress_what_they_cover() {
    let dir = project("vuln-vex", "jquery-2017-09");
    std::fs::write(
        dir.join("app.vex.json"),
        r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/app-1",
  "author": "team-web",
  "timestamp": "2024-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {"vulnerability": {"name": "CVE-2021-44906"},
     "products": [{"@id": "pkg:npm/minimist@0.0.8"}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
     "impact_statement": "only our build scripts parse arguments"},
    {"vulnerability": {"name": "GHSA-35jh-r3h4-6jhm"},
     "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/lodash"}]}],
     "status": "fixed"},
    {"vulnerability": {"name": "CVE-2021-23337"},
     "timestamp": "2025-06-01T00:00:00Z",
     "products": [{"@id": "pkg:npm/lodash@4.17.4"}],
     "status": "affected", "action_statement": "upgrade"},
    {"vulnerability": {"name": "CVE-2019-10744"},
     "products": [{"@id": "pkg:npm/lodash"}],
     "status": "under_investigation"}
  ]
}"#,
    )
    .unwrap();
    let output = lockgate(
        &dir,
        &[
            "scan",
            "app",
            "--db",
            "osv.db",
            "--vex",
            "app.vex.json",
            "-f",
            "json",
        ],
    );
    let report = json(&output);
    let suppressed = vulnerabilities_where(&report, |f| f["status"] == "suppressed");
    let expected: BTreeSet<(String, String, String)> = [
        ("minimist", "0.0.8", MINIMIST_2021),
        // `fixed` for every lodash, except 4.17.4 where a later statement says affected.
        ("lodash", "2.4.2", LODASH_INJECTION),
        ("lodash", "3.10.1", LODASH_INJECTION),
        ("lodash", "4.3.0", LODASH_INJECTION),
    ]
    .iter()
    .map(|(p, v, id)| (p.to_string(), v.to_string(), id.to_string()))
    .collect();
    assert_eq!(suppressed, expected);
    let reason = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability"]["package"] == "minimist" && f["status"] == "suppressed")
        .map(|f| f["reason"].as_str().unwrap().to_string())
        .unwrap();
    assert!(
        reason.contains("not_affected, vulnerable_code_not_in_execute_path: only our build"),
        "{reason}"
    );
    assert_eq!(report["gate"]["suppressed"], 4);

    std::fs::write(dir.join("bad.vex.json"), r#"{"statements": []}"#).unwrap();
    let bad = lockgate(
        &dir,
        &["scan", "app", "--db", "osv.db", "--vex", "bad.vex.json"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("bad.vex.json") && stderr.contains("OpenVEX"),
        "{stderr}"
    );
}

#[test]
fn the_package_policy_bans_packages_and_denied_licences() {
    let dir = scratch("pkg-policy");
    let alpine = vulndata().join("inventories/alpine-3.18-scalibr-fixture");
    let root = dir.join("alpine");
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::copy(
        alpine.join("lib/apk/db/installed"),
        root.join("lib/apk/db/installed"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("web")).unwrap();
    std::fs::write(
        dir.join("web/package-lock.json"),
        r#"{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "web"},
    "node_modules/event-stream": {"version": "3.3.6", "license": "MIT"},
    "node_modules/dual": {"version": "1.0.0", "license": "(MIT OR GPL-3.0-only)"},
    "node_modules/strong": {"version": "2.0.0", "license": "AGPL-3.0-or-later"}
  }
}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("lockgate.toml"),
        r#"
[packages]
deny = [
  { purl = "pkg:npm/event-stream@3.3.6", reason = "compromised release (flatmap-stream)" },
  { purl = "pkg:apk/alpine/busybox" },
]
deny-licenses = ["GPL-*", "agpl-*"]
"#,
    )
    .unwrap();
    // No vulnerability database is needed for the team's own policy.
    let output = without_database(&dir, &["scan", "web", "alpine", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "PKG rules are high");
    let report = json(&output);
    let found: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let package = message.split(' ').next().unwrap().to_string();
            (f["rule_id"].as_str().unwrap().to_string(), package)
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("PKG-001", "event-stream"),
        ("PKG-001", "busybox"),
        ("PKG-002", "strong"),
        // GPL-2.0-only Alpine packages; `musl-utils` is `MIT AND BSD-2-Clause AND
        // GPL-2.0-or-later`, which imposes the GPL too.
        ("PKG-002", "alpine-baselayout"),
        ("PKG-002", "alpine-baselayout-data"),
        ("PKG-002", "apk-tools"),
        ("PKG-002", "busybox"),
        ("PKG-002", "busybox-binsh"),
        ("PKG-002", "scanelf"),
        ("PKG-002", "ssl_client"),
        ("PKG-002", "musl-utils"),
    ]
    .iter()
    .map(|(r, p)| (r.to_string(), p.to_string()))
    .collect();
    assert_eq!(found, expected, "`dual` can be taken under MIT");
    let banned = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "PKG-001" && f["location"]["path"] == "web/package-lock.json")
        .unwrap();
    assert!(
        banned["message"]
            .as_str()
            .unwrap()
            .contains("compromised release")
    );
    let line = line_of(
        &dir.join("web/package-lock.json"),
        banned["location"]["line"].as_u64().unwrap(),
    );
    assert!(line.contains("node_modules/event-stream"), "{line}");

    std::fs::write(
        dir.join("lockgate.toml"),
        "[packages]\ndeny = [{ purl = \"event-stream\" }]\n",
    )
    .unwrap();
    let bad = without_database(&dir, &["scan", "web"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a package-url"),
        "{bad:?}"
    );
}

/// A docker-save archive (the classic layout) with one layer of `items`.
fn docker_archive(path: &Path, items: &[lockgate_image::tar_stream::testing::Item<'_>]) {
    use lockgate_image::tar_stream::testing::{Item, archive};
    let layer = archive(items);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "1000", "Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [lockgate_image::Digest::of(&layer).to_string()]},
        "history": [{"created_by": "ADD rootfs /"}]
    }))
    .unwrap();
    let config_name = format!("{}.json", lockgate_image::Digest::of(&config).hex());
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["example/app:1.0"],
        "Layers": ["layer0/layer.tar"],
    }]))
    .unwrap();
    let outer = archive(&[
        Item::file("manifest.json", &manifest),
        Item::file(&config_name, &config),
        Item::file("layer0/layer.tar", &layer),
    ]);
    std::fs::write(path, outer).unwrap();
}

#[test]
fn images_get_their_packages_checked_too() {
    use lockgate_image::tar_stream::testing::Item;
    let dir = project("vuln-image", "axios-v0.26.0");
    std::fs::write(
        dir.join("DSA-0000-1.json"),
        r#"{"id": "DSA-0000-1", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]}"#,
    )
    .unwrap();
    let import = lockgate(&dir, &["db", "import", "--db", "osv.db", "DSA-0000-1.json"]);
    assert_eq!(import.status.code(), Some(0), "{import:?}");
    // A real Go binary (installed by scripts/test) shows Go build info is read from
    // the image cache too.
    let go_binary = std::fs::read("/usr/bin/docker-registry")
        .expect("/usr/bin/docker-registry (scripts/test installs docker-registry)");
    let lockfile = br#"{"name": "app", "lockfileVersion": 3, "packages": {
  "": {"name": "app"},
  "node_modules/minimist": {"version": "1.2.5", "license": "MIT"}}}"#;
    docker_archive(
        &dir.join("image.tar"),
        &[
            Item::dir("etc"),
            Item::file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
            Item::dir("var/lib/dpkg"),
            Item::file(
                "var/lib/dpkg/status",
                b"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n",
            ),
            Item::dir("app"),
            Item::file("app/package-lock.json", lockfile),
            Item::dir("usr/bin"),
            Item::file("usr/bin/registry", &go_binary).mode(0o755),
        ],
    );
    let output = lockgate(
        &dir,
        &[
            "image",
            "image.tar",
            "--db",
            "osv.db",
            "--cache-dir",
            "cache",
            "-f",
            "json",
        ],
    );
    let report = json(&output);
    let found: BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "VULN-001")
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["vulnerability"]["package"].as_str().unwrap().to_string(),
                f["vulnerability"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        (
            "image://image.tar!/app/package-lock.json",
            "minimist",
            MINIMIST_2021,
        ),
        (
            "image://image.tar!/var/lib/dpkg/status",
            "libssl3",
            "DSA-0000-1",
        ),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expected, "{report}");
    assert!(
        report["vuln_db"]["packages"].as_u64().unwrap() >= 3,
        "{report}"
    );

    let sbom = lockgate(
        &dir,
        &[
            "sbom",
            "--image",
            "image.tar",
            "--cache-dir",
            "cache",
            "-f",
            "cyclonedx",
        ],
    );
    let sbom = json(&sbom);
    let stdlib = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "stdlib")
        .unwrap_or_else(|| panic!("no Go stdlib in {sbom}"));
    assert!(
        stdlib["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:golang/stdlib@v1.")
    );

    let skipped = lockgate(
        &dir,
        &[
            "image",
            "image.tar",
            "--no-vulns",
            "--cache-dir",
            "cache",
            "-f",
            "json",
        ],
    );
    let skipped = json(&skipped);
    assert!(skipped.get("vuln_db").is_none());
    assert!(
        !skipped["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "VULN-001")
    );
}

#[test]
fn ignored_and_excluded_lockfiles_are_not_checked() {
    let dir = project("vuln-ignored", "axios-v0.26.0");
    let lockfile = br#"{"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"},
  "node_modules/minimist": {"version": "1.2.0"}}}"#;
    for sub in ["app/build", "app/vendor", "app/node_modules/x"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("package-lock.json"), lockfile).unwrap();
    }
    std::fs::write(dir.join("app/.gitignore"), "build/\n").unwrap();
    std::fs::write(dir.join("lockgate.toml"), "exclude = [\"app/vendor/**\"]\n").unwrap();
    let report = json(&lockgate(
        &dir,
        &["scan", "app", "--db", "osv.db", "-f", "json"],
    ));
    let paths: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "VULN-001")
        .map(|f| f["location"]["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        ["app/package-lock.json".to_string()].into_iter().collect(),
        "the same walk as every scanner: .gitignore, exclude, node_modules"
    );
}
