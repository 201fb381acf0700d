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

/// Whether a rule name is one conftest evaluates.
pub fn is_result_rule(name: &str) -> bool {
    ["deny", "violation", "warn"].iter().any(|kind| {
        name.strip_prefix(kind)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    })
}

fn result_kind(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

/// Loads the modules into one engine and finds the rules to evaluate. Modules that do
/// not compile are reported and left out; the rest still load.
pub(crate) fn load(
    files: &[(String, String)],
    namespaces: &Namespaces,
    engine: Engine,
    taken: &mut HashSet<String>,
    problems: &mut Vec<PolicyError>,
    warnings: &mut Vec<String>,
) -> Option<Conftest> {
    let mut engine = engine;
    // (package, rule name) → the annotations that apply and where the rule is.
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
    let mut renamed = 0usize;
    let mut packages: HashSet<String> = HashSet::new();
    for (path, text) in files {
        let (notes, note_problems) = annotations(text);
        problems.extend(note_problems.into_iter().map(|p| PolicyError {
            path: path.clone(),
            line: p.line,
            column: 1,
            message: p.message,
            out_of_memory: false,
        }));
        // Rename annotated definitions of result rules in the copy that is evaluated.
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut own_notes: Vec<(String, String, Annotation)> = Vec::new();
        for note in &notes {
            let Some(rule) = note.rule.as_deref().filter(|r| is_result_rule(r)) else {
                continue;
            };
            if note.effective_scope() != Scope::Rule {
                continue;
            }
            let Some(line) = lines.get_mut(note.rule_line as usize - 1) else {
                continue;
            };
            if let Some(rest) = line.strip_prefix(rule) {
                renamed += 1;
                let new_name = format!("{rule}__lockgate{renamed}");
                *line = format!("{new_name}{rest}");
                own_notes.push((new_name, rule.to_string(), note.clone()));
            }
        }
        let evaluated = if own_notes.is_empty() {
            text.clone()
        } else {
            let mut joined = lines.join("\n");
            joined.push('\n');
            joined
        };
        let module = match module::add(&mut engine, path, &evaluated) {
            Ok(module) => module,
            Err(error) => {
                problems.push(error);
                continue;
            }
        };
        packages.insert(module.package.clone());
        for note in notes {
            match (note.effective_scope(), note.rule.clone()) {
                (Scope::Package | Scope::Subpackages, _) => package_notes
                    .entry(module.package.clone())
                    .or_default()
                    .push(note),
                (Scope::Document, Some(rule)) => document_notes
                    .entry((module.package.clone(), rule))
                    .or_default()
                    .push(note),
                _ => {}
            }
        }
        if !namespaces.selects(&module.package) {
            continue;
        }
        for (name, line) in &module.rules {
            let own = own_notes.iter().find(|(new, _, _)| new == name);
            let base = own.map_or(name.clone(), |(_, base, _)| base.clone());
            if !is_result_rule(&base) {
                continue;
            }
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
                path: path.clone(),
                line: own.map_or(*line, |(_, _, note)| note.rule_line),
                own: own.map(|(_, _, note)| note.clone()),
                ordinal,
            });
        }
    }
    // The default `main` may well be missing (a Gatekeeper repository's .rego sources);
    // a namespace the user chose should not be.
    let chosen = namespaces.names != ["main"];
    if !namespaces.all && chosen && !files.is_empty() {
        for name in namespaces.names.iter().filter(|n| !packages.contains(*n)) {
            let mut known: Vec<&String> = packages.iter().collect();
            known.sort();
            let known: Vec<&str> = known.iter().map(|p| p.as_str()).collect();
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
        let mut applying: Vec<&Annotation> = Vec::new();
        applying.extend(rule.own.as_ref());
        if let Some(notes) = document_notes.get(&(rule.package.clone(), rule.base.clone())) {
            applying.extend(notes.iter());
        }
        // Subpackage notes of parent packages apply too.
        for (package, notes) in &package_notes {
            let applies = *package == rule.package
                || (rule.package.starts_with(&format!("{package}."))
                    && notes.iter().any(|n| n.scope == Some(Scope::Subpackages)));
            if applies {
                applying.extend(notes.iter());
            }
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
