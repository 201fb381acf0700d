//! Deploy manifests for the admission webhook: the Kubernetes objects that run `lockgate
//! admit` in a cluster (or point the API server at one running outside it), and the CA
//! and serving certificate the API server needs to trust it.
//!
//! Every option is treated as hostile text: names are checked against the DNS-1123 label
//! grammar, the image and URL may hold no whitespace or control characters, and nothing is
//! pasted into YAML as it came. The documents are built as a small ordered tree whose keys
//! are all constants of this module, and every string value is written either as a YAML
//! plain scalar that cannot mean anything else, or as a double-quoted scalar with every
//! character that YAML could read as a line break or a non-printable escaped.
//!
//! The Deployment is hardened so that lockgate's own `prod` profile finds nothing in it:
//! lockgate must pass its own gate.
//!
//! Must not do I/O: the caller decides where the YAML and the PEM files go.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// The namespaces no lockgate webhook should ever judge: the control plane's own, whose
/// pods must come back even when lockgate is down.
const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// Kubernetes rejects a webhook `timeoutSeconds` outside this range.
const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=30;

/// Ten years: longer-lived certificates are never rotated in practice, and a bound keeps
/// the date arithmetic far from overflow.
const VALIDITY_RANGE: std::ops::RangeInclusive<u32> = 1..=3650;

/// A ConfigMap holds at most 1 MiB; a larger configuration would be refused on apply.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// No registry accepts references anywhere near this long; the bound only keeps hostile
/// input from growing the output without limit.
const MAX_IMAGE_BYTES: usize = 4096;

/// Kubernetes' limit on a webhook URL is not documented; browsers and proxies stop near
/// this, and so do we.
const MAX_URL_BYTES: usize = 2048;

/// Where the serving certificate is mounted in the container.
const TLS_DIR: &str = "/etc/lockgate/tls";
/// Where the configuration is mounted in the container.
const CONFIG_DIR: &str = "/etc/lockgate";
const CONFIG_FILE: &str = "lockgate.toml";

/// The container's user and group: the conventional `nonroot` of distroless images, so a
/// volume's files are readable without running as root.
const RUN_AS: i64 = 65532;

/// The webhook's answer when it cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailurePolicy {
    /// Fail closed: while lockgate is down, requests in judged namespaces are rejected.
    #[default]
    Fail,
    /// Fail open: while lockgate is down, requests are admitted unjudged.
    Ignore,
}

impl FailurePolicy {
    /// The value of the webhook's `failurePolicy` field.
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

/// What to generate; see [`render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestOptions {
    /// The namespace lockgate runs in (default `lockgate`).
    pub namespace: String,
    /// The name of the Deployment, Service, ServiceAccount, PodDisruptionBudget, Secret
    /// (`NAME-tls`), ConfigMap (`NAME-config`) and webhook configuration.
    pub name: String,
    /// The container image; required, and `prod` wants it pinned by digest.
    pub image: String,
    /// At least 2, so the PodDisruptionBudget (`minAvailable: 1`) lets a node drain.
    pub replicas: u32,
    pub failure_policy: FailurePolicy,
    /// The webhook's `timeoutSeconds`, 1 to 30.
    pub timeout_seconds: u32,
    /// An `https://` URL of a lockgate running outside the cluster: only the webhook
    /// configuration is emitted, and the certificate names the URL's host.
    pub url: Option<String>,
    /// Namespaces not to judge, besides the system ones and `namespace` itself.
    pub exempt_namespaces: Vec<String>,
    /// A `lockgate.toml`, shipped in a ConfigMap and passed with `--config`.
    pub config_toml: Option<String>,
    /// Also emit the TLS Secret (holding the private key). Off by default so the YAML can
    /// be committed and scanned.
    pub with_secret: bool,
    /// Lifetime of the CA and serving certificates, in days (1 to 3650).
    pub validity_days: u32,
}

impl Default for ManifestOptions {
    fn default() -> Self {
        ManifestOptions {
            namespace: "lockgate".to_string(),
            name: "lockgate-admission".to_string(),
            image: String::new(),
            replicas: 2,
            failure_policy: FailurePolicy::Fail,
            timeout_seconds: 5,
            url: None,
            exempt_namespaces: Vec::new(),
            config_toml: None,
            with_secret: false,
            validity_days: 365,
        }
    }
}

/// The rendered manifests and the certificates they refer to.
#[derive(Debug, Clone)]
pub struct Manifests {
    /// Multi-document YAML, opening with a comment that says what it is and what to do.
    pub yaml: String,
    /// The CA certificate (PEM); its base64 is the webhook's `caBundle`.
    pub ca_pem: String,
    /// The serving certificate (PEM), signed by the CA.
    pub cert_pem: String,
    /// The serving certificate's private key (PEM, PKCS#8).
    pub key_pem: String,
}

/// An option that cannot make a working deployment. Values are shown escaped (`{:?}`), so
/// a hostile value cannot forge lines in the message.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "no container image given: pass --image with the lockgate image, pinned by digest \
         (e.g. registry.example.com/lockgate@sha256:<64 hex digits>)"
    )]
    MissingImage,
    #[error("invalid --image {image:?}: {reason}")]
    InvalidImage { image: String, reason: &'static str },
    #[error(
        "invalid {field} {value:?}: {reason}; use a DNS-1123 label (lowercase letters, digits \
         and '-', starting and ending with a letter or digit, at most 63 characters)"
    )]
    InvalidName {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "--replicas {0} is too few: the PodDisruptionBudget keeps 1 replica available, so at \
         least 2 are needed for a node to drain; use --replicas 2 or more"
    )]
    TooFewReplicas(u32),
    #[error(
        "--timeout {0} is out of range: Kubernetes accepts a webhook timeoutSeconds from 1 to \
         30; use a value in that range (the default is 5)"
    )]
    TimeoutOutOfRange(u32),
    #[error(
        "certificate validity of {0} days is out of range: use 1 to 3650 days (the default is \
         365)"
    )]
    ValidityOutOfRange(u32),
    #[error("invalid --url {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "the configuration is {0} bytes, more than a ConfigMap holds (1 MiB); shorten it or \
         deploy it another way"
    )]
    ConfigTooLarge(usize),
    #[error("could not generate the {what}: {source}")]
    Certificate {
        what: &'static str,
        #[source]
        source: rcgen::Error,
    },
}

/// Checks the options, generates a CA and a serving certificate, and renders the YAML.
///
/// With `url` set, only the ValidatingWebhookConfiguration is rendered; otherwise the
/// Namespace, ServiceAccount, ConfigMap (with `config_toml`), Secret (with `with_secret`),
/// Deployment, PodDisruptionBudget, Service and ValidatingWebhookConfiguration, in that
/// order, so `kubectl apply` creates each object before the ones that need it.
pub fn render(options: &ManifestOptions) -> Result<Manifests, ManifestError> {
    let checked = check(options)?;
    let hosts = match &checked.url {
        Some(url) => vec![url.host.clone()],
        None => vec![
            format!("{}.{}.svc", options.name, options.namespace),
            format!("{}.{}.svc.cluster.local", options.name, options.namespace),
        ],
    };
    let certs = certificates(&hosts, options.validity_days)?;

    let mut docs: Vec<Y> = Vec::new();
    if checked.url.is_none() {
        docs.push(namespace(options));
        docs.push(service_account(options));
        if let Some(toml) = &options.config_toml {
            docs.push(config_map(options, toml));
        }
        if options.with_secret {
            docs.push(secret(options, &certs));
        }
        docs.push(deployment(options));
        docs.push(disruption_budget(options));
        docs.push(service(options));
    }
    docs.push(webhook(options, checked.url.as_ref(), &certs.ca_pem));

    let mut yaml = header(options, &checked, &certs);
    for doc in &docs {
        yaml.push_str("---\n");
        emit_document(&mut yaml, doc);
    }
    Ok(Manifests {
        yaml,
        ca_pem: certs.ca_pem,
        cert_pem: certs.cert_pem,
        key_pem: certs.key_pem,
    })
}

/// What [`check`] learned beyond "valid".
struct Checked {
    url: Option<WebhookUrl>,
}

struct WebhookUrl {
    full: String,
    /// The host as the certificate must name it (an IPv6 address without brackets).
    host: String,
}

fn check(options: &ManifestOptions) -> Result<Checked, ManifestError> {
    label("namespace", &options.namespace)?;
    label("name", &options.name)?;
    // The Secret and ConfigMap are named `NAME-tls` / `NAME-config`: those must fit the
    // 253 characters of a DNS-1123 subdomain, which a 63-character label always does.
    for ns in &options.exempt_namespaces {
        label("exempt namespace", ns)?;
    }
    check_image(&options.image)?;
    if options.replicas < 2 {
        return Err(ManifestError::TooFewReplicas(options.replicas));
    }
    if !TIMEOUT_RANGE.contains(&options.timeout_seconds) {
        return Err(ManifestError::TimeoutOutOfRange(options.timeout_seconds));
    }
    if !VALIDITY_RANGE.contains(&options.validity_days) {
        return Err(ManifestError::ValidityOutOfRange(options.validity_days));
    }
    if let Some(toml) = &options.config_toml
        && toml.len() > MAX_CONFIG_BYTES
    {
        return Err(ManifestError::ConfigTooLarge(toml.len()));
    }
    let url = options.url.as_deref().map(check_url).transpose()?;
    Ok(Checked { url })
}

/// A DNS-1123 label, the grammar of namespace and most object names.
fn label(field: &'static str, value: &str) -> Result<(), ManifestError> {
    let fail = |reason| {
        Err(ManifestError::InvalidName {
            field,
            value: value.to_string(),
            reason,
        })
    };
    if value.is_empty() {
        return fail("it is empty");
    }
    if value.len() > 63 {
        return fail("it is longer than 63 characters");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return fail("it holds a character other than a-z, 0-9 and '-'");
    }
    if value.starts_with('-') || value.ends_with('-') {
        return fail("it starts or ends with '-'");
    }
    Ok(())
}

fn check_image(image: &str) -> Result<(), ManifestError> {
    let fail = |reason| {
        Err(ManifestError::InvalidImage {
            image: image.to_string(),
            reason,
        })
    };
    if image.is_empty() {
        return Err(ManifestError::MissingImage);
    }
    if image.len() > MAX_IMAGE_BYTES {
        return fail("it is longer than 4096 bytes");
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("an image reference holds no whitespace or control characters");
    }
    Ok(())
}

/// Kubernetes wants `https://host[:port][/path]` with no user, query or fragment.
fn check_url(url: &str) -> Result<WebhookUrl, ManifestError> {
    let fail = |reason: &str| {
        Err(ManifestError::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        })
    };
    if url.len() > MAX_URL_BYTES {
        return fail("it is longer than 2048 bytes");
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return fail("Kubernetes calls webhooks over TLS only: the URL must start with https://");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("a URL holds no whitespace or control characters");
    }
    if url.contains(['?', '#']) {
        return fail("Kubernetes does not allow a query or fragment in a webhook URL");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return fail("Kubernetes does not allow user information in a webhook URL");
    }
    // An IPv6 host is bracketed so its colons are not read as the port's.
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return fail("an IPv6 address opened with '[' is not closed with ']'");
        };
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return fail("only ':port' may follow a bracketed IPv6 address"),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port
        && !matches!(port.parse::<u16>(), Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()))
    {
        return fail("the port must be a number from 1 to 65535");
    }
    if host.is_empty() {
        return fail("it names no host");
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        if authority.starts_with('[') != ip.is_ipv6() {
            return fail("an IPv6 address must be written in brackets, and only it");
        }
        return Ok(WebhookUrl {
            full: url.to_string(),
            host: ip.to_string(),
        });
    }
    if !is_dns_name(host) {
        return fail(
            "the host must be an IP address or a lowercase DNS name (labels of a-z, 0-9 and \
             '-', at most 253 characters), so the certificate can name it",
        );
    }
    Ok(WebhookUrl {
        full: url.to_string(),
        host: host.to_string(),
    })
}

/// A DNS-1123 subdomain: what a certificate's DNS name and a Kubernetes host may be.
fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

struct Certs {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
    /// The serving certificate's last day, for the header.
    expires: String,
}

/// A CA that may sign only end-entity certificates, and one serving certificate for
/// `hosts`, both valid from shortly before now for `days` days.
fn certificates(hosts: &[String], days: u32) -> Result<Certs, ManifestError> {
    fn cert_error(what: &'static str) -> impl Fn(rcgen::Error) -> ManifestError {
        move |source| ManifestError::Certificate { what, source }
    }
    let now = SystemTime::now();
    // An hour back, so an API server whose clock lags a little still accepts the
    // certificate the moment it is installed.
    let not_before = now.checked_sub(Duration::from_secs(3600)).unwrap_or(now);
    let Some(not_after) = now.checked_add(Duration::from_secs(u64::from(days) * 86_400)) else {
        return Err(ManifestError::ValidityOutOfRange(days));
    };

    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "lockgate admission CA");
    // Path length 0: this CA signs the serving certificate and nothing that could sign.
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before.into();
    ca.not_after = not_after.into();
    let ca_key = KeyPair::generate().map_err(cert_error("CA key"))?;
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(cert_error("CA certificate"))?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf =
        CertificateParams::new(hosts.to_vec()).map_err(cert_error("serving certificate"))?;
    leaf.distinguished_name = DistinguishedName::new();
    if let Some(first) = hosts.first() {
        leaf.distinguished_name
            .push(DnType::CommonName, first.as_str());
    }
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = not_before.into();
    leaf.not_after = not_after.into();
    let expires = leaf.not_after.date().to_string();
    let leaf_key = KeyPair::generate().map_err(cert_error("serving key"))?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .map_err(cert_error("serving certificate"))?;

    Ok(Certs {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf_cert.pem(),
        key_pem: leaf_key.serialize_pem(),
        expires,
    })
}

fn header(options: &ManifestOptions, checked: &Checked, certs: &Certs) -> String {
    let ns = &options.namespace;
    let name = &options.name;
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push('#');
        if !text.is_empty() {
            out.push(' ');
            out.push_str(text);
        }
        out.push('\n');
    };
    line("lockgate admission webhook, generated by `lockgate admit manifests`.");
    match &checked.url {
        Some(_) => {
            line("Only the ValidatingWebhookConfiguration: the API server calls the lockgate");
            line("at the URL below, which must serve the certificate generated with this file.");
        }
        None => {
            line("A Deployment runs `lockgate admit` behind a Service; the API server sends it");
            line("every create and update of the kinds below and rejects what lockgate rejects.");
        }
    }
    line("");
    line(&format!(
        "failurePolicy: {}",
        options.failure_policy.as_str()
    ));
    match options.failure_policy {
        FailurePolicy::Fail => {
            line("  Fail closed: while lockgate is down, requests in judged namespaces are");
            line("  rejected. Nothing unjudged gets in, at the price of availability.");
        }
        FailurePolicy::Ignore => {
            line("  Fail open: while lockgate is down, requests are admitted unjudged. The");
            line("  cluster keeps working, but nothing is checked until lockgate is back.");
        }
    }
    line(&format!(
        "Not judged: namespaces {}.",
        excluded_namespaces(options).join(", ")
    ));
    line("");
    line(&format!(
        "Certificates: a CA and a serving certificate, valid until {}; render again",
        certs.expires
    ));
    line("and re-apply before then.");
    if checked.url.is_none() {
        if options.with_secret {
            line(&format!(
                "The Secret {name}-tls below holds the private key: do not commit this file."
            ));
        } else {
            line(&format!(
                "The Secret {name}-tls is not in this file, so it can be committed and scanned."
            ));
            line("Create it from the certificate files before applying (<dir> is where");
            line("they were written):");
            line(&format!(
                "  kubectl -n {ns} create secret tls {name}-tls --cert <dir>/tls.crt --key <dir>/tls.key"
            ));
        }
    }
    out
}

/// The namespaces the webhook leaves alone: its own, so lockgate's pods can start while
/// lockgate is down, the system ones, and the user's.
fn excluded_namespaces(options: &ManifestOptions) -> Vec<String> {
    let mut all: Vec<String> = SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    for ns in std::iter::once(&options.namespace).chain(&options.exempt_namespaces) {
        if !all.contains(ns) {
            all.push(ns.clone());
        }
    }
    all
}

// ---------------------------------------------------------------------------------------
// The objects.

fn labels(options: &ManifestOptions) -> Y {
    Y::map([
        ("app.kubernetes.io/name", Y::str("lockgate")),
        ("app.kubernetes.io/component", Y::str("admission")),
        ("app.kubernetes.io/instance", Y::str(&options.name)),
    ])
}

/// The labels that pick this instance's pods; a strict subset of [`labels`] would do, but
/// the selector of a Deployment cannot change later, so it holds only what never will.
fn selector_labels(options: &ManifestOptions) -> Y {
    Y::map([
        ("app.kubernetes.io/name", Y::str("lockgate")),
        ("app.kubernetes.io/instance", Y::str(&options.name)),
    ])
}

fn metadata(options: &ManifestOptions, name: &str) -> Y {
    Y::map([
        ("name", Y::str(name)),
        ("namespace", Y::str(&options.namespace)),
        ("labels", labels(options)),
    ])
}

fn namespace(options: &ManifestOptions) -> Y {
    Y::map([
        ("apiVersion", Y::str("v1")),
        ("kind", Y::str("Namespace")),
        (
            "metadata",
            Y::map([
                ("name", Y::str(&options.namespace)),
                (
                    "labels",
                    Y::map([
                        ("kubernetes.io/metadata.name", Y::str(&options.namespace)),
                        // lockgate's pods meet the restricted standard; enforcing it keeps
                        // anything else placed here to the same bar.
                        ("pod-security.kubernetes.io/enforce", Y::str("restricted")),
                        ("app.kubernetes.io/name", Y::str("lockgate")),
                        ("app.kubernetes.io/component", Y::str("admission")),
                        ("app.kubernetes.io/instance", Y::str(&options.name)),
                    ]),
                ),
            ]),
        ),
    ])
}

fn service_account(options: &ManifestOptions) -> Y {
    Y::map([
        ("apiVersion", Y::str("v1")),
        ("kind", Y::str("ServiceAccount")),
        ("metadata", metadata(options, &options.name)),
        // lockgate admit judges what it is sent and never calls the API server.
        ("automountServiceAccountToken", Y::Bool(false)),
    ])
}

fn config_map(options: &ManifestOptions, toml: &str) -> Y {
    Y::map([
        ("apiVersion", Y::str("v1")),
        ("kind", Y::str("ConfigMap")),
        (
            "metadata",
            metadata(options, &format!("{}-config", options.name)),
        ),
        ("data", Y::map([(CONFIG_FILE, Y::Text(toml.to_string()))])),
    ])
}

fn secret(options: &ManifestOptions, certs: &Certs) -> Y {
    Y::map([
        ("apiVersion", Y::str("v1")),
        ("kind", Y::str("Secret")),
        (
            "metadata",
            metadata(options, &format!("{}-tls", options.name)),
        ),
        ("type", Y::str("kubernetes.io/tls")),
        (
            "data",
            Y::map([
                ("tls.crt", Y::Str(base64(certs.cert_pem.as_bytes()))),
                ("tls.key", Y::Str(base64(certs.key_pem.as_bytes()))),
                ("ca.crt", Y::Str(base64(certs.ca_pem.as_bytes()))),
            ]),
        ),
    ])
}

fn deployment(options: &ManifestOptions) -> Y {
    let mut args = vec![
        "admit",
        "--listen",
        "0.0.0.0:8443",
        "--cert",
        "/etc/lockgate/tls/tls.crt",
        "--key",
        "/etc/lockgate/tls/tls.key",
        // Its own namespace is exempt, so a broken lockgate can always be repaired.
        "--own-namespace",
        &options.namespace,
    ];
    let config_path = format!("{CONFIG_DIR}/{CONFIG_FILE}");
    let mut mounts = vec![Y::map([
        ("name", Y::str("tls")),
        ("mountPath", Y::str(TLS_DIR)),
        ("readOnly", Y::Bool(true)),
    ])];
    let mut volumes = vec![Y::map([
        ("name", Y::str("tls")),
        (
            "secret",
            Y::map([
                ("secretName", Y::str(&format!("{}-tls", options.name))),
                // Readable by the container's group only; the key is no one else's business.
                ("defaultMode", Y::Int(0o440)),
            ]),
        ),
    ])];
    if options.config_toml.is_some() {
        args.push("--config");
        args.push(&config_path);
        // The one file, not the whole of /etc/lockgate, which would hide the TLS mount
        // below it. The price of subPath: an edited ConfigMap reaches the pods only when
        // they restart (`kubectl rollout restart`).
        mounts.push(Y::map([
            ("name", Y::str("config")),
            ("mountPath", Y::str(&config_path)),
            ("subPath", Y::str(CONFIG_FILE)),
            ("readOnly", Y::Bool(true)),
        ]));
        volumes.push(Y::map([
            ("name", Y::str("config")),
            (
                "configMap",
                Y::map([
                    ("name", Y::str(&format!("{}-config", options.name))),
                    ("defaultMode", Y::Int(0o440)),
                ]),
            ),
        ]));
    }
    let probe = |path: &str| {
        Y::map([
            (
                "httpGet",
                Y::map([
                    ("path", Y::str(path)),
                    ("port", Y::str("https")),
                    ("scheme", Y::str("HTTPS")),
                ]),
            ),
            ("periodSeconds", Y::Int(10)),
            ("timeoutSeconds", Y::Int(2)),
            ("failureThreshold", Y::Int(3)),
        ])
    };
    let container = Y::map([
        ("name", Y::str("lockgate")),
        ("image", Y::str(&options.image)),
        ("imagePullPolicy", Y::str("IfNotPresent")),
        ("args", Y::Seq(args.iter().map(|a| Y::str(a)).collect())),
        (
            "ports",
            Y::Seq(vec![Y::map([
                ("name", Y::str("https")),
                ("containerPort", Y::Int(8443)),
                ("protocol", Y::str("TCP")),
            ])]),
        ),
        (
            "securityContext",
            Y::map([
                ("allowPrivilegeEscalation", Y::Bool(false)),
                ("readOnlyRootFilesystem", Y::Bool(true)),
                ("privileged", Y::Bool(false)),
                ("runAsNonRoot", Y::Bool(true)),
                ("runAsUser", Y::Int(RUN_AS)),
                ("runAsGroup", Y::Int(RUN_AS)),
                (
                    "capabilities",
                    Y::map([("drop", Y::Seq(vec![Y::str("ALL")]))]),
                ),
                (
                    "seccompProfile",
                    Y::map([("type", Y::str("RuntimeDefault"))]),
                ),
            ]),
        ),
        (
            "resources",
            Y::map([
                (
                    "requests",
                    Y::map([("cpu", Y::str("100m")), ("memory", Y::str("64Mi"))]),
                ),
                (
                    "limits",
                    Y::map([("cpu", Y::str("1")), ("memory", Y::str("256Mi"))]),
                ),
            ]),
        ),
        ("livenessProbe", probe("/healthz")),
        ("readinessProbe", probe("/readyz")),
        ("volumeMounts", Y::Seq(mounts)),
    ]);
    let pod_spec = Y::map([
        ("serviceAccountName", Y::str(&options.name)),
        ("automountServiceAccountToken", Y::Bool(false)),
        ("enableServiceLinks", Y::Bool(false)),
        (
            "securityContext",
            Y::map([
                ("runAsNonRoot", Y::Bool(true)),
                ("runAsUser", Y::Int(RUN_AS)),
                ("runAsGroup", Y::Int(RUN_AS)),
                ("fsGroup", Y::Int(RUN_AS)),
                (
                    "seccompProfile",
                    Y::map([("type", Y::str("RuntimeDefault"))]),
                ),
            ]),
        ),
        // Replicas on different nodes, so one node going down leaves the webhook up; a
        // preference, so a one-node cluster still runs them all.
        (
            "topologySpreadConstraints",
            Y::Seq(vec![Y::map([
                ("maxSkew", Y::Int(1)),
                ("topologyKey", Y::str("kubernetes.io/hostname")),
                ("whenUnsatisfiable", Y::str("ScheduleAnyway")),
                (
                    "labelSelector",
                    Y::map([("matchLabels", selector_labels(options))]),
                ),
            ])]),
        ),
        ("containers", Y::Seq(vec![container])),
        ("volumes", Y::Seq(volumes)),
    ]);
    Y::map([
        ("apiVersion", Y::str("apps/v1")),
        ("kind", Y::str("Deployment")),
        ("metadata", metadata(options, &options.name)),
        (
            "spec",
            Y::map([
                ("replicas", Y::Int(i64::from(options.replicas))),
                (
                    "selector",
                    Y::map([("matchLabels", selector_labels(options))]),
                ),
                // Never below the requested count during a rollout: with failurePolicy
                // Fail, fewer replicas means more rejected requests under load.
                (
                    "strategy",
                    Y::map([
                        ("type", Y::str("RollingUpdate")),
                        (
                            "rollingUpdate",
                            Y::map([("maxUnavailable", Y::Int(0)), ("maxSurge", Y::Int(1))]),
                        ),
                    ]),
                ),
                (
                    "template",
                    Y::map([
                        ("metadata", Y::map([("labels", labels(options))])),
                        ("spec", pod_spec),
                    ]),
                ),
            ]),
        ),
    ])
}

fn disruption_budget(options: &ManifestOptions) -> Y {
    Y::map([
        ("apiVersion", Y::str("policy/v1")),
        ("kind", Y::str("PodDisruptionBudget")),
        ("metadata", metadata(options, &options.name)),
        (
            "spec",
            Y::map([
                ("minAvailable", Y::Int(1)),
                (
                    "selector",
                    Y::map([("matchLabels", selector_labels(options))]),
                ),
            ]),
        ),
    ])
}

fn service(options: &ManifestOptions) -> Y {
    Y::map([
        ("apiVersion", Y::str("v1")),
        ("kind", Y::str("Service")),
        ("metadata", metadata(options, &options.name)),
        (
            "spec",
            Y::map([
                ("type", Y::str("ClusterIP")),
                ("selector", selector_labels(options)),
                (
                    "ports",
                    Y::Seq(vec![Y::map([
                        ("name", Y::str("https")),
                        ("port", Y::Int(443)),
                        ("targetPort", Y::str("https")),
                        ("protocol", Y::str("TCP")),
                    ])]),
                ),
            ]),
        ),
    ])
}

fn webhook(options: &ManifestOptions, url: Option<&WebhookUrl>, ca_pem: &str) -> Y {
    let mut client = match url {
        Some(url) => vec![("url", Y::str(&url.full))],
        None => vec![(
            "service",
            Y::map([
                ("namespace", Y::str(&options.namespace)),
                ("name", Y::str(&options.name)),
                ("path", Y::str("/validate")),
                ("port", Y::Int(443)),
            ]),
        )],
    };
    client.push(("caBundle", Y::Str(base64(ca_pem.as_bytes()))));
    let rule = |group: &str, version: &str, resources: &[&str]| {
        Y::map([
            ("apiGroups", Y::Seq(vec![Y::str(group)])),
            ("apiVersions", Y::Seq(vec![Y::str(version)])),
            (
                "operations",
                Y::Seq(vec![Y::str("CREATE"), Y::str("UPDATE")]),
            ),
            (
                "resources",
                Y::Seq(resources.iter().map(|r| Y::str(r)).collect()),
            ),
            ("scope", Y::str("*")),
        ])
    };
    let rules = vec![
        rule(
            "",
            "v1",
            &[
                "pods",
                // `kubectl debug` adds containers to a running Pod through this.
                "pods/ephemeralcontainers",
                "configmaps",
                "secrets",
                "services",
                "serviceaccounts",
            ],
        ),
        rule(
            "apps",
            "v1",
            &["deployments", "statefulsets", "daemonsets", "replicasets"],
        ),
        rule("batch", "v1", &["jobs", "cronjobs"]),
        rule("networking.k8s.io", "v1", &["ingresses", "networkpolicies"]),
        rule(
            "rbac.authorization.k8s.io",
            "v1",
            &[
                "roles",
                "rolebindings",
                "clusterroles",
                "clusterrolebindings",
            ],
        ),
    ];
    let excluded = excluded_namespaces(options)
        .iter()
        .map(|ns| Y::str(ns))
        .collect();
    let mut meta = vec![("name", Y::str(&options.name))];
    meta.push(("labels", labels(options)));
    Y::map([
        ("apiVersion", Y::str("admissionregistration.k8s.io/v1")),
        ("kind", Y::str("ValidatingWebhookConfiguration")),
        ("metadata", Y::Map(meta)),
        (
            "webhooks",
            Y::Seq(vec![Y::map([
                ("name", Y::str("validate.lockgate.dev")),
                ("clientConfig", Y::Map(client)),
                ("rules", Y::Seq(rules)),
                (
                    "namespaceSelector",
                    Y::map([(
                        "matchExpressions",
                        Y::Seq(vec![Y::map([
                            ("key", Y::str("kubernetes.io/metadata.name")),
                            ("operator", Y::str("NotIn")),
                            ("values", Y::Seq(excluded)),
                        ])]),
                    )]),
                ),
                ("failurePolicy", Y::str(options.failure_policy.as_str())),
                // lockgate only judges, so dry-run requests may reach it.
                ("sideEffects", Y::str("None")),
                ("timeoutSeconds", Y::Int(i64::from(options.timeout_seconds))),
                ("admissionReviewVersions", Y::Seq(vec![Y::str("v1")])),
                // A request through another API version of a matched kind is judged too.
                ("matchPolicy", Y::str("Equivalent")),
            ])]),
        ),
    ])
}

// ---------------------------------------------------------------------------------------
// A YAML writer for the tree above: block style, keys fixed by this module, every string
// written so that it reads back as exactly that string.

/// A YAML node. Map keys are `&'static str`, so no option can become a key.
enum Y {
    Str(String),
    /// Multi-line text, written as a literal block scalar when it can be.
    Text(String),
    Int(i64),
    Bool(bool),
    Seq(Vec<Y>),
    Map(Vec<(&'static str, Y)>),
}

impl Y {
    fn str(s: &str) -> Y {
        Y::Str(s.to_string())
    }

    fn map<const N: usize>(entries: [(&'static str, Y); N]) -> Y {
        Y::Map(entries.into())
    }

    /// Written on the key's line (`key: value`), as opposed to the lines below it.
    fn is_inline(&self) -> bool {
        match self {
            Y::Seq(items) => items.is_empty(),
            Y::Map(entries) => entries.is_empty(),
            _ => true,
        }
    }
}

fn emit_document(out: &mut String, doc: &Y) {
    match doc {
        Y::Map(entries) if !entries.is_empty() => emit_map(out, entries, 0, false),
        Y::Seq(items) if !items.is_empty() => emit_seq(out, items, 0),
        other => {
            emit_inline(out, other, 0);
            out.push('\n');
        }
    }
}

/// A mapping whose keys sit at column `indent`; with `first_inline`, the first key
/// continues a line already begun (after `- `).
fn emit_map(out: &mut String, entries: &[(&'static str, Y)], indent: usize, first_inline: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        out.push_str(&scalar(key));
        out.push(':');
        match value {
            Y::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_map(out, inner, indent + 2, false);
            }
            Y::Seq(items) if !items.is_empty() => {
                out.push('\n');
                emit_seq(out, items, indent + 2);
            }
            other => {
                out.push(' ');
                emit_inline(out, other, indent);
                out.push('\n');
            }
        }
    }
}

fn emit_seq(out: &mut String, items: &[Y], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Y::Map(entries) if !entries.is_empty() => emit_map(out, entries, indent + 2, true),
            Y::Seq(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_seq(out, inner, indent + 2);
            }
            other => {
                emit_inline(out, other, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A value on the current line. `indent` is the column of the mapping the value belongs
/// to, which a block scalar's indentation indicator counts from.
fn emit_inline(out: &mut String, value: &Y, indent: usize) {
    debug_assert!(value.is_inline());
    match value {
        Y::Str(s) => out.push_str(&scalar(s)),
        Y::Text(text) => emit_text(out, text, indent),
        Y::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Y::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Y::Seq(_) => out.push_str("[]"),
        Y::Map(_) => out.push_str("{}"),
    }
}

/// A literal block scalar (`|`), readable and editable in the YAML, when the text allows;
/// a double-quoted scalar otherwise.
///
/// The indentation indicator is always given (`|2`), so a first line starting with spaces
/// is not taken for deeper indentation; the chomping indicator keeps the text's trailing
/// newlines exactly: none (`-`), one (clip, no indicator), or more (`+`). Text holding a
/// character YAML reads as a line break (CR, NEL, LS, PS) or does not allow raw would not
/// survive a block scalar, so it is quoted and escaped instead.
fn emit_text(out: &mut String, text: &str, indent: usize) {
    // Text of newlines only reads back as "" from any block scalar: quote it.
    let block_safe = !text.trim_end_matches('\n').is_empty()
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || (printable(c) && c != '\u{feff}'));
    if !block_safe {
        out.push_str(&quote(text));
        return;
    }
    let body = text.trim_end_matches('\n');
    let chomp = match text.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let _ = write!(out, "|2{chomp}");
    // Each line gets its own `\n`, so the text's own trailing newlines come out as
    // empty lines after the body; `+` keeps them.
    for line in text.split_inclusive('\n') {
        out.push('\n');
        let content = line.strip_suffix('\n').unwrap_or(line);
        if !content.is_empty() {
            pad(out, indent + 2);
            out.push_str(content);
        }
    }
    // The caller ends the last line.
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A string as a YAML scalar: plain when it cannot be read as anything but that string
/// (not a number, boolean, null, or indicator), double-quoted otherwise.
fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Conservative: a plain scalar must start with a letter or `/` (or be a command-line flag,
/// `-x` or `--x` with `x` a letter) and hold only `[A-Za-z0-9._/@:-]`, not end with `:`,
/// and not be a word YAML 1.1 reads as a boolean or null. Anything starting with a digit
/// is quoted, which keeps `1`, `1e3` and the YAML 1.1 sexagesimal `1:20` strings.
fn is_plain_safe(s: &str) -> bool {
    const WORDS: [&str; 10] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    let unflagged = s.trim_start_matches('-');
    let flag =
        s.len() - unflagged.len() <= 2 && unflagged.starts_with(|c: char| c.is_ascii_alphabetic());
    (first.is_ascii_alphabetic() || first == '/' || flag)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '@' | ':' | '-'))
        && !s.ends_with(':')
        && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A YAML double-quoted scalar. Not `serde_json::to_string`: JSON leaves DEL, the C1
/// controls and U+2028/U+2029 raw, and YAML folds NEL, LS and PS as line breaks, so those
/// would not read back. Everything outside printable characters is a `\uXXXX` escape.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) && c != '\u{feff}' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// YAML 1.2's printable set, less the line breaks: no C0 or C1 controls, DEL, NEL, line
/// and paragraph separators, or the non-characters U+FFFE and U+FFFF.
fn printable(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
}

/// Standard base64 with padding (RFC 4648), for `caBundle` and Secret data; small enough
/// not to be worth a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn strings_that_yaml_would_misread_are_quoted() {
        for s in [
            "",
            "true",
            "No",
            "1",
            "0.0.0.0:8443",
            "a: b",
            "x:",
            "-",
            "--",
            "---",
            "-1",
            "---a",
            "-.inf",
            "*",
            "a\nb",
            "&a",
            "!x",
            "a b",
        ] {
            assert!(scalar(s).starts_with('"'), "{s:?} should be quoted");
        }
        for s in [
            "registry.example.com/x@sha256:ab",
            "--listen",
            "-v",
            "/validate",
            "v1",
        ] {
            assert_eq!(scalar(s), s);
        }
        assert_eq!(
            quote("a\u{2028}\u{85}\"\\\n\u{1b}"),
            r#""a\u2028\u0085\"\\\n\u001b""#
        );
    }
}
