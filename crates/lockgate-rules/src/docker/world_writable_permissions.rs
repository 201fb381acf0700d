//! DOCKER-018 world-writable-permissions: a build step makes files world-writable
//! (`chmod 777`, `chmod -R o+w`, `COPY --chmod=666`, `mkdir -m 777`).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Args, Dockerfile, Instruction, Keyword};

use super::run_commands::{Command, as_run, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-018",
    name: "world-writable-permissions",
    title: "Files made world-writable",
    severity: Severity::Medium,
    applies_to: &["Dockerfile RUN", "Dockerfile COPY", "Dockerfile ADD"],
    frameworks: &["nist-800-190:4.1.2", "mitre:T1222"],
    fix: "Give the files to the user that must write them (`COPY --chown=10001:10001`, `chown`) and keep the mode at `755`/`644` (or `775`/`664` for a shared group); never grant write to others.",
    docs: r#"## What it checks
Modes that give write permission to *others* (every user of the container):

- `chmod` in `RUN` commands (shell and exec form, `sh -c` scripts, `RUN <<EOF` heredoc
  scripts, `ONBUILD RUN`, also after `sudo`), with or without `-R`/`--recursive`: an
  octal mode whose last digit has the write bit (`777`, `0666`, `-R 2777`, `722`), or a
  symbolic mode with a clause for `o` or `a` that adds or sets `w` (`o+w`, `a+rwx`,
  `ugo=rwx`, `u+x,o+w`);
- `mkdir -m`/`--mode` and `install -m`/`--mode` with such a mode;
- `COPY --chmod=` and `ADD --chmod=` with such a mode.

Modes with the sticky bit (`1777`, `+t` in the same clause list), which is how shared
directories like `/tmp` are meant to be world-writable, are not reported. `+w` without
`o` or `a` follows the umask (`022` in builds), so it does not reach others and is not
reported either. A mode held in a `$VARIABLE` is not judged.

## Why it matters
A world-writable file can be replaced by any process in the container, whatever user it
runs as: a compromised low-privilege process rewrites a script or binary that a more
privileged one (an entrypoint running as root, a cron job, an init container sharing
the volume) later executes, or tampers with configuration and logs. `chmod -R 777` is
usually a shortcut for "the app user could not write here"; the fix is ownership, not
permissions for everyone.

## Example
```dockerfile
FROM debian:12
COPY app /srv/app
RUN chmod -R 777 /srv/app
USER 10001
```

## Fix
```dockerfile
FROM debian:12
COPY --chown=10001:10001 --chmod=755 app /srv/app
USER 10001
```

## References
- https://docs.docker.com/reference/dockerfile/#copy---chmod
- https://man7.org/linux/man-pages/man1/chmod.1.html
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// Whether a chmod mode (octal or symbolic) grants write to others without the sticky
/// bit.
pub(crate) fn world_writable(mode: &str) -> bool {
    let mode = mode.trim();
    if mode.is_empty() || mode.contains('$') {
        return false;
    }
    if mode.bytes().all(|b| b.is_ascii_digit()) {
        let Ok(bits) = u32::from_str_radix(mode, 8) else {
            return false;
        };
        return bits & 0o002 != 0 && bits & 0o1000 == 0;
    }
    let mut writable = false;
    for clause in mode.split(',') {
        let who_end = clause
            .find(|c: char| !matches!(c, 'u' | 'g' | 'o' | 'a'))
            .unwrap_or(clause.len());
        let (who, actions) = clause.split_at(who_end);
        if actions.contains('t') {
            return false;
        }
        if !(who.contains('o') || who.contains('a')) {
            continue;
        }
        // Actions: a run of `+`, `-` or `=` followed by permission letters.
        let mut operator = ' ';
        for c in actions.chars() {
            match c {
                '+' | '-' | '=' => operator = c,
                'w' if operator == '+' || operator == '=' => writable = true,
                _ => {}
            }
        }
    }
    writable
}

/// The world-writable mode a command sets, with the first path it sets it on.
fn command_mode(command: &Command) -> Option<(String, String)> {
    let program = command.program();
    let words = command.words.get(1..).unwrap_or_default();
    match program {
        "chmod" => {
            let mut operands = Vec::new();
            let mut options_done = false;
            for word in words {
                if !options_done && word == "--" {
                    options_done = true;
                    continue;
                }
                let option = !options_done
                    && word.starts_with('-')
                    && word.len() > 1
                    // `-w`, `-x,o+w` are modes, not options.
                    && !word.get(1..).is_some_and(|rest| {
                        rest.chars().all(|c| matches!(c, 'r' | 'w' | 'x' | 'X' | 's' | 't' | ',' | 'u' | 'g' | 'o' | 'a' | '+' | '-' | '='))
                    });
                if option {
                    continue;
                }
                operands.push(word.as_str());
            }
            let mode = operands.first()?;
            world_writable(mode).then(|| {
                (
                    (*mode).to_string(),
                    operands.get(1).copied().unwrap_or("").to_string(),
                )
            })
        }
        "mkdir" | "install" => {
            let mut mode = None;
            let mut path = String::new();
            let mut rest = words.iter();
            while let Some(word) = rest.next() {
                if word == "-m" || word == "--mode" {
                    mode = rest.next().cloned();
                } else if let Some(value) = word
                    .strip_prefix("--mode=")
                    .or_else(|| word.strip_prefix("-m").filter(|v| !v.is_empty()))
                {
                    mode = Some(value.to_string());
                } else if !word.starts_with('-') && path.is_empty() {
                    path.clone_from(word);
                }
            }
            mode.filter(|m| world_writable(m)).map(|m| (m, path))
        }
        _ => None,
    }
}

fn check_copy(instruction: &Instruction, out: &mut Sink) {
    let copy = match (&instruction.kind, &instruction.args) {
        (Keyword::Copy | Keyword::Add, _) => instruction,
        (Keyword::Onbuild, Args::Onbuild(inner))
            if matches!(inner.kind, Keyword::Copy | Keyword::Add) =>
        {
            inner
        }
        _ => return,
    };
    let Some(flag) = copy.flag("chmod") else {
        return;
    };
    let Some(value) = &flag.value else {
        return;
    };
    if world_writable(&value.text) {
        out.report(
            &META,
            flag.span,
            format!(
                "{} --chmod={} makes the copied files writable by every user",
                copy.kind.as_str(),
                value.text
            ),
        );
    }
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        check_copy(instruction, out);
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let found = run_commands(dockerfile, run)
            .iter()
            .map(Command::without_sudo)
            .find_map(|command| {
                command_mode(&command)
                    .map(|(mode, path)| (command.program().to_string(), mode, path))
            });
        if let Some((program, mode, path)) = found {
            let target = if path.is_empty() {
                String::new()
            } else {
                format!(" `{path}`")
            };
            out.report(
                &META,
                instruction.keyword.span,
                format!("RUN `{program} {mode}` makes{target} writable by every user"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::split_commands;
    use super::{command_mode, world_writable};

    #[test]
    fn modes() {
        for bad in [
            "777", "0777", "666", "722", "2777", "o+w", "a+rwx", "ugo=rwx", "u+x,o+w", "go+w",
            "a=rw",
        ] {
            assert!(world_writable(bad), "{bad}");
        }
        for good in [
            "755",
            "0644",
            "1777",
            "775",
            "+w",
            "u+w",
            "g+w",
            "o-w",
            "a-w",
            "o+rx",
            "a+rwxt",
            "$MODE",
            "u=rwx,go=rx",
        ] {
            assert!(!world_writable(good), "{good}");
        }
    }

    #[test]
    fn commands() {
        let mode = |script: &str| {
            split_commands(script)
                .first()
                .and_then(command_mode)
                .map(|(mode, _)| mode)
        };
        assert_eq!(mode("chmod -R 777 /srv"), Some("777".into()));
        assert_eq!(mode("chmod --recursive -v a+w /srv"), Some("a+w".into()));
        assert_eq!(mode("mkdir -p -m 777 /data"), Some("777".into()));
        assert_eq!(mode("install -m0666 a /etc/a"), Some("0666".into()));
        assert_eq!(mode("chmod -w /srv"), None);
        assert_eq!(mode("chmod 1777 /tmp"), None);
        assert_eq!(mode("chmod --reference=/etc /srv"), None);
    }
}
