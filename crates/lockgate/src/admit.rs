//! `lockgate admit`: serve the validating admission webhook, and `lockgate admit
//! manifests`: print what runs it in a cluster.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use lockgate_engine::{Config, ObjectJudge};
use lockgate_server::manifests::{FailurePolicy, ManifestOptions};
use lockgate_server::{AdmissionRules, DecisionLog, Loaded, ServeOptions};

use crate::cli::{AdmitArgs, AdmitCommand, AdmitManifestsArgs, AdmitServeArgs};

pub(crate) fn run(args: AdmitArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(AdmitCommand::Manifests(manifests)) => print_manifests(&manifests),
        None => serve(args.serve),
    }
}

fn duration(text: &str, flag: &str) -> anyhow::Result<std::time::Duration> {
    lockgate_engine::parse_timeout(text).map_err(|e| anyhow!("{flag}: {e}"))
}

fn serve(mut args: AdmitServeArgs) -> anyhow::Result<ExitCode> {
    // The configuration file is found once: should it vanish for a moment later (a
    // volume swap), the reload fails and the running configuration stays, rather than
    // falling back to the defaults.
    if args.config.is_none() {
        let start = std::env::current_dir().context("no current directory")?;
        args.config = Config::discover(&start)?.path;
    }
    let (Some(cert), Some(key)) = (args.cert.clone(), args.key.clone()) else {
        bail!(
            "--cert and --key are required (PEM files; `lockgate admit manifests` writes a pair)"
        );
    };
    let max_request_bytes = lockgate_engine::parse_memory(&args.max_request_size)
        .map_err(|e| anyhow!("--max-request-size: {e}"))?;
    let decision_log = if args.decision_log == "-" {
        DecisionLog::stdout()
    } else {
        DecisionLog::file(Path::new(&args.decision_log))
            .with_context(|| format!("cannot open the decision log {}", args.decision_log))?
    };
    let options = ServeOptions {
        listen: args.listen,
        cert,
        key,
        decision_log,
        max_request_bytes: usize::try_from(max_request_bytes).unwrap_or(usize::MAX),
        reload_interval: duration(&args.reload_interval, "--reload-interval")?,
        shutdown_delay: duration_or_zero(&args.shutdown_delay, "--shutdown-delay")?,
        shutdown_grace: duration(&args.shutdown_grace, "--shutdown-grace")?,
        workers: args.workers,
        loader: Box::new(move |current| load(&args, current).map_err(|e| format!("{e:#}"))),
    };
    lockgate_server::run(options).map_err(|e| anyhow!(e))?;
    Ok(ExitCode::SUCCESS)
}

/// `0s` is a fine shutdown delay; the time parser wants at least 1ms.
fn duration_or_zero(text: &str, flag: &str) -> anyhow::Result<std::time::Duration> {
    if matches!(text.trim(), "0" | "0s" | "0ms") {
        return Ok(std::time::Duration::ZERO);
    }
    duration(text, flag)
}

/// Reads the configuration and policies; at start and on every change. A policy that
/// does not load is an error here (the previous configuration stays in use on reload),
/// where a scan would report it as a finding.
fn load(args: &AdmitServeArgs, current: Option<&Loaded>) -> anyhow::Result<Loaded> {
    let start = std::env::current_dir().context("no current directory")?;
    let config = crate::policy::config_with_policies(args.config.as_deref(), &start, &args.policy)?;
    if let Some(problem) = config.policies().and_then(|p| p.problems.first()) {
        bail!(
            "policy {} line {}: {}",
            problem.path,
            problem.line,
            problem.message
        );
    }
    let effective = config.resolve(args.profile.as_deref(), None)?;
    let own_namespace = args
        .own_namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok())
        .filter(|n| !n.is_empty());
    let rules = AdmissionRules::new(config.admission(), own_namespace.as_deref())
        .map_err(|e| anyhow!(e))?;
    let mut watched: Vec<PathBuf> = config.path.iter().cloned().collect();
    watched.extend(config.policy_paths(&crate::policy::policy_args(&args.policy)));
    let memory_budget = config.policy_memory_budget();
    let judge = ObjectJudge::replacing(&config, effective, current.map(|c| &c.judge))
        .map_err(|e| anyhow!(e))?;
    Ok(Loaded {
        judge,
        rules,
        watched,
        memory_budget,
    })
}

fn print_manifests(args: &AdmitManifestsArgs) -> anyhow::Result<ExitCode> {
    let Some(image) = args.image.clone() else {
        bail!(
            "--image is required: the lockgate image your cluster pulls, pinned by digest (e.g. registry.example/lockgate@sha256:…), so the manifests pass the prod profile"
        );
    };
    let config_toml = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            // Shipping a configuration lockgate itself would refuse helps nobody.
            Config::parse(&text, Some(path.clone()))?;
            Some(text)
        }
        None => None,
    };
    let options = ManifestOptions {
        namespace: args.namespace.clone(),
        name: args.name.clone(),
        image,
        replicas: args.replicas,
        failure_policy: if args.failure_policy == "Ignore" {
            FailurePolicy::Ignore
        } else {
            FailurePolicy::Fail
        },
        timeout_seconds: args.timeout_seconds,
        url: args.url.clone(),
        exempt_namespaces: args.exempt_namespaces.clone(),
        config_toml,
        with_secret: args.with_secret,
        validity_days: args.validity_days,
    };
    let manifests = lockgate_server::manifests::render(&options)?;
    write_tls_dir(
        &args.tls_dir,
        &manifests.ca_pem,
        &manifests.cert_pem,
        &manifests.key_pem,
    )?;
    print!("{}", manifests.yaml);
    eprintln!(
        "wrote ca.crt, tls.crt and tls.key to {} (the key is readable by you only)",
        args.tls_dir.display()
    );
    if args.url.is_none() && !args.with_secret {
        eprintln!(
            "then create the TLS Secret: kubectl -n {} create secret tls {}-tls --cert {} --key {}",
            args.namespace,
            args.name,
            args.tls_dir.join("tls.crt").display(),
            args.tls_dir.join("tls.key").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the certificates, the key with mode 0600; refuses to overwrite an existing
/// key, which may be in use.
fn write_tls_dir(dir: &Path, ca: &str, cert: &str, key: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key_path = dir.join("tls.key");
    if key_path.exists() {
        bail!(
            "{} already exists: choose another --tls-dir, or remove it to make a new certificate",
            key_path.display()
        );
    }
    std::fs::write(dir.join("ca.crt"), ca)
        .with_context(|| format!("cannot write {}", dir.join("ca.crt").display()))?;
    std::fs::write(dir.join("tls.crt"), cert)
        .with_context(|| format!("cannot write {}", dir.join("tls.crt").display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&key_path)
        .with_context(|| format!("cannot write {}", key_path.display()))?;
    std::io::Write::write_all(&mut file, key.as_bytes())
        .with_context(|| format!("cannot write {}", key_path.display()))?;
    Ok(())
}
