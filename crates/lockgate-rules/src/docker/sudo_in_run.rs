//! DOCKER-009 sudo-in-run: a RUN command runs `sudo`.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::run_commands::{as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-009",
    name: "sudo-in-run",
    title: "RUN uses sudo",
    severity: Severity::Medium,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["cis-docker:4.1", "nist-800-190:4.1.2"],
    fix: "Drop `sudo`: switch to `USER root` for the steps that need it, then back to an unprivileged `USER`; do not install sudo in the image.",
    docs: r#"## What it checks
`RUN` instructions (shell form, exec form, `sh -c` scripts and `RUN <<EOF` heredoc
scripts, and `ONBUILD RUN`) with a command whose program is `sudo`. The text is split
into simple commands on `&&`, `||`, `;`, `|`, `&` and newlines; leading `VAR=value`
assignments and wrappers such as `env`, `exec`, `time` and `nohup` are skipped. `sudo`
inside another word (`pseudo`, `sudo-rs.conf`) or inside a quoted argument does not count.

## Why it matters
Build steps already run as the user of the current `USER` instruction; `sudo` in a
Dockerfile means the image ships `sudo` and a user allowed to use it, so any process in
the container can become root again. Its behaviour also depends on a TTY and on
`/etc/sudoers`, which makes builds fail or behave differently in unexpected ways.

## Example
```dockerfile
FROM debian:12
USER app
RUN sudo apt-get update && sudo apt-get install -y curl
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl
USER app
```

## References
- https://docs.docker.com/build/building/best-practices/#user
- CIS Docker Benchmark 4.1 (create a user for the container)
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let commands = run_commands(dockerfile, run);
        if let Some(command) = commands.iter().find(|c| c.program() == "sudo") {
            out.report(
                &META,
                instruction.keyword.span,
                format!("RUN runs `{}` with sudo", command.words.join(" ")),
            );
        }
    }
}
