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
    after_help = "Examples:\n  lockgate scan deploy/\n  lockgate scan --profile prod --format sarif --output lockgate.sarif --format table .\n  kustomize build overlays/prod | lockgate scan -\n  lockgate scan --git main..HEAD\n  lockgate scan --staged            (what the pre-commit hook runs)\n  lockgate scan deploy/ --policy policy/   (your Rego policies: conftest and Gatekeeper)\n  lockgate hook install\n  lockgate explain KUBE-003"
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
    /// Check a container image: config, files, secrets, OS support (from an OCI layout, a
    /// docker-save archive or a registry).
    #[command(
        after_help = "REF is one of:\n  ./image-oci[:TAG|@DIGEST]       an OCI image layout directory (skopeo copy oci:, buildah push oci:)\n  ./image.tar[:REPO:TAG]          a `docker save` / `podman save` archive, or an OCI archive\n  registry.example/team/app:1.2   a registry reference (tag or @sha256: digest)\nThe prefixes oci:, oci-archive:, docker-archive: and docker:// force one reading.\n\nExamples:\n  lockgate image ./build/app.tar\n  lockgate image --profile prod ghcr.io/acme/api@sha256:…\n  lockgate image --insecure-registry registry.lab:5000 registry.lab:5000/app:dev\n\nLayers are cached by digest under ~/.cache/lockgate/images (--cache-dir, LOCKGATE_CACHE_DIR)."
    )]
    Image(ImageArgs),
    /// Verify an image's cosign signature with a public key (key-based cosign signing);
    /// exits 0 only when a valid signature for this exact image is found.
    Verify(VerifyArgs),
    /// Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3 JSON) of a directory's
    /// lockfiles and package databases, or of an image.
    #[command(
        after_help = "Examples:\n  lockgate sbom . -o sbom.cdx.json\n  lockgate sbom --format spdx services/api\n  lockgate sbom --image ./build/app.tar -o app.cdx.json\n\nRead: Cargo.lock, package-lock.json (v1-v3), yarn.lock, pnpm-lock.yaml, requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, go.mod, Gemfile.lock, composer.lock, gradle.lockfile, packages.lock.json, pom.xml, var/lib/dpkg/status, lib/apk/db/installed, var/lib/rpm/rpmdb.sqlite, and Go binaries (build info of Go 1.18+)."
    )]
    Sbom(SbomArgs),
    /// Manage the offline vulnerability database (OSV advisories in one local file).
    #[command(subcommand)]
    Db(DbCommand),
    /// Work with Rego policies: run their unit tests.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Serve the cluster's validating admission webhook (AdmissionReview v1 over HTTPS),
    /// judging each object with the same rules, policies, profiles and waivers as
    /// `lockgate scan`; `lockgate admit manifests` prints what deploys it.
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = "Endpoints: POST /validate (AdmissionReview v1), GET /healthz, /readyz, /metrics (Prometheus).\n\nModes come from [admission] in lockgate.toml: `mode` (enforce, warn or audit) and\n[admission.namespaces] per namespace; kube-system, kube-public and kube-node-lease are exempt\nunless `exempt-system-namespaces = false`. Decisions are logged as JSON lines (--decision-log).\nThe configuration, policies and certificate are reloaded when their files change.\n\nExamples:\n  lockgate admit --cert tls/tls.crt --key tls/tls.key --policy policy/\n  lockgate admit manifests --image registry.example/lockgate@sha256:… > lockgate-admission.yaml\n  lockgate admit manifests --url https://127.0.0.1:8443/validate --tls-dir tls"
    )]
    Admit(AdmitArgs),
}

#[derive(Debug, Args)]
pub struct AdmitArgs {
    #[command(subcommand)]
    pub command: Option<AdmitCommand>,

    #[command(flatten)]
    pub serve: AdmitServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum AdmitCommand {
    /// Print the manifests that run the webhook in a cluster (Namespace, ServiceAccount,
    /// Deployment, PodDisruptionBudget, Service, ValidatingWebhookConfiguration) and write
    /// a new CA and serving certificate to --tls-dir.
    Manifests(AdmitManifestsArgs),
}

#[derive(Debug, Args)]
pub struct AdmitServeArgs {
    /// Address and port to serve HTTPS on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,

    /// Serving certificate (PEM, with its chain); reloaded when the file changes.
    #[arg(long, value_name = "FILE", required = true)]
    pub cert: Option<PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", required = true)]
    pub key: Option<PathBuf>,

    /// Configuration file (default: lockgate.toml found upward from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Stage profile: dev, test or prod (default: the config's `profile`, else test).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    #[command(flatten)]
    pub policy: PolicySelection,

    /// Where decisions are logged, one JSON object per line: `-` for standard output, or
    /// a file to append to.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub decision_log: String,

    /// Largest AdmissionReview accepted (an update carries the object twice); larger ones
    /// get HTTP 413, and the webhook's failure policy decides.
    #[arg(long, value_name = "SIZE", default_value = "8MiB")]
    pub max_request_size: String,

    /// How often the configuration, policies and certificate files are checked for changes.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub reload_interval: String,

    /// After SIGTERM, how long to keep accepting connections while /readyz fails (so the
    /// Service stops sending requests here first).
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub shutdown_delay: String,

    /// Then, how long open connections may take to finish.
    #[arg(long, value_name = "DURATION", default_value = "20s")]
    pub shutdown_grace: String,

    /// Worker threads (default: one per CPU).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub workers: usize,

    /// The namespace lockgate runs in, exempt so the webhook can always be repaired
    /// (default: $POD_NAMESPACE).
    #[arg(long, value_name = "NAMESPACE")]
    pub own_namespace: Option<String>,
}

#[derive(Debug, Args)]
pub struct AdmitManifestsArgs {
    /// The lockgate image to run, pinned by digest (`registry.example/lockgate@sha256:…`).
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,

    /// Namespace to run in.
    #[arg(long, value_name = "NAMESPACE", default_value = "lockgate")]
    pub namespace: String,

    /// Name of the Deployment, Service and webhook objects.
    #[arg(long, value_name = "NAME", default_value = "lockgate-admission")]
    pub name: String,

    /// Replicas (at least 2, so the PodDisruptionBudget lets nodes drain).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub replicas: u32,

    /// What the API server does when lockgate cannot answer: Fail (reject: nothing
    /// unchecked is admitted) or Ignore (admit).
    #[arg(long, value_name = "POLICY", default_value = "Fail", value_parser = ["Fail", "Ignore"])]
    pub failure_policy: String,

    /// Seconds the API server waits for an answer (1-30).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub timeout_seconds: u32,

    /// Call lockgate at this https URL instead of through an in-cluster Service (only the
    /// webhook configuration is printed).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Another namespace the webhook does not see (repeat for several).
    #[arg(long = "exempt-namespace", value_name = "NAMESPACE")]
    pub exempt_namespaces: Vec<String>,

    /// A lockgate.toml to ship in a ConfigMap and run with.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where to write the new CA and serving certificate (ca.crt, tls.crt, tls.key).
    #[arg(long, value_name = "DIR", default_value = "lockgate-admission-tls")]
    pub tls_dir: PathBuf,

    /// Also print the TLS Secret (with the private key) so one `kubectl apply` is enough;
    /// do not commit such output.
    #[arg(long)]
    pub with_secret: bool,

    /// Lifetime of the generated certificates, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub validity_days: u32,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV advisories: JSON or YAML files, directories of them, and the
    /// per-ecosystem `all.zip` archives the OSV project publishes. Adds to the database
    /// (a record imported again replaces the old copy); a failed import changes nothing.
    #[command(
        after_help = "Examples:\n  lockgate db import ~/Downloads/PyPI-all.zip ~/Downloads/Go-all.zip\n  lockgate db import advisory-database/vulns/ --db ./osv.db"
    )]
    Import(DbImportArgs),
    /// Download OSV's per-ecosystem archives and import them: resumes interrupted
    /// downloads, checks every archive, skips unchanged ones, and changes nothing if any
    /// step fails.
    #[command(
        after_help = "Examples:\n  lockgate db update\n  lockgate db update --ecosystem PyPI --ecosystem npm\n  lockgate db update --base-url https://mirror.example/osv   (a mirror with the same {ecosystem}/all.zip layout)"
    )]
    Update(DbUpdateArgs),
    /// Show what the database holds: records, sources and age.
    Info(DbInfoArgs),
}

#[derive(Debug, Args)]
pub struct DbUpdateArgs {
    /// Where the `{ecosystem}/all.zip` archives live (default: the OSV project's public bucket).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// An OSV ecosystem to fetch, as the bucket names it (repeat; default: the ones
    /// lockgate catalogs: crates.io, npm, PyPI, Go, Maven, RubyGems, NuGet, Packagist,
    /// Debian, Alpine).
    #[arg(long = "ecosystem", value_name = "NAME")]
    pub ecosystems: Vec<String>,

    /// Allow plain HTTP to a base URL that is not on this machine.
    #[arg(long)]
    pub allow_plain_http: bool,

    /// The database file (default: $LOCKGATE_CACHE_DIR/osv.db, else ~/.cache/lockgate/osv.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DbImportArgs {
    /// Files, directories or zip archives of OSV records.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// The database file (default: $LOCKGATE_CACHE_DIR/osv.db, else ~/.cache/lockgate/osv.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DbInfoArgs {
    /// The database file (default: $LOCKGATE_CACHE_DIR/osv.db, else ~/.cache/lockgate/osv.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// The directory or file to catalog (default: the current directory), or with --image
    /// an image reference.
    #[arg(value_name = "PATH|REF")]
    pub target: Option<String>,

    /// Read TARGET as a container image (OCI layout, image archive or registry reference).
    #[arg(long)]
    pub image: bool,

    /// Document format: cyclonedx (1.6) or spdx (2.3).
    #[arg(long, short = 'f', default_value = "cyclonedx", value_parser = ["cyclonedx", "spdx"])]
    pub format: String,

    /// Write the document to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Where image layers are cached (default: $LOCKGATE_CACHE_DIR, else ~/.cache/lockgate).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// How to reach registries and where to keep layers.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// The platform of a multi-platform image, as os/arch[/variant] (default: this machine's).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,

    /// A registry (host[:port]) that may be reached over plain HTTP; loopback always may.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,

    /// A PEM file of CA certificates to trust for registries (only these CAs are then trusted).
    #[arg(long = "ca-file", value_name = "FILE")]
    pub ca_files: Vec<PathBuf>,

    /// Docker config file holding registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).
    #[arg(long = "registry-auth-file", value_name = "FILE")]
    pub auth_file: Option<PathBuf>,

    /// Timeout of each registry request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image: an OCI layout directory, an image archive, or a registry reference.
    #[arg(value_name = "REF")]
    pub reference: String,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Where layers are cached (default: $LOCKGATE_CACHE_DIR, else ~/.cache/lockgate).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Refuse images whose layers expand to more than this many bytes together.
    #[arg(long, value_name = "BYTES", default_value_t = 32 << 30)]
    pub max_image_size: u64,

    /// Refuse images with more than this many files (bounds memory).
    #[arg(long, value_name = "COUNT", default_value_t = 2_000_000)]
    pub max_image_files: usize,

    /// Do not search the image's files and config for secrets.
    #[arg(long)]
    pub no_secrets: bool,

    /// Do not check the image's packages (vulnerabilities, banned packages and licences).
    #[arg(long)]
    pub no_vulns: bool,

    #[command(flatten)]
    pub vulns: VulnArgs,

    /// Stage profile: dev, test or prod (default: the config's `profile`, else test).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Configuration file (default: lockgate.toml found upward from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The image, as a registry reference (tag or @sha256: digest).
    #[arg(value_name = "REF")]
    pub reference: String,

    /// The cosign public key (PEM, as `cosign generate-key-pair` writes cosign.pub).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Where and how a report is written, and what fails the gate.
#[derive(Debug, Args)]
pub struct OutputArgs {
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

    /// What to look for, comma-separated: manifests, dockerfiles, secrets, vulns (default:
    /// all; vulns only when the vulnerability database exists).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = ["manifests", "dockerfiles", "secrets", "vulns"])]
    pub scanners: Vec<String>,

    /// Also check the packages of this CycloneDX or SPDX JSON document for
    /// vulnerabilities (repeat for several). Without PATH, only the documents are scanned.
    #[arg(long = "sbom", value_name = "FILE")]
    pub sboms: Vec<PathBuf>,

    #[command(flatten)]
    pub vulns: VulnArgs,

    /// Search the git history for secrets instead of the files: every line added by the
    /// commits of RANGE (e.g. `main..HEAD`, `HEAD~20..`), or of all refs without RANGE.
    /// PATH is the repository.
    #[arg(long, value_name = "RANGE", num_args = 0..=1, conflicts_with = "staged")]
    pub git: Option<Option<String>>,

    /// Search only the staged changes for secrets (what the next commit would add).
    #[arg(long)]
    pub staged: bool,

    #[command(flatten)]
    pub policy: PolicySelection,
}

/// Rego policies to evaluate beside the built-in rules.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicySelection {
    /// A directory or file of Rego policies: conftest-style `.rego` files and Gatekeeper
    /// ConstraintTemplates and constraints (repeat for several; adds to `[policy] paths`).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,

    /// A Rego package whose `deny`, `violation` and `warn` rules are evaluated (repeat
    /// for several; default: `[policy] namespaces`, else `main`).
    #[arg(long = "namespace", value_name = "PACKAGE")]
    pub namespaces: Vec<String>,

    /// Evaluate the `deny`, `violation` and `warn` rules of every package.
    #[arg(long)]
    pub all_namespaces: bool,
}

/// Where the vulnerability database is and what may suppress its findings.
#[derive(Debug, Args)]
pub struct VulnArgs {
    /// The vulnerability database (default: `[vulnerabilities] db` in lockgate.toml, else
    /// $LOCKGATE_CACHE_DIR/osv.db, else ~/.cache/lockgate/osv.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Fail the gate when the vulnerability database is older than AGE (`7d`, `36h`, `2w`).
    #[arg(long, value_name = "AGE")]
    pub db_max_age: Option<String>,

    /// An OpenVEX document: its `not_affected` and `fixed` statements suppress the
    /// matching vulnerability findings (repeat for several).
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub selection: ScanSelection,

    #[command(flatten)]
    pub output: OutputArgs,
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

    /// Configuration file (default: lockgate.toml found upward from the current
    /// directory); its `[policy]` rules are listed too.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub policy: PolicySelection,

    /// Output format: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule ID (KUBE-003, SEC-100) or name (privileged-container, aws-access-key-id), or
    /// the ID of a policy rule (`main.deny`, `K8sRequiredLabels/must-have-owner`).
    pub rule: String,

    /// Configuration file (default: lockgate.toml found upward from the current
    /// directory), for the rules of its `[policy]`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub policy: PolicySelection,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the unit tests of Rego policies: the `test_` rules of `*_test.rego` files,
    /// evaluated with the policies beside them (as `opa test` does).
    #[command(
        after_help = "A test passes when its rule is true; false, undefined and errors fail it.\nExit status: 0 when every test passes, 1 when one fails or a module does not compile, 2 when no test is found.\n\nExamples:\n  lockgate policy test policy/\n  lockgate policy test policy/ --run deny_latest -v"
    )]
    Test(PolicyTestArgs),
}

#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Directories or files of `.rego` policies and their `*_test.rego` tests.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Only tests whose `package.test_name` contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub run: Option<String>,

    /// Also list the tests that pass, with their times.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Output format: text or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,

    /// The longest one test may run (`500ms`, `5s`).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,
}
