//! One source text → documents → objects → rule hits → findings. Parse problems become
//! `parse-error` findings; the rest of the text is still analysed. With the secrets
//! scanner on, every text is also searched for secrets (see [`crate::secrets`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use lockgate_kube::{ObjectError, objects_from_document};
use lockgate_model::{Finding, FindingStatus, Notice, NoticeLevel, ObjectRef, RuleMeta, Span};
use lockgate_rules::{Check, Context, DockerRule, Rule, Sink, engine_rules};
use lockgate_secrets::Scanner;
use lockgate_syntax::{Limits, parse_stream};

use crate::Effective;
use crate::{secrets, suppress};

/// What analysing one source produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub path: Arc<str>,
    pub text: Option<Arc<str>>,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub documents: usize,
    pub objects: usize,
    /// Bytes searched for secrets.
    pub bytes: u64,
    pub skipped_binary: usize,
    pub skipped_archives: usize,
    /// Files this outcome stands for besides its own source (an image's files without
    /// findings are counted in one outcome rather than kept one by one).
    pub other_files: usize,
    /// Documents and objects kept for the Rego policies, which run once every source is
    /// read (Gatekeeper's inventory holds all objects).
    pub policy_documents: Vec<crate::policy::PolicyDocument>,
    /// The secrets found in this source, to redact from policy messages that quote them.
    pub secret_values: secrets::SecretValues,
}

/// Capacity a worker's read buffer keeps between files.
const READ_BUFFER_KEEP: usize = 4 * 1024 * 1024;

thread_local! {
    /// Each worker reads files into one reused buffer: fresh allocations per file cost
    /// more in page faults than searching the bytes does.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The rules that run, chosen once per scan.
pub(crate) struct Analyzer<'a> {
    pub effective: &'a Effective,
    pub rules: Vec<&'static Rule>,
    /// The enabled Dockerfile rules.
    pub docker_rules: Vec<&'static DockerRule>,
    /// The secrets scanner, when secrets are searched.
    pub secrets: Option<&'a Scanner>,
    /// The Rego policies, when manifests are checked and policies are loaded (or failed
    /// to load, which is reported).
    pub policies: Option<&'a lockgate_policy::PolicySet>,
    /// Manifests are parsed (the `manifests` scanner is on), even when every rule that
    /// judges objects is disabled: parse errors are still reported.
    pub manifests: bool,
}

impl<'a> Analyzer<'a> {
    pub fn new(effective: &'a Effective, secrets: Option<&'a Scanner>) -> Self {
        let rules = lockgate_rules::rules()
            .iter()
            .filter(|r| effective.enabled.contains(r.meta.id))
            .collect();
        let docker_rules = lockgate_rules::docker_rules()
            .iter()
            .filter(|r| effective.enabled.contains(r.meta.id))
            .collect();
        Analyzer {
            effective,
            rules,
            docker_rules,
            secrets,
            policies: effective
                .policies
                .as_deref()
                .filter(|p| !p.is_empty() || !p.problems.is_empty()),
            manifests: true,
        }
    }

    /// Searches a file that is not a manifest for secrets. Archives and binary files are
    /// skipped and counted (file-name rules such as `*.p12` still apply); invalid UTF-8
    /// is searched as bytes.
    pub fn analyze_secrets_file(&self, path: &std::path::Path, shown: String) -> Outcome {
        let mut outcome = Outcome {
            path: Arc::from(shown.as_str()),
            ..Outcome::default()
        };
        let Some(scanner) = self.secrets else {
            return outcome;
        };
        for hit in scanner.scan_path(&shown) {
            let finding = secrets::hit_finding(
                self,
                &outcome.path,
                &hit,
                shown.as_bytes(),
                hit.span,
                None,
                "",
            );
            outcome.findings.push(finding);
        }
        if scanner.is_allowed_path(&shown) {
            return outcome;
        }
        if secrets::is_archive(path) {
            outcome.skipped_archives = 1;
            return outcome;
        }
        READ_BUFFER.with_borrow_mut(|buffer| {
            let bytes = match self.read_secrets_text(path, buffer) {
                Ok(Ok(filled)) => &buffer[..filled],
                Ok(Err(size)) => {
                    outcome.notices.push(Notice {
                        level: NoticeLevel::Warning,
                        message: format!(
                            "not searched for secrets: {size} bytes, over the {}-byte limit (raise `max-file-size` in lockgate.toml)",
                            self.effective.max_file_size
                        ),
                        path: Some(shown.clone()),
                    });
                    return;
                }
                Err(error) => {
                    outcome.notices.push(Notice {
                        level: NoticeLevel::Warning,
                        message: format!("cannot read file: {error}"),
                        path: Some(shown.clone()),
                    });
                    return;
                }
            };
            if is_binary(bytes) {
                outcome.skipped_binary = 1;
            } else {
                outcome.bytes = bytes.len() as u64;
                let found = secrets::text_findings(self, scanner, &outcome.path, bytes);
                if !found.is_empty() {
                    outcome.text = Some(Arc::from(String::from_utf8_lossy(bytes).as_ref()));
                }
                outcome.findings.extend(found);
            }
            // Keep a typical file's worth of memory, not the largest file's.
            if buffer.len() > READ_BUFFER_KEEP {
                *buffer = Vec::new();
            }
        });
        outcome
    }

    /// Reads a whole file for parsing, or notes why not: unreadable (a `parse-error`
    /// finding) or over `max-file-size` (a finding when `oversize_is_finding` says so,
    /// else a warning).
    fn read_whole(
        &self,
        path: &std::path::Path,
        outcome: &mut Outcome,
        oversize_is_finding: impl FnOnce() -> bool,
    ) -> Option<Vec<u8>> {
        let unreadable = |outcome: &mut Outcome, error: std::io::Error| {
            self.problem(
                outcome,
                true,
                Span::point(1, 1),
                format!("cannot read file: {error}"),
            );
        };
        let size = match std::fs::metadata(path) {
            Ok(meta) => meta.len(),
            Err(error) => {
                unreadable(outcome, error);
                return None;
            }
        };
        if size > self.effective.max_file_size {
            let as_finding = oversize_is_finding();
            self.problem(
                outcome,
                as_finding,
                Span::point(1, 1),
                format!(
                    "file is {size} bytes, over the {}-byte limit; raise `max-file-size` in lockgate.toml to scan it",
                    self.effective.max_file_size
                ),
            );
            return None;
        }
        match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                unreadable(outcome, error);
                None
            }
        }
    }

    /// Analyses a Dockerfile: the Dockerfile rules on its parsed form (a syntax problem
    /// becomes a `parse-error` finding at its line, and the rest is still checked) and the
    /// secrets scanner on its text.
    pub fn analyze_dockerfile(&self, path: &std::path::Path, shown: String) -> Outcome {
        if self.docker_rules.is_empty() {
            return self.analyze_secrets_file(path, shown);
        }
        let mut outcome = Outcome {
            path: Arc::from(shown.as_str()),
            ..Outcome::default()
        };
        let Some(bytes) = self.read_whole(path, &mut outcome, || true) else {
            return outcome;
        };
        let text = String::from_utf8_lossy(&bytes);
        let dockerfile = lockgate_syntax::dockerfile::parse(&text);
        for problem in &dockerfile.problems {
            self.problem(&mut outcome, true, problem.span, problem.message.clone());
        }
        // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile, else the
        // context's `.dockerignore`; the context is taken to be the Dockerfile's directory.
        let dockerignore = path.parent().map(|dir| {
            let own = path
                .file_name()
                .map(|name| format!("{}.dockerignore", name.to_string_lossy()));
            dir.join(".dockerignore").is_file() || own.is_some_and(|own| dir.join(own).is_file())
        });
        let context = Context {
            settings: &self.effective.settings,
            dockerignore,
        };
        let mut sink = Sink::new();
        for rule in &self.docker_rules {
            (rule.check)(&context, &dockerfile, &mut sink);
        }
        for hit in sink.into_hits() {
            let finding = self.finding(hit.rule, &outcome.path, hit.span, None, hit.message);
            outcome.findings.push(finding);
        }
        if let Some(scanner) = self.secrets
            && !scanner.is_allowed_path(&shown)
        {
            outcome.bytes = bytes.len() as u64;
            outcome
                .findings
                .extend(secrets::text_findings(self, scanner, &outcome.path, &bytes));
        }
        outcome.text = Some(Arc::from(text.as_ref()));
        outcome
    }

    /// Reads a file for the secrets scanner into the front of `buffer` and returns how
    /// many bytes it holds, or `Err(size)` when the file is over the size limit. One open, one
    /// `fstat` on the handle and plain reads: on a tree of small files the system calls
    /// per file cost as much as searching them. `buffer` only grows (zeroed once), so
    /// reading a file never clears memory the previous file already used.
    fn read_secrets_text(
        &self,
        path: &std::path::Path,
        buffer: &mut Vec<u8>,
    ) -> std::io::Result<Result<usize, u64>> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        let limit = self.effective.max_file_size;
        if size > limit {
            return Ok(Err(size));
        }
        // Room for the file and one byte more, so that a file that has not changed since
        // `fstat` takes one read plus the one that sees its end.
        let room = usize::try_from(size)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut filled = 0;
        loop {
            if buffer.len() < filled + 1 || buffer.len() < room {
                // Grow at least twofold: each growth is fresh memory the system must
                // clear, so a worker should reach its working size in a few steps.
                let grown = (filled + 64 * 1024).max(room).max(2 * buffer.len());
                buffer.resize(grown, 0);
            }
            match file.read(&mut buffer[filled..]) {
                Ok(0) => return Ok(Ok(filled)),
                Ok(read) => filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
            if filled as u64 > limit {
                // The file grew past the limit while being read: search what fits.
                return Ok(Ok(usize::try_from(limit).unwrap_or(filled)));
            }
        }
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
        let Some(bytes) = self.read_whole(path, &mut outcome, || {
            explicit || prefix_looks_like_manifest(path)
        }) else {
            return outcome;
        };
        if is_binary(&bytes) {
            outcome.skipped_binary = 1;
            self.problem(
                &mut outcome,
                explicit,
                Span::point(1, 1),
                "binary file (contains NUL bytes), not a YAML or JSON manifest".into(),
            );
            return outcome;
        }
        match String::from_utf8(bytes) {
            Ok(text) => self.analyze_text(shown, Arc::from(text), explicit, true),
            Err(error) => {
                if let Some(scanner) = self.secrets {
                    outcome.bytes = error.as_bytes().len() as u64;
                    outcome.findings.extend(secrets::text_findings(
                        self,
                        scanner,
                        &outcome.path,
                        error.as_bytes(),
                    ));
                    outcome.text = Some(Arc::from(
                        String::from_utf8_lossy(error.as_bytes()).as_ref(),
                    ));
                }
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
    /// finding; others only when they look like Kubernetes manifests. `search_secrets`
    /// is false for rendered output, whose secrets are found in the files it came from.
    pub fn analyze_text(
        &self,
        path: String,
        text: Arc<str>,
        strict: bool,
        search_secrets: bool,
    ) -> Outcome {
        let path: Arc<str> = Arc::from(path);
        let scanner = self.secrets.filter(|_| search_secrets);
        let mut outcome = Outcome {
            path: path.clone(),
            ..Outcome::default()
        };
        // Secrets first: the text findings tell the object pass which places are done.
        let mut seen_secrets: HashSet<(String, u32)> = HashSet::new();
        if let Some(scanner) = scanner {
            outcome.bytes = text.len() as u64;
            for finding in secrets::text_findings_keeping(
                self,
                scanner,
                &path,
                text.as_bytes(),
                &mut outcome.secret_values,
            ) {
                seen_secrets.insert((finding.rule_id.to_string(), finding.location.span.line));
                outcome.findings.push(finding);
            }
        }
        if !self.manifests {
            outcome.text = Some(text);
            return outcome;
        }
        let documents_wanted = self.policies.is_some_and(|p| p.has_documents_rules());
        let objects_wanted = self.policies.is_some_and(|p| p.has_constraints());
        // A UTF-8 byte-order mark is legal at the start of a file but not YAML content.
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let stream = parse_stream(body, Limits::default());
        outcome.documents = stream.documents.len();
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
        let context = Context {
            settings,
            dockerignore: None,
        };
        for (index, document) in stream.documents.into_iter().enumerate() {
            // conftest rules see the document as written: one object is the document
            // itself; a List, or YAML that is no object, is kept whole beside it.
            let single_object = lockgate_kube::is_single_object(&document);
            let whole_document = (documents_wanted && !single_object).then(|| document.clone());
            let objects = objects_from_document(document, index);
            for object in objects {
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
                if let Some(scanner) = scanner {
                    outcome.findings.extend(secrets::object_findings(
                        self,
                        scanner,
                        &path,
                        &object,
                        &identity,
                        &seen_secrets,
                        &mut outcome.secret_values,
                    ));
                }
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
                let suppression = match suppress::read(&object, self.policies) {
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
                if documents_wanted || objects_wanted {
                    let conftest = documents_wanted && single_object;
                    outcome
                        .policy_documents
                        .push(crate::policy::PolicyDocument::object(
                            object,
                            identity,
                            conftest,
                            objects_wanted,
                            suppression,
                        ));
                }
            }
            if let Some(document) = whole_document {
                outcome
                    .policy_documents
                    .push(crate::policy::PolicyDocument::plain(document));
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
            commit: None,
            vulnerability: None,
            fingerprint: String::new(),
            identity: None,
            redact_line: lockgate_rules::SECRET_VALUE_RULES.contains(&rule.id),
            status: FindingStatus::Open,
        }
    }
}

/// Whether a file is binary: it holds a NUL byte in its first 8 KiB (as git decides).
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
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
