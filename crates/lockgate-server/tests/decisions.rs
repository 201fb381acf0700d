#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Admission decisions without HTTP: real configurations, rules and Rego policies judge
//! AdmissionRequests the way the API server sends them.

use std::path::PathBuf;

use lockgate_engine::{Config, Date, ObjectJudge, PolicyArgs};
use lockgate_server::AdmissionRules;
use lockgate_server::admission::{Decision, Outcome, decide};
use lockgate_server::review::AdmissionReview;

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lockgate-decisions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Setup {
    judge: ObjectJudge,
    rules: AdmissionRules,
}

fn setup(name: &str, toml: &str, policies: &[(&str, &str)]) -> Setup {
    let dir = scratch(name);
    let config_path = dir.join("lockgate.toml");
    std::fs::write(&config_path, toml).unwrap();
    let mut args = PolicyArgs::default();
    if !policies.is_empty() {
        std::fs::create_dir_all(dir.join("policy")).unwrap();
        for (file, text) in policies {
            std::fs::write(dir.join("policy").join(file), text).unwrap();
        }
        args.paths = vec![dir.join("policy")];
    }
    let mut config = Config::load(&config_path).unwrap();
    config.load_policies(&args).unwrap();
    let effective = config.resolve(None, None).unwrap();
    let rules = AdmissionRules::new(config.admission(), Some("lockgate")).unwrap();
    Setup {
        judge: ObjectJudge::new(&config, effective).unwrap(),
        rules,
    }
}

impl Setup {
    fn decide(&self, review: &str) -> Decision {
        let review: AdmissionReview = serde_json::from_str(review).unwrap();
        let mut evaluator = self.judge.evaluator();
        decide(
            &self.judge,
            &self.rules,
            review.request.as_ref().unwrap(),
            evaluator.as_mut(),
            Date::today(),
        )
    }
}

const PRIVILEGED: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"team":"a"}},"spec":{"containers":[{"name":"app","image":"registry.example/app@sha256:4b1f6c4e5d1a0b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4","securityContext":{"privileged":true}}]}}"#;
const HARDENED: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"team":"a"}},"spec":{"automountServiceAccountToken":false,"serviceAccountName":"app","securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"app","image":"registry.example/app@sha256:4b1f6c4e5d1a0b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},"resources":{"requests":{"cpu":"10m","memory":"16Mi"},"limits":{"cpu":"100m","memory":"64Mi"}}}]}}"#;

fn review(namespace: &str, operation: &str, object: &str, extra: &str) -> String {
    format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"uid-1","kind":{{"group":"","version":"v1","kind":"Pod"}},"name":"web","namespace":"{namespace}","operation":"{operation}","userInfo":{{"username":"alice","groups":["dev","system:authenticated"]}},"object":{object}{extra}}}}}"#
    )
}

const MODES: &str = "[admission]\nmode = \"enforce\"\nexempt-namespaces = [\"legacy-*\"]\nexempt-users = [\"robot\"]\nexempt-groups = [\"breakglass\"]\n[admission.namespaces]\n\"team-*\" = \"warn\"\nsandbox = \"audit\"\n";

#[test]
fn enforce_denies_with_rules_messages_and_fixes() {
    let setup = setup("enforce", MODES, &[]);
    let decision = setup.decide(&review("prod", "CREATE", PRIVILEGED, ""));
    assert_eq!(decision.outcome, Outcome::Denied);
    assert!(!decision.response.allowed);
    let status = decision.response.status.as_ref().unwrap();
    assert_eq!(status.code, 403);
    assert!(
        status
            .message
            .contains("Pod prod/web fails the test profile"),
        "{}",
        status.message
    );
    assert!(
        status
            .message
            .contains("[KUBE-003] critical: container `app` is privileged"),
        "{}",
        status.message
    );
    assert!(status.message.contains("(fix: "), "{}", status.message);
    assert_eq!(decision.response.uid, "uid-1");

    let decision = setup.decide(&review("prod", "CREATE", HARDENED, ""));
    assert_eq!(
        decision.outcome,
        Outcome::Admitted,
        "{:?}",
        decision.response
    );
    assert!(decision.response.status.is_none());
}

#[test]
fn warn_admits_with_warnings_and_audit_admits_silently() {
    let setup = setup("warn", MODES, &[]);
    let decision = setup.decide(&review("team-a", "CREATE", PRIVILEGED, ""));
    assert_eq!(decision.outcome, Outcome::Admitted);
    assert!(decision.would_deny);
    assert!(
        decision
            .response
            .warnings
            .iter()
            .any(|w| w.starts_with("lockgate KUBE-003 (critical): container `app` is privileged")),
        "{:?}",
        decision.response.warnings
    );
    assert!(
        decision
            .response
            .warnings
            .iter()
            .all(|w| w.chars().count() <= 256)
    );

    let decision = setup.decide(&review("sandbox", "CREATE", PRIVILEGED, ""));
    assert_eq!(decision.outcome, Outcome::Admitted);
    assert!(decision.would_deny && decision.response.warnings.is_empty());
    assert!(decision.findings.iter().any(|f| f.rule_id == "KUBE-003"));
}

#[test]
fn exemptions_and_operations_that_are_not_judged() {
    let setup = setup("exempt", MODES, &[]);
    let skipped = |text: &str, why: &str| {
        let decision = setup.decide(text);
        assert_eq!(decision.outcome, Outcome::Skipped, "{text}");
        assert!(decision.response.allowed);
        assert!(
            decision.reason.contains(why),
            "{} !~ {why}",
            decision.reason
        );
    };
    skipped(
        &review("kube-system", "CREATE", PRIVILEGED, ""),
        "kube-system is exempt",
    );
    skipped(
        &review("legacy-billing", "CREATE", PRIVILEGED, ""),
        "legacy-billing is exempt",
    );
    skipped(
        &review("lockgate", "CREATE", PRIVILEGED, ""),
        "lockgate's own",
    );
    skipped(
        &review("prod", "DELETE", "null", r#","oldObject":{}"#),
        "DELETE",
    );
    skipped(&review("prod", "CONNECT", PRIVILEGED, ""), "CONNECT");
    skipped(
        &review("prod", "UPDATE", PRIVILEGED, r#","subResource":"status""#),
        "subresource status",
    );
    let leaving = PRIVILEGED.replace(
        r#""name":"web","#,
        r#""name":"web","deletionTimestamp":"2026-11-24T01:00:00Z","#,
    );
    skipped(&review("prod", "UPDATE", &leaving, ""), "being deleted");
    let robot = review("prod", "CREATE", PRIVILEGED, "").replace("\"alice\"", "\"robot\"");
    skipped(&robot, "user robot");
    let group = review("prod", "CREATE", PRIVILEGED, "").replace("\"dev\"", "\"breakglass\"");
    skipped(&group, "group breakglass");
    // `kubectl debug` adds an ephemeral container through a subresource: judged.
    let debug = review(
        "prod",
        "UPDATE",
        PRIVILEGED,
        r#","subResource":"ephemeralcontainers""#,
    );
    assert_eq!(setup.decide(&debug).outcome, Outcome::Denied);
    // A custom resource named like a Namespace is not one.
    let custom = review("", "CREATE", PRIVILEGED, "")
        .replace(
            r#""group":"","version":"v1","kind":"Pod""#,
            r#""group":"evil.example","version":"v1","kind":"Namespace""#,
        )
        .replace(
            r#""name":"web","namespace":"""#,
            r#""name":"kube-system","namespace":"""#,
        );
    assert_ne!(setup.decide(&custom).outcome, Outcome::Skipped, "{custom}");
    // With the system namespaces no longer exempt, kube-system is judged.
    let strict = setup_strict();
    assert_eq!(
        strict
            .decide(&review("kube-system", "CREATE", PRIVILEGED, ""))
            .outcome,
        Outcome::Denied
    );
}

fn setup_strict() -> Setup {
    setup(
        "strict",
        "[admission]\nexempt-system-namespaces = false\n",
        &[],
    )
}

#[test]
fn waivers_and_suppressions_apply_as_in_ci() {
    let waived = setup(
        "waiver",
        "[[waivers]]\nrule = \"KUBE-003\"\nobject = \"Pod/prod/web\"\nowner = \"ops\"\nreason = \"GPU driver\"\nexpires = \"2999-01-01\"\n",
        &[],
    );
    let decision = waived.decide(&review("prod", "CREATE", PRIVILEGED, ""));
    assert!(!decision.findings.iter().any(|f| f.rule_id == "KUBE-003"));
    assert_eq!(
        decision.outcome,
        Outcome::Admitted,
        "{:?}",
        decision.response
    );
    // The same waiver expired: the finding is open again.
    let expired = setup(
        "expired",
        "[[waivers]]\nrule = \"KUBE-003\"\nobject = \"Pod/prod/web\"\nowner = \"ops\"\nreason = \"GPU driver\"\nexpires = \"2001-01-01\"\n",
        &[],
    );
    assert_eq!(
        expired
            .decide(&review("prod", "CREATE", PRIVILEGED, ""))
            .outcome,
        Outcome::Denied
    );
    // An ignore annotation on the object.
    let annotated = PRIVILEGED.replace(
        r#""labels":{"team":"a"}"#,
        r#""labels":{"team":"a"},"annotations":{"lockgate.dev/ignore":"KUBE-003 GPU driver needs it"}"#,
    );
    // At admission the requester writes the annotation: not honoured unless configured.
    let plain = setup("annotated", "", &[]);
    let decision = plain.decide(&review("prod", "CREATE", &annotated, ""));
    assert_eq!(decision.outcome, Outcome::Denied);
    let message = &decision.response.status.as_ref().unwrap().message;
    assert!(message.contains("not honoured at admission"), "{message}");
    let trusting = setup(
        "annotated-trusted",
        "[admission]\nallow-ignore-annotations = true\n",
        &[],
    );
    assert_eq!(
        trusting
            .decide(&review("prod", "CREATE", &annotated, ""))
            .outcome,
        Outcome::Admitted
    );
}

const TEAM_POLICY: &str = "package main\n\nimport rego.v1\n\n# METADATA\n# title: Pods name their owner\n# custom:\n#   id: ORG-001\n#   severity: high\ndeny contains msg if {\n\tnot input.metadata.labels.owner\n\tmsg := \"no `owner` label\"\n}\n";

const IMMUTABLE_TEMPLATE: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8simmutablelabel
spec:
  crd:
    spec:
      names:
        kind: K8sImmutableLabel
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8simmutablelabel
        violation[{"msg": msg}] {
          input.review.operation == "UPDATE"
          old := input.review.oldObject.metadata.labels.team
          new := input.review.object.metadata.labels.team
          old != new
          msg := sprintf("label team may not change (%v -> %v, by %v)", [old, new, input.review.userInfo.username])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sImmutableLabel
metadata:
  name: team-is-immutable
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
"#;

#[test]
fn rego_policies_see_the_request_like_gatekeeper_does() {
    let setup = setup(
        "rego",
        "",
        &[
            ("owner.rego", TEAM_POLICY),
            ("immutable.yaml", IMMUTABLE_TEMPLATE),
        ],
    );
    let decision = setup.decide(&review("prod", "CREATE", HARDENED, ""));
    assert_eq!(decision.outcome, Outcome::Denied);
    let message = &decision.response.status.as_ref().unwrap().message;
    assert!(
        message.contains("[ORG-001] high: no `owner` label"),
        "{message}"
    );

    let owned = HARDENED.replace(
        r#""labels":{"team":"a"}"#,
        r#""labels":{"team":"b","owner":"x"}"#,
    );
    let old = HARDENED.replace(
        r#""labels":{"team":"a"}"#,
        r#""labels":{"team":"a","owner":"x"}"#,
    );
    let decision = setup.decide(&review(
        "prod",
        "UPDATE",
        &owned,
        &format!(r#","oldObject":{old}"#),
    ));
    assert_eq!(decision.outcome, Outcome::Denied, "{:?}", decision.response);
    let message = &decision.response.status.as_ref().unwrap().message;
    assert!(
        message.contains("K8sImmutableLabel/team-is-immutable")
            && message.contains("label team may not change (a -> b, by alice)"),
        "{message}"
    );
    // Created with that label, nothing to compare: admitted.
    let decision = setup.decide(&review("prod", "CREATE", &owned, ""));
    assert_eq!(
        decision.outcome,
        Outcome::Admitted,
        "{:?}",
        decision.response
    );
}

#[test]
fn a_policy_error_denies_rather_than_admits() {
    let broken = "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tx := 1 / 0\n\tmsg := sprintf(\"%v\", [x])\n}\n";
    let setup = setup("policy-error", "", &[("broken.rego", broken)]);
    let decision = setup.decide(&review("prod", "CREATE", HARDENED, ""));
    assert_eq!(decision.outcome, Outcome::Denied, "{:?}", decision.response);
    let message = &decision.response.status.as_ref().unwrap().message;
    assert!(message.contains("LG-005"), "{message}");
}

#[test]
fn an_object_lockgate_cannot_read_is_denied() {
    let setup = setup("invalid", "", &[]);
    for object in [r#""just text""#, "[1, 2]", r#"{"metadata": {"name": "x"}}"#] {
        let decision = setup.decide(&review("prod", "CREATE", object, ""));
        assert_eq!(
            decision.outcome,
            Outcome::Denied,
            "{object}: {:?}",
            decision.response
        );
        let message = &decision.response.status.as_ref().unwrap().message;
        assert!(message.contains("not a Kubernetes object"), "{message}");
    }
    // The namespace of the request is the object's, when the object does not say.
    let decision = setup.decide(&review("prod", "CREATE", HARDENED, ""));
    assert!(
        decision
            .findings
            .iter()
            .all(|f| f.object.as_ref().unwrap().namespace.as_deref() == Some("prod")),
        "{:?}",
        decision.findings
    );
}

#[test]
fn a_policy_that_quotes_a_secret_shows_it_redacted() {
    let echo = "package main\n\nimport rego.v1\n\n# METADATA\n# custom:\n#   id: ORG-009\n#   severity: high\ndeny contains msg if {\n\tsome c in input.spec.containers\n\tsome e in c.env\n\tmsg := sprintf(\"env %v must come from a Secret, not %v\", [e.name, e.value])\n}\n";
    let setup = setup("quote", "", &[("echo.rego", echo)]);
    let token = "ghp_R8kQ2vZp4XbN7mT1cW9yL3dF6hJ0sA5eG2uK";
    let object = HARDENED.replace(
        r#""name":"app","image""#,
        &format!(r#""name":"app","env":[{{"name":"GH_TOKEN","value":"{token}"}}],"image""#),
    );
    let decision = setup.decide(&review("prod", "CREATE", &object, ""));
    assert_eq!(decision.outcome, Outcome::Denied);
    let message = &decision.response.status.as_ref().unwrap().message;
    assert!(
        message.contains("ORG-009") && message.contains("env GH_TOKEN must come from a Secret"),
        "{message}"
    );
    assert!(
        !message.contains(token),
        "the secret is in clear: {message}"
    );
    for finding in &decision.findings {
        assert!(!finding.message.contains(token), "{}", finding.message);
    }
    // The scanner's own finding is there too, redacted.
    assert!(
        decision
            .findings
            .iter()
            .any(|f| f.rule_id.starts_with("SEC-")),
        "{:?}",
        decision.findings
    );
}
