//! One source text → documents → objects → rule hits → findings. Parse problems become
//! `parse-error` findings; the rest of the text is still analysed.

use std::sync::Arc;

use lockgate_kube::{ObjectError, objects_from_document};
use lockgate_model::{Finding, FindingStatus, ObjectRef, RuleMeta, Span};
use lockgate_rules::{Check, Context, Rule, Sink, engine_rules};
use lockgate_syntax::{Limits, parse_stream};

use crate::Effective;
use crate::suppress;

/// What analysing one source produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub path: String,
    pub text: Option<Arc<str>>,
    pub findings: Vec<Finding>,
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
    pub fn analyze_file(&self, path: &std::path::Path, shown: String) -> Outcome {
        let refuse = |message: String| {
            let mut outcome = Outcome {
                path: shown.clone(),
                ..Outcome::default()
            };
            outcome.findings.push(self.finding(
                &engine_rules::PARSE_ERROR,
                &shown,
                Span::point(1, 1),
                None,
                message,
            ));
            outcome
        };
        let size = match std::fs::metadata(path) {
            Ok(meta) => meta.len(),
            Err(error) => return refuse(format!("cannot read file: {error}")),
        };
        if size > self.effective.max_file_size {
            return refuse(format!(
                "file is {size} bytes, over the {}-byte limit; raise `max-file-size` in lockgate.toml to scan it",
                self.effective.max_file_size
            ));
        }
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => return refuse(format!("cannot read file: {error}")),
        };
        if bytes.iter().take(8192).any(|&b| b == 0) {
            return refuse("binary file (contains NUL bytes), not a YAML or JSON manifest".into());
        }
        match String::from_utf8(bytes) {
            Ok(text) => self.analyze_text(shown, Arc::from(text)),
            Err(error) => refuse(format!(
                "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
                error.utf8_error().valid_up_to()
            )),
        }
    }

    /// Parses a text and runs every enabled rule on every object in it.
    pub fn analyze_text(&self, path: String, text: Arc<str>) -> Outcome {
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
            outcome.findings.push(self.finding(
                &engine_rules::PARSE_ERROR,
                &path,
                Span::point(line, column),
                None,
                format!("invalid YAML/JSON: {}", error.message),
            ));
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
                let identity = object.identity();
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
        path: &str,
        span: Span,
        object: Option<ObjectRef>,
        message: String,
    ) -> Finding {
        let severity = self
            .effective
            .severity_overrides
            .get(rule.id)
            .copied()
            .unwrap_or(rule.severity);
        Finding {
            rule_id: rule.id.to_string(),
            rule_name: rule.name.to_string(),
            severity,
            frameworks: rule.frameworks.iter().map(|f| f.to_string()).collect(),
            message,
            fix: rule.fix.to_string(),
            location: lockgate_model::Location {
                path: path.to_string(),
                span,
            },
            object,
            fingerprint: String::new(),
            status: FindingStatus::Open,
        }
    }
}
