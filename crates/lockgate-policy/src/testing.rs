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
    let modules: Vec<(&str, &str)> = sources
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let new_engine = || engine_with_budget(budget);
    let is_test = |name: &str| name.starts_with("test_");
    let Some((mut engine, loaded)) =
        module::add_all(&modules, &new_engine, is_test, &mut run.problems)
    else {
        return Ok(run);
    };
    let mut tests = Vec::new();
    for (index, module) in loaded {
        let path = &sources[index].0;
        for (name, line) in module.rules {
            if filter.is_none_or(|f| format!("{}.{name}", module.package).contains(f)) {
                tests.push((module.package.clone(), name, path.clone(), line));
            }
        }
    }
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
