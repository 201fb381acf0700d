//! Gatekeeper: ConstraintTemplates (Rego under the `admission.k8s.gatekeeper.sh`
//! target, with libs) and their constraints, evaluated the way Gatekeeper does. Each
//! object is `input.review.object` (with `kind`, `operation`, `name`, `namespace`, and
//! `oldObject` and `userInfo` when an admission request has them), the constraint's
//! `spec.parameters` are `input.parameters`, the other objects are `data.inventory`,
//! and each result of `violation` with its `msg` is one violation.
//!
//! Every template has an engine of its own, since templates may use the same package
//! and library names; every constraint is one lockgate rule (`Kind/name`).

use std::collections::{BTreeMap, HashSet};

use lockgate_model::Severity;
use lockgate_syntax::Node;
use regorus::{Engine, Value};

use crate::matcher::{Labels, Match, Target};
use crate::module::{self, PolicyError};
use crate::rules::{RuleSource, build};
use crate::verdict::{Action, Outcome, Verdict, violations};

pub(crate) const TARGET: &str = "admission.k8s.gatekeeper.sh";

#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub kind: String,
    pub engine: Engine,
    /// `data.<package>.violation`
    pub query: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub path: String,
    /// The line of the template's `rego`.
    pub line: u32,
}

#[derive(Debug)]
pub(crate) struct Constraint {
    pub meta: &'static lockgate_model::RuleMeta,
    pub template: usize,
    pub matcher: Match,
    pub parameters: Value,
    pub action: Action,
}

/// A document of a policy file, with where it came from.
pub(crate) struct PolicyDocument<'a> {
    pub path: &'a str,
    pub node: &'a Node,
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text).filter(|t| !t.is_empty())
}

/// Whether a document is a ConstraintTemplate.
pub(crate) fn is_template(node: &Node) -> bool {
    node.get("kind").and_then(Node::as_str) == Some("ConstraintTemplate")
        && node
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("templates.gatekeeper.sh/"))
}

/// The constraint kind a template defines, when it names one.
pub(crate) fn template_kind(node: &Node) -> Option<String> {
    node.path(&["spec", "crd", "spec", "names", "kind"])
        .and_then(Node::scalar_text)
}

/// Whether a document is a constraint.
pub(crate) fn is_constraint(node: &Node) -> bool {
    node.get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with("constraints.gatekeeper.sh/"))
}

/// The Rego of a template's admission target: `rego` and `libs`, or the newer
/// `code: [{engine: Rego, source: {rego, libs}}]` form. Each with the file line its
/// first line of Rego is on.
fn template_rego(target: &Node) -> Option<(&Node, Vec<&Node>)> {
    if let Some(rego) = target.get("rego") {
        return Some((
            rego,
            target
                .get("libs")
                .map(|l| l.items().iter().collect())
                .unwrap_or_default(),
        ));
    }
    target.get("code")?.items().iter().find_map(|code| {
        if code.get("engine").and_then(Node::as_str) != Some("Rego") {
            return None;
        }
        let source = code.get("source")?;
        Some((
            source.get("rego")?,
            source
                .get("libs")
                .map(|l| l.items().iter().collect())
                .unwrap_or_default(),
        ))
    })
}

/// Turns a Rego error inside a YAML string into a place in the YAML file. Block scalars
/// (`rego: |`) start on the line after their key; other scalars are one line.
fn place_in_file(error: PolicyError, node: &Node, file: &str, text: &str) -> PolicyError {
    let first_line = if text.contains('\n') && node.span.end_line > node.span.line {
        node.span.line + 1
    } else {
        node.span.line
    };
    PolicyError {
        path: file.to_string(),
        line: first_line + error.line.saturating_sub(1),
        column: error.column,
        message: error.message,
        out_of_memory: false,
    }
}

pub(crate) fn load_template(
    document: &PolicyDocument<'_>,
    engine: Engine,
) -> Result<Template, PolicyError> {
    let node = document.node;
    let at = |node: &Node, message: String| PolicyError {
        path: document.path.to_string(),
        line: node.span.line,
        column: node.span.column,
        message,
        out_of_memory: false,
    };
    let kind = node
        .path(&["spec", "crd", "spec", "names", "kind"])
        .and_then(Node::scalar_text)
        .ok_or_else(|| {
            at(
                node,
                "ConstraintTemplate has no `spec.crd.spec.names.kind`".into(),
            )
        })?;
    let targets = node
        .path(&["spec", "targets"])
        .map(Node::items)
        .unwrap_or_default();
    let target = targets
        .iter()
        .find(|t| t.get("target").and_then(Node::as_str) == Some(TARGET))
        .ok_or_else(|| {
            at(
                node,
                format!("ConstraintTemplate {kind} has no `{TARGET}` target"),
            )
        })?;
    let (rego, libs) = template_rego(target).ok_or_else(|| {
        at(
            target,
            format!("ConstraintTemplate {kind} has no Rego code"),
        )
    })?;
    let mut engine = engine;
    for (index, lib) in libs.iter().enumerate() {
        let source = lib.as_str().unwrap_or_default();
        let name = format!("{}#{kind}/lib{index}", document.path);
        module::add(&mut engine, &name, source, |_| false)
            .map_err(|e| place_in_file(e, lib, document.path, source))?;
    }
    let source = rego.as_str().ok_or_else(|| {
        at(
            rego,
            format!("ConstraintTemplate {kind}: `rego` must be a string"),
        )
    })?;
    let name = format!("{}#{kind}", document.path);
    let module = module::add(&mut engine, &name, source, |rule| rule == "violation")
        .map_err(|e| place_in_file(e, rego, document.path, source))?;
    module::compile_check(&mut engine).map_err(|error| {
        let lib =
            (0..libs.len()).find(|i| error.path == format!("{}#{kind}/lib{i}", document.path));
        match lib {
            Some(index) => {
                let source = libs[index].as_str().unwrap_or_default();
                place_in_file(error, libs[index], document.path, source)
            }
            None => place_in_file(error, rego, document.path, source),
        }
    })?;
    if !module.rules.iter().any(|(rule, _)| rule == "violation") {
        return Err(at(
            rego,
            format!("ConstraintTemplate {kind}: the Rego has no `violation` rule"),
        ));
    }
    let annotations = node.path(&["metadata", "annotations"]);
    Ok(Template {
        query: format!("data.{}.violation", module.package),
        title: text(annotations.and_then(|a| a.get("metadata.gatekeeper.sh/title"))),
        description: text(annotations.and_then(|a| a.get("description"))),
        kind,
        engine,
        path: document.path.to_string(),
        line: rego.span.line,
    })
}

pub(crate) fn load_constraint(
    document: &PolicyDocument<'_>,
    templates: &[Template],
    taken: &mut HashSet<String>,
) -> Result<Constraint, PolicyError> {
    let node = document.node;
    let at = |node: &Node, message: String| PolicyError {
        path: document.path.to_string(),
        line: node.span.line,
        column: node.span.column,
        message,
        out_of_memory: false,
    };
    let kind = text(node.get("kind")).ok_or_else(|| at(node, "constraint has no `kind`".into()))?;
    let name = text(node.path(&["metadata", "name"]))
        .ok_or_else(|| at(node, format!("{kind} constraint has no `metadata.name`")))?;
    let template = templates
        .iter()
        .position(|t| t.kind == kind)
        .ok_or_else(|| at(node, format!("constraint {kind}/{name}: no ConstraintTemplate defines kind {kind} in the policy paths")))?;
    let spec = node.get("spec");
    let matcher = Match::read(spec.and_then(|s| s.get("match")))
        .map_err(|message| at(node, format!("constraint {kind}/{name}: {message}")))?;
    let parameters = spec
        .and_then(|s| s.get("parameters"))
        .filter(|p| !p.is_null())
        .map(crate::value::from_node)
        .unwrap_or_else(Value::new_object);
    let action = read_action(spec)
        .map_err(|message| at(node, format!("constraint {kind}/{name}: {message}")))?;
    let annotations = node.path(&["metadata", "annotations"]);
    let severity_note = match text(annotations.and_then(|a| a.get("lockgate.dev/severity"))) {
        None => None,
        Some(s) => Some(s.to_ascii_lowercase().parse::<Severity>().map_err(|_| {
            at(node, format!("constraint {kind}/{name}: annotation lockgate.dev/severity `{s}` is not critical, high, medium, low or info"))
        })?),
    };
    let severity = severity_note.unwrap_or(match action {
        Action::Deny => Severity::High,
        Action::Warn => Severity::Medium,
        Action::DryRun => Severity::Info,
    });
    let template_meta = &templates[template];
    let meta = build(
        RuleSource {
            default_id: format!("{kind}/{name}"),
            default_title: template_meta.title.clone().unwrap_or_else(|| kind.clone()),
            default_severity: severity,
            defined_at: format!(
                "Gatekeeper constraint {kind}/{name} ({}, line {}) of ConstraintTemplate {kind} ({})",
                document.path, node.span.line, template_meta.path
            ),
            description: template_meta.description.clone(),
            annotations: Vec::new(),
            framework: "rego:gatekeeper",
        },
        taken,
    );
    Ok(Constraint {
        meta,
        template,
        matcher,
        parameters,
        action,
    })
}

/// `spec.enforcementAction` (`deny`, `warn`, `dryrun`), or the strictest action of
/// `scoped` with `scopedEnforcementActions`.
fn read_action(spec: Option<&Node>) -> Result<Action, String> {
    let one = |name: &str| match name {
        "deny" => Ok(Action::Deny),
        "warn" => Ok(Action::Warn),
        "dryrun" => Ok(Action::DryRun),
        other => Err(format!(
            "enforcementAction `{other}` is not deny, warn, dryrun or scoped"
        )),
    };
    match spec
        .and_then(|s| s.get("enforcementAction"))
        .and_then(Node::as_str)
    {
        None => Ok(Action::Deny),
        Some("scoped") => {
            let mut strictest = Action::DryRun;
            let scoped = spec
                .and_then(|s| s.get("scopedEnforcementActions"))
                .map(Node::items)
                .unwrap_or_default();
            for entry in scoped {
                match one(entry
                    .get("action")
                    .and_then(Node::as_str)
                    .unwrap_or_default())?
                {
                    Action::Deny => strictest = Action::Deny,
                    Action::Warn if strictest == Action::DryRun => strictest = Action::Warn,
                    _ => {}
                }
            }
            Ok(strictest)
        }
        Some(name) => one(name),
    }
}

/// An object to review, with what Gatekeeper's `input.review` holds.
#[derive(Debug, Clone)]
pub struct Review {
    pub object: Value,
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Labels,
    pub cluster_scoped: bool,
    /// `CREATE` for objects read from files.
    pub operation: String,
    pub old_object: Option<Value>,
    pub user_info: Option<Value>,
}

impl Review {
    /// The review of an object read from a file (operation `CREATE`); `None` for a
    /// document without `kind`. A missing `apiVersion` reads as `v1`.
    pub fn of(root: &Node) -> Option<Review> {
        let kind = root.get("kind").and_then(Node::as_str)?.to_string();
        let metadata = root.get("metadata");
        let meta_text = |key: &str| {
            metadata
                .and_then(|m| m.get(key))
                .and_then(Node::scalar_text)
                .filter(|t| !t.is_empty())
        };
        let labels = metadata
            .and_then(|m| m.get("labels"))
            .and_then(Node::as_map)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.scalar_text()?, v.scalar_text().unwrap_or_default()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Review {
            object: crate::value::from_node(root),
            api_version: root
                .get("apiVersion")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| "v1".into()),
            cluster_scoped: lockgate_kube::is_cluster_scoped(&kind),
            kind,
            name: meta_text("name").or_else(|| meta_text("generateName")),
            namespace: meta_text("namespace"),
            labels,
            operation: "CREATE".into(),
            old_object: None,
            user_info: None,
        })
    }

    /// `input.review` as a Rego value.
    pub fn value(&self) -> Value {
        let (group, version) = match self.api_version.rsplit_once('/') {
            Some((group, version)) => (group, version),
            None => ("", self.api_version.as_str()),
        };
        let mut kind = BTreeMap::new();
        kind.insert(Value::from("group"), Value::from(group));
        kind.insert(Value::from("version"), Value::from(version));
        kind.insert(Value::from("kind"), Value::from(self.kind.as_str()));
        let mut review = BTreeMap::new();
        review.insert(Value::from("object"), self.object.clone());
        review.insert(Value::from("kind"), Value::from(kind));
        review.insert(
            Value::from("operation"),
            Value::from(self.operation.as_str()),
        );
        if let Some(name) = &self.name {
            review.insert(Value::from("name"), Value::from(name.as_str()));
        }
        if let Some(namespace) = &self.namespace {
            review.insert(Value::from("namespace"), Value::from(namespace.as_str()));
        }
        if let Some(old) = &self.old_object {
            review.insert(Value::from("oldObject"), old.clone());
        }
        if let Some(user) = &self.user_info {
            review.insert(Value::from("userInfo"), user.clone());
        }
        Value::from(review)
    }

    fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

/// Evaluates every constraint that matches the review. `namespaces` holds the labels of
/// the namespaces known to the scan, for `namespaceSelector`.
pub(crate) fn evaluate(
    templates: &mut [Template],
    constraints: &[Constraint],
    review: &Review,
    namespaces: &BTreeMap<String, Labels>,
    out: &mut Vec<Verdict>,
) {
    let target = Target {
        group: review.group(),
        kind: &review.kind,
        name: review.name.as_deref(),
        namespace: review.namespace.as_deref(),
        labels: &review.labels,
        cluster_scoped: review.cluster_scoped,
        namespace_labels: review.namespace.as_ref().and_then(|n| namespaces.get(n)),
    };
    let mut review_value = None;
    for constraint in constraints {
        if !constraint.matcher.matches(&target) {
            continue;
        }
        let review_value = review_value.get_or_insert_with(|| review.value());
        let mut input = BTreeMap::new();
        input.insert(Value::from("review"), review_value.clone());
        input.insert(Value::from("parameters"), constraint.parameters.clone());
        let template = &mut templates[constraint.template];
        template.engine.set_input(Value::from(input));
        match template.engine.eval_rule(template.query.clone()) {
            Ok(value) => violations(constraint.meta, &value, constraint.action, out),
            Err(error) => out.push(Verdict {
                rule: constraint.meta,
                outcome: Outcome::Error(module::evaluation_error(
                    &template.path,
                    template.line,
                    &error,
                )),
            }),
        }
    }
}

/// `data.inventory`: objects by namespace (or cluster), apiVersion, kind and name, as
/// Gatekeeper's sync cache lays them out.
#[derive(Debug, Default)]
pub struct Inventory {
    cluster: ByVersion,
    namespaced: BTreeMap<String, ByVersion>,
}

/// Objects by apiVersion, kind and name.
type ByVersion = BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>;

impl Inventory {
    /// Adds an object; objects without a name cannot be looked up and are left out.
    pub fn add(&mut self, review: &Review) {
        let Some(name) = review.name.clone() else {
            return;
        };
        let slot = if review.cluster_scoped {
            self.cluster.entry(review.api_version.clone()).or_default()
        } else {
            let namespace = review.namespace.clone().unwrap_or_else(|| "default".into());
            self.namespaced
                .entry(namespace)
                .or_default()
                .entry(review.api_version.clone())
                .or_default()
        };
        slot.entry(review.kind.clone())
            .or_default()
            .insert(name, review.object.clone());
    }

    pub fn into_value(self) -> Value {
        fn map<V>(m: BTreeMap<String, V>, f: impl Fn(V) -> Value) -> Value {
            Value::from(
                m.into_iter()
                    .map(|(k, v)| (Value::from(k), f(v)))
                    .collect::<BTreeMap<_, _>>(),
            )
        }
        let by_kind = |kinds: BTreeMap<String, BTreeMap<String, Value>>| {
            map(kinds, |names| map(names, |object| object))
        };
        let cluster = map(self.cluster, by_kind);
        let namespaced = map(self.namespaced, |versions| map(versions, by_kind));
        let mut inventory = BTreeMap::new();
        inventory.insert(Value::from("cluster"), cluster);
        inventory.insert(Value::from("namespace"), namespaced);
        let mut data = BTreeMap::new();
        data.insert(Value::from("inventory"), Value::from(inventory));
        Value::from(data)
    }
}
