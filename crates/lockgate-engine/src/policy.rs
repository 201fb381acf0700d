//! Rego policies in a scan: the documents and objects each source kept are evaluated
//! once every source is read (Gatekeeper's `data.inventory` holds all objects, and
//! `namespaceSelector` needs the scanned Namespaces' labels), in parallel, one evaluator
//! per worker. Violations become findings at the object, or at the key a result names;
//! policy errors (load, run time, time budget) become one `policy-error` finding per
//! policy place, counting the documents it happened on.

use std::collections::BTreeMap;
use std::sync::Arc;

use lockgate_kube::KubeObject;
use lockgate_model::{Finding, FindingStatus, ObjectRef, Span};
use lockgate_policy::{
    Inventory, Labels, Outcome as PolicyOutcome, PolicyError, PolicySet, Review, Value,
};
use lockgate_rules::engine_rules;
use lockgate_syntax::Node;
use rayon::prelude::*;

use crate::analyze::{Analyzer, Outcome};
use crate::suppress::Suppression;

/// A document or object kept for the policies.
#[derive(Debug)]
pub(crate) struct PolicyDocument {
    root: Node,
    value: Value,
    /// Evaluated by the conftest rules.
    conftest: bool,
    /// Reviewed by the Gatekeeper constraints.
    review: Option<Review>,
    object: Option<Arc<ObjectRef>>,
    anchor: Span,
    suppression: Option<Suppression>,
}

impl PolicyDocument {
    /// A Kubernetes object; `conftest` when it is also the whole document.
    pub fn object(
        object: KubeObject,
        identity: Arc<ObjectRef>,
        conftest: bool,
        review: bool,
        suppression: Option<Suppression>,
    ) -> Self {
        let review = if review {
            Review::of(&object.root)
        } else {
            None
        };
        let value = match &review {
            Some(review) => review.object.clone(),
            None => lockgate_policy::from_node(&object.root),
        };
        PolicyDocument {
            anchor: object.anchor_span(),
            value,
            conftest,
            review,
            object: Some(identity),
            suppression,
            root: object.root,
        }
    }

    /// A document that is not one Kubernetes object (a List, or any other YAML).
    pub fn plain(root: Node) -> Self {
        PolicyDocument {
            value: lockgate_policy::from_node(&root),
            anchor: Span::point(root.span.line, root.span.column),
            root,
            conftest: true,
            review: None,
            object: None,
            suppression: None,
        }
    }
}

/// Where one policy error happened and on how many documents.
struct ErrorSite {
    error: PolicyError,
    rule: Option<&'static lockgate_model::RuleMeta>,
    first: Option<String>,
    count: usize,
}

/// Evaluates the kept documents and adds the findings to their outcomes. Returns one
/// outcome per policy file with errors.
pub(crate) fn evaluate(
    analyzer: &Analyzer<'_>,
    set: &PolicySet,
    outcomes: &mut [Outcome],
) -> Vec<Outcome> {
    let mut inventory = Inventory::default();
    let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
    if set.has_constraints() {
        for review in outcomes
            .iter()
            .flat_map(|o| o.policy_documents.iter())
            .filter_map(|d| d.review.as_ref())
        {
            inventory.add(review);
            if review.kind == "Namespace"
                && review.api_version == "v1"
                && let Some(name) = &review.name
            {
                namespaces.insert(name.clone(), review.labels.clone());
            }
        }
    }
    let inventory = set.has_constraints().then(|| inventory.into_value());
    let limit =
        lockgate_policy::MemoryLimit::enter(set.memory_budget, rayon::current_num_threads());
    let results: Vec<(usize, Evaluated)> = outcomes
        .par_iter_mut()
        .enumerate()
        .filter(|(_, o)| !o.policy_documents.is_empty())
        .map_init(
            || set.evaluator(inventory.as_ref()),
            |evaluator, (index, outcome)| {
                let mut evaluated = Evaluated::default();
                for document in std::mem::take(&mut outcome.policy_documents) {
                    judge(
                        analyzer,
                        evaluator,
                        &namespaces,
                        outcome,
                        document,
                        false,
                        &mut evaluated,
                    );
                }
                (index, evaluated)
            },
        )
        .collect();
    let mut errors = Vec::new();
    let mut retry = Vec::new();
    for (index, evaluated) in results {
        errors.extend(evaluated.errors);
        retry.extend(
            evaluated
                .retry
                .into_iter()
                .map(|document| (index, document)),
        );
    }
    // Evaluations stopped by the memory limit while others ran beside them run again,
    // one at a time, each with the budget to itself.
    if !retry.is_empty() {
        let mut evaluator = set.evaluator(inventory.as_ref());
        for (index, document) in retry {
            limit.rebase(set.memory_budget, 1);
            let mut evaluated = Evaluated::default();
            judge(
                analyzer,
                &mut evaluator,
                &namespaces,
                &mut outcomes[index],
                document,
                true,
                &mut evaluated,
            );
            errors.extend(evaluated.errors);
        }
    }
    drop(limit);
    let mut sites: Vec<ErrorSite> = set
        .problems
        .iter()
        .map(|error| ErrorSite {
            error: error.clone(),
            rule: None,
            first: None,
            count: 0,
        })
        .collect();
    for (error, rule, what) in errors {
        let same = |site: &&mut ErrorSite| {
            site.error == error && site.rule.map(|r| r.id) == rule.map(|r| r.id)
        };
        match sites.iter_mut().find(same) {
            Some(site) => site.count += 1,
            None => sites.push(ErrorSite {
                error,
                rule,
                first: Some(what),
                count: 1,
            }),
        }
    }
    error_outcomes(analyzer, set, sites)
}

/// What an admission request says beyond its object, for Gatekeeper's `input.review`.
pub(crate) struct RequestContext<'a> {
    pub operation: &'a str,
    pub old_object: Option<Value>,
    pub user_info: Option<Value>,
}

/// Evaluates the documents of one request's object on the caller's thread, with the
/// caller's evaluator and no inventory, and adds the findings to `outcome`. Returns the
/// `policy-error` findings (at the policies' files), which fail the gate as in a scan.
pub(crate) fn evaluate_request(
    analyzer: &Analyzer<'_>,
    set: &PolicySet,
    evaluator: &mut lockgate_policy::Evaluator,
    outcome: &mut Outcome,
    context: &RequestContext<'_>,
) -> Vec<Finding> {
    let namespaces = BTreeMap::new();
    let mut evaluated = Evaluated::default();
    for mut document in std::mem::take(&mut outcome.policy_documents) {
        if let Some(review) = &mut document.review {
            review.operation = context.operation.to_string();
            review.old_object.clone_from(&context.old_object);
            review.user_info.clone_from(&context.user_info);
        }
        judge(
            analyzer,
            evaluator,
            &namespaces,
            outcome,
            document,
            true,
            &mut evaluated,
        );
    }
    let mut sites: Vec<ErrorSite> = Vec::new();
    for (error, rule, what) in evaluated.errors {
        sites.push(ErrorSite {
            error,
            rule,
            first: Some(what),
            count: 1,
        });
    }
    error_outcomes(analyzer, set, sites)
        .into_iter()
        .flat_map(|o| o.findings)
        .collect()
}

/// What evaluating an outcome's documents left to do besides its findings.
#[derive(Default)]
struct Evaluated {
    errors: Vec<(
        PolicyError,
        Option<&'static lockgate_model::RuleMeta>,
        String,
    )>,
    /// Documents whose evaluation hit the memory limit while others ran.
    retry: Vec<PolicyDocument>,
}

/// Evaluates one document and adds its findings to `outcome`. On the first run
/// (`alone` false), a document that hits the memory limit is set aside whole for a run
/// of its own.
#[allow(clippy::too_many_arguments)]
fn judge(
    analyzer: &Analyzer<'_>,
    evaluator: &mut lockgate_policy::Evaluator,
    namespaces: &BTreeMap<String, Labels>,
    outcome: &mut Outcome,
    document: PolicyDocument,
    alone: bool,
    evaluated: &mut Evaluated,
) {
    let mut verdicts = Vec::new();
    if document.conftest {
        evaluator.document(&document.value, &mut verdicts);
    }
    if let Some(review) = &document.review {
        evaluator.review(review, namespaces, &mut verdicts);
    }
    let out_of_memory = |v: &lockgate_policy::Verdict| matches!(&v.outcome, PolicyOutcome::Error(e) if e.out_of_memory);
    if !alone && verdicts.iter().any(out_of_memory) {
        evaluated.retry.push(document);
        return;
    }
    for verdict in verdicts {
        match verdict.outcome {
            PolicyOutcome::Violation { message, field, .. } => {
                if !analyzer.effective.enabled.contains(verdict.rule.id) {
                    continue;
                }
                // A policy may quote the value it judged: a secret the scanner found in
                // this source is shown redacted here too, as everywhere.
                let message = outcome.secret_values.redact(message);
                let finding = violation(
                    analyzer,
                    &outcome.path,
                    &document,
                    verdict.rule,
                    message,
                    field.as_deref(),
                );
                outcome.findings.push(finding);
            }
            PolicyOutcome::Error(mut error) => {
                if !analyzer.effective.enabled.contains(verdict.rule.id) {
                    continue;
                }
                if error.out_of_memory {
                    error.message = format!(
                        "the evaluation ran past its memory budget of {} MiB (`[policy] memory`)",
                        analyzer
                            .policies
                            .map_or(0, |p| p.memory_budget / (1024 * 1024))
                    );
                }
                let what = document
                    .object
                    .as_ref()
                    .map(|o| o.display_id())
                    .unwrap_or_else(|| format!("{} line {}", outcome.path, document.anchor.line));
                evaluated.errors.push((error, Some(verdict.rule), what));
            }
        }
    }
}

/// A violation as a finding: at the key its field path leads to, else at the object.
fn violation(
    analyzer: &Analyzer<'_>,
    path: &Arc<str>,
    document: &PolicyDocument,
    rule: &'static lockgate_model::RuleMeta,
    message: String,
    field: Option<&[lockgate_policy::FieldStep]>,
) -> Finding {
    let span = field
        .and_then(|field| lockgate_policy::span_of(&document.root, field))
        .unwrap_or(document.anchor);
    let mut finding = analyzer.finding(rule, path, span, document.object.clone(), message);
    if let Some(suppression) = &document.suppression
        && suppression.rule_ids.iter().any(|id| id == rule.id)
    {
        finding.status = FindingStatus::Suppressed {
            reason: suppression.reason.clone(),
        };
    }
    finding
}

/// One outcome per policy file, holding its `policy-error` findings.
fn error_outcomes(analyzer: &Analyzer<'_>, set: &PolicySet, sites: Vec<ErrorSite>) -> Vec<Outcome> {
    let mut by_path: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for site in sites {
        let mut message = match site.rule {
            Some(rule) => format!("policy rule {} failed: {}", rule.id, site.error.message),
            None => format!("policy not loaded: {}", site.error.message),
        };
        if let Some(first) = &site.first {
            message.push_str(&format!(" (on {first}"));
            if site.count > 1 {
                message.push_str(&format!(" and {} other document(s)", site.count - 1));
            }
            message.push(')');
        }
        let path: Arc<str> = Arc::from(site.error.path.as_str());
        let span = Span::point(site.error.line.max(1), site.error.column.max(1));
        let finding = analyzer.finding(&engine_rules::POLICY_ERROR, &path, span, None, message);
        by_path.entry(site.error.path).or_default().push(finding);
    }
    by_path
        .into_iter()
        .map(|(path, findings)| Outcome {
            text: set
                .sources
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| Arc::clone(text)),
            path: Arc::from(path.as_str()),
            findings,
            ..Outcome::default()
        })
        .collect()
}
