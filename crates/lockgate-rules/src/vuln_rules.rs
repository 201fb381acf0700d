//! Rules for vulnerable packages. Like the engine rules they have no check function: the
//! engine matches cataloged packages against the advisory database (`lockgate-vuln`) and
//! reports each match under these IDs, so vulnerabilities get docs, SARIF entries,
//! severity overrides, profiles, waivers and baselines like every other finding.

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
that fix it. The finding's severity is the advisory's: computed from its CVSS v3 vector, \
else the database's own rating, else medium.\n\n## Why it matters\nKnown vulnerabilities in \
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

/// Every vulnerability rule.
pub static ALL: &[&RuleMeta] = &[&VULNERABLE_PACKAGE, &STALE_DATABASE];
