//! Rules the engine itself reports: files it cannot read or parse, and problems with the
//! configuration's waivers and inline suppressions. They have no check function; they
//! exist so these results are findings with IDs, docs and SARIF entries like any other.

use lockgate_model::{RuleMeta, Severity};

pub static PARSE_ERROR: RuleMeta = RuleMeta {
    id: "LG-001",
    name: "parse-error",
    title: "File or document could not be parsed",
    severity: Severity::High,
    applies_to: &["files"],
    frameworks: &["lockgate:integrity"],
    fix: "Fix the syntax error at the reported position, or exclude the file if it is not a manifest.",
    docs: "## What it checks\nEvery file lockgate scans must parse: invalid YAML or JSON, duplicate keys, \
documents nested too deeply, alias expansions that explode, files over the size limit and \
objects with `kind` but no `apiVersion` are reported here.\n\n## Why it matters\nA manifest \
lockgate cannot read is a manifest nobody checked. Kubernetes would also reject most of these \
files, and a document with duplicate keys can hide a dangerous value behind a harmless one.\n\n\
## Example\n```yaml\nspec:\n  privileged: false\n  privileged: true   # duplicate key\n```\n\n\
## Fix\nCorrect the syntax at the reported line and column. Exclude generated or \
non-manifest files with `.gitignore` or `exclude` in `lockgate.toml`.\n\n## References\n\
- YAML 1.2 specification: https://yaml.org/spec/1.2.2/\n",
};

pub static EXPIRED_WAIVER: RuleMeta = RuleMeta {
    id: "LG-002",
    name: "expired-waiver",
    title: "A waiver has expired",
    severity: Severity::Medium,
    applies_to: &["lockgate.toml"],
    frameworks: &["lockgate:governance"],
    fix: "Fix the waived findings, or renew the waiver with a new `expires` date and a reason.",
    docs: "## What it checks\nA waiver in `lockgate.toml` whose `expires` date has passed. The waiver \
no longer applies: the findings it covered are open again, and the waiver itself is reported.\n\n\
## Why it matters\nWaivers are promises to fix something later. An expired waiver means the \
promise was not kept, and silently extending it would hide risk.\n\n## Example\n```toml\n\
[[waivers]]\nrule = \"KUBE-003\"\nowner = \"team-a\"\nreason = \"vendor agent\"\nexpires = \"2024-01-31\"\n```\n\n\
## Fix\nRemove the cause of the findings, or renew the waiver deliberately with a new date.\n\n\
## References\n- lockgate README, section Waivers\n",
};

pub static UNUSED_WAIVER: RuleMeta = RuleMeta {
    id: "LG-003",
    name: "unused-waiver",
    title: "A waiver matches no finding",
    severity: Severity::Low,
    applies_to: &["lockgate.toml"],
    frameworks: &["lockgate:governance"],
    fix: "Delete the waiver; what it excused is gone (or its scope no longer matches).",
    docs: "## What it checks\nA waiver in `lockgate.toml` that matched no finding in this scan.\n\n\
## Why it matters\nStale waivers accumulate and later excuse a new problem nobody reviewed. A \
waiver whose scope is mistyped also never applies, which its owner should learn.\n\n## Example\n\
```toml\n[[waivers]]\nrule = \"KUBE-003\"\npath = \"deploy/legacy/**\"   # the directory was deleted\n```\n\n\
## Fix\nDelete the waiver, or correct its `path`/`object` scope.\n\n## References\n\
- lockgate README, section Waivers\n",
};

pub static INVALID_SUPPRESSION: RuleMeta = RuleMeta {
    id: "LG-004",
    name: "invalid-suppression",
    title: "An inline suppression annotation is invalid",
    severity: Severity::Low,
    applies_to: &["all objects"],
    frameworks: &["lockgate:governance"],
    fix: "Write the annotation as `lockgate.dev/ignore: \"KUBE-003,KUBE-013 why this is acceptable\"` with known rule IDs and a reason.",
    docs: "## What it checks\nThe `lockgate.dev/ignore` annotation names rule IDs that do not exist, \
or gives no reason. Such an annotation suppresses nothing.\n\n## Why it matters\nAn \
suppression without a reason cannot be reviewed, and a mistyped rule ID silently fails to \
suppress what its author intended.\n\n## Example\n```yaml\nmetadata:\n  annotations:\n    \
lockgate.dev/ignore: \"KUBE-999\"\n```\n\n## Fix\n```yaml\nmetadata:\n  annotations:\n    \
lockgate.dev/ignore: \"KUBE-003 node agent needs the host's devices\"\n```\n\n## References\n\
- lockgate README, section Inline suppression\n",
};

pub static POLICY_ERROR: RuleMeta = RuleMeta {
    id: "LG-005",
    name: "policy-error",
    title: "A Rego policy could not be loaded or evaluated",
    severity: Severity::High,
    applies_to: &["Rego policies"],
    frameworks: &["lockgate:integrity"],
    fix: "Fix the policy at the reported line (syntax, a run-time error such as a type error or a conflict, or work past the time or memory budget), or raise `[policy] timeout` or `[policy] memory`.",
    docs: "## What it checks\nEvery Rego policy lockgate loads must compile and every evaluation \
must finish: a syntax error, an unknown builtin, a Gatekeeper constraint without its template, \
an error at run time (a type error, conflicting values, a division by zero) or an evaluation \
that runs past `[policy] timeout` or grows past `[policy] memory` is reported here, at the policy's file and line. One finding \
stands for all the documents the same error happened on.\n\n## Why it matters\nA policy that \
does not run passes nothing: the objects it should have judged were not judged. Treating that \
as a failure keeps a broken policy from turning the gate green.\n\n## Example\n```rego\n\
package main\n\ndeny contains msg if {\n  msg := sprintf(\"%d replicas\", input.spec.replicas)  # not an array\n}\n```\n\n\
## Fix\nCorrect the policy (`lockgate policy test` runs its unit tests), or lower this rule's \
severity with `[rules.severity]` to report policy errors without failing the gate.\n\n\
## References\n- docs/policies.md\n- Rego reference: https://www.openpolicyagent.org/docs/policy-reference\n",
};

/// Every engine rule.
pub static ALL: &[&RuleMeta] = &[
    &PARSE_ERROR,
    &EXPIRED_WAIVER,
    &UNUSED_WAIVER,
    &INVALID_SUPPRESSION,
    &POLICY_ERROR,
];
