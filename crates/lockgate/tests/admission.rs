#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The admission webhook end to end, against a real kube-apiserver and etcd
//! (`../shared/tools/testcluster`, built by `scripts/test`): `lockgate admit manifests
//! --url` writes the certificates and the ValidatingWebhookConfiguration, `lockgate
//! admit` serves on 127.0.0.1, and `kubectl apply` goes through the API server, which
//! calls lockgate. Nothing is mocked: the API server's own webhook client decides what
//! reaches lockgate and prints what comes back.

mod support;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{lockgate, scratch};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn testcluster() -> PathBuf {
    repo().join("../shared/tools/testcluster")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A port for the API server whose etcd ports (PORT-4064, PORT-4063) are free too.
fn cluster_port() -> u16 {
    for _ in 0..200 {
        let port = free_port();
        if port < 20_000 {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port - 4064)).is_ok()
            && TcpListener::bind(("127.0.0.1", port - 4063)).is_ok()
        {
            return port;
        }
    }
    panic!("no free ports for the test cluster");
}

/// The cluster and the webhook, stopped when the test ends, also when it fails.
struct Running {
    cluster_dir: PathBuf,
    webhook: Option<Child>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.webhook.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("bash")
            .arg(testcluster().join("stop.sh"))
            .arg(&self.cluster_dir)
            .output();
    }
}

struct Kubectl {
    kubeconfig: PathBuf,
    dir: PathBuf,
}

impl Kubectl {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl not found: scripts/test installs kubernetes-client");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }

    fn apply(&self, yaml: &str, extra: &[&str]) -> (bool, String) {
        let mut args = vec!["apply", "-f", "-"];
        args.extend_from_slice(extra);
        let out = self.run(&args, Some(yaml));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) {
        let out = self.run(args, None);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

const DIGEST: &str = "sha256:4b1f6c4e5d1a0b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4";

fn pod(name: &str, namespace: &str, hardened: bool, labels: &str) -> String {
    let (pod_security, container_security) = if hardened {
        (
            "\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    seccompProfile: {type: RuntimeDefault}",
            "\n    securityContext:\n      allowPrivilegeEscalation: false\n      readOnlyRootFilesystem: true\n      capabilities: {drop: [ALL]}",
        )
    } else {
        ("", "\n    securityContext:\n      privileged: true")
    };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{{labels}}}\nspec:\n  serviceAccountName: app\n  automountServiceAccountToken: false{pod_security}\n  containers:\n  - name: app\n    image: registry.example/app@{DIGEST}{container_security}\n    resources:\n      requests: {{cpu: 10m, memory: 16Mi}}\n      limits: {{cpu: 100m, memory: 64Mi}}\n"
    )
}

fn deployment(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{team: payments}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      hostNetwork: true\n      containers:\n      - name: app\n        image: registry.example/app@{DIGEST}\n        securityContext:\n          privileged: true\n"
    )
}

/// A Deployment whose pod template is the hardened Pod's.
fn hardened_deployment(name: &str, namespace: &str) -> String {
    let pod = pod(name, namespace, true, "team: payments");
    let spec = &pod[pod.find("spec:\n").unwrap() + "spec:\n".len()..];
    let template: String = spec.lines().map(|l| format!("      {l}\n")).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels: {{team: payments}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}, team: payments}}\n    spec:\n{template}"
    )
}

/// The decision log's lines so far.
fn decisions(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `GET /metrics` over TLS with curl (a client that is not lockgate's).
fn metrics(port: u16, ca: &Path) -> String {
    let out = Command::new("curl")
        .args(["-sf", "--cacert"])
        .arg(ca)
        .arg(format!("https://127.0.0.1:{port}/metrics"))
        .output()
        .unwrap();
    assert!(out.status.success(), "GET /metrics failed");
    String::from_utf8(out.stdout).unwrap()
}

fn counter(metrics: &str, line_prefix: &str) -> u64 {
    metrics
        .lines()
        .find(|l| l.starts_with(line_prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_api_server_enforces_lockgate_decisions() {
    let bin = testcluster();
    let home = std::env::var_os("TESTCLUSTER_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/lockgate-testcluster")
        });
    assert!(
        home.join("bin/kube-apiserver").is_file(),
        "no kube-apiserver in {}: scripts/test builds it with ../shared/tools/testcluster/build.sh",
        home.display()
    );
    let dir = scratch("admission");
    let cluster_dir = dir.join("cluster");
    let port = cluster_port();
    let started = Command::new("bash")
        .arg(bin.join("start.sh"))
        .env("TESTCLUSTER_DIR", &cluster_dir)
        .env("TESTCLUSTER_PORT", port.to_string())
        .env("TESTCLUSTER_NO_CONTROLLERS", "1")
        .output()
        .unwrap();
    let mut running = Running {
        cluster_dir: cluster_dir.clone(),
        webhook: None,
    };
    assert!(
        started.status.success(),
        "testcluster start.sh failed: {}{}",
        String::from_utf8_lossy(&started.stdout),
        String::from_utf8_lossy(&started.stderr)
    );
    let kubectl = Kubectl {
        kubeconfig: cluster_dir.join("kubeconfig"),
        dir: dir.clone(),
    };

    // The webhook: certificates and configuration from `admit manifests --url`.
    let webhook_port = free_port();
    let url = format!("https://127.0.0.1:{webhook_port}/validate");
    let tls = dir.join("tls");
    let manifests = lockgate(
        &dir,
        &[
            "admit",
            "manifests",
            "--url",
            &url,
            "--tls-dir",
            tls.to_str().unwrap(),
            "--image",
            &format!("registry.example/lockgate@{DIGEST}"),
        ],
    );
    assert!(
        manifests.status.success(),
        "admit manifests failed: {}",
        String::from_utf8_lossy(&manifests.stderr)
    );
    let webhook_config = String::from_utf8(manifests.stdout).unwrap();
    assert!(webhook_config.contains("ValidatingWebhookConfiguration"));
    assert!(
        !webhook_config.contains("kind: Deployment"),
        "--url prints only the webhook configuration"
    );

    std::fs::write(
        dir.join("lockgate.toml"),
        "profile = \"test\"\n\n[policy]\npaths = [\"policy\"]\n\n[admission]\nmode = \"enforce\"\nexempt-namespaces = [\"legacy\"]\n\n[admission.namespaces]\nsoft = \"warn\"\nquiet = \"audit\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::fs::write(
        dir.join("policy/team.rego"),
        "package main\n\nimport rego.v1\n\n# METADATA\n# title: Pods name their team\n# custom:\n#   id: ORG-001\n#   severity: high\ndeny contains msg if {\n\tinput.kind == \"Pod\"\n\tnot input.metadata.labels.team\n\tmsg := \"pod has no `team` label\"\n}\n",
    )
    .unwrap();
    let log = dir.join("decisions.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(&dir)
        .args(["admit", "--listen", &format!("127.0.0.1:{webhook_port}")])
        .arg("--cert")
        .arg(tls.join("tls.crt"))
        .arg("--key")
        .arg(tls.join("tls.key"))
        .arg("--decision-log")
        .arg(&log)
        .args(["--shutdown-delay", "0s", "--reload-interval", "200ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the "listening" line on standard error; keep reading it in the background
    // so the pipe never fills.
    let stderr = child.stderr.take().unwrap();
    running.webhook = Some(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = tx.send(line.clone());
            line.clear();
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut server_log = String::new();
    while !server_log.contains("\"listening\"") {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(remaining) {
            Ok(line) => server_log.push_str(&line),
            Err(_) => panic!("lockgate admit did not start: {server_log}"),
        }
    }

    for namespace in ["enforced", "soft", "quiet", "legacy"] {
        kubectl.ok(&["create", "namespace", namespace]);
        kubectl.ok(&["create", "serviceaccount", "app", "-n", namespace]);
    }
    let (ok, text) = kubectl.apply(&webhook_config, &[]);
    assert!(ok, "applying the webhook configuration failed: {text}");

    // The API server picks the configuration up within moments; until then requests are
    // admitted unchecked. Probe with a dry run until lockgate answers.
    let probe = pod("probe", "enforced", false, "team: x");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let (ok, text) = kubectl.apply(&probe, &["--dry-run=server"]);
        if !ok && text.contains("lockgate") {
            break;
        }
        assert!(
            Instant::now() < until,
            "the API server never called lockgate: {text}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    // Enforce: an insecure Pod and Deployment are rejected with lockgate's message.
    let (ok, text) = kubectl.apply(&pod("bad", "enforced", false, "team: payments"), &[]);
    assert!(!ok, "a privileged pod was admitted: {text}");
    assert!(text.contains("denied the request"), "{text}");
    assert!(
        text.contains("KUBE-003") && text.contains("privileged"),
        "{text}"
    );
    assert!(text.contains("fix:"), "the denial lists fixes: {text}");
    let (ok, text) = kubectl.apply(&deployment("bad-deploy", "enforced"), &[]);
    assert!(!ok, "an insecure Deployment was admitted: {text}");
    assert!(
        text.contains("KUBE-002") && text.contains("KUBE-003"),
        "{text}"
    );

    // A hardened Pod is admitted; its lesser findings come back as warnings.
    let (ok, text) = kubectl.apply(&pod("good", "enforced", true, "team: payments"), &[]);
    assert!(ok, "a hardened pod was rejected: {text}");
    assert!(text.contains("pod/good created"), "{text}");

    let (ok, text) = kubectl.apply(&hardened_deployment("good-deploy", "enforced"), &[]);
    assert!(ok, "a hardened Deployment was rejected: {text}");
    assert!(
        text.contains("deployment.apps/good-deploy created"),
        "{text}"
    );

    // The Rego policy: the same hardened pod without its team label is denied by ORG-001.
    let (ok, text) = kubectl.apply(&pod("unlabelled", "enforced", true, ""), &[]);
    assert!(!ok, "the Rego policy did not deny: {text}");
    assert!(
        text.contains("ORG-001") && text.contains("no `team` label"),
        "{text}"
    );

    // Warn: admitted, and kubectl prints lockgate's warnings.
    let (ok, text) = kubectl.apply(&pod("bad", "soft", false, "team: payments"), &[]);
    assert!(ok, "warn mode rejected: {text}");
    assert!(
        text.contains("Warning: lockgate KUBE-003"),
        "kubectl shows no lockgate warning: {text}"
    );

    // Audit: admitted silently, the decision log says what enforce would have done.
    let (ok, text) = kubectl.apply(&pod("bad", "quiet", false, "team: payments"), &[]);
    assert!(ok, "audit mode rejected: {text}");
    assert!(!text.contains("Warning"), "audit mode warns: {text}");

    // Exempt namespace: admitted without being judged.
    let (ok, text) = kubectl.apply(&pod("bad", "legacy", false, "team: payments"), &[]);
    assert!(ok, "an exempt namespace was judged: {text}");
    assert!(!text.contains("Warning"), "{text}");

    // A server-side dry run is judged the same way and logged as a dry run.
    let (ok, text) = kubectl.apply(
        &pod("dry", "enforced", false, "team: payments"),
        &["--dry-run=server"],
    );
    assert!(!ok && text.contains("KUBE-003"), "{text}");

    // The decision log holds every judged request, with its mode and outcome. Lines are
    // written by a thread of their own: wait for the last request's.
    let until = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let lines = decisions(&log);
        if lines.iter().any(|d| d["name"] == "dry") {
            break lines;
        }
        assert!(
            Instant::now() < until,
            "the last decision never reached the log"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let find = |namespace: &str, name: &str| {
        lines
            .iter()
            .rfind(|d| d["namespace"] == namespace && d["name"] == name && d["kind"] == "v1/Pod")
            .unwrap_or_else(|| panic!("no decision for {namespace}/{name} in {lines:#?}"))
            .clone()
    };
    let bad = find("enforced", "bad");
    assert_eq!(bad["outcome"], "denied");
    assert_eq!(bad["mode"], "enforce");
    assert_eq!(bad["dry_run"], false);
    assert!(
        bad["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "KUBE-003")
    );
    assert_eq!(find("enforced", "good")["outcome"], "admitted");
    assert_eq!(find("soft", "bad")["mode"], "warn");
    let quiet = find("quiet", "bad");
    assert_eq!(
        (quiet["outcome"].as_str(), quiet["would_deny"].as_bool()),
        (Some("admitted"), Some(true))
    );
    assert_eq!(find("enforced", "dry")["dry_run"], true);
    assert!(
        !lines
            .iter()
            .any(|d| d["namespace"] == "legacy" && d["outcome"] != "skipped"),
        "the exempt namespace was judged"
    );
    assert!(
        lines
            .iter()
            .all(|d| d["duration_us"].as_u64().unwrap() < 1_000_000)
    );

    // Metrics agree with the log.
    let text = metrics(webhook_port, &tls.join("ca.crt"));
    let denied = counter(
        &text,
        "lockgate_admission_decisions_total{outcome=\"denied\",mode=\"enforce\",would_deny=\"true\"}",
    );
    let logged_denials = lines.iter().filter(|d| d["outcome"] == "denied").count() as u64;
    assert_eq!(denied, logged_denials, "{text}");
    assert!(
        counter(
            &text,
            "lockgate_admission_findings_total{rule=\"ORG-001\",mode=\"enforce\"}"
        ) >= 1
    );
    assert!(
        counter(&text, "lockgate_admission_request_duration_seconds_count") >= lines.len() as u64
    );

    // Hot reload: `soft` becomes enforced without a restart.
    std::fs::write(
        dir.join("lockgate.toml"),
        "profile = \"test\"\n\n[policy]\npaths = [\"policy\"]\n\n[admission]\nmode = \"enforce\"\nexempt-namespaces = [\"legacy\"]\n",
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let (ok, text) = kubectl.apply(
            &pod("bad2", "soft", false, "team: payments"),
            &["--dry-run=server"],
        );
        if !ok && text.contains("KUBE-003") {
            break;
        }
        assert!(
            Instant::now() < until,
            "the changed configuration was not loaded: {text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Shutdown on SIGTERM: the process ends by itself, promptly.
    let mut child = running.webhook.take().unwrap();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "lockgate admit exited with {status}");
            break;
        }
        assert!(
            Instant::now() < until,
            "lockgate admit did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut rest = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
        rest.push_str(&line);
    }
    assert!(rest.contains("\"stopped\""), "{rest}");
}

/// A self-signed certificate for 127.0.0.1 made by openssl (not by lockgate).
fn openssl_cert(dir: &Path, name: &str) {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(dir.join(format!("{name}.key")))
        .arg("-out")
        .arg(dir.join(format!("{name}.crt")))
        .args([
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `curl` with the given CA: (HTTP status, body); status 0 when TLS or the connection failed.
fn curl(ca: &Path, args: &[&str], url: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}", "--cacert"])
        .arg(ca)
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

#[test]
fn the_server_refuses_bad_requests_and_reloads_its_certificate() {
    let dir = scratch("admission-http");
    openssl_cert(&dir, "first");
    openssl_cert(&dir, "second");
    std::fs::copy(dir.join("first.crt"), dir.join("tls.crt")).unwrap();
    std::fs::copy(dir.join("first.key"), dir.join("tls.key")).unwrap();
    std::fs::write(dir.join("lockgate.toml"), "profile = \"test\"\n").unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(&dir)
        .args([
            "admit",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cert",
            "tls.crt",
            "--key",
            "tls.key",
        ])
        .args([
            "--max-request-size",
            "1MiB",
            "--reload-interval",
            "200ms",
            "--shutdown-delay",
            "0s",
        ])
        .args(["--decision-log", "decisions.log"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let base = format!("https://127.0.0.1:{port}");
    let first = dir.join("first.crt");
    let until = Instant::now() + Duration::from_secs(20);
    while curl(&first, &[], &format!("{base}/healthz")).0 != 200 {
        assert!(Instant::now() < until, "lockgate admit did not start");
        assert!(child.try_wait().unwrap().is_none(), "lockgate admit exited");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _child = Kill(child);
    // A body that never finishes arriving: answered 408 after the body timeout (10 s),
    // checked at the end while the rest runs.
    let slow = {
        let address = format!("127.0.0.1:{port}");
        std::thread::spawn(move || {
            let script = format!(
                "(printf 'POST /validate HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 100\\r\\n\\r\\n{{'; sleep 14) | openssl s_client -connect {address} -quiet 2>/dev/null"
            );
            let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    };
    let validate = format!("{base}/validate");
    let json = ["-H", "Content-Type: application/json"];
    let post = |body: &str, headers: &[&str]| {
        let mut args = headers.to_vec();
        args.extend(["--data-binary", body]);
        curl(&first, &args, &validate)
    };

    let (status, body) = post("{}", &["-H", "Content-Type: text/plain"]);
    assert_eq!(status, 415, "{body}");
    let (status, body) = post("{not json", &json);
    assert_eq!(status, 400);
    assert!(body.contains("not an AdmissionReview"), "{body}");
    let (status, body) = post(
        r#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}"#,
        &json,
    );
    assert_eq!(status, 400);
    assert!(body.contains("admissionReviewVersions"), "{body}");
    let (status, _) = post(
        r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
        &json,
    );
    assert_eq!(status, 400);
    let big = dir.join("big.json");
    std::fs::write(&big, format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20))).unwrap();
    let (status, body) = post(&format!("@{}", big.display()), &json);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("--max-request-size"), "{body}");
    assert_eq!(curl(&first, &[], &validate).0, 405);
    assert_eq!(curl(&first, &[], &format!("{base}/nothing")).0, 404);

    // A well-formed review still gets its answer after all that.
    let review = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"abc","kind":{{"group":"","version":"v1","kind":"Pod"}},"name":"p","namespace":"prod","operation":"CREATE","userInfo":{{"username":"u"}},"object":{}}}}}"#,
        serde_json::to_string(&privileged_pod()).unwrap()
    );
    let (status, body) = post(&review, &json);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response"]["uid"], "abc");
    assert_eq!(answer["response"]["allowed"], false);
    let (_, metrics) = curl(&first, &[], &format!("{base}/metrics"));
    for reason in ["content_type", "invalid_review", "too_large"] {
        assert!(
            counter(
                &metrics,
                &format!("lockgate_admission_errors_total{{reason=\"{reason}\"}}")
            ) >= 1,
            "{reason}: {metrics}"
        );
    }

    // A new certificate in place of the old one is served without a restart.
    std::fs::copy(dir.join("second.key"), dir.join("tls.key")).unwrap();
    std::fs::copy(dir.join("second.crt"), dir.join("tls.crt")).unwrap();
    let second = dir.join("second.crt");
    let until = Instant::now() + Duration::from_secs(15);
    while curl(&second, &[], &format!("{base}/healthz")).0 != 200 {
        assert!(Instant::now() < until, "the new certificate is not served");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        curl(&first, &[], &format!("{base}/healthz")).0,
        0,
        "the old certificate is still served"
    );
    // A broken certificate file does not replace the working one.
    std::fs::write(dir.join("tls.crt"), "not a certificate").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(curl(&second, &[], &format!("{base}/healthz")).0, 200);
    let (_, metrics) = curl(&second, &[], &format!("{base}/metrics"));
    assert!(
        counter(
            &metrics,
            "lockgate_admission_reloads_total{what=\"certificate\",result=\"failed\"}"
        ) >= 1,
        "{metrics}"
    );
    assert!(
        counter(
            &metrics,
            "lockgate_admission_reloads_total{what=\"certificate\",result=\"ok\"}"
        ) >= 1,
        "{metrics}"
    );
    let answer = slow.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a body that never arrives: {answer:?}"
    );
}

/// A privileged Pod, as JSON.
fn privileged_pod() -> Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true}}]}
    })
}
