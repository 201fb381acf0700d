//! Rego policies for lockgate, evaluated with `regorus`: conftest-style rules (`deny`,
//! `violation`, `warn` in the selected packages, each document as `input`) and
//! Gatekeeper ConstraintTemplates with their constraints (`input.review`,
//! `input.parameters`, `data.inventory`, `spec.match`, `enforcementAction`).
//!
//! Policies are loaded and compiled once into a [`PolicySet`]; each worker takes an
//! [`Evaluator`] (a clone of the compiled engines) and evaluates documents in parallel.
//! Every policy rule becomes a lockgate rule with metadata (from Rego METADATA
//! annotations when present), so its findings look like built-in ones. A policy that
//! does not compile, fails at run time or runs out of its time budget is reported as a
//! [`PolicyError`] with its file and line; nothing here panics or passes silently.
//!
//! This crate reads policy files; it does not walk the documents to scan or decide what
//! a violation means for the gate (the engine does).

mod budget;
mod conftest;
mod gatekeeper;
mod matcher;
mod metadata;
mod module;
mod rules;
pub mod testing;
mod value;
mod verdict;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lockgate_model::RuleMeta;
use lockgate_syntax::Node;
use regorus::Engine;

pub use budget::{MemoryLimit, clear_standing_limit, set_standing_limit};
pub use conftest::Namespaces;
pub use gatekeeper::{Inventory, Review};
pub use matcher::Labels;
pub use metadata::{Annotation, annotations};
pub use module::PolicyError;
pub use regorus::Value;
pub use value::{FieldStep, field_path, from_node, span_of};
pub use verdict::{Action, Outcome, Verdict};

/// Files larger than this are not read as policies.
const MAX_POLICY_FILE: u64 = 4 * 1024 * 1024;
/// Most policy files one load reads.
const MAX_POLICY_FILES: usize = 10_000;

/// How policies are loaded and run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub namespaces: Namespaces,
    /// Longest one rule may run on one document.
    pub time_budget: Duration,
    /// Most memory one evaluation may add (see [`MemoryLimit`]).
    pub memory_budget: u64,
}

/// The default memory budget of one evaluation.
pub const DEFAULT_MEMORY_BUDGET: u64 = 256 * 1024 * 1024;

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            namespaces: Namespaces::default(),
            time_budget: Duration::from_secs(1),
            memory_budget: DEFAULT_MEMORY_BUDGET,
        }
    }
}

/// A policy path that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("policy path {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("policy path {0} holds no .rego files and no Gatekeeper templates or constraints")]
    Empty(String),
}

/// Loaded and compiled policies.
#[derive(Debug, Default)]
pub struct PolicySet {
    conftest: Option<conftest::Conftest>,
    templates: Vec<gatekeeper::Template>,
    constraints: Arc<Vec<gatekeeper::Constraint>>,
    rules: Vec<&'static RuleMeta>,
    /// Policies that could not be loaded: each is left out and reported.
    pub problems: Vec<PolicyError>,
    /// Doubtful choices that are not errors (a namespace no package has).
    pub warnings: Vec<String>,
    /// The text of every policy file, for code frames in reports.
    pub sources: Vec<(String, Arc<str>)>,
    /// How many policy files were loaded.
    pub files: usize,
    /// Every policy file read (canonical paths), so a scan of a tree that holds them
    /// does not judge the policies as manifests.
    pub file_paths: HashSet<PathBuf>,
    /// Most memory one evaluation may add.
    pub memory_budget: u64,
}

pub(crate) fn engine_with_budget(budget: Duration) -> Engine {
    let mut engine = Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: budget,
        check_interval: std::num::NonZeroU32::MIN.saturating_add(63),
    });
    engine
}

/// The policy files under `paths` (with `*_test.rego` files when `with_tests`), in a stable order: `.rego` files (tests excluded)
/// and YAML/JSON files that may hold Gatekeeper objects.
pub(crate) fn policy_files(
    paths: &[PathBuf],
    with_tests: bool,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), LoadError> {
    let mut rego = Vec::new();
    let mut yaml = Vec::new();
    for root in paths {
        let shown = root.display().to_string();
        let meta = std::fs::metadata(root).map_err(|source| LoadError::Io {
            path: shown.clone(),
            source,
        })?;
        let before = rego.len() + yaml.len();
        let mut stack = vec![(root.clone(), meta.is_dir())];
        // Symbolic links are followed (a policy directory is often a link to a shared
        // checkout); each directory is walked once, so a link loop ends.
        let mut visited_dirs = HashSet::new();
        while let Some((path, is_dir)) = stack.pop() {
            if is_dir {
                let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if !visited_dirs.insert(canonical) {
                    continue;
                }
                let entries = std::fs::read_dir(&path).map_err(|source| LoadError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                let mut children: Vec<(PathBuf, bool)> = entries
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .filter_map(|e| {
                        let path = e.path();
                        // `metadata` follows links; a dangling link is skipped.
                        let is_dir = std::fs::metadata(&path).ok()?.is_dir();
                        Some((path, is_dir))
                    })
                    .collect();
                children.sort();
                stack.extend(children.into_iter().rev());
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if name.ends_with(".rego") {
                if with_tests || !name.ends_with("_test.rego") {
                    rego.push(path);
                }
            } else if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e)) {
                yaml.push(path);
            }
            if rego.len() + yaml.len() > MAX_POLICY_FILES {
                return Err(LoadError::Io {
                    path: shown,
                    source: std::io::Error::other(format!(
                        "more than {MAX_POLICY_FILES} policy files"
                    )),
                });
            }
        }
        if rego.len() + yaml.len() == before && meta.is_dir() {
            return Err(LoadError::Empty(shown));
        }
    }
    // Overlapping paths (a directory and a file in it) name files twice: keep the first.
    let mut seen = HashSet::new();
    let mut unique = |files: Vec<PathBuf>| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())))
            .collect()
    };
    let rego = unique(rego);
    let yaml = unique(yaml);
    Ok((rego, yaml))
}

pub(crate) fn read_policy(path: &Path, problems: &mut Vec<PolicyError>) -> Option<String> {
    let shown = path.display().to_string();
    let problem = |message: String| PolicyError {
        path: shown.clone(),
        line: 1,
        column: 1,
        message,
        out_of_memory: false,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_POLICY_FILE => {
            problems.push(problem(format!(
                "policy file is {} bytes, over the {MAX_POLICY_FILE}-byte limit",
                meta.len()
            )));
            return None;
        }
        Err(error) => {
            problems.push(problem(format!("cannot read policy file: {error}")));
            return None;
        }
        Ok(_) => {}
    }
    // Bounded even when the size lied (a FIFO, a file still growing).
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|file| {
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_POLICY_FILE + 1),
            &mut bytes,
        )
    });
    if let Err(error) = read {
        problems.push(problem(format!("cannot read policy file: {error}")));
        return None;
    }
    if bytes.len() as u64 > MAX_POLICY_FILE {
        problems.push(problem(format!(
            "policy file is over the {MAX_POLICY_FILE}-byte limit"
        )));
        return None;
    }
    match String::from_utf8(bytes) {
        // A byte-order mark is legal at the start of a file but not Rego or YAML.
        Ok(text) => Some(
            text.strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text),
        ),
        Err(_) => {
            problems.push(problem("policy file is not UTF-8 text".into()));
            None
        }
    }
}

impl PolicySet {
    /// Loads every policy under `paths`. `taken` holds rule IDs already in use (the
    /// built-in rules'), which policy rules must not reuse.
    pub fn load(
        paths: &[PathBuf],
        options: &LoadOptions,
        taken: HashSet<String>,
    ) -> Result<PolicySet, LoadError> {
        let (rego_paths, yaml_paths) = policy_files(paths, false)?;
        let file_paths = rego_paths
            .iter()
            .chain(&yaml_paths)
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect();
        let mut set = PolicySet {
            memory_budget: options.memory_budget,
            file_paths,
            ..PolicySet::default()
        };
        let mut taken = taken;
        let mut rego_files = Vec::new();
        for path in &rego_paths {
            if let Some(text) = read_policy(path, &mut set.problems) {
                set.sources
                    .push((path.display().to_string(), Arc::from(text.as_str())));
                rego_files.push((path.display().to_string(), text));
            }
        }
        set.conftest = conftest::load(
            &rego_files,
            &options.namespaces,
            &|| engine_with_budget(options.time_budget),
            &mut taken,
            &mut set.problems,
            &mut set.warnings,
        );
        // Gatekeeper objects: templates first, so constraints find their kind.
        let mut documents = Vec::new();
        for path in &yaml_paths {
            let Some(text) = read_policy(path, &mut set.problems) else {
                continue;
            };
            let shown = path.display().to_string();
            let stream = lockgate_syntax::parse_stream(&text, lockgate_syntax::Limits::default());
            let relevant: Vec<_> = stream
                .documents
                .into_iter()
                .filter(|d| gatekeeper::is_template(d) || gatekeeper::is_constraint(d))
                .collect();
            if let Some(error) = stream.error
                && (!relevant.is_empty() || text.contains("gatekeeper.sh/"))
            {
                set.problems.push(PolicyError {
                    path: shown.clone(),
                    line: error.line,
                    column: error.column,
                    message: format!("invalid YAML: {}", error.message),
                    out_of_memory: false,
                });
            }
            if !relevant.is_empty() {
                set.sources.push((shown.clone(), Arc::from(text.as_str())));
                documents.push((shown, relevant));
            }
        }
        let mut failed_kinds: HashSet<String> = HashSet::new();
        for (path, nodes) in &documents {
            for node in nodes.iter().filter(|n| gatekeeper::is_template(n)) {
                let document = gatekeeper::PolicyDocument { path, node };
                match gatekeeper::load_template(&document, engine_with_budget(options.time_budget))
                {
                    Ok(template) => {
                        match set.templates.iter().find(|t| t.kind == template.kind) {
                            // Policy repositories often hold a kind's template twice (a
                            // library and its packaged copies): the first one is used.
                            Some(first) => set.warnings.push(format!(
                                "{path} line {}: ConstraintTemplate {} is also defined in {}; that one is used",
                                node.span.line, template.kind, first.path
                            )),
                            None => set.templates.push(template),
                        }
                    }
                    Err(error) => {
                        if let Some(kind) = gatekeeper::template_kind(node) {
                            failed_kinds.insert(kind);
                        }
                        set.problems.push(error);
                    }
                }
            }
        }
        let mut constraints = Vec::new();
        let mut seen_constraints: HashMap<(String, String), String> = HashMap::new();
        for (path, nodes) in &documents {
            for node in nodes.iter().filter(|n| gatekeeper::is_constraint(n)) {
                let kind = node
                    .get("kind")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                // The template's own error already fails the gate.
                if failed_kinds.contains(&kind) {
                    continue;
                }
                let name = node
                    .path(&["metadata", "name"])
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                if let Some(first) = seen_constraints.get(&(kind.clone(), name.clone())) {
                    set.warnings.push(format!(
                        "{path} line {}: constraint {kind}/{name} is also defined in {first}; that one is used",
                        node.span.line
                    ));
                    continue;
                }
                seen_constraints.insert((kind, name), path.clone());
                let document = gatekeeper::PolicyDocument { path, node };
                match gatekeeper::load_constraint(&document, &set.templates, &mut taken) {
                    Ok(constraint) => constraints.push(constraint),
                    Err(error) => set.problems.push(error),
                }
            }
        }
        set.constraints = Arc::new(constraints);
        set.files = rego_paths.len() + documents.len();
        if let Some(conftest) = &set.conftest {
            set.rules.extend(conftest.rules.iter().map(|r| r.meta));
        }
        set.rules.extend(set.constraints.iter().map(|c| c.meta));
        Ok(set)
    }

    /// Every rule the policies define.
    pub fn rules(&self) -> &[&'static RuleMeta] {
        &self.rules
    }

    pub fn find_rule(&self, id: &str) -> Option<&'static RuleMeta> {
        self.rules
            .iter()
            .copied()
            .find(|r| r.id == id || r.name == id)
    }

    /// Whether anything is evaluated.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether Gatekeeper constraints are loaded (and so objects need reviews and an
    /// inventory).
    pub fn has_constraints(&self) -> bool {
        !self.constraints.is_empty()
    }

    /// Whether conftest rules are loaded (and so every document is evaluated).
    pub fn has_documents_rules(&self) -> bool {
        self.conftest.is_some()
    }

    /// An evaluator for one worker. `inventory` (from [`Inventory::into_value`]) is the
    /// templates' `data.inventory`.
    pub fn evaluator(&self, inventory: Option<&Value>) -> Evaluator {
        let mut templates = self.templates.clone();
        if let Some(data) = inventory {
            for template in &mut templates {
                // The templates hold no other data, so merging cannot conflict.
                let _ = template.engine.add_data(data.clone());
            }
        }
        Evaluator {
            conftest: self.conftest.clone(),
            templates,
            constraints: Arc::clone(&self.constraints),
        }
    }
}

/// Evaluates documents against a [`PolicySet`]; one per worker.
pub struct Evaluator {
    conftest: Option<conftest::Conftest>,
    templates: Vec<gatekeeper::Template>,
    constraints: Arc<Vec<gatekeeper::Constraint>>,
}

impl Evaluator {
    /// conftest rules, with the document as `input`.
    pub fn document(&mut self, document: &Value, out: &mut Vec<Verdict>) {
        if let Some(conftest) = &mut self.conftest {
            conftest.evaluate(document, out);
        }
    }

    /// Gatekeeper constraints that match the object. `namespaces` holds the labels of the
    /// namespaces the scan knows, for `namespaceSelector`.
    pub fn review(
        &mut self,
        review: &Review,
        namespaces: &BTreeMap<String, Labels>,
        out: &mut Vec<Verdict>,
    ) {
        gatekeeper::evaluate(
            &mut self.templates,
            &self.constraints,
            review,
            namespaces,
            out,
        );
    }
}
