//! The rule catalog: rules are data. The built-in catalog is TOML embedded in the binary
//! (`rules/*.toml`, one file per provider family); users add rules of the same shape under
//! `[[secrets.rules]]` in `lockgate.toml`. Every rule is validated when loaded: unique ID,
//! a regular expression that compiles, lowercase keywords that the expression needs.

use std::sync::{Arc, OnceLock};

use crate::required::Required;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use lockgate_model::{RuleMeta, Severity};
use serde::Deserialize;

/// The embedded catalog files, in ID order.
const BUILTIN_FILES: &[(&str, &str)] = &[
    ("generic.toml", include_str!("../rules/generic.toml")),
    ("cloud.toml", include_str!("../rules/cloud.toml")),
    ("devtools.toml", include_str!("../rules/devtools.toml")),
    ("payment.toml", include_str!("../rules/payment.toml")),
    ("messaging.toml", include_str!("../rules/messaging.toml")),
    ("saas.toml", include_str!("../rules/saas.toml")),
    ("ops.toml", include_str!("../rules/ops.toml")),
];

/// Framework mappings shared by every secret rule.
const FRAMEWORKS: &[&str] = &["cwe:CWE-798", "mitre:T1552.001"];

/// One rule as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuleSpec {
    /// `SEC-NNN` for built-in rules; anything unique for user rules.
    pub id: String,
    /// Kebab-case name, e.g. `github-personal-access-token`.
    pub name: String,
    /// What was found, e.g. `GitHub personal access token`.
    pub title: String,
    /// Who issues the credential (`aws`, `github`, `generic`, ...).
    pub provider: String,
    pub severity: Severity,
    /// The token format in words, for the docs.
    pub description: String,
    /// Lowercase literals, one of which must occur near every match.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The expression; the secret is the group named `secret`, else group 1, else the
    /// whole match. Absent for rules that only look at file names (`paths`).
    #[serde(default)]
    pub regex: Option<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Expressions over the secret that mark it a false positive.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Substrings (any case) that mark the secret a false positive.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Exact values that are public knowledge: sample and test keys published in widely
    /// used open-source code and copied from there into many projects. They have the
    /// format of a credential, so nothing else tells them apart.
    #[serde(default)]
    pub public: Vec<String>,
    /// Globs the file path must match for the rule to run.
    #[serde(default)]
    pub paths: Vec<String>,
    /// The secret may span lines (PEM blocks): the expression sees 64 KiB from the line
    /// of the keyword instead of the line alone.
    #[serde(default)]
    pub multiline: bool,
    /// For a `multiline` rule: the window also ends where this text next occurs, e.g.
    /// `"\n---"` for a rule about one YAML document, which then never searches the
    /// documents after it.
    #[serde(default)]
    pub window_end: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// IDs of the equivalent rules in gitleaks, for users migrating and for conformance.
    #[serde(default)]
    pub gitleaks: Vec<String>,
    /// Texts the rule must detect (fixtures, checked by the tests).
    #[serde(default)]
    pub tp: Vec<Fixture>,
    /// Texts the rule must not detect.
    #[serde(default)]
    pub fp: Vec<Fixture>,
    /// File paths a path-only rule must detect (fixtures).
    #[serde(default)]
    pub tp_paths: Vec<String>,
    /// File paths a path-only rule must not detect.
    #[serde(default)]
    pub fp_paths: Vec<String>,
}

/// A fixture: a text, scanned as `fixture.txt`, or a text in a named file (for rules
/// limited by `paths`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Fixture {
    Text(String),
    InFile { path: String, text: String },
}

impl Fixture {
    pub fn text(&self) -> &str {
        match self {
            Fixture::Text(text) | Fixture::InFile { text, .. } => text,
        }
    }

    pub fn path(&self) -> &str {
        match self {
            Fixture::Text(_) => "fixture.txt",
            Fixture::InFile { path, .. } => path,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A compiled, validated rule.
#[derive(Debug)]
pub struct SecretRule {
    pub meta: &'static RuleMeta,
    pub spec: RuleSpec,
    /// The expression and the index of the group holding the secret, compiled on first
    /// use: a commit hook that touches three files should not pay for four hundred rules.
    compiled: OnceLock<Option<CompiledRegex>>,
    /// The literals every match needs, found on first use apart from the expression: a
    /// rule whose keywords occur but whose windows all lack them is never compiled
    /// (compiling is the dearer part of a rule's first use).
    required: OnceLock<Required>,
    /// The `allow` expressions, compiled when the rule first finds a candidate secret:
    /// most rules that run never do, and need not pay for compiling them.
    allow: OnceLock<Option<Vec<regex::bytes::Regex>>>,
    pub(crate) stopwords: Vec<String>,
    pub(crate) paths: Option<GlobSet>,
}

impl SecretRule {
    pub fn id(&self) -> &'static str {
        self.meta.id
    }

    pub fn provider(&self) -> &str {
        &self.spec.provider
    }

    /// Generic rules (an assignment to a secret-like name) give way to a provider rule
    /// that matched the same text.
    pub fn is_generic(&self) -> bool {
        self.spec.provider == "generic"
    }

    /// Whether the rule has an expression (else it looks at file names only).
    pub fn has_regex(&self) -> bool {
        self.spec.regex.is_some()
    }

    /// The compiled expression and its secret group. Built-in expressions are checked by
    /// the catalog tests and user ones when the configuration loads, so `None` only means
    /// a file-name rule.
    pub(crate) fn regex(&self) -> Option<&CompiledRegex> {
        self.compiled
            .get_or_init(|| build_regex(&self.spec).ok().flatten())
            .as_ref()
    }

    /// What a window must contain for the expression to have a chance (nothing for a
    /// file-name rule).
    pub(crate) fn required(&self) -> &Required {
        self.required.get_or_init(|| {
            self.spec
                .regex
                .as_deref()
                .map_or(Required::Nothing, Required::of)
        })
    }

    /// The `allow` expressions: a secret one of them matches is not reported. `None` when
    /// one does not compile (checked like the rule's expression when the catalog loads),
    /// which drops the rule's hits as an expression that does not compile would.
    pub(crate) fn allow(&self) -> Option<&[regex::bytes::Regex]> {
        self.allow
            .get_or_init(|| build_allow(&self.spec).ok())
            .as_deref()
    }

    /// Compiles the expressions now, reporting a bad one.
    pub fn validate(&self) -> Result<(), String> {
        build_regex(&self.spec)?;
        build_allow(&self.spec).map(|_| ())
    }

    pub(crate) fn applies_to_path(&self, path: Option<&str>) -> bool {
        match (&self.paths, path) {
            (None, _) => true,
            (Some(globs), Some(path)) => globs.is_match(path),
            (Some(_), None) => false,
        }
    }
}

/// A set of validated rules.
#[derive(Debug, Default)]
pub struct Catalog {
    pub rules: Vec<Arc<SecretRule>>,
}

/// A rule that could not be loaded: which file, which rule, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub source: String,
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "{}: secret rule `{rule}`: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for CatalogError {}

/// The built-in catalog, parsed on first use (expressions compile lazily, see
/// [`SecretRule::regex`]).
pub fn builtin_catalog() -> Result<&'static Catalog, CatalogError> {
    static CATALOG: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let mut specs = Vec::new();
            for (name, text) in BUILTIN_FILES {
                specs.extend(parse_rules(name, text)?);
            }
            Catalog::load(specs, "built-in catalog", false)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses a catalog file (`[[rule]]` tables) without compiling it.
pub fn parse_rules(source: &str, text: &str) -> Result<Vec<RuleSpec>, CatalogError> {
    toml::from_str::<RuleFile>(text)
        .map(|file| file.rule)
        .map_err(|error| CatalogError {
            source: source.to_string(),
            rule: None,
            message: error.to_string(),
        })
}

impl Catalog {
    /// Validates and compiles rules; `source` names where they came from in errors.
    pub fn compile(specs: Vec<RuleSpec>, source: &str) -> Result<Catalog, CatalogError> {
        Catalog::load(specs, source, true)
    }

    /// Validates rules; their expressions are compiled now when `eager`, else on first
    /// use.
    fn load(specs: Vec<RuleSpec>, source: &str, eager: bool) -> Result<Catalog, CatalogError> {
        let mut seen = std::collections::HashSet::new();
        let mut rules = Vec::with_capacity(specs.len());
        for spec in specs {
            let error = |message: String| CatalogError {
                source: source.to_string(),
                rule: Some(spec.id.clone()),
                message,
            };
            if !seen.insert(spec.id.clone()) {
                return Err(error("duplicate rule ID".into()));
            }
            let rule = compile_rule(spec.clone()).map_err(error)?;
            if eager {
                let _ = rule.compiled.set(build_regex(&rule.spec).map_err(error)?);
                let _ = rule
                    .allow
                    .set(Some(build_allow(&rule.spec).map_err(error)?));
            }
            rules.push(Arc::new(rule));
        }
        Ok(Catalog { rules })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<SecretRule>> {
        self.rules.iter().find(|r| r.meta.id == id)
    }
}

fn compile_rule(spec: RuleSpec) -> Result<SecretRule, String> {
    if spec.id.trim().is_empty() || spec.name.trim().is_empty() {
        return Err("`id` and `name` must not be empty".into());
    }
    if let Some(k) = spec
        .keywords
        .iter()
        .find(|k| k.is_empty() || **k != k.to_lowercase())
    {
        return Err(format!("keyword `{k}` must be non-empty lowercase"));
    }
    if spec.window_end.is_some() && !spec.multiline {
        return Err("`window-end` applies to `multiline` rules only".into());
    }
    if spec.window_end.as_deref() == Some("") {
        return Err("`window-end` must not be empty".into());
    }
    if spec.regex.is_none() && spec.paths.is_empty() {
        return Err("a rule needs a `regex`, `paths`, or both".into());
    }
    if spec.regex.is_some() && spec.keywords.is_empty() {
        return Err("a rule with a `regex` needs `keywords` (they select where it runs)".into());
    }
    let paths = if spec.paths.is_empty() {
        None
    } else {
        let mut builder = GlobSetBuilder::new();
        for pattern in &spec.paths {
            let glob = GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid `paths` glob `{pattern}`: {e}"))?;
            builder.add(glob);
        }
        Some(builder.build().map_err(|e| e.to_string())?)
    };
    let stopwords = spec.stopwords.iter().map(|s| s.to_lowercase()).collect();
    let meta = leak_meta(&spec);
    Ok(SecretRule {
        meta,
        spec,
        compiled: OnceLock::new(),
        required: OnceLock::new(),
        allow: OnceLock::new(),
        stopwords,
        paths,
    })
}

/// A rule's expression, compiled.
#[derive(Debug)]
pub(crate) struct CompiledRegex {
    pub regex: regex::bytes::Regex,
    /// The index of the group holding the secret.
    pub secret_group: usize,
}

/// Compiles an expression in the catalog's dialect. Secrets are ASCII: ASCII classes
/// (`\w`, `\b`) compile and run far faster than their Unicode forms.
fn compile(pattern: &str, field: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 * 1024 * 1024)
        .build()
        .map_err(|e| format!("invalid `{field}`: {e}"))
}

/// Compiles a rule's expression (`None` for a file-name rule) and finds its secret group:
/// the group named `secret`, else group 1, else the whole match.
fn build_regex(spec: &RuleSpec) -> Result<Option<CompiledRegex>, String> {
    let Some(pattern) = spec.regex.as_deref() else {
        return Ok(None);
    };
    let regex = compile(pattern, "regex")?;
    let group = regex
        .capture_names()
        .position(|name| name == Some("secret"))
        .unwrap_or(if regex.captures_len() > 1 { 1 } else { 0 });
    Ok(Some(CompiledRegex {
        regex,
        secret_group: group,
    }))
}

/// Compiles a rule's `allow` list.
fn build_allow(spec: &RuleSpec) -> Result<Vec<regex::bytes::Regex>, String> {
    spec.allow.iter().map(|p| compile(p, "allow")).collect()
}

/// Rule metadata lives as long as the process, like the built-in registry's. Catalogs
/// are built once per run (the built-in one once per process), so this is bounded.
fn leak_meta(spec: &RuleSpec) -> &'static RuleMeta {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let fix = spec.fix.clone().unwrap_or_else(|| {
        format!(
            "Revoke and rotate this credential with {} now (anyone who can read the file or \
             its history may hold it), delete it from the file, and load it at run time from \
             a secret store or environment variable.",
            provider_display(&spec.provider)
        )
    });
    let mut docs = format!(
        "## What it checks\n\n{}\n\nProvider: `{}`. Keywords that must appear near a match: {}.\n\n\
         ## Why it matters\n\nA {} in a file or in git history lets anyone who can read the \
         repository act with the owner's rights until the credential is revoked. Deleting it \
         in a later commit does not remove it from history.\n\n\
         ## Example\n\nFindings show the secret as a short prefix and its length only, e.g. \
         `abcd…(40 chars)`.\n\n## Fix\n\n{}\n\nIf the value is a test fixture, add \
         `lockgate:allow` in a comment on its line, or list the path under \
         `[secrets] allow-paths` in `lockgate.toml`.\n",
        spec.description,
        spec.provider,
        if spec.keywords.is_empty() {
            "none (file name rule)".to_string()
        } else {
            spec.keywords
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        spec.title,
        fix,
    );
    docs.push_str("\n## References\n\n");
    for reference in &spec.references {
        docs.push_str(&format!("- <{reference}>\n"));
    }
    if !spec.gitleaks.is_empty() {
        docs.push_str(&format!(
            "- gitleaks rule(s): {}\n",
            spec.gitleaks.join(", ")
        ));
    }
    docs.push_str("- CWE-798: Use of Hard-coded Credentials\n");
    Box::leak(Box::new(RuleMeta {
        id: leak(spec.id.clone()),
        name: leak(spec.name.clone()),
        title: leak(format!("{} found", spec.title)),
        severity: spec.severity,
        applies_to: &["any text file", "git history"],
        frameworks: FRAMEWORKS,
        fix: leak(fix),
        docs: leak(docs),
    }))
}

fn provider_display(provider: &str) -> String {
    if provider == "generic" {
        "its issuer".to_string()
    } else {
        format!("the issuer ({provider})")
    }
}
