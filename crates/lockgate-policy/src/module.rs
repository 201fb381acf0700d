//! Rego modules: adding one to an engine in the Rego version it is written in, the rules
//! it declares, and regorus's error text turned into a place and one sentence.

use regorus::Engine;

/// A Rego module added to an engine.
#[derive(Debug, Clone)]
pub struct Module {
    /// The package without `data.` (`main`, `lib.kubernetes`).
    pub package: String,
    /// The rules the module declares, each with the 1-based line of its first head.
    pub rules: Vec<(String, u32)>,
}

/// Where a policy problem is, and what it is in one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The evaluation was stopped by the memory limit.
    pub out_of_memory: bool,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// Adds `text` to `engine` as Rego v1, or as v0 when it only parses that way (conftest
/// and Gatekeeper policies are mostly v0); a module that imports `rego.v1` is only read
/// as v1. When neither parses, the error reported is the one that got further into the
/// text. `wanted` picks the rule names the caller needs listed (with the line of their
/// first head).
pub fn add(
    engine: &mut Engine,
    path: &str,
    text: &str,
    wanted: fn(&str) -> bool,
) -> Result<Module, PolicyError> {
    let imports_v1 = text.lines().any(|line| line.trim() == "import rego.v1");
    let package = match engine.add_policy(path.to_string(), text.to_string()) {
        Ok(package) => package,
        Err(v1_error) if imports_v1 => return Err(describe(path, &v1_error.to_string())),
        Err(v1_error) => {
            engine.set_rego_v0(true);
            let v0 = engine.add_policy(path.to_string(), text.to_string());
            engine.set_rego_v0(false);
            match v0 {
                Ok(package) => package,
                Err(v0_error) => {
                    let v1 = describe(path, &v1_error.to_string());
                    let v0 = describe(path, &v0_error.to_string());
                    return Err(if v1.line > v0.line { v1 } else { v0 });
                }
            }
        }
    };
    let package = package
        .strip_prefix("data.")
        .unwrap_or(&package)
        .to_string();
    // Rule heads start at the left margin; anything else is inside a rule or a string.
    // Only names the caller wants are checked with regorus (a walk over the module's
    // rules each), once each.
    let mut rules: Vec<(String, u32)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some(name) = crate::metadata::rule_name(line) else {
            continue;
        };
        // Functions (`name(x) := ...`) are not rules to evaluate.
        let function = line
            .trim_start()
            .strip_prefix(name.as_str())
            .is_some_and(|rest| rest.starts_with('('));
        if function || !wanted(&name) || !seen.insert(name.clone()) {
            continue;
        }
        if engine
            .has_declared_rule_rooted_at(path, &name)
            .unwrap_or(false)
        {
            rules.push((name, u32::try_from(index + 1).unwrap_or(u32::MAX)));
        }
    }
    Ok(Module { package, rules })
}

/// Adds `(path, text)` modules to a fresh engine from `new_engine`. Modules that do not
/// parse, or do not compile with the others (an unsafe variable, an unknown function),
/// are reported in `problems` and left out, one at a time as regorus names them, so the
/// rest still run. Returns the engine and each loaded module with its index in
/// `sources`, or `None` when a compile error names no module (nothing can run).
pub fn add_all(
    sources: &[(&str, &str)],
    new_engine: &dyn Fn() -> Engine,
    wanted: fn(&str) -> bool,
    problems: &mut Vec<PolicyError>,
) -> Option<(Engine, Vec<(usize, Module)>)> {
    let mut excluded = std::collections::HashSet::new();
    loop {
        let mut engine = new_engine();
        let mut modules = Vec::new();
        for (index, (path, text)) in sources.iter().enumerate() {
            if excluded.contains(&index) {
                continue;
            }
            match add(&mut engine, path, text, wanted) {
                Ok(module) => modules.push((index, module)),
                Err(error) => {
                    problems.push(error);
                    excluded.insert(index);
                }
            }
        }
        match compile_check(&mut engine) {
            Ok(()) => return Some((engine, modules)),
            Err(error) => {
                let culprit = sources
                    .iter()
                    .position(|(path, _)| *path == error.path)
                    .filter(|i| !excluded.contains(i));
                problems.push(error);
                excluded.insert(culprit?);
            }
        }
    }
}

/// Checks that the engine's modules compile together (safety of variables, known
/// functions, ...): regorus analyses them at the first evaluation, not when they are
/// added.
pub fn compile_check(engine: &mut Engine) -> Result<(), PolicyError> {
    engine
        .eval_query("true".to_string(), false)
        .map(|_| ())
        .map_err(|error| describe("", &error.to_string()))
}

/// Reads regorus's error text (`--> file:line:col`, a code frame, `error: message`) into
/// a place and a message. Errors without a place are given `fallback_line`.
pub fn describe(path: &str, error: &str) -> PolicyError {
    let mut line = 0;
    let mut column = 0;
    let mut shown_path = path.to_string();
    if let Some(at) = error.find("--> ") {
        let place = error[at + 4..].lines().next().unwrap_or_default().trim();
        let mut parts = place.rsplitn(3, ':');
        column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        if let Some(file) = parts.next().filter(|f| !f.is_empty()) {
            shown_path = file.to_string();
        }
    }
    let message = error
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| {
            error
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        });
    PolicyError {
        path: shown_path,
        line,
        column,
        message,
        out_of_memory: false,
    }
}

/// An evaluation error as a [`PolicyError`]; errors without a place of their own (a
/// budget ran out) are put at the rule, `path` line `line`.
pub fn evaluation_error(path: &str, line: u32, error: &anyhow::Error) -> PolicyError {
    let mut described = describe(path, &error.to_string());
    if described.line == 0 {
        described.line = line;
        described.column = 1;
    }
    described.out_of_memory = crate::budget::is_memory_error(error);
    // regorus's message has the elapsed nanoseconds: the same policy place would give a
    // different message on every document.
    match error.downcast_ref::<regorus::LimitError>() {
        Some(regorus::LimitError::TimeLimitExceeded { limit, .. }) => {
            described.message = format!(
                "the evaluation ran past its time budget of {} ms (`[policy] timeout`)",
                limit.as_millis()
            );
        }
        _ if described.message.contains("exceeded time limit") => {
            described.message =
                "the evaluation ran past its time budget (`[policy] timeout`)".to_string();
        }
        _ => {}
    }
    described
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn v0_and_v1_modules_both_load() {
        let mut engine = Engine::new();
        let v0 = add(
            &mut engine,
            "a.rego",
            "package main\n\n# A comment that contains a word if any.\ndeny[msg] {\n  msg := \"x contains y\"\n}\n",
            |_| true,
        )
        .unwrap();
        assert_eq!(v0.package, "main");
        assert_eq!(v0.rules, vec![("deny".to_string(), 4)]);
        let v1 = add(
            &mut engine,
            "b.rego",
            "package lib.k8s\n\nwarn_x contains \"w\" if true\n\nname(x) := x\n",
            |_| true,
        )
        .unwrap();
        assert_eq!(v1.package, "lib.k8s");
        let names: Vec<_> = v1.rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["warn_x"], "functions are not rules to evaluate");
    }

    #[test]
    fn syntax_errors_have_a_place_and_a_sentence() {
        let mut engine = Engine::new();
        let error = add(
            &mut engine,
            "bad.rego",
            "package x\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n",
            |_| true,
        )
        .unwrap_err();
        assert_eq!((error.path.as_str(), error.line), ("bad.rego", 6));
        assert!(error.message.contains("expecting"), "{error}");
    }

    #[test]
    fn compile_errors_are_found_before_evaluation() {
        let mut engine = Engine::new();
        add(
            &mut engine,
            "ok.rego",
            "package main\n\ndeny[m] { m := \"x\" }\n",
            |_| true,
        )
        .unwrap();
        add(
            &mut engine,
            "unsafe.rego",
            "package other\n\np if { x == 1 }\n",
            |_| true,
        )
        .unwrap();
        let error = compile_check(&mut engine).unwrap_err();
        assert_eq!(
            (error.path.as_str(), error.line),
            ("unsafe.rego", 3),
            "{error}"
        );
    }
}
