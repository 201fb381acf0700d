//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lockgate_model::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "lockgate",
    version,
    about = "Security gates from source to cluster: scan Kubernetes manifests and secrets, and fail the build by your rules.",
    long_about = "lockgate checks Kubernetes manifests (YAML, JSON, Kustomize, Helm) against the Pod \
Security Standards and least-privilege rules, searches every file, the git history and the \
staged changes for secrets (API keys, tokens, private keys, passwords), reports each finding \
with file, line and the object it concerns, and decides a CI gate. Secrets are never printed \
in clear.\n\nExit codes: 0 the gate passed, 1 the gate failed, 2 a usage or tool error.",
    after_help = "Examples:\n  lockgate scan deploy/\n  lockgate scan --profile prod --format sarif --output lockgate.sarif --format table .\n  kustomize build overlays/prod | lockgate scan -\n  lockgate scan --git main..HEAD\n  lockgate scan --staged            (what the pre-commit hook runs)\n  lockgate hook install\n  lockgate explain KUBE-003"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan manifests and files for problems and secrets, and decide the gate.
    Scan(ScanArgs),
    /// Record or use baselines of known findings.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// List the built-in rules (manifest rules and the secret catalog).
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Install git hooks that run lockgate.
    #[command(subcommand)]
    Hook(HookCommand),
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a pre-commit hook that runs `lockgate scan --staged` before every commit.
    Install(HookInstallArgs),
}

#[derive(Debug, Args)]
pub struct HookInstallArgs {
    /// The repository (default: the current directory's).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Replace an existing pre-commit hook that lockgate did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ScanSelection {
    /// Files or directories to scan (`-` reads standard input). Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Stage profile: dev, test or prod (default: the config's `profile`, else test).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Configuration file (default: lockgate.toml found upward from the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Do not run kubectl/helm to render Kustomize directories and Helm charts.
    #[arg(long)]
    pub no_render: bool,

    /// What to look for, comma-separated: manifests, dockerfiles, secrets (default: all).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = ["manifests", "dockerfiles", "secrets"])]
    pub scanners: Vec<String>,

    /// Search the git history for secrets instead of the files: every line added by the
    /// commits of RANGE (e.g. `main..HEAD`, `HEAD~20..`), or of all refs without RANGE.
    /// PATH is the repository.
    #[arg(long, value_name = "RANGE", num_args = 0..=1, conflicts_with = "staged")]
    pub git: Option<Option<String>>,

    /// Search only the staged changes for secrets (what the next commit would add).
    #[arg(long)]
    pub staged: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub selection: ScanSelection,

    /// Output format: table, json, sarif, junit, markdown. Repeat for several outputs.
    #[arg(long = "format", short = 'f', value_name = "FORMAT")]
    pub formats: Vec<String>,

    /// Write the preceding --format to FILE instead of standard output.
    #[arg(long = "output", short = 'o', value_name = "FILE")]
    pub outputs: Vec<PathBuf>,

    /// Fail the gate on open findings at or above this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Only findings not recorded in this baseline file count.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Force colours on or off in the table format (default: on for a terminal, off with NO_COLOR).
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan and record today's findings as the baseline.
    Write(BaselineWriteArgs),
}

#[derive(Debug, Args)]
pub struct BaselineWriteArgs {
    #[command(flatten)]
    pub selection: ScanSelection,

    /// Where to write the baseline.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "lockgate-baseline.json"
    )]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only rules mapped to a framework prefix, e.g. `pss:baseline`, `cis`, `mitre:T1611`.
    #[arg(long, value_name = "PREFIX")]
    pub framework: Option<String>,

    /// Output format: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule ID (KUBE-003, SEC-100) or name (privileged-container, aws-access-key-id).
    pub rule: String,
}
