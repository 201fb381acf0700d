//! `lockgate image` (scan a container image through the engine, with the same
//! configuration, waivers, baselines, outputs and gate as `lockgate scan`) and
//! `lockgate verify` (cosign key-based signature verification, failing closed).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::ArgMatches;
use lockgate_engine::{
    Baseline, Config, Date, ImageInput, Input, PROFILES, ScanOptions, Scanners, scan,
};
use lockgate_image::{Cache, OpenOptions, PublicKey, RegistryOptions, SizeLimits, TreeLimits};

use crate::cli::{ImageArgs, RegistryArgs, VerifyArgs};
use crate::commands::{output_plan, terminal_progress, write_report};

fn registry_options(args: &RegistryArgs) -> RegistryOptions {
    RegistryOptions {
        insecure_registries: args.insecure_registries.clone(),
        ca_files: args.ca_files.clone(),
        auth_file: args.auth_file.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
    }
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
    let effective = config.resolve(args.profile.as_deref(), args.output.fail_on)?;
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
        },
        history: None,
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
