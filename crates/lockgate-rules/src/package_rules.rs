//! Rules about packages: known vulnerabilities, a stale advisory database, and the
//! user's own policy (banned packages, denied licences). Like the engine rules they have
//! no check function: the engine catalogs packages (`lockgate-sbom`), matches them
//! against the advisory database (`lockgate-vuln`) and the `[packages]` policy of
//! `lockgate.toml`, and reports under these IDs, so these results get docs, SARIF
//! entries, severity overrides, profiles, waivers and baselines like every finding.

use lockgate_model::{RuleMeta, Severity};

pub static VULNERABLE_PACKAGE: RuleMeta = RuleMeta {
    id: "VULN-001",
    name: "vulnerable-package",
    title: "A package has a known vulnerability",
    // The default for advisories that state no severity; matched advisories carry their
    // own (from the CVSS vector, else the database's rating).
    severity: Severity::Medium,
    applies_to: &["lockfiles", "package databases", "SBOMs", "images"],
    frameworks: &[
        "owasp:A06:2021",
        "slsa:dependencies",
        "cis-supply-chain:3.2",
    ],
    fix: "Upgrade the package to a fixed version (listed in the finding).",
    docs: "## What it checks\nEvery package lockgate catalogs (lockfiles, OS package databases, \
SBOMs given with `--sbom`, images) is matched against the offline OSV advisory database \
(`lockgate db update` or `lockgate db import`). Matching is exact: each ecosystem's own \
version ordering, the advisory's `ranges` and `versions`, withdrawn advisories skipped. \
One finding is reported per package and advisory, at the line of the lockfile that pins \
the package, with the advisory ID, its aliases (CVE), the CVSS score and the versions \
that fix it. The finding's severity is the advisory's: the highest score of its CVSS v3 \
and v4 vectors, else the database's own rating, else medium.\n\n## Why it matters\nKnown vulnerabilities in \
dependencies are the most common way into an application: exploits for them are public, \
and scanners find them in deployed software within hours of disclosure.\n\n## Example\n\
```text\npackage-lock.json:12  lodash 4.17.20 (npm) is affected by GHSA-35jh-r3h4-6jhm \
(CVE-2021-23337): Command Injection in lodash; fixed in 4.17.21\n```\n\n## Fix\nUpgrade to a \
fixed version and regenerate the lockfile. When no fix exists, or the vulnerable code is \
not reachable, record the decision as a waiver naming the advisory (its ID or any \
alias), with an owner, a reason and an expiry:\n\n```toml\n[[waivers]]\nrule = \
\"VULN-001\"\nadvisory = \"CVE-2021-23337\"\npath = \"web/package-lock.json\"\nowner = \
\"team-web\"\nreason = \"template() is never called with user input\"\nexpires = \
\"2027-03-31\"\n```\n\n## References\n- OSV schema: https://ossf.github.io/osv-schema/\n\
- OWASP Top 10 A06:2021, Vulnerable and Outdated Components\n",
};

pub static STALE_DATABASE: RuleMeta = RuleMeta {
    id: "VULN-002",
    name: "stale-vulnerability-database",
    title: "The vulnerability database is older than allowed",
    severity: Severity::Critical,
    applies_to: &["the vulnerability database"],
    frameworks: &["lockgate:integrity"],
    fix: "Update the database (`lockgate db update`, or `lockgate db import` of fresh OSV archives), then scan again.",
    docs: "## What it checks\nWith `--db-max-age` (or `max-age` under `[vulnerabilities]` in \
`lockgate.toml`), the advisory database must have been written within that time. An older \
database gives this finding, which fails the gate at any `--fail-on` level.\n\n## Why it \
matters\nAn offline database only knows the advisories published before its last update. \
A gate that passes on a month-old database says nothing about last week's critical \
vulnerability.\n\n## Example\n```sh\nlockgate scan --db-max-age 7d .\n```\n\n## Fix\nRun \
`lockgate db update` (or import fresh archives on an offline machine) before scanning, \
for example in a scheduled CI job that keeps a cached database fresh.\n\n## References\n\
- lockgate docs/vulnerabilities.md\n",
};

pub static BANNED_PACKAGE: RuleMeta = RuleMeta {
    id: "PKG-001",
    name: "banned-package",
    title: "A package the policy bans is used",
    severity: Severity::High,
    applies_to: &["lockfiles", "package databases", "SBOMs", "images"],
    frameworks: &["slsa:dependencies", "cis-supply-chain:3.1"],
    fix: "Remove the package (or move to the version the policy allows) and regenerate the lockfile.",
    docs: "## What it checks\nEvery cataloged package against the `deny` list under `[packages]` in \
`lockgate.toml`. An entry is a package-url: `pkg:npm/event-stream` bans every version, \
`pkg:npm/event-stream@3.3.6` one version, and qualifiers narrow it further. The finding \
points at the line that pins the package and quotes the entry's `reason`.\n\n## Why it \
matters\nTeams keep lists of libraries they must not ship: compromised releases, abandoned \
forks, packages with unacceptable terms, or duplicates of an approved library. A gate that \
knows the list stops them before review has to.\n\n## Example\n```toml\n[packages]\ndeny = [\n  \
{ purl = \"pkg:npm/event-stream@3.3.6\", reason = \"compromised release (flatmap-stream)\" },\n  \
{ purl = \"pkg:pypi/pycrypto\", reason = \"unmaintained; use pycryptodome\" },\n]\n```\n\n## Fix\n\
Remove or replace the package. When it must stay for a while, waive PKG-001 for its path \
with an owner, a reason and an expiry.\n\n## References\n- package-url specification: \
https://github.com/package-url/purl-spec\n",
};

pub static DENIED_LICENSE: RuleMeta = RuleMeta {
    id: "PKG-002",
    name: "denied-license",
    title: "A package is licensed only under licences the policy denies",
    severity: Severity::High,
    applies_to: &[
        "lockfiles that state licences",
        "package databases",
        "SBOMs",
    ],
    frameworks: &["lockgate:licensing"],
    fix: "Replace the package with one under an allowed licence, or get the licence approved and change the policy.",
    docs: "## What it checks\nThe licence each package states (npm lockfiles v2/v3, \
`composer.lock`, Alpine's apk database, CycloneDX and SPDX documents) against \
`deny-licenses` under `[packages]` in `lockgate.toml`: SPDX identifiers or globs \
(`GPL-3.0*`), compared without regard to case. Expressions are weighed: with `MIT OR \
GPL-3.0-only` the package can be taken under MIT, so it passes; `MIT AND GPL-3.0-only` \
imposes both, so it fails. Packages whose files state no licence are not judged.\n\n\
## Why it matters\nA copyleft or non-commercial licence in a shipped dependency can \
oblige you to publish your code or stop distributing the product.\n\n## Example\n```toml\n\
[packages]\ndeny-licenses = [\"AGPL-*\", \"SSPL-1.0\", \"CC-BY-NC-*\"]\n```\n\n## Fix\n\
Replace the package, or record legal's approval as a waiver of PKG-002 for that path.\n\n\
## References\n- SPDX license expressions: https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/\n",
};

/// Every package rule.
pub static ALL: &[&RuleMeta] = &[
    &VULNERABLE_PACKAGE,
    &STALE_DATABASE,
    &BANNED_PACKAGE,
    &DENIED_LICENSE,
];
