//! What each subcommand does: validate arguments, drive the engine, write outputs and
//! choose the exit code.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lockgate_engine::{
    Baseline, Date, History, Input, PROFILES, Progress, ProgressEvent, ScanOptions, Scanners,
    VulnOptions, scan,
};
use lockgate_model::{Report, RuleMeta};
use lockgate_report::{Format, WriteOptions};

use crate::cli::{
    BaselineCommand, Cli, Command, ExplainArgs, HookCommand, OutputArgs, RulesArgs, ScanArgs,
    ScanSelection,
};

/// Standard input is limited so a runaway pipe cannot exhaust memory.
const MAX_STDIN_BYTES: u64 = 64 * 1024 * 1024;

pub fn run() -> anyhow::Result<ExitCode> {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Scan(args) => {
            let scan_matches = matches
                .subcommand_matches("scan")
                .context("internal error: scan arguments missing")?;
            run_scan(&args, scan_matches)
        }
        Command::Baseline(BaselineCommand::Write(args)) => {
            let report = scan_selection(&args.selection, None, None)?;
            let baseline = Baseline::from_findings(&report.findings);
            std::fs::write(&args.output, baseline.to_json())
                .with_context(|| format!("cannot write baseline {}", args.output.display()))?;
            eprintln!(
                "wrote {} finding(s) to {}; use it with `lockgate scan --baseline {}`",
                baseline.findings.len(),
                args.output.display(),
                args.output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(args) => list_rules(&args),
        Command::Explain(args) => explain(&args),
        Command::Hook(HookCommand::Install(args)) => crate::hook::install(&args),
        Command::Image(args) => {
            let image_matches = matches
                .subcommand_matches("image")
                .context("internal error: image arguments missing")?;
            crate::image::run_image(&args, image_matches)
        }
        Command::Verify(args) => crate::image::run_verify(&args),
        Command::Sbom(args) => crate::image::run_sbom(&args),
        Command::Db(command) => crate::db::run(&command),
        Command::Policy(command) => crate::policy::run(&command),
        Command::Admit(args) => crate::admit::run(args),
    }
}

/// Pairs each `--output` with the `--format` written before it on the command line.
pub(crate) fn output_plan(
    args: &OutputArgs,
    matches: &ArgMatches,
) -> anyhow::Result<Vec<(Format, Option<PathBuf>)>> {
    let formats: Vec<Format> = args
        .formats
        .iter()
        .map(|f| f.parse::<Format>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    let format_positions: Vec<usize> = matches
        .indices_of("formats")
        .map(Iterator::collect)
        .unwrap_or_default();
    let output_positions: Vec<usize> = matches
        .indices_of("outputs")
        .map(Iterator::collect)
        .unwrap_or_default();
    let mut plan: Vec<(Format, Option<PathBuf>)> = formats.iter().map(|f| (*f, None)).collect();
    if plan.is_empty() {
        plan.push((Format::Table, None));
    }
    for (output, position) in args.outputs.iter().zip(output_positions) {
        let owner = format_positions.iter().rposition(|p| *p < position);
        let index = match owner {
            Some(index) => index,
            None if formats.is_empty() => 0,
            None => bail!(
                "--output {} comes before any --format; write `--format FORMAT --output FILE`",
                output.display()
            ),
        };
        if plan[index].1.is_some() {
            bail!(
                "two --output files for the same --format {}; give --format once per output",
                plan[index].0.name()
            );
        }
        plan[index].1 = Some(output.clone());
    }
    let to_stdout = plan.iter().filter(|(_, path)| path.is_none()).count();
    if to_stdout > 1 {
        bail!("only one format can go to standard output; give the others an --output FILE");
    }
    Ok(plan)
}

fn run_scan(args: &ScanArgs, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    let plan = output_plan(&args.output, matches)?;
    let baseline = match &args.output.baseline {
        Some(path) => Some(Baseline::load(path)?),
        None => None,
    };
    let report = scan_selection(&args.selection, args.output.fail_on, baseline)?;
    write_report(&report, &plan, &args.output.color)
}

/// Writes the report in every planned format and returns the gate's exit code.
pub(crate) fn write_report(
    report: &Report,
    plan: &[(Format, Option<PathBuf>)],
    color: &str,
) -> anyhow::Result<ExitCode> {
    let color = match color {
        "always" => true,
        "never" => false,
        _ => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    for (format, path) in plan {
        match path {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut out = BufWriter::new(file);
                lockgate_report::write(report, *format, WriteOptions { color: false }, &mut out)
                    .and_then(|()| out.flush())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            None => {
                // Buffered: a large report is many small writes.
                let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
                let written =
                    lockgate_report::write(report, *format, WriteOptions { color }, &mut out)
                        .and_then(|()| out.flush());
                // A closed pipe (`lockgate scan | head`) is not an error worth reporting.
                if let Err(error) = written
                    && error.kind() != io::ErrorKind::BrokenPipe
                {
                    return Err(error).context("cannot write to standard output");
                }
            }
        }
    }
    // When the table goes to a file or another format holds stdout, still tell a human
    // the verdict on stderr.
    if !plan.iter().any(|(f, p)| *f == Format::Table && p.is_none()) && io::stderr().is_terminal() {
        eprintln!(
            "lockgate: gate {} ({} open finding(s) at or above {})",
            if report.gate.passed {
                "passed"
            } else {
                "failed"
            },
            report.gate.failing,
            report.gate.fail_on
        );
    }
    Ok(if report.gate.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn scan_selection(
    selection: &ScanSelection,
    fail_on: Option<lockgate_model::Severity>,
    baseline: Option<Baseline>,
) -> anyhow::Result<Report> {
    if let Some(profile) = &selection.profile
        && !PROFILES.contains(&profile.as_str())
    {
        bail!(
            "unknown profile `{profile}`: expected one of {}",
            PROFILES.join(", ")
        );
    }
    let mut paths = selection.paths.clone();
    let history = match (&selection.git, selection.staged) {
        (Some(range), _) => {
            let mut range = range.clone();
            // `--git DIR` without a range: the value is the repository, not a range.
            if let Some(value) = &range
                && !value.contains("..")
                && std::path::Path::new(value).is_dir()
            {
                paths.insert(0, PathBuf::from(value));
                range = None;
            }
            Some(History::Git { range })
        }
        (None, true) => Some(History::Staged),
        (None, false) => None,
    };
    if history.is_some() {
        if paths.len() > 1 || paths.iter().any(|p| p.as_os_str() == "-") {
            bail!(
                "--git and --staged take one PATH: the repository (default: the current directory)"
            );
        }
        if let Some(other) = selection.scanners.iter().find(|s| *s != "secrets") {
            bail!("--git and --staged search for secrets only; drop `--scanners {other}`");
        }
        if !selection.sboms.is_empty() || selection.vulns.db_max_age.is_some() {
            bail!("--git and --staged search for secrets only; drop --sbom and --db-max-age");
        }
    }
    if !selection.scanners.is_empty()
        && !selection.scanners.iter().any(|s| s == "vulns")
        && !selection.sboms.is_empty()
    {
        bail!("--sbom checks packages for vulnerabilities: add `vulns` to --scanners");
    }
    for sbom in &selection.sboms {
        if !sbom.is_file() {
            bail!("SBOM {} does not exist or is not a file", sbom.display());
        }
    }
    let db_max_age = parse_max_age(&selection.vulns)?;
    // `lockgate scan --sbom app.cdx.json` checks the document alone.
    if paths.is_empty() && selection.sboms.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let scanners = if selection.scanners.is_empty() {
        Scanners::default()
    } else {
        Scanners {
            manifests: selection.scanners.iter().any(|s| s == "manifests"),
            dockerfiles: selection.scanners.iter().any(|s| s == "dockerfiles"),
            secrets: selection.scanners.iter().any(|s| s == "secrets"),
            vulns: selection.scanners.iter().any(|s| s == "vulns"),
        }
    };
    let mut inputs = Vec::new();
    let mut read_stdin = false;
    for path in &paths {
        if path.as_os_str() == "-" {
            if read_stdin {
                bail!("`-` (standard input) was given twice");
            }
            read_stdin = true;
            let mut bytes = Vec::new();
            io::stdin()
                .take(MAX_STDIN_BYTES + 1)
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            if bytes.len() as u64 > MAX_STDIN_BYTES {
                bail!(
                    "standard input is larger than {} MiB",
                    MAX_STDIN_BYTES / (1024 * 1024)
                );
            }
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                // Secrets are still found in text that is not UTF-8; manifests are not.
                Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
            };
            inputs.push(Input::Stdin(text));
        } else if !path.exists() {
            bail!("{} does not exist", path.display());
        } else {
            inputs.push(Input::Path(path.clone()));
        }
    }
    let start = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = crate::policy::config_with_policies(
        selection.config.as_deref(),
        &start,
        &selection.policy,
    )?;
    let effective = config.resolve(selection.profile.as_deref(), fail_on)?;
    let vulns = vuln_options(
        &selection.vulns,
        db_max_age,
        &effective,
        selection.scanners.iter().any(|s| s == "vulns") || !selection.sboms.is_empty(),
        selection.sboms.clone(),
    );
    let options = ScanOptions {
        inputs,
        config,
        effective,
        baseline,
        today: Date::today(),
        render: !selection.no_render,
        progress: terminal_progress(),
        scanners,
        history,
        vulns,
    };
    let report = scan(&options)?;
    if options.progress.is_some() {
        // Clear the progress line.
        eprint!("\r\x1b[2K");
    }
    Ok(report)
}

/// A progress line on standard error, only when it is a terminal (never in CI logs or
/// pipes), redrawn at most ten times a second.
pub(crate) fn terminal_progress() -> Option<Progress> {
    if !io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let last = Mutex::new(Instant::now());
    Some(Arc::new(move |event: ProgressEvent<'_>| {
        let line = match event {
            ProgressEvent::Rendering { tool, dir } => format!("rendering {dir} with {tool}…"),
            ProgressEvent::Analyzed { done, total } => {
                let Ok(mut last) = last.lock() else { return };
                if done < total && last.elapsed() < Duration::from_millis(100) {
                    return;
                }
                *last = Instant::now();
                format!("scanned {done}/{total} files")
            }
            ProgressEvent::History { commits, bytes } => {
                let Ok(mut last) = last.lock() else { return };
                if last.elapsed() < Duration::from_millis(100) {
                    return;
                }
                *last = Instant::now();
                format!(
                    "searching history: {commits} commits, {:.1} MB of added lines",
                    bytes as f64 / 1e6
                )
            }
            ProgressEvent::ImageLayers { done, total } => {
                format!("reading image layers: {done} of {total}")
            }
        };
        eprint!("\r\x1b[2Klockgate: {line}");
    }))
}

fn list_rules(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let secrets = lockgate_secrets::builtin_catalog()?;
    let config = crate::policy::config_with_policies(
        args.config.as_deref(),
        &crate::policy::here(),
        &args.policy,
    )?;
    let policy_rules: Vec<&'static RuleMeta> = config
        .policies()
        .map(|p| p.rules().to_vec())
        .unwrap_or_default();
    let selected: Vec<&'static RuleMeta> = lockgate_rules::rules()
        .iter()
        .map(|r| r.meta)
        .chain(lockgate_rules::docker_rules().iter().map(|r| r.meta))
        .chain(lockgate_rules::image_rules().iter().map(|r| r.meta))
        .chain(lockgate_rules::engine_rules::ALL.iter().copied())
        .chain(lockgate_rules::package_rules::ALL.iter().copied())
        .chain(secrets.rules.iter().map(|r| r.meta))
        .chain(policy_rules.iter().copied())
        .filter(|meta| match &args.framework {
            Some(prefix) => meta
                .frameworks
                .iter()
                .any(|f| f.starts_with(prefix.as_str())),
            None => true,
        })
        .collect();
    if selected.is_empty() {
        bail!(
            "no rule is mapped to a framework starting with `{}`",
            args.framework.as_deref().unwrap_or_default()
        );
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = if args.format == "json" {
        let infos: Vec<_> = selected.iter().map(|m| m.info()).collect();
        serde_json::to_writer_pretty(&mut out, &infos)
            .map_err(|e| match e.io_error_kind() {
                Some(kind) => io::Error::from(kind),
                None => io::Error::other(e),
            })
            .and_then(|()| writeln!(out))
    } else {
        write_rule_table(&selected, &mut out)
    };
    if let Err(error) = written
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(error.into());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_rule_table(rules: &[&RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let name_width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<9} {:<8} {:<name_width$} TITLE",
        "ID", "SEVERITY", "NAME"
    )?;
    for rule in rules {
        writeln!(
            out,
            "{:<9} {:<8} {:<name_width$} {}",
            rule.id,
            rule.severity.as_str(),
            rule.name,
            rule.title
        )?;
    }
    writeln!(
        out,
        "\n{} rules. `lockgate explain ID` prints a rule's documentation.",
        rules.len()
    )
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let mut rule = lockgate_engine::find_any_rule(&args.rule, &Default::default());
    if rule.is_none() {
        let config = crate::policy::config_with_policies(
            args.config.as_deref(),
            &crate::policy::here(),
            &args.policy,
        )?;
        rule = config.policies().and_then(|p| p.find_rule(&args.rule));
    }
    let Some(rule) = rule else {
        bail!(
            "no rule `{}`; `lockgate rules` lists them all (with `--policy PATH` for the rules of policies)",
            args.rule
        );
    };
    let mut out = io::stdout().lock();
    let text = format!(
        "# {} {}: {}\n\nSeverity: {}\nApplies to: {}\nFrameworks: {}\n\n{}\n",
        rule.id,
        rule.name,
        rule.title,
        rule.severity,
        rule.applies_to.join(", "),
        rule.frameworks.join(", "),
        rule.docs.trim_end()
    );
    if let Err(error) = out.write_all(text.as_bytes())
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(error.into());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--db-max-age`, checked.
pub(crate) fn parse_max_age(args: &crate::cli::VulnArgs) -> anyhow::Result<Option<Duration>> {
    args.db_max_age
        .as_deref()
        .map(lockgate_engine::parse_age)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--db-max-age: {e}"))
}

/// The vulnerability options of a scan: flags first, then `[vulnerabilities]` in
/// lockgate.toml, then the default database location. `asked` says the user asked for
/// vulnerabilities explicitly, so a missing database is an error.
pub(crate) fn vuln_options(
    args: &crate::cli::VulnArgs,
    max_age: Option<Duration>,
    effective: &lockgate_engine::Effective,
    asked: bool,
    sboms: Vec<PathBuf>,
) -> VulnOptions {
    VulnOptions {
        db: args
            .db
            .clone()
            .or_else(|| effective.vulnerabilities.db.clone())
            .unwrap_or_else(crate::db::default_db_path),
        required: asked || args.db.is_some(),
        max_age: max_age.or(effective.vulnerabilities.max_age),
        informational: effective.vulnerabilities.informational,
        sboms,
        vex: effective
            .vulnerabilities
            .vex
            .iter()
            .chain(&args.vex)
            .cloned()
            .collect(),
    }
}
