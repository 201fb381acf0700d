//! `lockgate policy test`, and loading the policies a command names (`--policy`,
//! `--namespace`, `[policy]` in lockgate.toml).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use lockgate_engine::{Config, PolicyArgs};
use lockgate_policy::testing::{TestOutcome, TestRun};

use crate::cli::{PolicyCommand, PolicySelection, PolicyTestArgs};

pub(crate) fn run(command: &PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Test(args) => test(args),
    }
}

/// The command line's policy choices, for [`Config::load_policies`].
pub(crate) fn policy_args(selection: &PolicySelection) -> PolicyArgs {
    PolicyArgs {
        paths: selection.policies.clone(),
        namespaces: selection.namespaces.clone(),
        all_namespaces: selection.all_namespaces,
    }
}

/// The configuration (`--config`, else lockgate.toml found upward from `start`) with its
/// policies and the command line's loaded.
pub(crate) fn config_with_policies(
    config: Option<&Path>,
    start: &Path,
    selection: &PolicySelection,
) -> anyhow::Result<Config> {
    let mut config = match config {
        Some(path) => Config::load(path)?,
        None => Config::discover(start)?,
    };
    config.load_policies(&policy_args(selection))?;
    Ok(config)
}

fn test(args: &PolicyTestArgs) -> anyhow::Result<ExitCode> {
    let budget = lockgate_engine::parse_timeout(&args.timeout)
        .map_err(|e| anyhow::anyhow!("--timeout: {e}"))?;
    let run = lockgate_policy::testing::run(
        &args.paths,
        args.run.as_deref(),
        budget,
        lockgate_policy::DEFAULT_MEMORY_BUDGET,
    )?;
    if run.results.is_empty() && run.problems.is_empty() {
        bail!(
            "no tests found: tests are rules named `test_…` in `*_test.rego` files{}",
            if args.run.is_some() {
                " (and matching --run)"
            } else {
                ""
            }
        );
    }
    let mut out = io::stdout().lock();
    let written = if args.format == "json" {
        write_json(&run, &mut out)
    } else {
        write_text(&run, args.verbose, &mut out)
    };
    if let Err(error) = written
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        return Err(error.into());
    }
    Ok(if run.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_text(run: &TestRun, verbose: bool, out: &mut dyn Write) -> io::Result<()> {
    for problem in &run.problems {
        writeln!(
            out,
            "ERROR: {problem} (the tests of this module did not run)"
        )?;
    }
    for result in &run.results {
        let name = format!("{}.{}", result.package, result.name);
        let place = format!("{}:{}", result.path, result.line);
        match &result.outcome {
            TestOutcome::Pass if verbose => {
                writeln!(out, "PASS: {name} ({:.1?}) {place}", result.duration)?
            }
            TestOutcome::Pass => {}
            TestOutcome::Fail => writeln!(out, "FAIL: {name} {place}")?,
            TestOutcome::Error(error) => writeln!(out, "ERROR: {name} {place}: {error}")?,
        }
    }
    let total = run.results.len();
    let count =
        |want: fn(&TestOutcome) -> bool| run.results.iter().filter(|r| want(&r.outcome)).count();
    let passed = count(|o| *o == TestOutcome::Pass);
    let failed = count(|o| *o == TestOutcome::Fail);
    let errors = count(|o| matches!(o, TestOutcome::Error(_)));
    writeln!(out, "{}", "-".repeat(60))?;
    writeln!(out, "PASS: {passed}/{total}")?;
    if failed > 0 {
        writeln!(out, "FAIL: {failed}/{total}")?;
    }
    if errors > 0 {
        writeln!(out, "ERROR: {errors}/{total}")?;
    }
    if !run.problems.is_empty() {
        writeln!(out, "NOT COMPILED: {} module(s)", run.problems.len())?;
    }
    Ok(())
}

fn write_json(run: &TestRun, out: &mut dyn Write) -> io::Result<()> {
    let tests: Vec<serde_json::Value> = run
        .results
        .iter()
        .map(|r| {
            let (outcome, error) = match &r.outcome {
                TestOutcome::Pass => ("pass", None),
                TestOutcome::Fail => ("fail", None),
                TestOutcome::Error(e) => ("error", Some(e.clone())),
            };
            serde_json::json!({
                "package": r.package,
                "name": r.name,
                "file": r.path,
                "line": r.line,
                "outcome": outcome,
                "error": error,
                "duration_ms": r.duration.as_secs_f64() * 1000.0,
            })
        })
        .collect();
    let problems: Vec<String> = run.problems.iter().map(ToString::to_string).collect();
    let report =
        serde_json::json!({ "tests": tests, "problems": problems, "passed": run.passed() });
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}

/// The current directory, where `rules` and `explain` look for lockgate.toml.
pub(crate) fn here() -> PathBuf {
    PathBuf::from(".")
}
