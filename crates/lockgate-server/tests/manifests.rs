//! The webhook's deploy manifests: they pass lockgate's own `prod` profile with zero
//! findings, the certificates chain (checked by the `openssl` binary, not by the code that
//! made them), `--url` mode emits only the webhook, hostile options are refused with a
//! clear message, and every string reads back exactly as given.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use lockgate_engine::{Config, Date, Input, ScanOptions, Scanners, scan};
use lockgate_server::manifests::{
    FailurePolicy, ManifestError, ManifestOptions, Manifests, render,
};
use lockgate_syntax::{Limits, Node, parse_stream};

const IMAGE: &str = "registry.example.com/lockgate@sha256:\
                     0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn options() -> ManifestOptions {
    ManifestOptions {
        image: IMAGE.to_string(),
        ..ManifestOptions::default()
    }
}

/// A fresh directory of its own for each call, under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lockgate-manifests-{}-{}-{tag}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn documents(yaml: &str) -> Vec<Node> {
    let stream = parse_stream(yaml, Limits::default());
    assert!(stream.error.is_none(), "{:?}\n{yaml}", stream.error);
    stream.documents
}

fn kinds(yaml: &str) -> Vec<String> {
    documents(yaml)
        .iter()
        .map(|d| d.get("kind").and_then(Node::as_str).unwrap().to_string())
        .collect()
}

fn find<'a>(docs: &'a [Node], kind: &str) -> Option<&'a Node> {
    docs.iter()
        .find(|d| d.get("kind").and_then(Node::as_str) == Some(kind))
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    node.path(path)
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("no string at {path:?}"))
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a == b)
            .expect("base64 alphabet") as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// Scans `yaml` as a file with the `prod` profile, the way `lockgate scan --profile prod`
/// does.
fn scan_prod(yaml: &str) -> lockgate_model::Report {
    let dir = temp_dir("scan");
    std::fs::write(dir.join("lockgate-admission.yaml"), yaml).unwrap();
    let config = Config::default();
    let effective = config.resolve(Some("prod"), None).unwrap();
    let report = scan(&ScanOptions {
        inputs: vec![Input::Path(dir.clone())],
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
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    report
}

fn assert_no_findings(yaml: &str) {
    let report = scan_prod(yaml);
    // Zero findings mean something only if every object was read.
    assert_eq!(report.stats.objects, kinds(yaml).len(), "{yaml}");
    let open: Vec<String> = report
        .open_findings()
        .map(|f| {
            format!(
                "{} {} line {}: {}",
                f.rule_id, f.rule_name, f.location.span.line, f.message
            )
        })
        .collect();
    assert!(
        open.is_empty(),
        "prod profile findings:\n{}\n\n{yaml}",
        open.join("\n")
    );
}

#[test]
fn default_manifests_pass_the_prod_profile_with_zero_findings() {
    let manifests = render(&options()).unwrap();
    assert_eq!(
        kinds(&manifests.yaml),
        [
            "Namespace",
            "ServiceAccount",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "ValidatingWebhookConfiguration"
        ]
    );
    assert!(manifests.yaml.starts_with("# "));
    assert!(manifests.yaml.contains(
        "kubectl -n lockgate create secret tls lockgate-admission-tls --cert <dir>/tls.crt \
         --key <dir>/tls.key"
    ));
    assert!(manifests.yaml.contains("Fail closed"));
    assert_no_findings(&manifests.yaml);
}

/// The control for the two tests above: the same scan does find an image not pinned by
/// digest, so their zero findings are the manifests' merit, not a scan that saw nothing.
#[test]
fn the_prod_scan_does_see_a_tag_image() {
    let manifests = render(&ManifestOptions {
        image: "registry.example.com/lockgate:latest".to_string(),
        ..options()
    })
    .unwrap();
    let report = scan_prod(&manifests.yaml);
    assert!(
        report.open_findings().any(|f| f.rule_id == "KUBE-027"),
        "{:?}",
        report.findings
    );
}

#[test]
fn manifests_with_every_option_pass_the_prod_profile() {
    let manifests = render(&ManifestOptions {
        namespace: "security".to_string(),
        name: "gate".to_string(),
        replicas: 3,
        failure_policy: FailurePolicy::Ignore,
        timeout_seconds: 30,
        exempt_namespaces: vec!["monitoring".to_string(), "kube-system".to_string()],
        config_toml: Some("[policy]\ntimeout = \"2s\"\n".to_string()),
        ..options()
    })
    .unwrap();
    assert_eq!(
        kinds(&manifests.yaml),
        [
            "Namespace",
            "ServiceAccount",
            "ConfigMap",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "ValidatingWebhookConfiguration"
        ]
    );
    assert!(manifests.yaml.contains("Fail open"));
    assert_no_findings(&manifests.yaml);

    let docs = documents(&manifests.yaml);
    for doc in &docs {
        let kind = str_at(doc, &["kind"]);
        if !matches!(kind, "Namespace" | "ValidatingWebhookConfiguration") {
            assert_eq!(
                str_at(doc, &["metadata", "namespace"]),
                "security",
                "{kind}"
            );
        }
        assert_eq!(
            str_at(doc, &["metadata", "labels", "app.kubernetes.io/instance"]),
            "gate"
        );
    }
    let deployment = find(&docs, "Deployment").unwrap();
    assert_eq!(
        deployment.path(&["spec", "replicas"]).unwrap().as_i64(),
        Some(3)
    );
    let container = &deployment
        .path(&["spec", "template", "spec", "containers"])
        .unwrap()
        .items()[0];
    let args: Vec<&str> = container
        .get("args")
        .unwrap()
        .items()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        [
            "admit",
            "--listen",
            "0.0.0.0:8443",
            "--cert",
            "/etc/lockgate/tls/tls.crt",
            "--key",
            "/etc/lockgate/tls/tls.key",
            "--own-namespace",
            "security",
            "--config",
            "/etc/lockgate/lockgate.toml"
        ]
    );
    assert_eq!(str_at(container, &["image"]), IMAGE);

    let webhook = &find(&docs, "ValidatingWebhookConfiguration")
        .unwrap()
        .get("webhooks")
        .unwrap()
        .items()[0];
    assert_eq!(str_at(webhook, &["failurePolicy"]), "Ignore");
    assert_eq!(str_at(webhook, &["sideEffects"]), "None");
    assert_eq!(str_at(webhook, &["matchPolicy"]), "Equivalent");
    assert_eq!(webhook.get("timeoutSeconds").unwrap().as_i64(), Some(30));
    assert_eq!(
        str_at(webhook, &["clientConfig", "service", "name"]),
        "gate"
    );
    assert_eq!(
        str_at(webhook, &["clientConfig", "service", "namespace"]),
        "security"
    );
    let excluded: Vec<&str> = webhook
        .path(&["namespaceSelector", "matchExpressions"])
        .unwrap()
        .items()[0]
        .get("values")
        .unwrap()
        .items()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        excluded,
        [
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "security",
            "monitoring"
        ]
    );
    let ca_bundle = decode_base64(str_at(webhook, &["clientConfig", "caBundle"]));
    assert_eq!(ca_bundle, manifests.ca_pem.as_bytes());
    let resources: usize = webhook
        .get("rules")
        .unwrap()
        .items()
        .iter()
        .map(|r| r.get("resources").unwrap().items().len())
        .sum();
    assert_eq!(resources, 18);
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl binary");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the PEMs and checks with openssl that the chain verifies for server use, that
/// the key belongs to the certificate, and returns the certificate's SAN text.
fn check_chain(manifests: &Manifests) -> String {
    let dir = temp_dir("certs");
    let ca = dir.join("ca.pem");
    let cert = dir.join("tls.crt");
    let key = dir.join("tls.key");
    std::fs::write(&ca, &manifests.ca_pem).unwrap();
    std::fs::write(&cert, &manifests.cert_pem).unwrap();
    std::fs::write(&key, &manifests.key_pem).unwrap();
    let (ca, cert, key) = (
        ca.to_str().unwrap(),
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
    );

    let verified = openssl(&["verify", "-purpose", "sslserver", "-CAfile", ca, cert]);
    assert!(verified.trim_end().ends_with(": OK"), "{verified}");
    assert!(manifests.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        openssl(&["x509", "-noout", "-pubkey", "-in", cert]),
        openssl(&["pkey", "-pubout", "-in", key])
    );
    let ca_text = openssl(&["x509", "-noout", "-text", "-in", ca]);
    assert!(ca_text.contains("CN = lockgate admission CA"), "{ca_text}");
    assert!(ca_text.contains("CA:TRUE, pathlen:0"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");
    let cert_text = openssl(&["x509", "-noout", "-text", "-in", cert]);
    assert!(
        cert_text.contains("TLS Web Server Authentication"),
        "{cert_text}"
    );
    // Valid now, and not past 365 days (the default) plus a day of slack.
    openssl(&["x509", "-noout", "-checkend", "0", "-in", cert]);
    let expired_later = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-checkend",
            &(366 * 86_400).to_string(),
            "-in",
            cert,
        ])
        .status()
        .unwrap();
    assert!(
        !expired_later.success(),
        "the certificate outlives 366 days"
    );
    let sans = openssl(&["x509", "-noout", "-ext", "subjectAltName", "-in", cert]);
    let _ = std::fs::remove_dir_all(&dir);
    sans
}

#[test]
fn the_serving_certificate_is_signed_by_the_ca_and_names_the_service() {
    let manifests = render(&options()).unwrap();
    let sans = check_chain(&manifests);
    assert!(
        sans.contains("DNS:lockgate-admission.lockgate.svc,"),
        "{sans}"
    );
    assert!(
        sans.contains("DNS:lockgate-admission.lockgate.svc.cluster.local"),
        "{sans}"
    );
    // Each render makes a new CA.
    let again = render(&options()).unwrap();
    assert_ne!(again.ca_pem, manifests.ca_pem);
}

#[test]
fn url_mode_emits_only_the_webhook_and_an_ip_certificate() {
    let manifests = render(&ManifestOptions {
        url: Some("https://127.0.0.1:9443/validate".to_string()),
        with_secret: true,
        config_toml: Some("x = 1\n".to_string()),
        ..options()
    })
    .unwrap();
    assert_eq!(kinds(&manifests.yaml), ["ValidatingWebhookConfiguration"]);
    let docs = documents(&manifests.yaml);
    let webhook = &docs[0].get("webhooks").unwrap().items()[0];
    assert_eq!(
        str_at(webhook, &["clientConfig", "url"]),
        "https://127.0.0.1:9443/validate"
    );
    assert!(webhook.path(&["clientConfig", "service"]).is_none());
    let sans = check_chain(&manifests);
    assert!(sans.contains("IP Address:127.0.0.1"), "{sans}");
    assert!(!sans.contains("DNS:"), "{sans}");
    assert!(!manifests.yaml.contains("kubectl"));

    let by_name = render(&ManifestOptions {
        url: Some("https://lockgate.example.com/validate".to_string()),
        ..options()
    })
    .unwrap();
    assert!(check_chain(&by_name).contains("DNS:lockgate.example.com"));
    let v6 = render(&ManifestOptions {
        url: Some("https://[::1]:8443/validate".to_string()),
        ..options()
    })
    .unwrap();
    assert!(check_chain(&v6).contains("IP Address:0:0:0:0:0:0:0:1"));
}

#[test]
fn the_secret_is_emitted_only_when_asked_for() {
    let without = render(&options()).unwrap();
    assert!(find(&documents(&without.yaml), "Secret").is_none());
    assert!(!without.yaml.contains("PRIVATE KEY"));

    let with = render(&ManifestOptions {
        with_secret: true,
        ..options()
    })
    .unwrap();
    assert_eq!(
        kinds(&with.yaml),
        [
            "Namespace",
            "ServiceAccount",
            "Secret",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "ValidatingWebhookConfiguration"
        ]
    );
    let docs = documents(&with.yaml);
    let secret = find(&docs, "Secret").unwrap();
    assert_eq!(str_at(secret, &["type"]), "kubernetes.io/tls");
    assert_eq!(
        str_at(secret, &["metadata", "name"]),
        "lockgate-admission-tls"
    );
    assert_eq!(str_at(secret, &["metadata", "namespace"]), "lockgate");
    for (key, pem) in [
        ("tls.crt", &with.cert_pem),
        ("tls.key", &with.key_pem),
        ("ca.crt", &with.ca_pem),
    ] {
        assert_eq!(
            decode_base64(str_at(secret, &["data", key])),
            pem.as_bytes(),
            "{key}"
        );
    }
    assert!(with.yaml.contains("do not commit"));
}

fn error(options: ManifestOptions) -> String {
    match render(&options) {
        Ok(_) => panic!("accepted: {options:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn hostile_or_wrong_options_are_refused_with_a_clear_message() {
    let e = error(ManifestOptions::default());
    assert!(e.contains("--image"), "{e}");
    assert!(matches!(
        render(&ManifestOptions::default()),
        Err(ManifestError::MissingImage)
    ));

    for name in [
        "Lockgate",
        "lock\ngate",
        "lock gate",
        "-lockgate",
        "lockgate-",
        "",
        "a.b",
        &"a".repeat(64),
    ] {
        let e = error(ManifestOptions {
            name: name.to_string(),
            ..options()
        });
        assert!(e.starts_with("invalid name "), "{e}");
        assert!(e.contains("DNS-1123"), "{e}");
        assert!(!e.contains('\n'), "the message stays one line: {e}");
        let e = error(ManifestOptions {
            namespace: name.to_string(),
            ..options()
        });
        assert!(e.starts_with("invalid namespace "), "{e}");
        let e = error(ManifestOptions {
            exempt_namespaces: vec![name.to_string()],
            ..options()
        });
        assert!(e.starts_with("invalid exempt namespace "), "{e}");
    }

    for image in ["lockgate latest", "lockgate\n- evil", "a\tb", "x\u{0}"] {
        let e = error(ManifestOptions {
            image: image.to_string(),
            ..options()
        });
        assert!(e.starts_with("invalid --image"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    let e = error(ManifestOptions {
        replicas: 1,
        ..options()
    });
    assert!(
        e.contains("--replicas 1") && e.contains("at least 2"),
        "{e}"
    );
    for timeout in [0, 31] {
        let e = error(ManifestOptions {
            timeout_seconds: timeout,
            ..options()
        });
        assert!(e.contains(&format!("--timeout {timeout}")), "{e}");
        assert!(e.contains("1 to 30"), "{e}");
    }
    for days in [0, 3651, u32::MAX] {
        let e = error(ManifestOptions {
            validity_days: days,
            ..options()
        });
        assert!(e.contains("validity"), "{e}");
    }
    for (url, expected) in [
        ("http://127.0.0.1:8443/validate", "https://"),
        ("HTTPS://x/", "https://"),
        ("https://", "no host"),
        ("https://:8443/validate", "no host"),
        ("https://127.0.0.1:0/", "port"),
        ("https://127.0.0.1:99999/", "port"),
        ("https://127.0.0.1:/", "port"),
        ("https://user@host/", "user"),
        ("https://host/validate?x=1", "query"),
        ("https://host/#frag", "fragment"),
        ("https://ho st/", "whitespace"),
        ("https://host/\nkind: Secret", "whitespace"),
        ("https://Host.example/", "lowercase DNS name"),
        ("https://a_b/", "lowercase DNS name"),
        ("https://::1/", "IP address or a lowercase DNS name"),
        ("https://[::1/", "not closed"),
        ("https://[127.0.0.1]/", "brackets"),
    ] {
        let e = error(ManifestOptions {
            url: Some(url.to_string()),
            ..options()
        });
        assert!(e.starts_with("invalid --url"), "{url}: {e}");
        assert!(e.contains(expected), "{url}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
    let e = error(ManifestOptions {
        config_toml: Some("#".repeat(1024 * 1024 + 1)),
        ..options()
    });
    assert!(e.contains("ConfigMap"), "{e}");
}

/// Whatever the configuration holds, the ConfigMap gives it back byte for byte, and
/// nothing in it escapes into the YAML's structure.
#[test]
fn the_configuration_reads_back_exactly() {
    let texts = [
        "",
        "\n",
        "\n\n",
        "a = 1",
        "a = 1\n",
        "a = 1\n\n\n",
        "  indented = true\n[x]\n",
        "\n\nleading blank lines\n",
        "---\nkind: Secret\n...\n",
        "key: |\n  nested\n#comment\n",
        "tab\tinside\n\tand first\n",
        "trailing spaces   \n   \n",
        "windows\r\nline ends\r\n",
        "odd \u{85} \u{2028} \u{2029} \u{feff} \u{7f} \u{1b}[31m \u{0} \"\\ é 😀\n",
        "\u{fffe}",
        "\"quoted\"\n'single'\n",
    ];
    for text in texts {
        let manifests = render(&ManifestOptions {
            config_toml: Some(text.to_string()),
            ..options()
        })
        .unwrap();
        let docs = documents(&manifests.yaml);
        assert_eq!(docs.len(), 7, "{text:?}\n{}", manifests.yaml);
        let config = find(&docs, "ConfigMap").unwrap();
        let data = config.get("data").unwrap().as_map().unwrap();
        assert_eq!(data.entries.len(), 1, "{text:?}");
        assert_eq!(
            str_at(config, &["data", "lockgate.toml"]),
            text,
            "{text:?}\n{}",
            manifests.yaml
        );
    }
}
