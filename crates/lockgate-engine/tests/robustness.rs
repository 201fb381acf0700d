//! Property tests: whatever text arrives, the loader, the object views and every rule
//! finish without panicking, and every finding points at a real position.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockgate_engine::{Config, Date, Input, ScanOptions, Scanners, scan};
use proptest::prelude::*;

fn scan_text(text: String) -> lockgate_model::Report {
    let config = Config::default();
    let effective = config.resolve(Some("prod"), None).unwrap();
    scan(&ScanOptions {
        inputs: vec![Input::Stdin(text)],
        config,
        effective,
        baseline: None,
        today: Date::parse("2026-01-01").unwrap(),
        render: false,
        progress: None,
        scanners: Scanners::default(),
        history: None,
        vulns: lockgate_engine::VulnOptions::default(),
    })
    .unwrap()
}

/// Values a manifest field might hold, including wrong types.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_string()),
        Just("0".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("\"x\"".to_string()),
        Just("[ALL, SYS_ADMIN]".to_string()),
        Just("{type: Unconfined}".to_string()),
        "[a-z:/@.0-9]{0,12}",
    ]
}

/// Keys the views and rules look at, so random documents reach deep into them.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "spec",
        "template",
        "containers",
        "initContainers",
        "securityContext",
        "privileged",
        "capabilities",
        "add",
        "drop",
        "image",
        "env",
        "name",
        "value",
        "volumes",
        "hostPath",
        "ports",
        "hostPort",
        "metadata",
        "annotations",
        "labels",
        "runAsUser",
        "runAsNonRoot",
        "seccompProfile",
        "type",
        "replicas",
        "data",
        "tls",
        "rules",
        "host",
        "jobTemplate",
        "items",
        "livenessProbe",
        "httpGet",
        "sysctls",
        "resources",
        "limits",
    ])
    .prop_map(str::to_string)
}

fn value(depth: u32) -> BoxedStrategy<String> {
    if depth == 0 {
        return scalar().boxed();
    }
    prop_oneof![
        scalar(),
        prop::collection::vec((key(), value(depth - 1)), 0..5).prop_map(|entries| {
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            format!("{{{}}}", body.join(", "))
        }),
        prop::collection::vec(value(depth - 1), 0..4)
            .prop_map(|items| format!("[{}]", items.join(", "))),
    ]
    .boxed()
}

fn assert_positions(report: &lockgate_model::Report) {
    for finding in &report.findings {
        assert!(
            finding.location.span.line >= 1 && finding.location.span.column >= 1,
            "{finding:?}"
        );
        assert_eq!(finding.fingerprint.len(), 32);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        assert_positions(&scan_text(text));
    }

    #[test]
    fn yaml_like_noise_never_panics(text in "[-:\\[\\]{}&*!|>'\"#%@` \n\ta-z0-9]{0,300}") {
        assert_positions(&scan_text(text));
    }

    #[test]
    fn random_objects_of_every_kind_never_panic(
        kind in prop::sample::select(vec!["Pod", "Deployment", "CronJob", "List", "Service", "Ingress", "ConfigMap", "Secret", "Widget", "PodTemplate"]),
        body in value(4),
        spec in value(4),
    ) {
        let text = format!("apiVersion: v1\nkind: {kind}\nmetadata: {{name: x, annotations: {{lockgate.dev/ignore: \"KUBE-003 r\"}}}}\nspec: {spec}\ndata: {body}\nitems: [{body}]\n");
        assert_positions(&scan_text(text));
    }
}
