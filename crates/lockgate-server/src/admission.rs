//! From an admission request to a decision: which requests are judged at all (operation,
//! subresource, exemptions), the mode of the request's namespace, and the answer each
//! mode gives for the engine's verdict.
//!
//! - `enforce`: open findings at or above the gate's `fail-on` severity deny the request,
//!   with a message listing each rule, its message and its fix; findings below it come
//!   back as warnings.
//! - `warn`: admitted; every open finding comes back as a warning (kubectl prints them).
//! - `audit`: admitted with nothing said; the decision log and metrics record what
//!   would have been denied.
//!
//! A request that cannot be judged safely (an object that is not JSON, a policy error)
//! is judged like any other: a policy error is a high finding that fails the gate, so
//! enforce denies. Nothing fails open here.

use std::collections::HashSet;

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use lockgate_engine::{
    AdmissionConfig, AdmissionMode, Date, ObjectJudge, ObjectReview, SYSTEM_NAMESPACES,
};
use lockgate_model::{Finding, FindingStatus, Severity};

use crate::review::{AdmissionRequest, AdmissionResponse, Status};

/// Most findings listed in a denial message, and most warnings returned: the API server
/// passes both to the client, which prints them all.
const MAX_LISTED: usize = 20;
/// Kubernetes may truncate longer warnings; lockgate cuts them itself, at a character
/// boundary.
const MAX_WARNING_CHARS: usize = 256;
/// The API server keeps about 4 KB of warnings per response; past that it drops them.
const MAX_WARNINGS_BYTES: usize = 4000;

/// `[admission]`, compiled.
#[derive(Debug)]
pub struct AdmissionRules {
    default_mode: AdmissionMode,
    /// (pattern, is exact, pattern length, mode): most specific first.
    namespace_modes: Vec<(GlobMatcher, bool, usize, AdmissionMode)>,
    exempt_namespaces: GlobSet,
    exempt_users: HashSet<String>,
    exempt_groups: HashSet<String>,
    /// The namespace lockgate itself runs in: exempt, so it can always be repaired.
    own_namespace: Option<String>,
    allow_ignore_annotations: bool,
}

impl AdmissionRules {
    /// Compiles the section; a bad glob is an error naming it.
    pub fn new(config: &AdmissionConfig, own_namespace: Option<&str>) -> Result<Self, String> {
        let glob = |pattern: &str, what: &str| {
            Glob::new(pattern).map_err(|e| format!("[admission] {what}: `{pattern}`: {e}"))
        };
        let mut namespace_modes = Vec::new();
        for (pattern, mode) in &config.namespaces {
            let exact = !pattern.contains(['*', '?', '[', '{']);
            namespace_modes.push((
                glob(pattern, "namespaces")?.compile_matcher(),
                exact,
                pattern.len(),
                *mode,
            ));
        }
        namespace_modes.sort_by_key(|m| std::cmp::Reverse((m.1, m.2)));
        let mut exempt = GlobSetBuilder::new();
        for pattern in &config.exempt_namespaces {
            exempt.add(glob(pattern, "exempt-namespaces")?);
        }
        if config.exempt_system_namespaces {
            for namespace in SYSTEM_NAMESPACES {
                exempt.add(glob(namespace, "exempt-namespaces")?);
            }
        }
        Ok(AdmissionRules {
            default_mode: config.mode,
            namespace_modes,
            exempt_namespaces: exempt
                .build()
                .map_err(|e| format!("[admission] exempt-namespaces: {e}"))?,
            exempt_users: config.exempt_users.iter().cloned().collect(),
            exempt_groups: config.exempt_groups.iter().cloned().collect(),
            own_namespace: own_namespace.map(str::to_string),
            allow_ignore_annotations: config.allow_ignore_annotations,
        })
    }

    /// The mode of a namespace (`""` for cluster-scoped objects: the default mode).
    pub fn mode_of(&self, namespace: &str) -> AdmissionMode {
        if namespace.is_empty() {
            return self.default_mode;
        }
        self.namespace_modes
            .iter()
            .find(|(glob, ..)| glob.is_match(namespace))
            .map_or(self.default_mode, |(.., mode)| *mode)
    }

    /// Why a request is admitted without being judged, if it is.
    fn exemption(&self, request: &AdmissionRequest) -> Option<String> {
        // The namespace a request is about: its own for namespaced objects, the object's
        // name for a Namespace (the core kind, not a custom resource named alike).
        let is_namespace = request.kind.kind == "Namespace" && request.kind.group.is_empty();
        let namespace = if request.namespace.is_empty() && is_namespace {
            request.name.as_str()
        } else {
            request.namespace.as_str()
        };
        if !namespace.is_empty() {
            if self.own_namespace.as_deref() == Some(namespace) {
                return Some(format!("namespace {namespace} is lockgate's own"));
            }
            if self.exempt_namespaces.is_match(namespace) {
                return Some(format!("namespace {namespace} is exempt"));
            }
        }
        let user = request.user();
        if self.exempt_users.contains(&user.username) {
            return Some(format!("user {} is exempt", user.username));
        }
        if let Some(group) = user.groups.iter().find(|g| self.exempt_groups.contains(*g)) {
            return Some(format!("group {group} is exempt"));
        }
        None
    }
}

/// How a request was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Judged and admitted (no finding fails the gate, or warn/audit mode).
    Admitted,
    /// Judged and denied (enforce mode).
    Denied,
    /// Admitted without judging: exempt, or nothing to judge.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Admitted => "admitted",
            Outcome::Denied => "denied",
            Outcome::Skipped => "skipped",
        }
    }
}

/// A decision, with what the decision log and metrics need.
#[derive(Debug)]
pub struct Decision {
    pub response: AdmissionResponse,
    pub outcome: Outcome,
    /// The mode that applied (none when skipped).
    pub mode: Option<AdmissionMode>,
    /// Why it was skipped, or a summary of the judgement.
    pub reason: String,
    /// Open findings.
    pub findings: Vec<Finding>,
    /// Open findings at or above the gate's threshold.
    pub failing: usize,
    /// Whether the gate would deny (what `audit` and `warn` would have done in enforce).
    pub would_deny: bool,
}

/// Decides one request. `evaluator` is the calling thread's policy evaluator from
/// `judge` (none when no policies are loaded).
pub fn decide(
    judge: &ObjectJudge,
    rules: &AdmissionRules,
    request: &AdmissionRequest,
    evaluator: Option<&mut lockgate_policy::Evaluator>,
    today: Date,
) -> Decision {
    let skip = |reason: String| Decision {
        response: AdmissionResponse {
            uid: request.uid.clone(),
            allowed: true,
            status: None,
            warnings: Vec::new(),
        },
        outcome: Outcome::Skipped,
        mode: None,
        reason,
        findings: Vec::new(),
        failing: 0,
        would_deny: false,
    };
    if !matches!(request.operation.as_str(), "CREATE" | "UPDATE") {
        return skip(format!("operation {} is not judged", request.operation));
    }
    // `kubectl debug` adds containers through `pods/ephemeralcontainers`; the request
    // carries the whole Pod, judged like any other. Other subresources (status, scale,
    // binding, ...) do not change what runs.
    if !request.sub_resource.is_empty() && request.sub_resource != "ephemeralcontainers" {
        return skip(format!(
            "subresource {} is not judged",
            request.sub_resource
        ));
    }
    let Some(object) = request.object_text() else {
        return skip("the request carries no object".to_string());
    };
    // An object on its way out (finalizers being removed) must be allowed to go, even
    // if it would not be admitted today.
    if request.operation == "UPDATE" && is_being_deleted(object) {
        return skip("the object is being deleted".to_string());
    }
    if let Some(reason) = rules.exemption(request) {
        return skip(reason);
    }
    let mode = rules.mode_of(&request.namespace);
    let source = source_name(request);
    // The API server fills in the namespace of the request path, but the object it sends
    // may not carry it (kubectl sends `-n` in the URL only): the rules, waivers and
    // policies must see where the object really goes.
    let with_namespace = with_request_namespace(object, &request.namespace);
    let object = with_namespace.as_deref().unwrap_or(object);
    let old_object: Option<serde_json::Value> = request
        .old_object
        .as_deref()
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .filter(|v: &serde_json::Value| !v.is_null());
    let verdict = judge.judge(
        &ObjectReview {
            source: &source,
            object,
            operation: &request.operation,
            old_object: old_object.as_ref(),
            user_info: request.user_info.as_ref(),
        },
        evaluator,
        today,
    );
    let fail_on = judge.effective().fail_on;
    // Suppressed by a `lockgate.dev/ignore` annotation the requester wrote: open again,
    // unless the configuration trusts those annotations.
    let findings: Vec<Finding> = verdict
        .findings
        .into_iter()
        .filter_map(|mut f| match &f.status {
            FindingStatus::Open => Some(f),
            FindingStatus::Suppressed { .. } if !rules.allow_ignore_annotations => {
                f.status = FindingStatus::Open;
                f.message.push_str(" (a `lockgate.dev/ignore` annotation is not honoured at admission; use a waiver in lockgate.toml)");
                Some(f)
            }
            _ => None,
        })
        .collect();
    let failing: Vec<&Finding> = findings.iter().filter(|f| f.severity >= fail_on).collect();
    // An object that is not a Kubernetes object lockgate can read is not admitted as if
    // it had been checked: the API server validates objects before calling webhooks, so
    // this is a request nobody should be sending.
    let unreadable = verdict.objects == 0;
    let would_deny = !failing.is_empty() || unreadable;
    let what = describe(request);
    let profile = &judge.effective().profile;
    let (allowed, status, mut warnings) = match mode {
        AdmissionMode::Enforce if would_deny => (
            false,
            Some(Status {
                code: 403,
                message: if unreadable {
                    format!("lockgate: {what}: {UNREADABLE}")
                } else {
                    denial_message(&what, profile, fail_on, &failing)
                },
                reason: "Forbidden",
            }),
            Vec::new(),
        ),
        AdmissionMode::Enforce => (
            true,
            None,
            warnings_for(findings.iter().filter(|f| f.severity < fail_on)),
        ),
        AdmissionMode::Warn => (true, None, warnings_for(findings.iter())),
        AdmissionMode::Audit => (true, None, Vec::new()),
    };
    if unreadable && mode == AdmissionMode::Warn {
        warnings.insert(0, format!("lockgate: {UNREADABLE}"));
    }
    let reason = if unreadable {
        UNREADABLE.to_string()
    } else {
        format!(
            "{} open finding(s), {} at or above {} (profile {profile})",
            findings.len(),
            failing.len(),
            fail_on.as_str()
        )
    };
    Decision {
        response: AdmissionResponse {
            uid: request.uid.clone(),
            allowed,
            status,
            warnings,
        },
        outcome: if allowed {
            Outcome::Admitted
        } else {
            Outcome::Denied
        },
        mode: Some(mode),
        reason,
        failing: failing.len(),
        findings,
        would_deny,
    }
}

const UNREADABLE: &str = "the request's object is not a Kubernetes object lockgate can read (no `kind`, or not a JSON object)";

/// The object with `metadata.namespace` set to the request's namespace, when the object
/// does not say; `None` when it needs no change (or is not an object at all).
fn with_request_namespace(object: &str, namespace: &str) -> Option<String> {
    if namespace.is_empty() {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_str(object).ok()?;
    let metadata = value
        .as_object_mut()?
        .get_mut("metadata")?
        .as_object_mut()?;
    if metadata
        .get("namespace")
        .and_then(|n| n.as_str())
        .is_some_and(|n| !n.is_empty())
    {
        return None;
    }
    metadata.insert("namespace".into(), serde_json::Value::from(namespace));
    serde_json::to_string(&value).ok()
}

/// Where findings on a request's object say they are: `admission://team-a/Deployment/api`.
fn source_name(request: &AdmissionRequest) -> String {
    let name = if request.name.is_empty() {
        "<generated name>"
    } else {
        &request.name
    };
    if request.namespace.is_empty() {
        format!("admission://{}/{name}", request.kind.kind)
    } else {
        format!(
            "admission://{}/{}/{name}",
            request.namespace, request.kind.kind
        )
    }
}

/// `Deployment team-a/api`.
fn describe(request: &AdmissionRequest) -> String {
    let name = if request.name.is_empty() {
        "(name to be generated)"
    } else {
        &request.name
    };
    if request.namespace.is_empty() {
        format!("{} {name}", request.kind.kind)
    } else {
        format!("{} {}/{name}", request.kind.kind, request.namespace)
    }
}

fn denial_message(what: &str, profile: &str, fail_on: Severity, failing: &[&Finding]) -> String {
    let mut message = format!(
        "lockgate: {what} fails the {profile} profile: {} finding(s) at or above {}",
        failing.len(),
        fail_on.as_str()
    );
    for finding in failing.iter().take(MAX_LISTED) {
        message.push_str(&format!(
            "\n- [{}] {}: {}",
            finding.rule_id,
            finding.severity.as_str(),
            finding.message
        ));
        let fix = finding.fix.trim();
        if !fix.is_empty() {
            message.push_str(&format!(" (fix: {fix})"));
        }
    }
    if failing.len() > MAX_LISTED {
        message.push_str(&format!("\n- ... and {} more", failing.len() - MAX_LISTED));
    }
    message.push_str("\nRun `lockgate explain RULE` for details; waivers and `lockgate.dev/ignore` annotations apply as in CI.");
    message
}

fn warnings_for<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<String> {
    let findings: Vec<&Finding> = findings.collect();
    let mut warnings: Vec<String> = Vec::new();
    // Room for the closing "N more" line.
    let mut budget = MAX_WARNINGS_BYTES - 64;
    for finding in findings.iter().take(MAX_LISTED) {
        let warning = truncate(
            &format!(
                "lockgate {} ({}): {}",
                finding.rule_id,
                finding.severity.as_str(),
                finding.message
            ),
            MAX_WARNING_CHARS,
        );
        if warning.len() > budget {
            break;
        }
        budget -= warning.len();
        warnings.push(warning);
    }
    if findings.len() > warnings.len() {
        warnings.push(format!(
            "lockgate: {} more finding(s) not listed",
            findings.len() - warnings.len()
        ));
    }
    warnings
}

/// Whether the object has `metadata.deletionTimestamp` set.
fn is_being_deleted(object: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "deletionTimestamp")]
        deletion: Option<serde::de::IgnoredAny>,
    }
    #[derive(serde::Deserialize)]
    struct Object {
        metadata: Option<Meta>,
    }
    serde_json::from_str::<Object>(object)
        .ok()
        .and_then(|o| o.metadata)
        .is_some_and(|m| m.deletion.is_some())
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > max => format!("{}…", &text[..cut]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(toml: &str) -> AdmissionRules {
        let config = lockgate_engine::Config::parse(toml, None).unwrap();
        AdmissionRules::new(config.admission(), Some("lockgate")).unwrap()
    }

    #[test]
    fn the_most_specific_namespace_mode_wins() {
        let rules = rules(
            "[admission]\nmode = \"enforce\"\n[admission.namespaces]\n\"team-*\" = \"warn\"\n\"team-legacy\" = \"audit\"\n\"t*\" = \"enforce\"\n",
        );
        assert_eq!(rules.mode_of("team-a"), AdmissionMode::Warn);
        assert_eq!(rules.mode_of("team-legacy"), AdmissionMode::Audit);
        assert_eq!(rules.mode_of("tools"), AdmissionMode::Enforce);
        assert_eq!(rules.mode_of("prod"), AdmissionMode::Enforce);
        assert_eq!(rules.mode_of(""), AdmissionMode::Enforce);
    }

    #[test]
    fn a_bad_mode_or_glob_is_an_error() {
        assert!(lockgate_engine::Config::parse("[admission]\nmode = \"block\"\n", None).is_err());
        let config =
            lockgate_engine::Config::parse("[admission]\nexempt-namespaces = [\"a[\"]\n", None)
                .unwrap();
        let error = AdmissionRules::new(config.admission(), None).unwrap_err();
        assert!(
            error.contains("exempt-namespaces") && error.contains("a["),
            "{error}"
        );
    }

    #[test]
    fn warnings_are_cut_at_a_character_boundary() {
        let cut = truncate(&"é".repeat(300), 256);
        assert_eq!(cut.chars().count(), 256);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", 256), "short");
    }
}
