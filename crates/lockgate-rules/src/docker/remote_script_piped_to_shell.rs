//! DOCKER-016 remote-script-piped-to-shell: a RUN command downloads a script with curl or
//! wget and runs it straight away (`curl … | sh`, `sh -c "$(curl …)"`, `bash <(curl …)`).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::run_commands::{Command, as_run, run_commands, split_commands, substitutions};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-016",
    name: "remote-script-piped-to-shell",
    title: "Downloaded script piped into a shell",
    severity: Severity::High,
    applies_to: &["Dockerfile RUN"],
    frameworks: &["cis-docker:4.11", "nist-800-190:4.1.5", "mitre:T1195"],
    fix: "Download the script to a file, verify it against a pinned checksum or signature (`echo \"<sha256>  install.sh\" | sha256sum -c -`), then run it; better, install a pinned, signed package or copy the tool from a pinned image (`COPY --from=`).",
    docs: r#"## What it checks
Commands of `RUN` instructions (shell and exec form, `sh -c` scripts, `RUN <<EOF`
heredoc scripts, `ONBUILD RUN`, also after `sudo`) that run what `curl` or `wget`
(also `busybox wget`) downloads without saving it first:

- a pipeline that ends in a shell or interpreter reading its program from standard
  input: `curl -fsSL https://x/install.sh | sh`, `wget -qO- … | sudo bash -s -- --yes`,
  `curl … | tee log | python3 -`. Shells are `sh`, `bash`, `ash`, `dash`, `zsh`, `ksh`;
  interpreters are `python`, `python3`, `perl`, `ruby`, `node`, `php`. A shell or
  interpreter that is given a script file (`curl … | bash build.sh`) reads data, not a
  program, from the pipe and is not reported;
- a command substitution or process substitution holding the download that becomes a
  program: `sh -c "$(curl -fsSL …)"`, `bash <(curl …)`, `source <(wget -qO- …)`,
  `eval "$(curl …)"`, `` `curl …` ``.

The message names the programs, never the URL (a URL may carry a token).

## Why it matters
The script runs with the build's privileges the moment it arrives, and nothing records
what it was: whoever controls the server, the DNS, a CDN edge or a proxy on the way (or
an attacker who took over the project's domain) decides what goes into the image. The
same Dockerfile builds different images on different days, and a truncated download can
run half a script. Supply-chain attacks on install scripts (Codecov's bash uploader in
2021) spread exactly this way.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
RUN sh -c "$(wget -qO- https://example.com/install.sh)"
```

## Fix
```dockerfile
FROM debian:12
ADD --checksum=sha256:<sha256> https://example.com/v1.4.2/install.sh /tmp/install.sh
RUN sh /tmp/install.sh && rm /tmp/install.sh
```
or download to a file, check it with `sha256sum -c`, and run it; better still install a
signed package or `COPY --from=` a pinned image that holds the tool.

## References
- https://docs.docker.com/reference/dockerfile/#add---checksum
- https://about.codecov.io/security-update/
- CIS Docker Benchmark 4.11 (ensure only verified packages are installed)
- NIST SP 800-190, 4.1.5 (use of untrusted images)
"#,
};

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];
const INTERPRETERS: &[&str] = &["python", "python3", "perl", "ruby", "node", "php"];
/// Programs that run the text of an argument: `eval "$(curl …)"`, `source <(curl …)`.
const EVALUATORS: &[&str] = &["eval", "source", "."];

/// The downloader a command runs (`curl`, `wget`, `busybox wget`), if any.
fn downloader(command: &Command) -> Option<&'static str> {
    let program = command.program();
    let program = if program == "busybox" {
        command.words.get(1).map_or("", String::as_str)
    } else {
        program
    };
    match program {
        "curl" => Some("curl"),
        "wget" => Some("wget"),
        _ => None,
    }
}

/// Whether a shell or interpreter command reads its program from standard input: no
/// script operand, `-` as the operand, or `-s` for shells.
fn reads_program_from_stdin(command: &Command) -> bool {
    let program = command.program();
    let is_shell = SHELLS.contains(&program);
    if !is_shell && !INTERPRETERS.contains(&program) {
        return false;
    }
    for word in command.words.iter().skip(1) {
        if word == "-" || word == "--" {
            return true;
        }
        if is_shell && word.starts_with('-') && !word.starts_with("--") && word.contains('s') {
            return true;
        }
        if word.starts_with('-') || word.starts_with('+') {
            continue;
        }
        return false;
    }
    true
}

/// The downloader inside a word's command or process substitutions, if any.
fn downloader_in(word: &str) -> Option<&'static str> {
    substitutions(word)
        .iter()
        .flat_map(|script| split_commands(script))
        .find_map(|command| downloader(&command.without_sudo()))
}

/// How one RUN runs downloaded code: (downloader, runner), for the first case found.
fn remote_execution(commands: &[Command]) -> Option<(&'static str, String)> {
    for (index, command) in commands.iter().enumerate() {
        // `curl … | [tee …  |] sh`: walk back through the pipeline.
        if command.after_pipe && reads_program_from_stdin(command) {
            // `current` reads from a pipe, so the command before it is in the pipeline.
            let mut current = index;
            while commands.get(current).is_some_and(|c| c.after_pipe)
                && let Some(i) = current.checked_sub(1)
                && let Some(earlier) = commands.get(i)
            {
                if let Some(tool) = downloader(earlier) {
                    return Some((tool, command.program().to_string()));
                }
                current = i;
            }
        }
        // `$(curl …)` as the program, or as the argument of a shell or `eval`/`source`.
        let program = command.program();
        let runs_argument = SHELLS.contains(&program)
            || INTERPRETERS.contains(&program)
            || EVALUATORS.contains(&program);
        let words = command.words.iter().enumerate().filter(|(position, word)| {
            (*position == 0 || runs_argument)
                && (word.starts_with("$(")
                    || word.starts_with('`')
                    || word.starts_with("<(")
                    || (*position == 0 && word.contains("$(")))
        });
        for (position, word) in words {
            if let Some(tool) = downloader_in(word) {
                let runner = if position == 0 { "sh" } else { program };
                return Some((tool, runner.to_string()));
            }
        }
    }
    None
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        let Some(run) = as_run(instruction) else {
            continue;
        };
        let commands: Vec<Command> = run_commands(dockerfile, run)
            .iter()
            .map(Command::without_sudo)
            .collect();
        if let Some((tool, runner)) = remote_execution(&commands) {
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "RUN downloads code with `{tool}` and runs it with `{runner}` without checking what it got"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::{Command, split_commands};
    use super::remote_execution;

    fn runs(script: &str) -> bool {
        let commands: Vec<Command> = split_commands(script)
            .iter()
            .map(Command::without_sudo)
            .collect();
        remote_execution(&commands).is_some()
    }

    #[test]
    fn pipes_and_substitutions() {
        for bad in [
            "curl -fsSL https://x/i.sh | sh",
            "wget -qO- https://x/i.sh | sudo -E bash -s -- --yes",
            "curl https://x | tee /tmp/log | bash",
            "curl https://x | python3 -",
            "sh -c \"$(curl -fsSL https://x)\"",
            "bash -c \"$(wget -O - https://x)\"",
            "bash <(curl -s https://x)",
            "source <(busybox wget -qO- https://x)",
            "eval \"$(curl https://x)\"",
            "set -e; cd /tmp && curl -L https://x \\\n  | sh",
        ] {
            assert!(runs(bad), "{bad}");
        }
        for good in [
            "curl -fsSLo /tmp/i.sh https://x && sha256sum -c sums && sh /tmp/i.sh",
            "curl https://x | bash build.sh",
            "curl https://x | tar -xz",
            "curl https://x | sha256sum",
            "echo 'curl https://x | sh' > /notes",
            "curl https://x > a; sh a.sh",
            "curl -o f https://x; cat f | sh",
            "bash -c 'echo $(date)'",
            "VERSION=$(curl -s https://x/latest) && echo $VERSION",
        ] {
            assert!(!runs(good), "{good}");
        }
    }
}
