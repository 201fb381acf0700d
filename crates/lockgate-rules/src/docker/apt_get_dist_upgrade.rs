//! DOCKER-014 apt-get-dist-upgrade: a RUN upgrades the base distribution with
//! `apt-get dist-upgrade` or `apt full-upgrade`.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::apt_get_install_without_yes::apt_subcommand;
use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-014",
    name: "apt-get-dist-upgrade",
    title: "RUN upgrades the distribution with dist-upgrade",
    severity: Severity::Low,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Drop `apt-get dist-upgrade` / `full-upgrade`: build FROM a newer (pinned) base image instead, and install or upgrade only the packages the image needs.",
    docs: r#"## What it checks
`RUN` instructions (shell form, exec form, `sh -c` scripts, `RUN <<EOF` heredoc scripts
and `ONBUILD RUN`) with a command `apt-get` or `apt` (also behind `sudo`) whose
subcommand is `dist-upgrade` or `full-upgrade`. Options before the subcommand (`-y`,
`-q`, `-o Opt=value`, `-t release`) are skipped; `apt-get upgrade` is not reported.

## Why it matters
`dist-upgrade` upgrades every package of the base image and may install or remove
packages to do so, in effect turning the base into another release. What the image
contains then depends on the day it was built rather than on the `FROM` line, builds
stop being reproducible, and the image drifts away from the base it claims to use. A
newer base image gives the same fixes in a tested, pinned form.

## Example
```dockerfile
FROM debian:12.1
RUN apt-get update && apt-get dist-upgrade -y && apt-get install -y curl
```

## Fix
```dockerfile
FROM debian:12.8
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- https://manpages.debian.org/apt-get.8
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// The distribution upgrade subcommand of an `apt-get` / `apt` command, if it is one.
/// Options are read as DOCKER-010 reads them (values of `-o`, `-t`, ... skipped).
fn dist_upgrade(command: &Command) -> Option<String> {
    let command = command.without_sudo();
    let program = command.program();
    if program != "apt-get" && program != "apt" {
        return None;
    }
    let (subcommand, _) = apt_subcommand(&command);
    subcommand
        .filter(|s| matches!(*s, "dist-upgrade" | "full-upgrade"))
        .map(|s| format!("{program} {s}"))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let commands = run_commands(dockerfile, run);
        if let Some(found) = commands.iter().find_map(dist_upgrade) {
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "RUN runs `{found}`, which upgrades the base distribution; use a newer base image instead"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::split_commands;
    use super::dist_upgrade;

    fn found(script: &str) -> Vec<String> {
        split_commands(script)
            .iter()
            .filter_map(dist_upgrade)
            .collect()
    }

    #[test]
    fn subcommands() {
        assert_eq!(
            found("apt-get update && apt-get dist-upgrade"),
            ["apt-get dist-upgrade"]
        );
        assert_eq!(
            found("apt-get -y -o Dpkg::Options::=--force-confnew dist-upgrade"),
            ["apt-get dist-upgrade"]
        );
        assert_eq!(found("sudo apt full-upgrade -y"), ["apt full-upgrade"]);
        assert_eq!(
            found("/usr/bin/apt-get -t bookworm full-upgrade"),
            ["apt-get full-upgrade"]
        );
        assert!(found("apt-get upgrade -y").is_empty());
        assert!(found("apt-get install -y dist-upgrade").is_empty());
        assert!(found("echo apt-get dist-upgrade").is_empty());
    }
}
