//! DOCKER-010 apt-get-install-without-yes: `apt-get install` (or `upgrade`,
//! `dist-upgrade`, ...) without an assume-yes flag.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-010",
    name: "apt-get-install-without-yes",
    title: "apt-get install without -y",
    severity: Severity::Low,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Pass `-y` (or `--yes`, `--assume-yes`) to apt-get: `apt-get install -y --no-install-recommends <packages>`.",
    docs: r#"## What it checks
Commands of `RUN` instructions (shell and exec form, `sh -c` scripts, `RUN <<EOF`
heredoc scripts, `ONBUILD RUN`, also after `sudo`) that run `apt-get` with one of the
subcommands that ask for confirmation (`install`, `upgrade`, `dist-upgrade`, `build-dep`,
`remove`, `purge`, `autoremove`) and without an assume-yes option: `-y`, `--yes`,
`--assume-yes`, a short option group holding `y` (`-qy`, `-fmy`), `-qq` (quiet level 2
implies yes) or `-o APT::Get::Assume-Yes=true`. A command that reads from `yes |` and
simulated runs (`-s`, `--simulate`, `--dry-run`) are not reported.

## Why it matters
Without assume-yes `apt-get` stops to ask "Do you want to continue?". A build has no one
to answer: apt-get reads end of input and aborts, so the build fails, or worse, the step
is written to depend on whatever the defaults of the moment are. Builds must run without
interaction.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install curl
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- https://manpages.debian.org/apt-get.8
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// apt-get's short options that take a value (`-o opt`, `-c file`, `-t release`,
/// `-a arch`).
const APT_SHORT_WITH_VALUE: &[char] = &['o', 'c', 't', 'a'];
const APT_LONG_WITH_VALUE: &[&str] = &[
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
    "--host-architecture",
];

/// The subcommand of an `apt-get`/`apt` command (its first word that is not an option or
/// an option's value) and whether the options assume yes.
pub(crate) fn apt_subcommand(command: &Command) -> (Option<&str>, bool) {
    let mut yes = false;
    let mut quiet = 0;
    let mut subcommand = None;
    let mut words = command.words.iter().skip(1);
    while let Some(word) = words.next() {
        if let Some(long) = word.strip_prefix("--") {
            if long.is_empty() {
                continue;
            }
            let (name, value) = long.split_once('=').unwrap_or((long, ""));
            match name {
                "yes" | "assume-yes" | "simulate" | "just-print" | "dry-run" | "recon"
                | "no-act" => yes = true,
                "quiet" => quiet += value.parse::<u32>().unwrap_or(1),
                _ => {}
            }
            if value.is_empty() && APT_LONG_WITH_VALUE.contains(&word.as_str()) {
                if let Some(value) = words.next() {
                    yes |= assume_yes_option(value);
                }
            } else if name == "option" {
                yes |= assume_yes_option(value);
            }
        } else if let Some(group) = word.strip_prefix('-').filter(|g| !g.is_empty()) {
            for (index, c) in group.char_indices() {
                if APT_SHORT_WITH_VALUE.contains(&c) {
                    let rest = group.get(index + c.len_utf8()..).unwrap_or("");
                    let value = if rest.is_empty() {
                        words.next().map_or("", String::as_str)
                    } else {
                        rest.strip_prefix('=').unwrap_or(rest)
                    };
                    if c == 'o' {
                        yes |= assume_yes_option(value);
                    }
                    break;
                }
                match c {
                    'y' | 's' => yes = true,
                    'q' => {
                        let rest = group.get(index + 1..).unwrap_or("");
                        if let Some(level) = rest.strip_prefix('=') {
                            quiet += level.parse::<u32>().unwrap_or(1);
                            break;
                        }
                        quiet += 1;
                    }
                    _ => {}
                }
            }
        } else if subcommand.is_none() {
            subcommand = Some(word.as_str());
        }
    }
    (subcommand, yes || quiet >= 2)
}

/// `-o APT::Get::Assume-Yes=true` and the like.
fn assume_yes_option(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some((name, setting)) = lower.split_once('=') else {
        return false;
    };
    matches!(name, "apt::get::assume-yes" | "apt::get::trivial-only")
        && matches!(setting, "true" | "1" | "yes" | "on")
}

const PROMPTING: &[&str] = &[
    "install",
    "upgrade",
    "dist-upgrade",
    "build-dep",
    "remove",
    "purge",
    "autoremove",
];

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let commands: Vec<Command> = run_commands(dockerfile, run)
            .iter()
            .map(Command::without_sudo)
            .collect();
        for (index, command) in commands.iter().enumerate() {
            if command.program() != "apt-get" {
                continue;
            }
            let piped_yes = command.after_pipe
                && index
                    .checked_sub(1)
                    .and_then(|i| commands.get(i))
                    .is_some_and(|previous| previous.program() == "yes");
            let (Some(subcommand), false) = apt_subcommand(command) else {
                continue;
            };
            if piped_yes || !PROMPTING.contains(&subcommand) {
                continue;
            }
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "`apt-get {subcommand}` without `-y` waits for a confirmation no one gives during a build"
                ),
            );
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::split_commands;
    use super::apt_subcommand;

    fn parse(script: &str) -> (Option<String>, bool) {
        let commands = split_commands(script);
        let command = commands.first().cloned().map(|c| c.without_sudo());
        command.map_or((None, false), |c| {
            let (sub, yes) = apt_subcommand(&c);
            (sub.map(str::to_string), yes)
        })
    }

    #[test]
    fn yes_flags() {
        for yes in [
            "apt-get install -y x",
            "apt-get --yes install x",
            "apt-get install --assume-yes x",
            "apt-get -qy install x",
            "apt-get -fmy install x",
            "apt-get -qq install x",
            "apt-get -q=2 install x",
            "apt-get -o APT::Get::Assume-Yes=true install x",
            "sudo apt-get install -y x",
        ] {
            assert_eq!(parse(yes), (Some("install".into()), true), "{yes}");
        }
        for no in [
            "apt-get install x",
            "apt-get -q install x",
            "apt-get -o Dpkg::Options::=--force-confnew install yy",
            "apt-get -t bookworm-backports install y",
        ] {
            assert_eq!(parse(no), (Some("install".into()), false), "{no}");
        }
    }
}
