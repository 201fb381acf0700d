//! A scan from inputs to report: walk, render, analyse in parallel, then fingerprints,
//! waivers, baseline and the gate decision.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lockgate_model::{Notice, NoticeLevel, Report, ScanStats, SourceMap, ToolInfo};
use lockgate_secrets::{Catalog, Scanner};
use rayon::prelude::*;

use crate::analyze::{Analyzer, Outcome};
use crate::history::{self, History};
use crate::render::{self, RenderError};
use crate::sources::{self, Walked, display_path};
use crate::vulns::{self, VulnOptions};
use crate::{Baseline, Config, Date, Effective, gate, secrets};

/// Which analyses a scan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanners {
    /// Kubernetes manifest rules.
    pub manifests: bool,
    /// Dockerfile rules.
    pub dockerfiles: bool,
    /// The secrets scanner (also needs `[secrets] enabled`, the default).
    pub secrets: bool,
    /// Packages matched against the vulnerability database (see [`ScanOptions::vulns`]).
    pub vulns: bool,
}

impl Default for Scanners {
    fn default() -> Self {
        Scanners {
            manifests: true,
            dockerfiles: true,
            secrets: true,
            vulns: true,
        }
    }
}

/// A scan that could not run at all (a broken rule catalog, git history unreadable).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScanError(pub String);

/// One thing to scan.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file or directory.
    Path(PathBuf),
    /// Text read from standard input, shown as `stdin`.
    Stdin(String),
    /// A container image (layout directory, archive or registry reference).
    Image(Box<crate::image::ImageInput>),
}

/// Everything a scan needs besides the rules themselves.
#[derive(Clone)]
pub struct ScanOptions {
    pub inputs: Vec<Input>,
    pub config: Config,
    pub effective: Effective,
    pub baseline: Option<Baseline>,
    pub today: Date,
    /// Render Kustomize directories and Helm charts with kubectl/helm when available.
    pub render: bool,
    /// Told about long work as it happens (the CLI draws a progress line on a terminal).
    pub progress: Option<Progress>,
    pub scanners: Scanners,
    /// Search git history or staged changes (of the repository holding the first input
    /// path) for secrets instead of walking files.
    pub history: Option<History>,
    /// Where the vulnerability database is and what to check besides the walked paths.
    pub vulns: VulnOptions,
}

/// What a scan is doing, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum ProgressEvent<'a> {
    /// An external tool is rendering this directory.
    Rendering { tool: &'static str, dir: &'a str },
    /// `done` of `total` sources have been analysed.
    Analyzed { done: usize, total: usize },
    /// Git history is being searched: commits and bytes of added lines read so far.
    History { commits: usize, bytes: u64 },
    /// An image's layers are being read (pulled, decompressed, indexed).
    ImageLayers { done: usize, total: usize },
}

/// A progress callback; called from worker threads.
pub type Progress = std::sync::Arc<dyn Fn(ProgressEvent<'_>) + Send + Sync>;

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("inputs", &self.inputs.len())
            .field("profile", &self.effective.profile)
            .field("render", &self.render)
            .finish_non_exhaustive()
    }
}

/// Scans the inputs. Problems with individual files are findings or notices in the
/// report; only a broken secret rule catalog or unreadable git history fail the scan.
pub fn scan(options: &ScanOptions) -> Result<Report, ScanError> {
    let started = Instant::now();
    let effective = &options.effective;
    let search_secrets =
        (options.scanners.secrets || options.history.is_some()) && effective.secrets.enabled;
    let scanner = if search_secrets {
        Some(secrets_scanner(effective)?)
    } else {
        None
    };
    let mut analyzer = Analyzer::new(effective, scanner.as_ref());
    if !options.scanners.manifests || options.history.is_some() {
        analyzer.rules.clear();
        analyzer.policies = None;
        analyzer.manifests = false;
    }
    if !options.scanners.dockerfiles || options.history.is_some() {
        analyzer.docker_rules.clear();
    }
    let analyzer = analyzer;
    let mut notices: Vec<Notice> = effective
        .warnings
        .iter()
        .map(|w| notice(NoticeLevel::Warning, w.clone(), None))
        .collect();

    let excludes = match sources::build_excludes(&effective.exclude) {
        Ok(set) => set,
        Err(error) => {
            notices.push(notice(
                NoticeLevel::Warning,
                format!("{error}; exclusions ignored"),
                None,
            ));
            globset::GlobSet::empty()
        }
    };
    let config_dir = options
        .config
        .path
        .as_deref()
        .and_then(Path::parent)
        .and_then(|dir| std::path::absolute(dir).ok());
    // Fingerprints use paths relative to the project, so a baseline written from one
    // directory matches a scan started from another or given absolute paths.
    let fingerprint_base = config_dir
        .clone()
        .or_else(|| repository_root(&options.inputs))
        .or_else(|| std::env::current_dir().ok())
        .map(|dir| normalize(&dir))
        .unwrap_or_default();
    let mut walked = Walked::default();
    let mut stdin_texts = Vec::new();
    let mut images = Vec::new();
    let mut history_outcomes = Vec::new();
    let mut commits = 0;
    if let Some(history) = &options.history {
        let repo = options
            .inputs
            .iter()
            .find_map(|input| match input {
                Input::Path(path) => Some(path.clone()),
                Input::Stdin(_) | Input::Image(_) => None,
            })
            .unwrap_or_else(|| PathBuf::from("."));
        if let Some(scanner) = &scanner {
            let (outcomes, read) = scan_history(
                &analyzer,
                scanner,
                &repo,
                history,
                options.progress.as_ref(),
            )?;
            history_outcomes = outcomes;
            commits = read;
        }
    } else {
        for input in &options.inputs {
            match input {
                Input::Path(path) => sources::walk(
                    path,
                    &excludes,
                    config_dir.as_deref(),
                    scanner.is_some(),
                    options.scanners.vulns,
                    &mut walked,
                ),
                Input::Stdin(text) => stdin_texts.push(text.clone()),
                Input::Image(image) => images.push(image.as_ref()),
            }
        }
    }
    if let Some(policies) = analyzer.policies {
        // Policy files inside the scanned tree (Gatekeeper templates and constraints are
        // YAML) are policies, not manifests: only searched for secrets.
        let (policy_files, manifests): (Vec<PathBuf>, Vec<PathBuf>) =
            std::mem::take(&mut walked.files)
                .into_iter()
                .partition(|path| {
                    std::fs::canonicalize(path).is_ok_and(|p| policies.file_paths.contains(&p))
                });
        walked.files = manifests;
        walked.texts.extend(policy_files);
    }
    if !options.scanners.manifests {
        // Only secrets: manifests are plain texts like any other file.
        let files = std::mem::take(&mut walked.files);
        walked.texts.extend(files);
        walked.charts.clear();
        walked.kustomizations.clear();
    }
    for (path, error) in &walked.errors {
        notices.push(notice(
            NoticeLevel::Warning,
            error.clone(),
            Some(path.clone()),
        ));
    }

    let before_render: std::collections::HashSet<PathBuf> = if scanner.is_some() {
        walked.files.iter().cloned().collect()
    } else {
        Default::default()
    };
    let rendered = render_all(
        &mut walked,
        options.render,
        options.progress.as_ref(),
        &mut notices,
    );
    if scanner.is_some() {
        // Files replaced by a render (chart templates, kustomize inputs) are still
        // searched for secrets, as the texts they are, at their own lines.
        let kept: std::collections::HashSet<&PathBuf> = walked.files.iter().collect();
        let mut replaced: Vec<PathBuf> = before_render
            .iter()
            .filter(|f| !kept.contains(f))
            .cloned()
            .collect();
        replaced.sort();
        walked.texts.extend(replaced);
    }
    let total = walked.files.len()
        + walked.texts.len()
        + walked.dockerfiles.len()
        + rendered.len()
        + stdin_texts.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        if let Some(progress) = &options.progress {
            let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(ProgressEvent::Analyzed { done, total });
        }
    };

    let mut outcomes: Vec<Outcome> = walked
        .files
        .par_iter()
        .map(|path| {
            let outcome =
                analyzer.analyze_file(path, display_path(path), walked.explicit.contains(path));
            tick();
            outcome
        })
        .collect();
    outcomes.extend(
        walked
            .texts
            .par_iter()
            .map(|path| {
                let outcome = analyzer.analyze_secrets_file(path, display_path(path));
                tick();
                outcome
            })
            .collect::<Vec<_>>(),
    );
    outcomes.extend(
        walked
            .dockerfiles
            .par_iter()
            .map(|path| {
                let outcome = analyzer.analyze_dockerfile(path, display_path(path));
                tick();
                outcome
            })
            .collect::<Vec<_>>(),
    );
    outcomes.extend(
        rendered
            .into_par_iter()
            .map(|(path, text)| (path, text, false))
            .chain(
                stdin_texts
                    .into_par_iter()
                    .map(|t| ("stdin".to_string(), t, true)),
            )
            .map(|(path, text, search_secrets)| {
                let outcome = analyzer.analyze_text(path, Arc::from(text), true, search_secrets);
                tick();
                outcome
            })
            .collect::<Vec<_>>(),
    );
    outcomes.extend(history_outcomes);
    let check_vulns = options.history.is_none() && options.scanners.vulns;
    // The packages of images, cataloged while each image is open.
    let mut image_packages = lockgate_sbom::PackageSet::default();
    if !images.is_empty() {
        let image_rules: Vec<_> = lockgate_rules::image_rules()
            .iter()
            .filter(|r| effective.enabled.contains(r.meta.id))
            .collect();
        let today = options.today.to_string();
        for image in images {
            outcomes.extend(crate::image::analyze_image(
                &analyzer,
                &image_rules,
                image,
                &today,
                options.progress.as_ref(),
                check_vulns.then_some(&mut image_packages),
            )?);
        }
    }

    if let Some(policies) = analyzer.policies {
        let errors = crate::policy::evaluate(&analyzer, policies, &mut outcomes);
        outcomes.extend(errors);
    }
    if analyzer.manifests
        && let Some(policies) = &effective.policies
    {
        notices.extend(
            policies
                .warnings
                .iter()
                .map(|w| notice(NoticeLevel::Warning, w.clone(), None)),
        );
    }

    let vuln_db = if check_vulns {
        check_packages(
            options,
            &walked.packages,
            image_packages,
            &analyzer,
            &mut outcomes,
            &mut notices,
        )?
    } else {
        None
    };
    // Each source's findings are ordered and fingerprinted on the worker that produced
    // them (fingerprints only need to be unique within a file); here the sources are
    // put in path order and joined.
    outcomes.par_iter_mut().for_each(|outcome| {
        if outcome.findings.is_empty() {
            return; // most files: no path work (`stable_path` asks for the working directory)
        }
        sort_by_place(&mut outcome.findings);
        let stable = gate::stable_path(&outcome.path, &fingerprint_base);
        gate::assign_fingerprints(&mut outcome.findings, &stable);
    });
    outcomes.sort_by(|a, b| a.path.cmp(&b.path));
    let mut stats = ScanStats {
        commits,
        ..ScanStats::default()
    };
    let mut findings = Vec::with_capacity(outcomes.iter().map(|o| o.findings.len()).sum());
    let mut sources = SourceMap::default();
    let mut scanned_paths = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        scanned_paths.push(outcome.path.to_string());
        stats.files += 1 + outcome.other_files;
        stats.documents += outcome.documents;
        stats.objects += outcome.objects;
        stats.bytes += outcome.bytes;
        stats.skipped_binary += outcome.skipped_binary;
        stats.skipped_archives += outcome.skipped_archives;
        if let Some(text) = outcome.text {
            sources.insert(outcome.path.to_string(), text);
        }
        findings.extend(outcome.findings);
        notices.extend(outcome.notices);
    }

    let config_path = options
        .config
        .path
        .as_deref()
        .map(sources::display_relative)
        .unwrap_or_else(|| crate::config::CONFIG_FILE_NAME.to_string());
    let mut waiver_findings = gate::apply_waivers(
        &mut findings,
        &effective.waivers,
        options.today,
        &config_path,
        config_dir.as_deref(),
        &scanned_paths,
        &analyzer,
    );
    if !waiver_findings.is_empty()
        && let Some(text) = &options.config.text
    {
        sources.insert(config_path.clone(), Arc::from(text.as_str()));
    }
    let config_stable = gate::stable_path(&config_path, &fingerprint_base);
    gate::assign_fingerprints(&mut waiver_findings, &config_stable);
    findings.extend(waiver_findings);
    if let Some(baseline) = &options.baseline {
        gate::apply_baseline(&mut findings, baseline);
    }

    let gate = gate::decide(&findings, effective.fail_on, &effective.profile);
    let mut rules = BTreeMap::new();
    for finding in &findings {
        if !rules.contains_key(finding.rule_id.as_ref())
            && let Some(meta) =
                crate::config::find_any_rule(&finding.rule_id, &effective.secrets.user_rules)
                    .or_else(|| {
                        effective
                            .policies
                            .as_ref()
                            .and_then(|p| p.find_rule(&finding.rule_id))
                    })
        {
            rules.insert(finding.rule_id.to_string(), meta.info());
        }
    }
    if stats.skipped_binary + stats.skipped_archives > 0 {
        notices.push(notice(
            NoticeLevel::Info,
            format!(
                "not searched for secrets: {} binary file(s), {} archive(s)",
                stats.skipped_binary, stats.skipped_archives
            ),
            None,
        ));
    }
    stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Report {
        tool: ToolInfo {
            name: "lockgate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        findings,
        notices,
        rules,
        stats,
        gate,
        vuln_db,
        sources,
    })
}

/// The secrets scanner with the built-in catalog and the user's rules, compiled.
pub(crate) fn secrets_scanner(effective: &Effective) -> Result<Scanner, ScanError> {
    let builtin = lockgate_secrets::builtin_catalog()
        .map_err(|e| ScanError(format!("secret rule catalog: {e}")))?;
    let catalogs: [&Catalog; 2] = [builtin, &effective.secrets.user_rules];
    Scanner::new(&catalogs, &effective.secrets.settings).map_err(|e| ScanError(e.to_string()))
}

/// Puts one source's findings in line order, the order every output shows.
pub(crate) fn sort_by_place(findings: &mut [lockgate_model::Finding]) {
    findings.sort_by(|a, b| {
        (a.location.span.line, a.location.span.column, &a.rule_id).cmp(&(
            b.location.span.line,
            b.location.span.column,
            &b.rule_id,
        ))
    });
}

/// Catalogs the packages of the scanned paths and of `--sbom` documents, matches them
/// against the vulnerability database, and adds the findings to the outcomes of the
/// files that declare the packages. Returns what the report says about the database.
/// Without a database, a scan that found packages says they were not checked (or fails
/// when vulnerabilities were asked for explicitly).
fn check_packages(
    options: &ScanOptions,
    walked_packages: &[(PathBuf, Vec<PathBuf>)],
    image_packages: lockgate_sbom::PackageSet,
    analyzer: &Analyzer<'_>,
    outcomes: &mut Vec<Outcome>,
    notices: &mut Vec<Notice>,
) -> Result<Option<lockgate_model::VulnDbInfo>, ScanError> {
    let vuln_options = &options.vulns;
    let statements = crate::vex::load(&vuln_options.vex)?;
    // The files the scan's own walk found: `.gitignore` and `exclude` apply as they do
    // to every other scanner.
    let mut set = lockgate_sbom::PackageSet::default();
    for (root, files) in walked_packages {
        set.extend(lockgate_sbom::catalog_files(root, files));
    }
    set.extend(image_packages);
    for sbom in &vuln_options.sboms {
        let read = std::fs::read(sbom)
            .map_err(|e| ScanError(format!("cannot read SBOM {}: {e}", sbom.display())))
            .and_then(|bytes| {
                lockgate_sbom::read_sbom(sbom, &bytes).map_err(|e| ScanError(e.to_string()))
            })?;
        if read.unsupported > 0 {
            notices.push(notice(
                NoticeLevel::Info,
                format!(
                    "{} of the {} components have no purl lockgate can match (types other than cargo, npm, pypi, golang, maven, gem, nuget, composer, deb/debian, apk/alpine); they were not checked",
                    read.unsupported,
                    read.unsupported + read.set.packages.len()
                ),
                Some(display_path(sbom)),
            ));
        }
        set.extend(read.set);
    }
    for problem in &set.problems {
        notices.push(notice(
            NoticeLevel::Warning,
            format!("packages not read: {problem}"),
            Some(display_path(Path::new(problem.path()))),
        ));
    }
    // The team's own policy needs no database.
    let mut found = crate::package_policy::package_outcomes(analyzer, &set);
    let info = match_vulnerabilities(
        analyzer,
        vuln_options,
        &set,
        &statements,
        &mut found,
        notices,
    )?;
    merge_outcomes(outcomes, found, analyzer.effective.max_file_size);
    Ok(info)
}

/// Matches the packages against the database, if there is one (see [`check_packages`]).
fn match_vulnerabilities(
    analyzer: &Analyzer<'_>,
    vuln_options: &VulnOptions,
    set: &lockgate_sbom::PackageSet,
    statements: &[crate::vex::Statement],
    found: &mut Vec<Outcome>,
    notices: &mut Vec<Notice>,
) -> Result<Option<lockgate_model::VulnDbInfo>, ScanError> {
    let required = vuln_options.required || vuln_options.max_age.is_some();
    if set.packages.is_empty() && !required {
        return Ok(None);
    }
    let Some(opened) = vulns::open_db(vuln_options)? else {
        notices.push(notice(
            NoticeLevel::Info,
            format!(
                "{} package(s) not checked for vulnerabilities: no database at {} (create it with `lockgate db update`, or `lockgate db import` offline)",
                set.packages.len(),
                vuln_options.db.display()
            ),
            None,
        ));
        return Ok(None);
    };
    for (distro, count) in vulns::unchecked_distros(set) {
        notices.push(notice(
            NoticeLevel::Warning,
            format!(
                "{count} {distro} package(s) not checked for vulnerabilities: lockgate has no advisories for that distribution (Debian, Alpine, AlmaLinux and Rocky Linux are supported)"
            ),
            None,
        ));
    }
    let mut vulnerable =
        vulns::package_outcomes(analyzer, &opened.db, set, vuln_options.informational)?;
    for outcome in &mut vulnerable {
        crate::vex::apply(&mut outcome.findings, statements);
    }
    found.extend(vulnerable);
    if let Some(max_age) = vuln_options.max_age {
        found.extend(vulns::stale_finding(analyzer, &opened, max_age));
    }
    let mut info = opened.info;
    info.packages = set.packages.len();
    Ok(Some(info))
}

/// Adds package findings to the outcomes of their files: a lockfile already walked
/// (searched for secrets) keeps one outcome, and gets its text for code frames.
fn merge_outcomes(outcomes: &mut Vec<Outcome>, found: Vec<Outcome>, max_file_size: u64) {
    let mut index: std::collections::HashMap<Arc<str>, usize> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| (Arc::clone(&o.path), i))
        .collect();
    for outcome in found {
        let position = match index.get(&outcome.path) {
            Some(&position) => position,
            None => {
                index.insert(Arc::clone(&outcome.path), outcomes.len());
                outcomes.push(Outcome {
                    path: Arc::clone(&outcome.path),
                    ..Outcome::default()
                });
                outcomes.len() - 1
            }
        };
        let target = &mut outcomes[position];
        if target.text.is_none() {
            // The lockfile's text, for the code frames of human formats.
            target.text = source_text(&target.path, max_file_size);
        }
        target.findings.extend(outcome.findings);
    }
}

/// A file's text for code frames, when it is a readable text within the size limit.
fn source_text(path: &str, limit: u64) -> Option<Arc<str>> {
    let file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() > limit {
        return None;
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit), &mut bytes).ok()?;
    String::from_utf8(bytes).ok().map(Arc::from)
}

/// Searches git history or the staged changes; one outcome per file and commit. Added
/// texts are gathered in batches and searched in parallel while git keeps printing.
fn scan_history(
    analyzer: &Analyzer<'_>,
    scanner: &Scanner,
    repo: &Path,
    history: &History,
    progress: Option<&Progress>,
) -> Result<(Vec<Outcome>, usize), ScanError> {
    const BATCH_BYTES: usize = 16 * 1024 * 1024;
    let mut outcomes = Vec::new();
    let mut batch: Vec<history::AddedText> = Vec::new();
    let mut batch_bytes = 0;
    // For the progress display: commits seen (a commit's files come one after another).
    let (mut commits_seen, mut bytes_seen) = (0, 0u64);
    let mut last_commit: Option<Arc<lockgate_model::Commit>> = None;
    let run = |batch: &mut Vec<history::AddedText>, outcomes: &mut Vec<Outcome>| {
        outcomes.par_extend(
            std::mem::take(batch)
                .into_par_iter()
                .map(|added| history_outcome(analyzer, scanner, added)),
        );
    };
    let commits = history::read(repo, history, |added| {
        if let Some(progress) = progress {
            let same = match (&last_commit, &added.commit) {
                (Some(last), Some(commit)) => Arc::ptr_eq(last, commit),
                (None, None) => true,
                _ => false,
            };
            if !same {
                commits_seen += 1;
                last_commit.clone_from(&added.commit);
            }
            bytes_seen += added.text.len() as u64;
            progress(ProgressEvent::History {
                commits: commits_seen,
                bytes: bytes_seen,
            });
        }
        batch_bytes += added.text.len();
        batch.push(added);
        if batch_bytes >= BATCH_BYTES {
            run(&mut batch, &mut outcomes);
            batch_bytes = 0;
        }
    })
    .map_err(ScanError)?;
    run(&mut batch, &mut outcomes);
    outcomes.retain(|o| !o.findings.is_empty() || o.bytes > 0);
    Ok((outcomes, commits))
}

/// The findings in one file's added lines, at the file's own line numbers.
fn history_outcome(
    analyzer: &Analyzer<'_>,
    scanner: &Scanner,
    added: history::AddedText,
) -> Outcome {
    let path: Arc<str> = Arc::from(added.path.as_str());
    let mut findings = Vec::new();
    if added.new_file {
        for hit in scanner.scan_path(&added.path) {
            findings.push(secrets::hit_finding(
                analyzer,
                &path,
                &hit,
                added.path.as_bytes(),
                hit.span,
                None,
                "",
            ));
        }
    }
    let mut text_findings = secrets::text_findings(analyzer, scanner, &path, &added.text);
    for finding in &mut text_findings {
        let span = &mut finding.location.span;
        span.line = added.file_line(span.line);
        span.end_line = added.file_line(span.end_line);
    }
    findings.extend(text_findings);
    for finding in &mut findings {
        finding.commit = added.commit.clone();
        if let (Some(commit), Some(identity)) = (&added.commit, &finding.identity) {
            // The same secret added by two commits is two findings.
            finding.identity = Some(format!("{identity}@{}", commit.sha));
        }
    }
    Outcome {
        path,
        findings,
        bytes: added.text.len() as u64,
        ..Outcome::default()
    }
}

fn notice(level: NoticeLevel, message: String, path: Option<String>) -> Notice {
    Notice {
        level,
        message,
        path,
    }
}

/// Renders charts and kustomizations. Files inside a chart are never scanned raw (its
/// templates are not YAML); a kustomization's own files are replaced by its render when
/// it succeeds, and scanned raw when it cannot be rendered.
fn render_all(
    walked: &mut Walked,
    enabled: bool,
    progress: Option<&Progress>,
    notices: &mut Vec<Notice>,
) -> Vec<(String, String)> {
    let announce = |tool: &'static str, dir: &Path| {
        if let Some(progress) = progress {
            progress(ProgressEvent::Rendering {
                tool,
                dir: &display_path(dir),
            });
        }
    };
    let charts = std::mem::take(&mut walked.charts);
    let kustomizations = std::mem::take(&mut walked.kustomizations);
    walked
        .files
        .retain(|file| !charts.iter().any(|chart| file.starts_with(chart)));
    let mut rendered = Vec::new();
    let mut missing_reported = Vec::new();
    let mut missing = |tool: &'static str, what: &str, dir: &Path, notices: &mut Vec<Notice>| {
        let advice = match tool {
            "helm" => "install Helm 3 to scan charts",
            _ => "install kubectl to scan Kustomize overlays",
        };
        let first = !missing_reported.contains(&tool);
        if first {
            missing_reported.push(tool);
        }
        notices.push(notice(
            NoticeLevel::Warning,
            format!("`{tool}` is not on PATH: {what} ({advice})"),
            Some(display_path(dir)),
        ));
    };
    for chart in &charts {
        if !enabled {
            notices.push(notice(
                NoticeLevel::Info,
                "Helm chart not rendered (rendering disabled); its templates were skipped".into(),
                Some(display_path(chart)),
            ));
            continue;
        }
        announce("helm", chart);
        match render::helm_template(chart) {
            Ok(text) => rendered.extend(render::split_helm_output(&display_path(chart), &text)),
            Err(RenderError::Missing(tool)) => {
                missing(tool, "Helm chart skipped", chart, notices);
            }
            Err(RenderError::Failed(message)) => notices.push(notice(
                NoticeLevel::Warning,
                format!("helm template failed, chart skipped: {message}"),
                Some(display_path(chart)),
            )),
        }
    }
    for dir in &kustomizations {
        if charts.iter().any(|chart| dir.starts_with(chart)) {
            continue;
        }
        let result = if enabled {
            announce("kubectl", dir);
            render::kustomize(dir)
        } else {
            Err(RenderError::Failed("rendering disabled".into()))
        };
        match result {
            Ok(text) => {
                // The render replaces the files it is made of: those beside the
                // kustomization and those it references (bases in subdirectories,
                // patches), which are not complete objects on their own.
                let referenced = kustomization_inputs(dir);
                let normalized_dir = normalize(dir);
                walked.files.retain(|file| {
                    let file = normalize(file);
                    file.parent() != Some(normalized_dir.as_path())
                        && !referenced.iter().any(|input| file.starts_with(input))
                });
                rendered.push((format!("kustomize://{}", display_path(dir)), text));
            }
            Err(RenderError::Missing(tool)) => {
                missing(
                    tool,
                    "Kustomize directory scanned as plain files",
                    dir,
                    notices,
                );
            }
            Err(RenderError::Failed(message)) => notices.push(notice(
                NoticeLevel::Warning,
                format!("kustomize build failed, directory scanned as plain files: {message}"),
                Some(display_path(dir)),
            )),
        }
    }
    rendered
}

/// Local paths a kustomization reads: `resources`, `bases`, `components`, `crds`,
/// `patchesStrategicMerge`, and the `path` of `patches` and `patchesJson6902` entries.
/// Remote references (URLs, git) and unreadable kustomizations yield nothing.
fn kustomization_inputs(dir: &Path) -> Vec<PathBuf> {
    let Some(text) = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|name| std::fs::read_to_string(dir.join(name)).ok())
    else {
        return Vec::new();
    };
    let stream = lockgate_syntax::parse_stream(&text, lockgate_syntax::Limits::default());
    let Some(document) = stream.documents.first() else {
        return Vec::new();
    };
    let mut inputs = Vec::new();
    for field in [
        "resources",
        "bases",
        "components",
        "crds",
        "patchesStrategicMerge",
    ] {
        for item in document
            .get(field)
            .map(lockgate_syntax::Node::items)
            .unwrap_or_default()
        {
            if let Some(path) = item.as_str() {
                inputs.push(path.to_string());
            }
        }
    }
    for field in ["patches", "patchesJson6902"] {
        for item in document
            .get(field)
            .map(lockgate_syntax::Node::items)
            .unwrap_or_default()
        {
            if let Some(path) = item.get("path").and_then(lockgate_syntax::Node::as_str) {
                inputs.push(path.to_string());
            }
        }
    }
    inputs
        .into_iter()
        .filter(|path| !path.contains("://") && !path.starts_with("github.com/"))
        .map(|path| normalize(&dir.join(path)))
        .collect()
}

/// Resolves `.` and `..` lexically, so `overlays/prod/../../base` compares equal to the
/// walked `base` (symlinks are not followed anyway).
pub(crate) use lockgate_model::normalize_lexically as normalize;

/// The git work tree holding the first scanned path, if any: the project root that
/// fingerprints are relative to when there is no `lockgate.toml`.
fn repository_root(inputs: &[Input]) -> Option<PathBuf> {
    let first = inputs.iter().find_map(|input| match input {
        Input::Path(path) => Some(path),
        Input::Stdin(_) | Input::Image(_) => None,
    })?;
    let absolute = normalize(&std::path::absolute(first).ok()?);
    absolute
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}
