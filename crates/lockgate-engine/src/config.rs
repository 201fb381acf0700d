//! `lockgate.toml`: rule selection, severity overrides, rule settings, stage profiles and
//! waivers, resolved into the [`Effective`] configuration one scan runs with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use lockgate_model::{RuleMeta, Severity, Span};
use lockgate_policy::PolicySet;
use lockgate_rules::{Settings, rules};
use lockgate_secrets::{Catalog, RuleSpec, ScanSettings};
use serde::Deserialize;
use toml::Spanned;

use crate::Date;

/// The name of the configuration file searched for upward from the scanned path.
pub const CONFIG_FILE_NAME: &str = "lockgate.toml";

/// The built-in stage profiles, from least to most strict.
pub const PROFILES: &[&str] = &["dev", "test", "prod"];

/// What goes wrong reading a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Overrides a profile applies on top of the file's top level.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileFile {
    fail_on: Option<Severity>,
    enable: Vec<String>,
    disable: Vec<String>,
    settings: toml::Table,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct RulesFile {
    enable: Vec<String>,
    disable: Vec<String>,
    severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    profile: Option<String>,
    fail_on: Option<Severity>,
    exclude: Vec<String>,
    max_file_size: Option<u64>,
    rules: RulesFile,
    settings: toml::Table,
    profiles: BTreeMap<String, ProfileFile>,
    waivers: Vec<WaiverFile>,
    secrets: SecretsFile,
    vulnerabilities: VulnerabilitiesFile,
    packages: PackagesFile,
    policy: PolicyFile,
    admission: AdmissionConfig,
}

/// What `lockgate admit` does with a request whose object fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdmissionMode {
    /// Deny, with a message listing the rules, their messages and fixes.
    Enforce,
    /// Admit, and return the findings as warnings the client prints.
    Warn,
    /// Admit silently; the decision log and metrics record what would have been denied.
    Audit,
}

impl AdmissionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AdmissionMode::Enforce => "enforce",
            AdmissionMode::Warn => "warn",
            AdmissionMode::Audit => "audit",
        }
    }
}

/// `[admission]`: how `lockgate admit` answers admission requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AdmissionConfig {
    /// The mode of namespaces not named in `namespaces`.
    pub mode: AdmissionMode,
    /// Modes by namespace; keys may be globs (`team-*`). The most specific match wins:
    /// an exact name over a glob, a longer glob over a shorter one.
    pub namespaces: BTreeMap<String, AdmissionMode>,
    /// Namespaces whose requests are admitted without being judged (globs allowed).
    pub exempt_namespaces: Vec<String>,
    /// Also exempt Kubernetes' own namespaces (`kube-system`, `kube-public`,
    /// `kube-node-lease`).
    pub exempt_system_namespaces: bool,
    /// Users (`system:serviceaccount:ns:name`, `alice@example.com`) whose requests are
    /// admitted without being judged.
    pub exempt_users: Vec<String>,
    /// Groups (`system:masters`, `system:nodes`) whose members are exempt.
    pub exempt_groups: Vec<String>,
    /// Honour `lockgate.dev/ignore` annotations at admission. Off by default: in CI a
    /// reviewer sees the annotation, at admission whoever creates the object writes it
    /// (use waivers in this file instead).
    pub allow_ignore_annotations: bool,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            mode: AdmissionMode::Enforce,
            namespaces: BTreeMap::new(),
            exempt_namespaces: Vec::new(),
            exempt_system_namespaces: true,
            exempt_users: Vec::new(),
            exempt_groups: Vec::new(),
            allow_ignore_annotations: false,
        }
    }
}

/// Kubernetes' own namespaces, exempt from admission unless
/// `exempt-system-namespaces = false`.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// `[policy]`: Rego policies evaluated beside the built-in rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct PolicyFile {
    /// Directories or files of `.rego` policies and Gatekeeper templates and constraints,
    /// relative to the configuration file.
    paths: Vec<PathBuf>,
    /// The packages whose `deny`/`violation`/`warn` rules are evaluated.
    namespaces: Vec<String>,
    all_namespaces: bool,
    /// The longest one policy rule may run on one document (`500ms`, `2s`).
    timeout: String,
    /// The most memory one evaluation may add (`256MiB`, `1GiB`).
    memory: String,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            paths: Vec::new(),
            namespaces: vec!["main".into()],
            all_namespaces: false,
            timeout: "1s".into(),
            memory: "256MiB".into(),
        }
    }
}

/// What to load besides `[policy]` in the file: the command line's `--policy` paths and
/// namespace choices (which replace the file's).
#[derive(Debug, Clone, Default)]
pub struct PolicyArgs {
    pub paths: Vec<PathBuf>,
    pub namespaces: Vec<String>,
    pub all_namespaces: bool,
}

/// Reads a memory budget: a whole number with `KiB`, `MiB` or `GiB` (or `KB`, `MB`, `GB`).
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let units: [(&str, u64); 6] = [
        ("KiB", 1 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("KB", 1_000),
        ("MB", 1_000_000),
        ("GB", 1_000_000_000),
    ];
    let Some((number, scale)) = units
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, *scale)))
    else {
        return Err(format!(
            "`{text}` needs a unit: write e.g. `256MiB` or `1GiB`"
        ));
    };
    let value: u64 = number.trim().parse().map_err(|_| {
        format!(
            "`{text}` is not a whole number of {}",
            &text[number.len()..]
        )
    })?;
    match value.checked_mul(scale) {
        Some(bytes) if bytes >= 1 << 20 => Ok(bytes),
        _ => Err(format!("`{text}` must be at least 1MiB")),
    }
}

/// Reads a policy time budget: a whole number with `ms` or `s`, from 1ms to 600s.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 1)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1000)
    } else {
        return Err(format!("`{text}` needs a unit: write e.g. `500ms` or `2s`"));
    };
    let value: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of ms or s"))?;
    match value.checked_mul(scale) {
        Some(ms) if ms > 0 && ms <= 600_000 => Ok(std::time::Duration::from_millis(ms)),
        _ => Err(format!("`{text}` must be between 1ms and 600s")),
    }
}

/// `[packages]`: the user's package policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct PackagesFile {
    deny: Vec<DeniedPackageFile>,
    deny_licenses: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DeniedPackageFile {
    purl: String,
    #[serde(default)]
    reason: Option<String>,
}

/// A package the policy bans (PKG-001).
#[derive(Debug, Clone)]
pub struct DeniedPackage {
    /// The pattern as written (`pkg:npm/event-stream@3.3.6`).
    pub purl: String,
    pub pattern: lockgate_sbom::purl::Purl,
    pub reason: Option<String>,
}

/// `[packages]` for one scan: banned packages and denied licences.
#[derive(Debug, Clone, Default)]
pub struct PackagePolicy {
    pub deny: Vec<DeniedPackage>,
    /// Licence globs (`GPL-3.0*`), compared without regard to case (PKG-002).
    pub deny_licenses: Vec<String>,
}

/// `[vulnerabilities]`: where the advisory database is and how old it may be.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct VulnerabilitiesFile {
    /// The database file, relative to the configuration file.
    db: Option<PathBuf>,
    /// `7d`, `36h`, `2w`: an older database fails the gate (VULN-002).
    max_age: Option<String>,
    /// Also report RustSec informational notices (unmaintained, unsound).
    informational: bool,
    /// OpenVEX documents, relative to the configuration file.
    vex: Vec<PathBuf>,
}

/// Vulnerability matching settings for one scan (command-line flags override them).
#[derive(Debug, Clone, Default)]
pub struct VulnConfig {
    /// The database file from `[vulnerabilities] db`, resolved against the config's
    /// directory; `None` means the default location.
    pub db: Option<PathBuf>,
    /// The oldest database the gate accepts.
    pub max_age: Option<std::time::Duration>,
    /// Report RustSec informational notices too.
    pub informational: bool,
    /// OpenVEX documents from `[vulnerabilities] vex`, resolved against the config's
    /// directory.
    pub vex: Vec<PathBuf>,
}

/// Parses an age such as `7d`, `36h`, `90m` or `2w` (a number and one unit).
pub fn parse_age(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_seconds: u64 = match unit.trim() {
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not an age: write a number and a unit, m, h, d or w (e.g. `7d`)"
            ));
        }
    };
    let number: u64 = number.parse().map_err(|_| {
        format!("`{text}` is not an age: it must start with a whole number (e.g. `7d`)")
    })?;
    number
        .checked_mul(unit_seconds)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is too long an age"))
}

/// `[secrets]`: noise control for the secrets scanner, and the user's own rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct SecretsFile {
    enabled: bool,
    allow_paths: Vec<String>,
    stopwords: Vec<String>,
    allow: Vec<String>,
    rules: Vec<RuleSpec>,
}

impl Default for SecretsFile {
    fn default() -> Self {
        SecretsFile {
            enabled: true,
            allow_paths: Vec::new(),
            stopwords: Vec::new(),
            allow: Vec::new(),
            rules: Vec::new(),
        }
    }
}

/// The secrets scanner's configuration for one scan.
#[derive(Debug, Clone)]
pub struct SecretsConfig {
    /// `[secrets] enabled` (default true).
    pub enabled: bool,
    /// Noise settings; `disabled` holds the secret rules the profile turned off.
    pub settings: ScanSettings,
    /// Rules from `[[secrets.rules]]`.
    pub user_rules: Arc<Catalog>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WaiverFile {
    rule: Spanned<String>,
    #[serde(default)]
    advisory: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    object: Option<String>,
    owner: String,
    reason: String,
    expires: Spanned<String>,
}

/// An accepted risk: findings of `rule` within the scope are reported as waived until
/// `expires`.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Rule ID (`KUBE-003`), normalised from an ID or name.
    pub rule: String,
    /// Glob over the finding's path (relative to the scan root), if scoped by path.
    pub path: Option<String>,
    /// Glob over the object's `Kind/namespace/name`, if scoped by object.
    pub object: Option<String>,
    /// For vulnerable packages (VULN-001): the advisory ID or alias (`CVE-…`) waived.
    pub advisory: Option<String>,
    pub owner: String,
    pub reason: String,
    pub expires: Date,
    /// Where the waiver is written, for findings about the waiver itself.
    pub span: Span,
    /// The rule is not built in: it must be a policy rule (checked by `resolve`).
    pending: bool,
}

/// Stands for a waiver's rule that is not built in until policies are loaded.
static PENDING_POLICY_RULE: RuleMeta = RuleMeta {
    id: "",
    name: "",
    title: "",
    severity: Severity::Info,
    applies_to: &[],
    frameworks: &[],
    fix: "",
    docs: "",
};

/// A parsed configuration file (or the defaults when there is none).
#[derive(Debug, Clone, Default)]
pub struct Config {
    file: ConfigFile,
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Its text, so findings about waivers can show a code frame.
    pub text: Option<String>,
    waivers: Vec<Waiver>,
    /// The user's secret rules, compiled.
    user_secret_rules: Arc<Catalog>,
    /// Policies loaded with [`Config::load_policies`].
    policies: Option<Arc<PolicySet>>,
}

/// The configuration one scan runs with, after choosing a profile.
#[derive(Debug, Clone)]
pub struct Effective {
    pub profile: String,
    pub fail_on: Severity,
    /// IDs of the rules that run.
    pub enabled: BTreeSet<String>,
    pub severity_overrides: BTreeMap<String, Severity>,
    pub settings: Settings,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    pub waivers: Vec<Waiver>,
    pub secrets: SecretsConfig,
    pub vulnerabilities: VulnConfig,
    pub packages: PackagePolicy,
    /// Problems found while resolving (unknown rule IDs): shown as notices.
    pub warnings: Vec<String>,
    /// The Rego policies that run, if any.
    pub policies: Option<Arc<PolicySet>>,
}

/// Finds a rule by ID or name among the built-in rules, the secret catalog and the
/// user's secret rules.
pub fn find_any_rule(name: &str, user_secret_rules: &Catalog) -> Option<&'static RuleMeta> {
    if let Some(meta) = lockgate_rules::find_rule(name) {
        return Some(meta);
    }
    let by_name = |catalog: &Catalog| {
        catalog
            .rules
            .iter()
            .find(|r| r.meta.id == name || r.meta.name == name)
            .map(|r| r.meta)
    };
    lockgate_secrets::builtin_catalog()
        .ok()
        .and_then(by_name)
        .or_else(|| by_name(user_secret_rules))
}

impl Config {
    /// Finds `lockgate.toml` in `start` (a file's directory or a directory) or any parent.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = if absolute.is_dir() {
            Some(absolute.as_path())
        } else {
            absolute.parent()
        };
        while let Some(current) = dir {
            let candidate = current.join(CONFIG_FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
            dir = current.parent();
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, Some(path.to_path_buf()))
    }

    pub fn parse(text: &str, path: Option<PathBuf>) -> Result<Config, ConfigError> {
        let shown = path
            .clone()
            .unwrap_or_else(|| PathBuf::from(CONFIG_FILE_NAME));
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let user_secret_rules = Catalog::compile(file.secrets.rules.clone(), "[[secrets.rules]]")
            .map_err(|e| invalid(e.to_string()))?;
        if let Some(clash) = user_secret_rules.rules.iter().find(|r| {
            lockgate_rules::find_rule(r.meta.id).is_some()
                || lockgate_secrets::builtin_catalog()
                    .ok()
                    .and_then(|c| c.get(r.meta.id))
                    .is_some()
        }) {
            return Err(invalid(format!(
                "[[secrets.rules]]: rule ID `{}` is already a built-in rule; choose another",
                clash.meta.id
            )));
        }
        let probe = ScanSettings {
            allow_paths: file.secrets.allow_paths.clone(),
            allow: file.secrets.allow.clone(),
            ..ScanSettings::default()
        };
        lockgate_secrets::Scanner::new(&[], &probe).map_err(|e| invalid(e.to_string()))?;
        // Settings are checked now, so a typo fails at load time with the file's name.
        Settings::deserialize(toml::Value::Table(file.settings.clone()))
            .map_err(|e| invalid(format!("[settings]: {e}")))?;
        for (name, profile) in &file.profiles {
            if !PROFILES.contains(&name.as_str()) {
                return Err(invalid(format!(
                    "unknown profile `{name}` (profiles are {})",
                    PROFILES.join(", ")
                )));
            }
            let merged = merge_tables(&file.settings, &profile.settings);
            Settings::deserialize(toml::Value::Table(merged))
                .map_err(|e| invalid(format!("[profiles.{name}.settings]: {e}")))?;
        }
        if let Some(profile) = &file.profile
            && !PROFILES.contains(&profile.as_str())
        {
            return Err(invalid(format!(
                "unknown profile `{profile}` (profiles are {})",
                PROFILES.join(", ")
            )));
        }
        for entry in &file.packages.deny {
            let purl = lockgate_sbom::purl::Purl::parse(&entry.purl).ok_or_else(|| {
                invalid(format!(
                    "[packages] deny: `{}` is not a package-url; write e.g. `pkg:npm/event-stream` or `pkg:pypi/pycrypto@2.6.1`",
                    entry.purl
                ))
            })?;
            if purl.ecosystem_name().is_none() {
                return Err(invalid(format!(
                    "[packages] deny: `{}`: lockgate catalogs no `{}` packages (types: cargo, npm, pypi, golang, maven, gem, nuget, composer, deb/debian, apk/alpine)",
                    entry.purl, purl.kind
                )));
            }
        }
        for pattern in &file.packages.deny_licenses {
            globset::GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| invalid(format!("[packages] deny-licenses: `{pattern}`: {e}")))?;
        }
        if let Some(age) = &file.vulnerabilities.max_age {
            parse_age(age).map_err(|e| invalid(format!("[vulnerabilities] max-age: {e}")))?;
        }
        for pattern in &file.exclude {
            crate::sources::path_glob(pattern)
                .map_err(|e| invalid(format!("exclude pattern `{pattern}`: {e}")))?;
        }
        let mut waivers = Vec::new();
        for (index, waiver) in file.waivers.iter().enumerate() {
            let span = span_of(text, waiver.rule.span());
            let at = |message: String| {
                invalid(format!(
                    "waiver #{} (line {}): {message}",
                    index + 1,
                    span.line
                ))
            };
            // `rule = "CVE-2021-23337"` is short for the VULN-001 rule and that advisory.
            let (rule, advisory) = match find_any_rule(waiver.rule.get_ref(), &user_secret_rules) {
                Some(rule) => (rule, waiver.advisory.clone()),
                None if looks_like_advisory(waiver.rule.get_ref()) && waiver.advisory.is_none() => {
                    (
                        &lockgate_rules::package_rules::VULNERABLE_PACKAGE,
                        Some(waiver.rule.get_ref().clone()),
                    )
                }
                // Maybe a rule of a Rego policy: checked once policies are loaded.
                None => (&PENDING_POLICY_RULE, waiver.advisory.clone()),
            };
            let rule_id = if std::ptr::eq(rule, &PENDING_POLICY_RULE) {
                waiver.rule.get_ref().clone()
            } else {
                rule.id.to_string()
            };
            if advisory.is_some() && rule.id != lockgate_rules::package_rules::VULNERABLE_PACKAGE.id
            {
                return Err(at(format!(
                    "`advisory` only applies to rule VULN-001 (vulnerable-package), not {}",
                    rule.id
                )));
            }
            let expires = Date::parse(waiver.expires.get_ref()).ok_or_else(|| {
                at(format!(
                    "`expires` must be a date written YYYY-MM-DD, not `{}`",
                    waiver.expires.get_ref()
                ))
            })?;
            if waiver.owner.trim().is_empty() || waiver.reason.trim().is_empty() {
                return Err(at("`owner` and `reason` must not be empty".into()));
            }
            if let Some(glob) = &waiver.path {
                crate::sources::path_glob(glob)
                    .map_err(|e| at(format!("bad path glob `{glob}`: {e}")))?;
            }
            if let Some(glob) = &waiver.object {
                globset::Glob::new(glob)
                    .map_err(|e| at(format!("bad object glob `{glob}`: {e}")))?;
            }
            waivers.push(Waiver {
                rule: rule_id,
                pending: std::ptr::eq(rule, &PENDING_POLICY_RULE),
                path: waiver.path.clone(),
                object: waiver.object.clone(),
                advisory,
                owner: waiver.owner.clone(),
                reason: waiver.reason.clone(),
                expires,
                span,
            });
        }
        Ok(Config {
            file,
            path,
            text: Some(text.to_string()),
            waivers,
            user_secret_rules: Arc::new(user_secret_rules),
            policies: None,
        })
    }

    /// Loads the Rego policies of `[policy]` and `args` (whose paths add to the file's
    /// and whose namespaces replace them). Rule IDs of the built-in rules and secret
    /// catalogs are reserved. Nothing to load leaves the configuration as it is.
    pub fn load_policies(&mut self, args: &PolicyArgs) -> Result<(), ConfigError> {
        let shown = self
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(CONFIG_FILE_NAME));
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };
        let paths = self.policy_paths(args);
        if paths.is_empty() {
            return Ok(());
        }
        let time_budget = parse_timeout(&self.file.policy.timeout)
            .map_err(|e| invalid(format!("[policy] timeout: {e}")))?;
        let memory_budget = parse_memory(&self.file.policy.memory)
            .map_err(|e| invalid(format!("[policy] memory: {e}")))?;
        let namespaces = lockgate_policy::Namespaces {
            names: if args.namespaces.is_empty() {
                self.file.policy.namespaces.clone()
            } else {
                args.namespaces.clone()
            },
            all: args.all_namespaces || self.file.policy.all_namespaces,
        };
        let mut taken: std::collections::HashSet<String> = lockgate_rules::all_rules()
            .map(|r| r.id.to_string())
            .collect();
        if let Ok(catalog) = lockgate_secrets::builtin_catalog() {
            taken.extend(catalog.rules.iter().map(|r| r.meta.id.to_string()));
        }
        taken.extend(
            self.user_secret_rules
                .rules
                .iter()
                .map(|r| r.meta.id.to_string()),
        );
        let options = lockgate_policy::LoadOptions {
            namespaces,
            time_budget,
            memory_budget,
        };
        let set = PolicySet::load(&paths, &options, taken)
            .map_err(|e| invalid(format!("[policy]: {e}")))?;
        self.policies = Some(Arc::new(set));
        Ok(())
    }

    /// The policy paths to load: `[policy] paths` (relative to the configuration file)
    /// and the command line's.
    pub fn policy_paths(&self, args: &PolicyArgs) -> Vec<PathBuf> {
        let dir = self.path.as_deref().and_then(Path::parent);
        let mut paths: Vec<PathBuf> = self
            .file
            .policy
            .paths
            .iter()
            .map(|p| match dir {
                Some(dir) if p.is_relative() => dir.join(p),
                _ => p.clone(),
            })
            .collect();
        paths.extend(args.paths.iter().cloned());
        paths
    }

    /// The memory budget of one policy evaluation (`[policy] memory`).
    pub fn policy_memory_budget(&self) -> u64 {
        parse_memory(&self.file.policy.memory).unwrap_or(lockgate_policy::DEFAULT_MEMORY_BUDGET)
    }

    /// The loaded policies, if any.
    pub fn policies(&self) -> Option<&Arc<PolicySet>> {
        self.policies.as_ref()
    }

    /// The profile named in the file, if any.
    /// The `[admission]` section.
    pub fn admission(&self) -> &AdmissionConfig {
        &self.file.admission
    }

    pub fn default_profile(&self) -> Option<&str> {
        self.file.profile.as_deref()
    }

    /// Resolves the configuration for `profile` (the file's, else `test`) and an optional
    /// command-line `--fail-on`.
    pub fn resolve(
        &self,
        profile: Option<&str>,
        fail_on: Option<Severity>,
    ) -> Result<Effective, ConfigError> {
        let profile = profile
            .or(self.file.profile.as_deref())
            .unwrap_or("test")
            .to_string();
        let builtin = builtin_profile(&profile).ok_or_else(|| ConfigError::Invalid {
            path: self.path.clone().unwrap_or_default(),
            message: format!(
                "unknown profile `{profile}` (profiles are {})",
                PROFILES.join(", ")
            ),
        })?;
        let user = self
            .file
            .profiles
            .get(&profile)
            .cloned()
            .unwrap_or_default();
        let mut warnings = Vec::new();
        let policies = self.policies.as_deref();
        let find = |name: &str| {
            find_any_rule(name, &self.user_secret_rules)
                .or_else(|| policies.and_then(|p| p.find_rule(name)))
        };
        let mut waivers = self.waivers.clone();
        for waiver in waivers.iter_mut().filter(|w| w.pending) {
            match policies.and_then(|p| p.find_rule(&waiver.rule)) {
                Some(rule) => {
                    waiver.rule = rule.id.to_string();
                    waiver.pending = false;
                }
                None => {
                    return Err(ConfigError::Invalid {
                        path: self.path.clone().unwrap_or_default(),
                        message: format!(
                            "waiver (line {}): unknown rule `{}`{}",
                            waiver.span.line,
                            waiver.rule,
                            if policies.is_some() {
                                ", neither built in nor defined by the loaded policies"
                            } else {
                                ""
                            }
                        ),
                    });
                }
            }
        }
        let mut resolve_ids = |names: &[String], what: &str| -> Vec<String> {
            names
                .iter()
                .filter_map(|name| match find(name) {
                    Some(rule) => Some(rule.id.to_string()),
                    None => {
                        warnings.push(format!("{what}: unknown rule `{name}` ignored"));
                        None
                    }
                })
                .collect()
        };
        let mut enabled: BTreeSet<String> = rules()
            .iter()
            .map(|r| r.meta.id)
            .chain(lockgate_rules::docker_rules().iter().map(|r| r.meta.id))
            .chain(lockgate_rules::image_rules().iter().map(|r| r.meta.id))
            .chain(lockgate_rules::package_rules::ALL.iter().map(|r| r.id))
            .map(str::to_string)
            .collect();
        let secret_rules: Vec<&'static str> = lockgate_secrets::builtin_catalog()
            .map(|c| c.rules.iter().map(|r| r.meta.id).collect())
            .unwrap_or_default();
        enabled.extend(secret_rules.iter().map(|id| id.to_string()));
        enabled.extend(
            self.user_secret_rules
                .rules
                .iter()
                .map(|r| r.meta.id.to_string()),
        );
        if let Some(policies) = policies {
            enabled.extend(policies.rules().iter().map(|r| r.id.to_string()));
        }
        for id in builtin.disabled {
            enabled.remove(*id);
        }
        // Later levels win: the built-in profile, then the file's [rules], then the
        // file's section for this profile.
        for id in resolve_ids(&self.file.rules.disable, "[rules] disable") {
            enabled.remove(&id);
        }
        for id in resolve_ids(&self.file.rules.enable, "[rules] enable") {
            enabled.insert(id);
        }
        for id in resolve_ids(&user.disable, "profile disable") {
            enabled.remove(&id);
        }
        for id in resolve_ids(&user.enable, "profile enable") {
            enabled.insert(id);
        }
        let mut severity_overrides = BTreeMap::new();
        for (name, severity) in &self.file.rules.severity {
            match find(name) {
                Some(rule) => {
                    severity_overrides.insert(rule.id.to_string(), *severity);
                }
                None => warnings.push(format!("[rules.severity]: unknown rule `{name}` ignored")),
            }
        }
        let mut settings_table = builtin.settings();
        settings_table = merge_tables(&settings_table, &self.file.settings);
        settings_table = merge_tables(&settings_table, &user.settings);
        let settings = Settings::deserialize(toml::Value::Table(settings_table)).map_err(|e| {
            ConfigError::Invalid {
                path: self.path.clone().unwrap_or_default(),
                message: format!("settings for profile `{profile}`: {e}"),
            }
        })?;
        Ok(Effective {
            fail_on: fail_on
                .or(user.fail_on)
                .or(self.file.fail_on)
                .unwrap_or(builtin.fail_on),
            profile,
            severity_overrides,
            settings,
            exclude: self.file.exclude.clone(),
            max_file_size: self
                .file
                .max_file_size
                .unwrap_or(crate::DEFAULT_MAX_FILE_BYTES),
            waivers,
            policies: self.policies.clone(),
            secrets: SecretsConfig {
                enabled: self.file.secrets.enabled,
                settings: ScanSettings {
                    disabled: secret_rules
                        .iter()
                        .map(|id| id.to_string())
                        .chain(
                            self.user_secret_rules
                                .rules
                                .iter()
                                .map(|r| r.meta.id.to_string()),
                        )
                        .filter(|id| !enabled.contains(id))
                        .collect(),
                    allow_paths: self.file.secrets.allow_paths.clone(),
                    stopwords: self.file.secrets.stopwords.clone(),
                    allow: self.file.secrets.allow.clone(),
                },
                user_rules: Arc::clone(&self.user_secret_rules),
            },
            packages: PackagePolicy {
                // Checked when the file was read.
                deny: self
                    .file
                    .packages
                    .deny
                    .iter()
                    .filter_map(|entry| {
                        Some(DeniedPackage {
                            pattern: lockgate_sbom::purl::Purl::parse(&entry.purl)?,
                            purl: entry.purl.clone(),
                            reason: entry.reason.clone(),
                        })
                    })
                    .collect(),
                deny_licenses: self.file.packages.deny_licenses.clone(),
            },
            vulnerabilities: VulnConfig {
                db: self.file.vulnerabilities.db.as_ref().map(|db| {
                    match self.path.as_deref().and_then(Path::parent) {
                        Some(dir) => dir.join(db),
                        None => db.clone(),
                    }
                }),
                // Checked when the file was read.
                max_age: self
                    .file
                    .vulnerabilities
                    .max_age
                    .as_deref()
                    .and_then(|age| parse_age(age).ok()),
                informational: self.file.vulnerabilities.informational,
                vex: self
                    .file
                    .vulnerabilities
                    .vex
                    .iter()
                    .map(|vex| match self.path.as_deref().and_then(Path::parent) {
                        Some(dir) => dir.join(vex),
                        None => vex.clone(),
                    })
                    .collect(),
            },
            enabled,
            warnings,
        })
    }
}

/// What a built-in profile changes.
struct BuiltinProfile {
    fail_on: Severity,
    disabled: &'static [&'static str],
    require_namespace: bool,
}

impl BuiltinProfile {
    fn settings(&self) -> toml::Table {
        let mut table = toml::Table::new();
        if self.require_namespace {
            table.insert("require-namespace".into(), toml::Value::Boolean(true));
        }
        table
    }
}

/// `dev` keeps the rules that catch real breakouts and leaks (PSS baseline, secrets,
/// exposure); `test` adds the restricted profile and least privilege; `prod` adds
/// digest pinning, probes, sandboxing and explicit namespaces, and fails on anything.
fn builtin_profile(name: &str) -> Option<BuiltinProfile> {
    const RESTRICTED_AND_HARDENING: &[&str] = &[
        "KUBE-012",
        "KUBE-013",
        "KUBE-014",
        "KUBE-015",
        "KUBE-016",
        "KUBE-017",
        "KUBE-018",
        "KUBE-020",
        "KUBE-021",
        "KUBE-022",
        "KUBE-023",
        "KUBE-024",
        "KUBE-025",
        "KUBE-027",
        "KUBE-029",
        "KUBE-030",
        "KUBE-031",
        "KUBE-032",
        "KUBE-033",
        "DOCKER-022",
    ];
    const PROD_ONLY: &[&str] = &["KUBE-027", "KUBE-029", "KUBE-030", "KUBE-033", "DOCKER-022"];
    match name {
        "dev" => Some(BuiltinProfile {
            fail_on: Severity::High,
            disabled: RESTRICTED_AND_HARDENING,
            require_namespace: false,
        }),
        "test" => Some(BuiltinProfile {
            fail_on: Severity::High,
            disabled: PROD_ONLY,
            require_namespace: false,
        }),
        "prod" => Some(BuiltinProfile {
            fail_on: Severity::Low,
            disabled: &[],
            require_namespace: true,
        }),
        _ => None,
    }
}

/// `overlay`'s keys replace `base`'s.
fn merge_tables(base: &toml::Table, overlay: &toml::Table) -> toml::Table {
    let mut merged = base.clone();
    for (key, value) in overlay {
        merged.insert(key.clone(), value.clone());
    }
    merged
}

/// Converts a byte range of `text` to a 1-based line/column span.
pub(crate) fn span_of(text: &str, range: std::ops::Range<usize>) -> Span {
    let position = |offset: usize| {
        let before = text.get(..offset.min(text.len())).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    };
    let (line, column) = position(range.start);
    let (end_line, end_column) = position(range.end);
    Span {
        line,
        column,
        end_line,
        end_column,
    }
}

/// Whether a waiver's `rule` names an advisory rather than a rule: `CVE-2021-23337`,
/// `GHSA-35jh-r3h4-6jhm`, `PYSEC-2021-1`, `GO-2022-0001`, `RUSTSEC-2021-0001`,
/// `DSA-5000-1`. Only the prefixes of advisory databases count, so a mistyped rule ID
/// (`KUBE-999`) is still an error.
fn looks_like_advisory(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "CVE", "GHSA", "PYSEC", "GO", "RUSTSEC", "OSV", "DSA", "DLA", "DTSA", "USN", "ALSA",
        "ALBA", "RHSA", "RLSA", "SUSE", "MAL", "BIT", "HSEC", "PSF", "CGA", "UVI", "GSD",
    ];
    let Some((prefix, rest)) = name.split_once('-') else {
        return false;
    };
    PREFIXES.contains(&prefix)
        && rest
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_get_stricter_toward_production() {
        let config = Config::default();
        let dev = config.resolve(Some("dev"), None).unwrap();
        let test = config.resolve(Some("test"), None).unwrap();
        let prod = config.resolve(Some("prod"), None).unwrap();
        assert!(dev.enabled.is_subset(&test.enabled));
        assert!(test.enabled.is_subset(&prod.enabled));
        assert!(dev.fail_on >= test.fail_on && test.fail_on >= prod.fail_on);
        assert!(prod.settings.require_namespace && !test.settings.require_namespace);
        assert!(config.resolve(Some("staging"), None).is_err());
    }

    #[test]
    fn file_settings_profiles_and_overrides_apply() {
        let text = r#"
profile = "prod"
[rules]
disable = ["privileged-container"]
severity = { KUBE-002 = "low" }
[settings]
required-labels = ["team"]
[profiles.prod]
fail-on = "high"
settings = { min-replicas = 3 }
[[waivers]]
rule = "KUBE-005"
path = "deploy/agent/**"
owner = "platform"
reason = "node agent reads /var/log"
expires = "2099-01-01"
"#;
        let config = Config::parse(text, None).unwrap();
        let effective = config.resolve(None, None).unwrap();
        assert_eq!(effective.profile, "prod");
        assert_eq!(effective.fail_on, Severity::High);
        assert!(!effective.enabled.contains("KUBE-003"));
        assert_eq!(
            effective.severity_overrides.get("KUBE-002"),
            Some(&Severity::Low)
        );
        assert_eq!(effective.settings.required_labels, ["team"]);
        assert_eq!(effective.settings.min_replicas, Some(3));
        assert_eq!(effective.waivers[0].span.line, 12);
        let cli = config
            .resolve(Some("dev"), Some(Severity::Critical))
            .unwrap();
        assert_eq!(cli.fail_on, Severity::Critical);
    }

    #[test]
    fn mistakes_are_reported_with_the_file_and_what_to_do() {
        let error = Config::parse("[settings]\ntrusted-registry = []\n", None).unwrap_err();
        assert!(error.to_string().contains("trusted-registry"), "{error}");
        let error = Config::parse(
            "[[waivers]]\nrule = \"KUBE-003\"\nowner = \"a\"\nreason = \"b\"\nexpires = \"soon\"\n",
            None,
        )
        .unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }
}
