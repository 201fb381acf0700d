//! conftest-style policies: `deny`, `violation` and `warn` rules (and their `_suffix`
//! forms) in the selected packages, evaluated with each document as `input`.
//!
//! Every rule definition that carries its own METADATA becomes its own lockgate rule: in
//! the engine used for scanning, its head is renamed (`deny` → `deny__lockgate3`) so its
//! results can be told apart. Policies that refer to their own `deny` set therefore see
//! only its unannotated definitions there; `lockgate policy test` runs the modules as
//! written.

use std::collections::{BTreeMap, HashSet};

use lockgate_model::Severity;
use regorus::{Engine, Value};

use crate::metadata::{Annotation, Scope, annotations};
use crate::module::{self, PolicyError};
use crate::rules::{RuleSource, build};
use crate::verdict::{Action, Outcome, Verdict, violations};

/// Which packages hold conftest rules.
#[derive(Debug, Clone)]
pub struct Namespaces {
    pub names: Vec<String>,
    pub all: bool,
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces {
            names: vec!["main".into()],
            all: false,
        }
    }
}

impl Namespaces {
    fn selects(&self, package: &str) -> bool {
        self.all || self.names.iter().any(|n| n == package)
    }
}

/// One evaluated rule.
#[derive(Debug)]
pub(crate) struct ConftestRule {
    pub meta: &'static lockgate_model::RuleMeta,
    /// `data.main.deny`
    pub query: String,
    pub path: String,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Conftest {
    pub engine: Engine,
    pub rules: std::sync::Arc<Vec<ConftestRule>>,
}

/// Whether a rule name is one conftest evaluates: `deny`, `violation` or `warn`, with
/// optional `_word` suffixes (conftest's `^(deny|violation|warn)(_[a-zA-Z0-9]+)*$`).
pub fn is_result_rule(name: &str) -> bool {
    ["deny", "violation", "warn"].iter().any(|kind| {
        name.strip_prefix(kind).is_some_and(|rest| {
            rest.is_empty()
                || rest.strip_prefix('_').is_some_and(|rest| {
                    rest.split('_').all(|word| {
                        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric())
                    })
                })
        })
    })
}

fn result_kind(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

/// The package a module declares, read from its text (before regorus parses it).
fn declared_package(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("package ")?;
        let name = rest.split('#').next().unwrap_or_default().trim();
        (!name.is_empty()).then(|| name.to_string())
    })
}

/// Whether `name` is used in a text other than as a rule head at the left margin (so a
/// renamed definition would change what that use sees).
fn referenced(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.lines().any(|line| {
        line.match_indices(name).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + name.len()..].chars().next();
            at > 0 && !before.is_some_and(ident) && !after.is_some_and(ident)
        })
    })
}

/// A module's text as evaluated, and the annotated definitions renamed in it.
struct Prepared {
    path: String,
    text: String,
    /// (new name, rule name, its annotation)
    renamed: Vec<(String, String, Annotation)>,
    notes: Vec<Annotation>,
}

/// Loads the modules into one engine and finds the rules to evaluate. Modules that do
/// not parse or compile are reported and left out; the rest still load.
pub(crate) fn load(
    files: &[(String, String)],
    namespaces: &Namespaces,
    new_engine: &dyn Fn() -> Engine,
    taken: &mut HashSet<String>,
    problems: &mut Vec<PolicyError>,
    warnings: &mut Vec<String>,
) -> Option<Conftest> {
    let selected: Vec<Option<String>> = files.iter().map(|(_, t)| declared_package(t)).collect();
    let mut counter = 0usize;
    let mut prepared: Vec<Prepared> = Vec::new();
    for ((path, text), package) in files.iter().zip(&selected) {
        let (notes, note_problems) = annotations(text);
        problems.extend(note_problems.into_iter().map(|p| PolicyError {
            path: path.clone(),
            line: p.line,
            column: 1,
            message: p.message,
            out_of_memory: false,
        }));
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut renamed = Vec::new();
        let mut notes_kept = Vec::new();
        let mut renamed_lines = HashSet::new();
        let is_selected = package.as_deref().is_some_and(|p| namespaces.selects(p));
        for mut note in notes {
            let rule = note.rule.clone().filter(|r| is_result_rule(r));
            let line_index = (note.rule_line as usize).checked_sub(1);
            let head = line_index
                .and_then(|i| lines.get(i))
                .cloned()
                .unwrap_or_default();
            let (Some(rule), Some(line_index), true, Scope::Rule) =
                (rule, line_index, is_selected, note.effective_scope())
            else {
                notes_kept.push(note);
                continue;
            };
            // Rename a definition of a result rule only where that cannot change what the
            // policy means: not a function, not a `default`, not a name read elsewhere in
            // the package; otherwise the block describes every definition.
            let rest = head.strip_prefix(rule.as_str()).unwrap_or("\u{0}");
            let same_package = |i: usize| selected[i] == *package;
            let used = files
                .iter()
                .enumerate()
                .any(|(i, (_, other))| same_package(i) && referenced(other, &rule));
            let renamable = !rest.starts_with(['(', '\u{0}'])
                && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                && !used
                && renamed_lines.insert(line_index);
            if !renamable {
                if used {
                    warnings.push(format!(
                        "{path} line {}: the METADATA block describes every definition of `{rule}`, which the policy also reads",
                        note.line
                    ));
                }
                note.scope = Some(Scope::Document);
                notes_kept.push(note);
                continue;
            }
            counter += 1;
            let new_name = format!("{rule}__lockgate{counter}");
            lines[line_index] = format!("{new_name}{rest}");
            renamed.push((new_name, rule, note));
        }
        let text = if renamed.is_empty() {
            text.clone()
        } else {
            let mut joined = lines.join("\n");
            joined.push('\n');
            joined
        };
        prepared.push(Prepared {
            path: path.clone(),
            text,
            renamed,
            notes: notes_kept,
        });
    }

    let sources: Vec<(&str, &str)> = prepared
        .iter()
        .map(|m| (m.path.as_str(), m.text.as_str()))
        .collect();
    let wanted = |name: &str| is_result_rule(name) || name.contains("__lockgate");
    let (engine, modules) = module::add_all(&sources, new_engine, wanted, problems)?;

    // (package, rule) → where it is and the annotations that apply.
    struct Found {
        package: String,
        name: String,
        base: String,
        path: String,
        line: u32,
        own: Option<Annotation>,
        ordinal: usize,
    }
    let mut found: Vec<Found> = Vec::new();
    let mut package_notes: BTreeMap<String, Vec<Annotation>> = BTreeMap::new();
    let mut document_notes: BTreeMap<(String, String), Vec<Annotation>> = BTreeMap::new();
    let mut packages: HashSet<String> = HashSet::new();
    for (index, module) in &modules {
        let source = &prepared[*index];
        packages.insert(module.package.clone());
        for note in &source.notes {
            match (note.effective_scope(), note.rule.clone()) {
                (Scope::Package | Scope::Subpackages, _) => package_notes
                    .entry(module.package.clone())
                    .or_default()
                    .push(note.clone()),
                (Scope::Document | Scope::Rule, Some(rule)) => document_notes
                    .entry((module.package.clone(), rule))
                    .or_default()
                    .push(note.clone()),
                _ => {}
            }
        }
        if !namespaces.selects(&module.package) {
            continue;
        }
        for (name, line) in &module.rules {
            let own = source.renamed.iter().find(|(new, _, _)| new == name);
            let base = own.map_or(name.clone(), |(_, base, _)| base.clone());
            let duplicate = found
                .iter()
                .any(|f| f.package == module.package && f.name == *name);
            if duplicate {
                continue;
            }
            let ordinal = found
                .iter()
                .filter(|f| f.package == module.package && f.base == base && f.own.is_some())
                .count()
                + 1;
            found.push(Found {
                package: module.package.clone(),
                name: name.clone(),
                base,
                path: source.path.clone(),
                line: own.map_or(*line, |(_, _, note)| note.rule_line),
                own: own.map(|(_, _, note)| note.clone()),
                ordinal,
            });
        }
    }
    // The default `main` may well be missing (a Gatekeeper repository's .rego sources);
    // a namespace the user chose should not be.
    if namespaces.names.is_empty() && !namespaces.all && !modules.is_empty() {
        warnings.push(
            "no policy namespace is selected (`[policy] namespaces` is empty): conftest rules are not evaluated"
                .to_string(),
        );
    }
    let chosen = namespaces.names != ["main"];
    if !namespaces.all && chosen && !modules.is_empty() {
        for name in namespaces.names.iter().filter(|n| !packages.contains(*n)) {
            let mut known: Vec<&str> = packages.iter().map(String::as_str).collect();
            known.sort_unstable();
            warnings.push(format!(
                "policy namespace `{name}`: no loaded .rego module has this package (packages: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    if found.is_empty() {
        return None;
    }
    let mut rules = Vec::new();
    for rule in &found {
        // Most specific first: the definition's own block, the rule's, the package's,
        // then `subpackages` blocks of enclosing packages, nearest first.
        let mut applying: Vec<&Annotation> = Vec::new();
        applying.extend(rule.own.as_ref());
        if let Some(notes) = document_notes.get(&(rule.package.clone(), rule.base.clone())) {
            applying.extend(notes.iter());
        }
        if let Some(notes) = package_notes.get(&rule.package) {
            applying.extend(notes.iter());
        }
        let mut parents: Vec<&String> = package_notes
            .keys()
            .filter(|p| rule.package.starts_with(&format!("{p}.")))
            .collect();
        parents.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for parent in parents {
            applying.extend(
                package_notes[parent]
                    .iter()
                    .filter(|n| n.scope == Some(Scope::Subpackages)),
            );
        }
        let default_id = if rule.own.is_some() {
            format!("{}.{}.{}", rule.package, rule.base, rule.ordinal)
        } else {
            format!("{}.{}", rule.package, rule.base)
        };
        let default_severity = if result_kind(&rule.base) == "warn" {
            Severity::Low
        } else {
            Severity::High
        };
        let meta = build(
            RuleSource {
                default_title: format!("Rego policy `{}.{}`", rule.package, rule.base),
                default_id,
                default_severity,
                defined_at: format!(
                    "rule `{}` in package `{}`, {} line {}",
                    rule.base, rule.package, rule.path, rule.line
                ),
                description: None,
                annotations: applying,
                framework: "rego:conftest",
            },
            taken,
        );
        rules.push(ConftestRule {
            meta,
            query: format!("data.{}.{}", rule.package, rule.name),
            path: rule.path.clone(),
            line: rule.line,
        });
    }
    Some(Conftest {
        engine,
        rules: std::sync::Arc::new(rules),
    })
}

impl Conftest {
    /// Evaluates every rule with `document` as input.
    pub fn evaluate(&mut self, document: &Value, out: &mut Vec<Verdict>) {
        self.engine.set_input(document.clone());
        for rule in self.rules.iter() {
            match self.engine.eval_rule(rule.query.clone()) {
                Ok(value) => violations(rule.meta, &value, Action::Deny, out),
                Err(error) => out.push(Verdict {
                    rule: rule.meta,
                    outcome: Outcome::Error(module::evaluation_error(
                        &rule.path, rule.line, &error,
                    )),
                }),
            }
        }
    }
}
