//! DOCKER-020 package-version-not-pinned: a RUN installs packages without naming their
//! version (`apt-get install curl`, `apk add curl`, `pip install flask`,
//! `npm install -g pm2`, `gem install bundler`).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::apt_get_install_without_yes::apt_subcommand;
use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-020",
    name: "package-version-not-pinned",
    title: "Package installed without a pinned version",
    severity: Severity::Low,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["cis-docker:4.11", "nist-800-190:4.1.1"],
    fix: "Name the version of each package: `apt-get install curl=7.88.1-10+deb12u5`, `apk add curl=8.9.1-r0`, `pip install flask==3.0.3` (or a hashed requirements file), `npm install -g pm2@5.4.2`, `gem install bundler -v 2.5.16`.",
    docs: r#"## What it checks
Commands of `RUN` instructions in every stage (shell and exec form, `sh -c` scripts,
`RUN <<EOF` heredoc scripts, `ONBUILD RUN`, also after `sudo`) that install packages by
name without a version:

| command | pinned when |
|---|---|
| `apt-get install`, `apt install` | every package is `name=version` (hadolint DL3008) |
| `apk add` | every package is `name=version` (or `~`, `<`, `>` constraints) (DL3018) |
| `pip install` (`pip3`, `python -m pip`) | every requirement is `name==version` / `===`, or a direct reference `name @ url`; requirement files (`-r`), local paths, archives and VCS URLs are not judged (DL3013) |
| `npm install -g`/`--global` (`npm i`, `npm add`) | every package is `name@version` (any version or range except the `latest`/`next` tags) (DL3016) |
| `gem install` | `-v`/`--version` is given, or every gem is `name:version` (DL3028) |

Values of options (`-t bookworm-backports`, `--virtual .build-deps`, `-r requirements.txt`,
`--index-url …`) are not packages. Words holding a `$VARIABLE` are not judged. `pip
install --upgrade pip setuptools wheel` (upgrading the installer itself) is not
reported. One finding per RUN names the unpinned packages.

## Why it matters
An unpinned install takes whatever version the repository serves on the day of the
build: two builds of the same commit differ, a broken or malicious release lands in the
image without any change in review, and nobody can tell afterwards which version an
image holds without scanning it. Pinned versions make a rebuild reproducible and turn
every upgrade into a visible, reviewable change (which tools such as Renovate or
Dependabot then propose for you).

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN pip install flask gunicorn
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
```

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- https://github.com/hadolint/hadolint/wiki/DL3008
- https://pip.pypa.io/en/stable/topics/repeatable-installs/
- CIS Docker Benchmark 4.11 (ensure only verified packages are installed)
- NIST SP 800-190, 4.1.1 (image vulnerabilities)
"#,
};

/// The operands of a command after `skip` words, leaving out options and the values of
/// the options in `with_value` (given as `-x`, `--long`; `--long=value` is one word).
fn operands<'a>(words: &'a [String], with_value: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        if word == "--" {
            out.extend(rest.map(String::as_str));
            break;
        }
        if word.starts_with('-') {
            if with_value.contains(&word.as_str()) {
                rest.next();
            }
            continue;
        }
        out.push(word.as_str());
    }
    out
}

/// Operands that are not packages from a repository (paths, archives, URLs) or that
/// hold a variable.
fn not_judged(operand: &str) -> bool {
    operand.contains('$')
        || operand.starts_with('.')
        || operand.starts_with('/')
        || operand.starts_with('~')
        || operand.contains("://")
        || operand.starts_with("git+")
        || [
            ".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem",
        ]
        .iter()
        .any(|ext| operand.ends_with(ext))
}

/// `python3 -m pip` / `pip3.12`: the words after `pip`.
fn pip_words(command: &Command) -> Option<&[String]> {
    let program = command.program();
    let versioned = |prefix: &str| {
        program
            .strip_prefix(prefix)
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if versioned("pip") {
        return command.words.get(1..);
    }
    if !versioned("python") {
        return None;
    }
    let position = command.words.iter().position(|w| w == "-m")?;
    (command.words.get(position + 1).map(String::as_str) == Some("pip"))
        .then(|| command.words.get(position + 2..))
        .flatten()
}

const PIP_WITH_VALUE: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--src",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--trusted-host",
    "--upgrade-strategy",
    "--progress-bar",
    "--log",
    "--cache-dir",
    "--global-option",
    "--config-settings",
    "-C",
    "--no-binary",
    "--only-binary",
    "--report",
    "--python",
    "--proxy",
    "--cert",
    "--client-cert",
    "--timeout",
    "--retries",
    "--exists-action",
];

/// The package manager and the packages a command installs without a version.
fn unpinned(command: &Command) -> Option<(&'static str, Vec<String>)> {
    let program = command.program();
    let words = command.words.get(1..).unwrap_or_default();
    let (manager, packages): (&'static str, Vec<&str>) = match program {
        "apt-get" | "apt" => {
            if apt_subcommand(command).0 != Some("install") {
                return None;
            }
            let operands = operands(
                words,
                &[
                    "-o",
                    "-c",
                    "-t",
                    "-a",
                    "--option",
                    "--config-file",
                    "--target-release",
                    "--default-release",
                    "--host-architecture",
                ],
            );
            let packages = operands
                .into_iter()
                .skip(1)
                .filter(|p| !p.contains('='))
                .collect();
            ("apt-get install", packages)
        }
        "apk" => {
            let operands = operands(
                words,
                &[
                    "-X",
                    "--repository",
                    "-t",
                    "--virtual",
                    "-p",
                    "--root",
                    "--arch",
                    "--keys-dir",
                    "--cache-dir",
                    "--repositories-file",
                ],
            );
            if operands.first() != Some(&"add") {
                return None;
            }
            let packages = operands
                .into_iter()
                .skip(1)
                .filter(|p| !p.contains(['=', '~', '<', '>']))
                .collect();
            ("apk add", packages)
        }
        "npm" => {
            let global = words
                .iter()
                .any(|w| w == "-g" || w == "--global" || w == "--location=global");
            let operands = operands(
                words,
                &[
                    "--prefix",
                    "--registry",
                    "--location",
                    "-w",
                    "--workspace",
                    "--tag",
                    "--omit",
                    "--include",
                ],
            );
            if !global
                || !matches!(
                    operands.first(),
                    Some(&("install" | "i" | "add" | "isntall" | "in"))
                )
            {
                return None;
            }
            let packages = operands
                .into_iter()
                .skip(1)
                .filter(|p| {
                    // `@scope/name@version`: the version is after the last `@` but the first.
                    let name_end = if p.starts_with('@') { 1 } else { 0 };
                    match p.get(name_end..).and_then(|rest| rest.rfind('@')) {
                        Some(at) => {
                            let version = p.get(name_end + at + 1..).unwrap_or("");
                            matches!(version, "" | "latest" | "next" | "*")
                        }
                        None => true,
                    }
                })
                .collect();
            ("npm install -g", packages)
        }
        "gem" => {
            let with_value = [
                "-v",
                "--version",
                "-i",
                "--install-dir",
                "-n",
                "--bindir",
                "-s",
                "--source",
                "--platform",
                "-P",
                "--trust-policy",
                "-g",
                "--file",
            ];
            let operands = operands(words, &with_value);
            if operands.first() != Some(&"install") {
                return None;
            }
            let versioned = words
                .iter()
                .any(|w| w == "-v" || w == "--version" || w.starts_with("--version="));
            if versioned {
                return None;
            }
            let packages = operands
                .into_iter()
                .skip(1)
                .filter(|p| !p.contains(':'))
                .collect();
            ("gem install", packages)
        }
        _ => {
            let words = pip_words(command)?;
            let operands = operands(words, PIP_WITH_VALUE);
            if operands.first() != Some(&"install") {
                return None;
            }
            let upgrade = words.iter().any(|w| w == "-U" || w == "--upgrade");
            let packages = operands
                .into_iter()
                .skip(1)
                .filter(|p| !(p.contains("==") || p.contains('@')))
                .filter(|p| {
                    let name = p
                        .split(['[', '<', '>', '~', '!', '=', ';'])
                        .next()
                        .unwrap_or(p);
                    !(upgrade
                        && matches!(
                            name.to_ascii_lowercase().as_str(),
                            "pip" | "setuptools" | "wheel"
                        ))
                })
                .collect();
            ("pip install", packages)
        }
    };
    let packages: Vec<String> = packages
        .into_iter()
        .filter(|p| !not_judged(p))
        .map(str::to_string)
        .collect();
    (!packages.is_empty()).then_some((manager, packages))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let mut found: Vec<String> = Vec::new();
        for command in run_commands(dockerfile, run)
            .iter()
            .map(Command::without_sudo)
        {
            if let Some((manager, packages)) = unpinned(&command) {
                let shown: Vec<String> =
                    packages.iter().take(5).map(|p| format!("`{p}`")).collect();
                let more = packages.len().saturating_sub(5);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                found.push(format!("`{manager}` of {}{more}", shown.join(", ")));
            }
        }
        if !found.is_empty() {
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "RUN installs packages without a pinned version: {}",
                    found.join("; ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::{Command, split_commands};
    use super::unpinned;

    fn packages(script: &str) -> Vec<String> {
        split_commands(script)
            .iter()
            .map(Command::without_sudo)
            .filter_map(|c| unpinned(&c))
            .flat_map(|(_, p)| p)
            .collect()
    }

    #[test]
    fn managers() {
        assert_eq!(
            packages(
                "apt-get install -y --no-install-recommends curl git=1:2.39 -t bookworm-backports"
            ),
            ["curl"]
        );
        assert_eq!(
            packages("apk add --no-cache --virtual .build-deps gcc musl-dev=1.2.5-r0"),
            ["gcc"]
        );
        assert_eq!(
            packages("pip install --no-cache-dir -r req.txt flask==3.0.3 'gunicorn>=21' ."),
            ["gunicorn>=21"]
        );
        assert!(packages("pip install --upgrade pip setuptools wheel").is_empty());
        assert_eq!(packages("python3 -m pip install requests"), ["requests"]);
        assert_eq!(
            packages("npm install -g pm2@5.4.2 @angular/cli typescript@latest @scope/x@1"),
            ["@angular/cli", "typescript@latest"]
        );
        assert!(packages("npm install express").is_empty());
        assert_eq!(packages("gem install bundler rails:7.1.0"), ["bundler"]);
        assert!(packages("gem install bundler -v 2.5.16").is_empty());
        assert!(packages("apt-get install -y ./pkg.deb $PACKAGES").is_empty());
        assert!(packages("apt-get update").is_empty());
    }
}
