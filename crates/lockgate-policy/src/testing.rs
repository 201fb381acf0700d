//! `lockgate policy test`: runs the `test_` rules of `*_test.rego` files against the
//! policies beside them, as `opa test` does. A test passes when its rule is true; false,
//! undefined and errors fail it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use regorus::Value;

use crate::module::{self, PolicyError};
use crate::{LoadError, engine_with_budget, policy_files, read_policy};

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Pass,
    /// The rule was false or undefined.
    Fail,
    Error(String),
}

#[derive(Debug, Clone)]
pub struct TestResult {
    pub package: String,
    pub name: String,
    pub path: String,
    pub line: u32,
    pub outcome: TestOutcome,
    pub duration: Duration,
}

/// Every test found, and the modules that did not compile (their tests cannot run).
#[derive(Debug, Default)]
pub struct TestRun {
    pub results: Vec<TestResult>,
    pub problems: Vec<PolicyError>,
}

impl TestRun {
    /// Whether every test passed and every module compiled.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.results.iter().all(|r| r.outcome == TestOutcome::Pass)
    }
}

/// Runs the tests under `paths`. `filter` keeps tests whose `package.name` contains it;
/// each test may run for `budget` and add `memory` bytes.
pub fn run(
    paths: &[PathBuf],
    filter: Option<&str>,
    budget: Duration,
    memory: u64,
) -> Result<TestRun, LoadError> {
    let (rego_paths, _) = policy_files(paths, true)?;
    let mut run = TestRun::default();
    let mut sources = Vec::new();
    for path in &rego_paths {
        if let Some(text) = read_policy(path, &mut run.problems) {
            sources.push((path.display().to_string(), text));
        }
    }
    // Modules that do not parse, or do not compile with the others, are reported and
    // left out (one at a time: regorus names the first problem), so the rest still run.
    let mut excluded = std::collections::HashSet::new();
    let (mut engine, tests) = loop {
        let mut engine = engine_with_budget(budget);
        let mut tests = Vec::new();
        for (index, (shown, text)) in sources.iter().enumerate() {
            if excluded.contains(&index) {
                continue;
            }
            match module::add(&mut engine, shown, text, |name| name.starts_with("test_")) {
                Ok(module) => {
                    for (name, line) in module.rules {
                        let selected =
                            filter.is_none_or(|f| format!("{}.{name}", module.package).contains(f));
                        if selected {
                            tests.push((module.package.clone(), name, shown.clone(), line));
                        }
                    }
                }
                Err(error) => {
                    run.problems.push(error);
                    excluded.insert(index);
                }
            }
        }
        match module::compile_check(&mut engine) {
            Ok(()) => break (engine, tests),
            Err(error) => {
                let culprit = sources
                    .iter()
                    .position(|(shown, _)| *shown == error.path)
                    .filter(|i| !excluded.contains(i));
                run.problems.push(error);
                match culprit {
                    Some(index) => {
                        excluded.insert(index);
                    }
                    None => return Ok(run),
                }
            }
        }
    };
    let limit = crate::MemoryLimit::enter(memory, 1);
    for (package, name, path, line) in tests {
        limit.rebase(memory, 1);
        let started = Instant::now();
        let outcome = match engine.eval_rule(format!("data.{package}.{name}")) {
            Ok(Value::Bool(true)) => TestOutcome::Pass,
            Ok(_) => TestOutcome::Fail,
            Err(error) => {
                TestOutcome::Error(module::evaluation_error(&path, line, &error).to_string())
            }
        };
        run.results.push(TestResult {
            package,
            name,
            path,
            line,
            outcome,
            duration: started.elapsed(),
        });
    }
    Ok(run)
}
