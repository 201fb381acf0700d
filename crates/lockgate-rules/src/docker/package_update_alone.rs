//! DOCKER-011 package-update-alone: a RUN updates a package index (`apt-get update`,
//! `apt update`, `apk update`) but installs nothing with it.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::apt_get_install_without_yes::apt_subcommand;
use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-011",
    name: "package-update-alone",
    title: "Package index update alone in a RUN",
    severity: Severity::Medium,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["cis-docker:4.7", "nist-800-190:4.1.1"],
    fix: "Update the index in the same RUN that installs: `RUN apt-get update && apt-get install -y <packages>` (for Alpine, `apk add --no-cache <packages>`).",
    docs: r#"## What it checks
`RUN` instructions (shell and exec form, `sh -c` scripts, `RUN <<EOF` heredoc scripts,
`ONBUILD RUN`, also after `sudo`) that update a package index with `apt-get update`,
`apt update` or `apk update` but run no command of the same package manager that
installs or upgrades in the same instruction (`apt-get`/`apt` `install`, `upgrade`,
`dist-upgrade`, `full-upgrade`, `build-dep`; `apk add`, `apk upgrade`).

## Why it matters
Each instruction is a cached layer. A `RUN apt-get update` on its own is cached once and
reused by every later build, while the `RUN apt-get install` after it changes: the
install then runs against a stale index, fails on packages that are gone from the
mirror, or silently installs old versions without their security fixes (CIS Docker 4.7).

## Example
```dockerfile
FROM debian:12
RUN apt-get update
RUN apt-get install -y curl
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- CIS Docker Benchmark 4.7 (update instructions are not used alone)
- NIST SP 800-190, 4.1.1 (image vulnerabilities)
"#,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Manager {
    Apt,
    Apk,
}

/// What a command does to a package manager: updates its index (`false`) or installs
/// (`true`).
fn package_action(command: &Command) -> Option<(Manager, bool)> {
    match command.program() {
        "apt-get" | "apt" => {
            let (subcommand, _) = apt_subcommand(command);
            match subcommand? {
                "update" => Some((Manager::Apt, false)),
                "install" | "upgrade" | "dist-upgrade" | "full-upgrade" | "build-dep" => {
                    Some((Manager::Apt, true))
                }
                _ => None,
            }
        }
        "apk" => {
            let subcommand = apk_subcommand(command)?;
            match subcommand {
                "update" => Some((Manager::Apk, false)),
                "add" | "upgrade" => Some((Manager::Apk, true)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The first word of an `apk` command that is neither an option nor an option's value.
fn apk_subcommand(command: &Command) -> Option<&str> {
    const WITH_VALUE: &[&str] = &[
        "-X",
        "--repository",
        "-p",
        "--root",
        "--arch",
        "--cache-dir",
        "--keys-dir",
        "--repositories-file",
    ];
    let mut words = command.words.iter().skip(1);
    while let Some(word) = words.next() {
        if WITH_VALUE.contains(&word.as_str()) {
            words.next();
        } else if !word.starts_with('-') {
            return Some(word);
        }
    }
    None
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let actions: Vec<(Manager, bool, String)> = run_commands(dockerfile, run)
            .iter()
            .map(Command::without_sudo)
            .filter_map(|c| package_action(&c).map(|(m, i)| (m, i, c.words.join(" "))))
            .collect();
        let lonely = actions.iter().find(|(manager, install, _)| {
            !install && !actions.iter().any(|(m, i, _)| m == manager && *i)
        });
        if let Some((_, _, text)) = lonely {
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "`{text}` runs without an install in the same RUN; its cached layer goes stale"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::split_commands;
    use super::{Manager, package_action};

    fn actions(script: &str) -> Vec<(bool, bool)> {
        split_commands(script)
            .iter()
            .map(|c| c.without_sudo())
            .filter_map(|c| package_action(&c))
            .map(|(m, i)| (m == Manager::Apt, i))
            .collect()
    }

    #[test]
    fn updates_and_installs() {
        assert_eq!(
            actions("apt-get -q update && apt install -y x; apk --no-cache add y; apk update"),
            vec![(true, false), (true, true), (false, true), (false, false)]
        );
        assert!(actions("apt-get clean && echo apt-get update").is_empty());
    }
}
