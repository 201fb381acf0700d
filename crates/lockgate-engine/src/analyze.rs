//! One source text → documents → objects → rule hits → findings. Parse problems become
//! `parse-error` findings; the rest of the text is still analysed.

use std::borrow::Cow;
use std::sync::Arc;

use lockgate_kube::{ObjectError, objects_from_document};
use lockgate_model::{Finding, FindingStatus, Notice, NoticeLevel, ObjectRef, RuleMeta, Span};
use lockgate_rules::{Check, Context, Rule, Sink, engine_rules};
use lockgate_syntax::{Limits, parse_stream};

use crate::Effective;
use crate::suppress;

/// What analysing one source produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub path: Arc<str>,
    pub text: Option<Arc<str>>,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub documents: usize,
    pub objects: usize,
}

/// The rules that run, chosen once per scan.
pub(crate) struct Analyzer<'a> {
    pub effective: &'a Effective,
    pub rules: Vec<&'static Rule>,
}

impl<'a> Analyzer<'a> {
    pub fn new(effective: &'a Effective) -> Self {
        let rules = lockgate_rules::rules()
            .iter()
            .filter(|r| effective.enabled.contains(r.meta.id))
            .collect();
        Analyzer { effective, rules }
    }

    /// Reads and analyses a file, refusing binary, non-UTF-8 and oversized files.
    ///
    /// `explicit` files were named by the user, so every problem with them is a
    /// `parse-error` finding. Files found by walking a directory may be anything with a
    /// YAML or JSON extension (a `tsconfig.json` with comments, a template); a problem
    /// with one that does not look like a Kubernetes manifest is a warning notice, so it
    /// does not fail the gate.
    pub fn analyze_file(&self, path: &std::path::Path, shown: String, explicit: bool) -> Outcome {
        let mut outcome = Outcome {
            path: Arc::from(shown.as_str()),
            ..Outcome::default()
        };
        let size = match std::fs::metadata(path) {
            Ok(meta) => meta.len(),
            Err(error) => {
                self.problem(
                    &mut outcome,
                    true,
                    Span::point(1, 1),
                    format!("cannot read file: {error}"),
                );
                return outcome;
            }
        };
        if size > self.effective.max_file_size {
            let looks = explicit || prefix_looks_like_manifest(path);
            self.problem(
                &mut outcome,
                looks,
                Span::point(1, 1),
                format!(
                    "file is {size} bytes, over the {}-byte limit; raise `max-file-size` in lockgate.toml to scan it",
                    self.effective.max_file_size
                ),
            );
            return outcome;
        }
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.problem(
                    &mut outcome,
                    true,
                    Span::point(1, 1),
                    format!("cannot read file: {error}"),
                );
                return outcome;
            }
        };
        if bytes.iter().take(8192).any(|&b| b == 0) {
            self.problem(
                &mut outcome,
                explicit,
                Span::point(1, 1),
                "binary file (contains NUL bytes), not a YAML or JSON manifest".into(),
            );
            return outcome;
        }
        match String::from_utf8(bytes) {
            Ok(text) => self.analyze_text(shown, Arc::from(text), explicit),
            Err(error) => {
                let looks =
                    explicit || looks_like_manifest(&String::from_utf8_lossy(error.as_bytes()));
                self.problem(
                    &mut outcome,
                    looks,
                    Span::point(1, 1),
                    format!(
                        "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
                        error.utf8_error().valid_up_to()
                    ),
                );
                outcome
            }
        }
    }

    /// Records a problem with a whole source: a `parse-error` finding when the source is
    /// (or looks like) a manifest, else a warning notice.
    fn problem(&self, outcome: &mut Outcome, as_finding: bool, span: Span, message: String) {
        if as_finding {
            let finding = self.finding(
                &engine_rules::PARSE_ERROR,
                &outcome.path,
                span,
                None,
                message,
            );
            outcome.findings.push(finding);
        } else {
            outcome.notices.push(Notice {
                level: NoticeLevel::Warning,
                message: format!("skipped, not a Kubernetes manifest: {message}"),
                path: Some(outcome.path.to_string()),
            });
        }
    }

    /// Parses a text and runs every enabled rule on every object in it.
    /// `strict` sources (named files, stdin, renders) report every syntax error as a
    /// finding; others only when they look like Kubernetes manifests.
    pub fn analyze_text(&self, path: String, text: Arc<str>, strict: bool) -> Outcome {
        let path: Arc<str> = Arc::from(path);
        // A UTF-8 byte-order mark is legal at the start of a file but not YAML content.
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let stream = parse_stream(body, Limits::default());
        let mut outcome = Outcome {
            path: path.clone(),
            documents: stream.documents.len(),
            ..Outcome::default()
        };
        if let Some(error) = &stream.error {
            // Errors at end of input point past the last line; show the last line instead.
            let last_line = u32::try_from(body.lines().count().max(1)).unwrap_or(u32::MAX);
            let (line, column) = if error.line > last_line {
                (last_line, 1)
            } else {
                (error.line, error.column)
            };
            let looks = strict || looks_like_manifest(body);
            self.problem(
                &mut outcome,
                looks,
                Span::point(line, column),
                format!("invalid YAML/JSON: {}", error.message),
            );
        }
        let settings = &self.effective.settings;
        let context = Context { settings };
        for (index, document) in stream.documents.into_iter().enumerate() {
            for object in objects_from_document(document, index) {
                let object = match object {
                    Ok(object) => object,
                    Err(ObjectError::NotKubernetes) => continue,
                    Err(ObjectError::Malformed { message, span }) => {
                        outcome.findings.push(self.finding(
                            &engine_rules::PARSE_ERROR,
                            &path,
                            span,
                            None,
                            message,
                        ));
                        continue;
                    }
                };
                outcome.objects += 1;
                let identity = Arc::new(object.identity());
                let mut sink = Sink::new();
                let pod = object.pod_spec();
                for rule in &self.rules {
                    match rule.check {
                        Check::Object(check) => check(&context, &object, &mut sink),
                        Check::Pod(check) => {
                            if let Some(pod) = &pod {
                                check(&context, pod, &mut sink);
                            }
                        }
                    }
                }
                let suppression = match suppress::read(&object) {
                    Some(Ok(suppression)) => Some(suppression),
                    Some(Err((span, message))) => {
                        outcome.findings.push(self.finding(
                            &engine_rules::INVALID_SUPPRESSION,
                            &path,
                            span,
                            Some(identity.clone()),
                            message,
                        ));
                        None
                    }
                    None => None,
                };
                for hit in sink.into_hits() {
                    let mut finding = self.finding(
                        hit.rule,
                        &path,
                        hit.span,
                        Some(identity.clone()),
                        hit.message,
                    );
                    if let Some(suppression) = &suppression
                        && suppression.rule_ids.iter().any(|id| id == hit.rule.id)
                    {
                        finding.status = FindingStatus::Suppressed {
                            reason: suppression.reason.clone(),
                        };
                    }
                    outcome.findings.push(finding);
                }
            }
        }
        outcome.text = Some(text);
        outcome
    }

    /// Builds a finding; the fingerprint is completed by the scan once all findings exist.
    pub fn finding(
        &self,
        rule: &'static RuleMeta,
        path: &Arc<str>,
        span: Span,
        object: Option<Arc<ObjectRef>>,
        message: String,
    ) -> Finding {
        let severity = self
            .effective
            .severity_overrides
            .get(rule.id)
            .copied()
            .unwrap_or(rule.severity);
        Finding {
            rule_id: Cow::Borrowed(rule.id),
            rule_name: Cow::Borrowed(rule.name),
            severity,
            frameworks: rule.frameworks.iter().map(|f| Cow::Borrowed(*f)).collect(),
            message,
            fix: Cow::Borrowed(rule.fix),
            location: lockgate_model::Location {
                path: Arc::clone(path),
                span,
            },
            object,
            fingerprint: String::new(),
            redact_line: lockgate_rules::SECRET_VALUE_RULES.contains(&rule.id),
            status: FindingStatus::Open,
        }
    }
}

/// Whether a text mentions both `apiVersion` and `kind`, as every manifest does.
fn looks_like_manifest(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

/// [`looks_like_manifest`] on the first 64 KiB of a file too large to read whole.
fn prefix_looks_like_manifest(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut prefix = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(64 * 1024).read_to_end(&mut prefix))
        .is_ok_and(|_| looks_like_manifest(&String::from_utf8_lossy(&prefix)))
}
