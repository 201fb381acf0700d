//! DOCKER-013 run-cd: a RUN starts with `cd <dir>` to change the working directory.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-013",
    name: "run-cd",
    title: "RUN starts with cd instead of using WORKDIR",
    severity: Severity::Low,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Set the directory with `WORKDIR <dir>` (an absolute path) and drop the leading `cd` from the RUN command.",
    docs: r#"## What it checks
`RUN` instructions (shell form, exec form, `sh -c` scripts, `RUN <<EOF` heredoc scripts
and `ONBUILD RUN`) whose first simple command is `cd` with a directory argument. The
text is split into simple commands on `&&`, `||`, `;`, `|`, `&` and newlines; leading
`VAR=value` assignments and wrappers such as `env` and `exec` are skipped.

Only the first command counts: a `cd` later in a chain, as in
`mkdir build && cd build && make`, changes directory for the rest of that one step only
and is a common, deliberate idiom, so it is not reported. A bare `cd` (to `$HOME`) or
`cd -` is not reported either.

## Why it matters
The directory a `RUN` changes to is forgotten when the step ends, so a `RUN cd /app`
on its own does nothing, and a step that starts with `cd` hides the directory the
following commands rely on. `WORKDIR` sets the directory for every later `RUN`, `CMD`,
`ENTRYPOINT`, `COPY` and `ADD`, is visible in the image configuration, and creates the
directory when it is missing.

## Example
```dockerfile
FROM debian:12
RUN cd /srv/app && ./configure && make
```

## Fix
```dockerfile
FROM debian:12
WORKDIR /srv/app
RUN ./configure && make
```

## References
- https://docs.docker.com/reference/dockerfile/#workdir
- https://docs.docker.com/build/building/best-practices/#workdir
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// The directory a command changes to, when it is `cd <dir>`.
fn cd_target(command: &Command) -> Option<&str> {
    if command.program() != "cd" {
        return None;
    }
    command
        .words
        .iter()
        .skip(1)
        .map(String::as_str)
        .find(|w| !matches!(*w, "-L" | "-P" | "-e" | "-@" | "--"))
        .filter(|dir| *dir != "-")
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let commands = run_commands(dockerfile, run);
        if let Some(dir) = commands.first().and_then(cd_target) {
            out.report(
                &META,
                instruction.keyword.span,
                format!("RUN changes directory with `cd {dir}`; use `WORKDIR {dir}` instead"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::split_commands;
    use super::cd_target;

    fn first_cd(script: &str) -> Option<String> {
        split_commands(script)
            .first()
            .and_then(|c| cd_target(c).map(str::to_string))
    }

    #[test]
    fn first_command_only() {
        assert_eq!(first_cd("cd /app"), Some("/app".into()));
        assert_eq!(first_cd("cd /app && make"), Some("/app".into()));
        assert_eq!(first_cd("cd -P /app; make"), Some("/app".into()));
        assert_eq!(first_cd("mkdir x && cd x && make"), None);
        assert_eq!(first_cd("cd"), None);
        assert_eq!(first_cd("cd -"), None);
        assert_eq!(first_cd("echo cd /app"), None);
        assert_eq!(first_cd("cdrecord /dev/sr0"), None);
    }
}
