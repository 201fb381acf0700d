//! `lockgate image` (scan a container image through the engine, with the same
//! configuration, waivers, baselines, outputs and gate as `lockgate scan`),
//! `lockgate verify` (cosign key-based signature verification, failing closed) and
//! `lockgate sbom` (the packages of a directory or an image as CycloneDX or SPDX).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::ArgMatches;
use lockgate_engine::{
    Baseline, Config, Date, ImageInput, Input, PROFILES, ScanOptions, Scanners, scan,
};
use lockgate_image::{Cache, OpenOptions, PublicKey, RegistryOptions, SizeLimits, TreeLimits};

use crate::cli::{ImageArgs, RegistryArgs, SbomArgs, VerifyArgs};
use crate::commands::{output_plan, terminal_progress, write_report};

fn registry_options(args: &RegistryArgs) -> RegistryOptions {
    RegistryOptions {
        insecure_registries: args.insecure_registries.clone(),
        ca_files: args.ca_files.clone(),
        auth_file: args.auth_file.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
    }
}

fn open_options(
    registry: &RegistryArgs,
    cache_dir: Option<&std::path::Path>,
) -> anyhow::Result<OpenOptions> {
    if let Some(platform) = &registry.platform
        && platform.split('/').count() < 2
    {
        bail!("--platform takes os/arch[/variant], for example linux/amd64");
    }
    let cache_root = cache_dir.map_or_else(Cache::default_root, std::path::Path::to_path_buf);
    Ok(OpenOptions {
        platform: registry.platform.clone(),
        cache: Cache::new(&cache_root)?,
        size_limits: SizeLimits::default(),
        tree_limits: TreeLimits::default(),
        registry: registry_options(registry),
    })
}

pub fn run_sbom(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    use lockgate_engine::{PackageSource, catalog_packages};
    use lockgate_sbom::document::{SbomFormat, Subject, SubjectKind, document};
    let target = args.target.clone().unwrap_or_else(|| ".".to_string());
    let source = if args.image {
        PackageSource::Image(Box::new(ImageInput {
            reference: target.clone(),
            open: open_options(&args.registry, args.cache_dir.as_deref())?,
        }))
    } else {
        PackageSource::Path(target.clone().into())
    };
    let (set, described) = catalog_packages(&source)?;
    for problem in &set.problems {
        eprintln!("warning: {problem}");
    }
    let format: SbomFormat = args.format.parse().map_err(anyhow::Error::msg)?;
    let subject = Subject {
        name: &target,
        kind: if args.image {
            SubjectKind::Container
        } else {
            SubjectKind::Application
        },
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let mut text = serde_json::to_string_pretty(&document(&set, &subject, format))?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if let Err(error) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(error).context("cannot write to standard output");
            }
        }
    }
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) || args.output.is_some() {
        eprintln!(
            "lockgate: {} package(s) from {}{}",
            set.packages.len(),
            described.as_deref().unwrap_or(&target),
            if set.problems.is_empty() {
                String::new()
            } else {
                format!(", {} file(s) with problems (see above)", set.problems.len())
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_image(args: &ImageArgs, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    let plan = output_plan(&args.output, matches)?;
    if let Some(profile) = &args.profile
        && !PROFILES.contains(&profile.as_str())
    {
        bail!(
            "unknown profile `{profile}`: expected one of {}",
            PROFILES.join(", ")
        );
    }
    if let Some(platform) = &args.registry.platform
        && platform.split('/').count() < 2
    {
        bail!("--platform takes os/arch[/variant], for example linux/amd64");
    }
    let baseline = match &args.output.baseline {
        Some(path) => Some(Baseline::load(path)?),
        None => None,
    };
    let cache_root = args.cache_dir.clone().unwrap_or_else(Cache::default_root);
    let cache = Cache::new(&cache_root)?;
    let open = OpenOptions {
        platform: args.registry.platform.clone(),
        cache,
        size_limits: SizeLimits {
            max_image_bytes: args.max_image_size,
            ..SizeLimits::default()
        },
        tree_limits: TreeLimits {
            max_entries: args.max_image_files,
            ..TreeLimits::default()
        },
        registry: registry_options(&args.registry),
    };
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&std::env::current_dir().context("no current directory")?)?,
    };
    let max_age = crate::commands::parse_max_age(&args.vulns)?;
    let effective = config.resolve(args.profile.as_deref(), args.output.fail_on)?;
    let vulns = crate::commands::vuln_options(&args.vulns, max_age, &effective, false, Vec::new());
    let options = ScanOptions {
        inputs: vec![Input::Image(Box::new(ImageInput {
            reference: args.reference.clone(),
            open,
        }))],
        config,
        effective,
        baseline,
        today: Date::today(),
        render: false,
        progress: terminal_progress(),
        scanners: Scanners {
            manifests: false,
            dockerfiles: false,
            secrets: !args.no_secrets,
            vulns: !args.no_vulns,
        },
        history: None,
        vulns,
    };
    let report = scan(&options)?;
    if options.progress.is_some() {
        eprint!("\r\x1b[2K");
    }
    write_report(&report, &plan, &args.output.color)
}

pub fn run_verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let pem = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read the key {}", args.key.display()))?;
    let key =
        PublicKey::from_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", args.key.display()))?;
    match lockgate_image::verify(&args.reference, &key, &registry_options(&args.registry)) {
        Ok(verification) => {
            println!(
                "verified: {} ({}) has {} valid signature(s) for key {}",
                args.reference,
                verification.image_digest,
                verification.signatures.len(),
                args.key.display()
            );
            for signature in &verification.signatures {
                println!(
                    "  signed reference: {} (payload {})",
                    if signature.docker_reference.is_empty() {
                        "(none)"
                    } else {
                        &signature.docker_reference
                    },
                    signature.payload_digest.short()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        // A bad or missing signature fails the gate; an unreachable registry or a bad
        // argument is a tool error. Both are failures: nothing here passes by default.
        Err(lockgate_image::ImageError::Refused(message)) => {
            eprintln!("lockgate: verification FAILED: {message}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(anyhow::anyhow!("verification could not run: {error}")),
    }
}
