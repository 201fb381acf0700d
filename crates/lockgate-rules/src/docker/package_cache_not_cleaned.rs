//! DOCKER-019 package-cache-not-cleaned: a RUN of the final image installs packages and
//! leaves the package manager's index or download cache in the layer.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Args, Dockerfile, Keyword};

use super::apt_get_install_without_yes::apt_subcommand;
use super::common::{final_image_stages, stage_body, uncommitted_mounts};
use super::run_commands::{Command, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-019",
    name: "package-cache-not-cleaned",
    title: "Package manager cache left in the image",
    severity: Severity::Low,
    applies_to: &["Dockerfile RUN (final image)"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Clean up in the same RUN that installs: `rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `yum clean all`, `dnf clean all`, `zypper clean --all`, `pip install --no-cache-dir`; or use a BuildKit cache mount (`RUN --mount=type=cache,target=/var/cache/apt ...`).",
    docs: r#"## What it checks
The `RUN` instructions of the final stage and of the stages of the same file it is built
`FROM` (the layers that end up in the image; builder stages are not judged). Within
one `RUN`, each package manager that fills a cache must also clean it:

| command | cleaned by (in the same RUN) |
|---|---|
| `apt-get update`, `apt update` | `rm -rf /var/lib/apt/lists/*` (`apt-get clean` alone keeps the lists) |
| `apk add` without `--no-cache`, `apk update` | `--no-cache`, `rm -rf /var/cache/apk/*`, `apk cache clean` |
| `yum install` (`groupinstall`, `localinstall`, `reinstall`, `update`, `upgrade`) | `yum clean all`, `rm -rf /var/cache/yum` |
| `dnf`, `microdnf`, `dnf5`, `tdnf` `install` (and the like) | `<manager> clean all`, `rm -rf /var/cache/dnf` (`/var/cache/yum`, `/var/cache/libdnf5`, `/var/cache/tdnf`) |
| `zypper install`/`in`, `update`/`up`, `dist-upgrade`/`dup`, `patch`, `source-install`/`si` | `zypper clean`/`zypper cc`, `rm -rf /var/cache/zypp` |
| `pip install` (`pip3`, `python -m pip`) | `--no-cache-dir`, `ENV PIP_NO_CACHE_DIR=1` in the stage, `pip cache purge`, `rm -rf /root/.cache/pip` |

A `--mount=type=cache` or `--mount=type=tmpfs` on the RUN whose target covers the cache
directory (`/var/cache/apt`, `/var/lib/apt`, `/var/cache/apk`, `/root/.cache`, ...) also
counts: what is written there never reaches the layer. Commands are found by splitting
the RUN (shell and exec form, `sh -c`, heredoc scripts, after `sudo`); `ONBUILD RUN` is
not judged. One finding per RUN names every manager that left something behind.

## Why it matters
Package indexes and downloaded packages are tens to hundreds of megabytes that every
pull, every node and every scan pays for, and a stale index baked into the image makes a
later `install` in a child image pick up old (possibly vulnerable) versions without an
update. A file deleted in a later `RUN` is still in the earlier layer, so the cleanup has
to happen in the same instruction.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN pip install requests
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir requests
```

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- https://docs.docker.com/build/cache/optimize/#use-cache-mounts
- https://github.com/hadolint/hadolint/wiki/DL3009
- trivy DS-0015 (`yum clean all`), DS-0019 (`dnf clean all`), DS-0020 (`zypper clean`)
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// What one package manager leaves behind and how it is cleaned.
struct Manager {
    /// The name used in messages.
    name: &'static str,
    /// Directories its cache lives in.
    cache_dirs: &'static [&'static str],
    /// The advice in the message.
    advice: &'static str,
}

const APT: Manager = Manager {
    name: "apt-get update",
    cache_dirs: &["/var/lib/apt/lists", "/var/cache/apt"],
    advice: "remove /var/lib/apt/lists/* in the same RUN",
};
const APK: Manager = Manager {
    name: "apk",
    cache_dirs: &["/var/cache/apk", "/etc/apk/cache"],
    advice: "use `apk add --no-cache`",
};
const YUM: Manager = Manager {
    name: "yum",
    cache_dirs: &["/var/cache/yum"],
    advice: "add `yum clean all` to the same RUN",
};
const DNF: Manager = Manager {
    name: "dnf",
    cache_dirs: &[
        "/var/cache/dnf",
        "/var/cache/yum",
        "/var/cache/libdnf5",
        "/var/cache/tdnf",
    ],
    advice: "add `dnf clean all` to the same RUN",
};
const ZYPPER: Manager = Manager {
    name: "zypper",
    cache_dirs: &["/var/cache/zypp"],
    advice: "add `zypper clean --all` to the same RUN",
};
const PIP: Manager = Manager {
    name: "pip install",
    cache_dirs: &["/root/.cache/pip"],
    advice: "pass `--no-cache-dir`",
};

/// The first word after the program that is not an option.
fn subcommand(command: &Command) -> Option<&str> {
    command
        .words
        .iter()
        .skip(1)
        .map(String::as_str)
        .find(|w| !w.starts_with('-'))
}

fn has_option(command: &Command, names: &[&str]) -> bool {
    command.words.iter().skip(1).any(|w| {
        names
            .iter()
            .any(|n| w == n || w.strip_prefix(n).is_some_and(|rest| rest.starts_with('=')))
    })
}

/// The words of a pip command after `pip` (`pip3.12 …`, `python3 -m pip …`).
fn pip_words(command: &Command) -> Option<&[String]> {
    let program = command.program();
    let is_pip = program == "pip"
        || program
            .strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if is_pip {
        return command.words.get(1..);
    }
    let is_python = program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !is_python {
        return None;
    }
    let position = command.words.iter().position(|w| w == "-m")?;
    (command.words.get(position + 1).map(String::as_str) == Some("pip"))
        .then(|| command.words.get(position + 2..))
        .flatten()
}

/// The manager whose cache a command fills, if any.
fn fills(command: &Command) -> Option<&'static Manager> {
    let program = command.program();
    let sub = subcommand(command);
    match program {
        "apt-get" | "apt" => (apt_subcommand(command).0 == Some("update")).then_some(&APT),
        "apk" => match sub {
            Some("add") if !has_option(command, &["--no-cache"]) => Some(&APK),
            Some("update") => Some(&APK),
            _ => None,
        },
        "yum" => matches!(
            sub,
            Some("install" | "groupinstall" | "localinstall" | "reinstall" | "update" | "upgrade")
        )
        .then_some(&YUM),
        "dnf" | "microdnf" | "dnf5" | "tdnf" => matches!(
            sub,
            Some(
                "install"
                    | "groupinstall"
                    | "reinstall"
                    | "update"
                    | "upgrade"
                    | "distro-sync"
                    | "builddep"
            )
        )
        .then_some(&DNF),
        "zypper" => matches!(
            sub,
            Some(
                "install"
                    | "in"
                    | "update"
                    | "up"
                    | "dist-upgrade"
                    | "dup"
                    | "patch"
                    | "source-install"
                    | "si"
            )
        )
        .then_some(&ZYPPER),
        _ => {
            let words = pip_words(command)?;
            let install = words
                .iter()
                .find(|w| !w.starts_with('-'))
                .map(String::as_str)
                == Some("install");
            let no_cache = words
                .iter()
                .any(|w| w == "--no-cache-dir" || w.starts_with("--no-cache-dir="));
            (install && !no_cache).then_some(&PIP)
        }
    }
}

/// A path as `rm` sees it with `~`/`$HOME` read as `/root` and trailing `/*` or `/`
/// dropped.
fn normalised_path(word: &str) -> String {
    let word = ["~", "${HOME}", "$HOME"]
        .iter()
        .find_map(|home| word.strip_prefix(home).map(|rest| format!("/root{rest}")))
        .unwrap_or_else(|| word.to_string());
    word.trim_end_matches('*').trim_end_matches('/').to_string()
}

/// Whether `path` is a cache directory of `manager` or a directory that holds one.
fn covers(manager: &Manager, path: &str) -> bool {
    let path = normalised_path(path);
    if path.matches('/').count() < 2 {
        return false;
    }
    manager.cache_dirs.iter().any(|dir| {
        dir.starts_with(&format!("{path}/")) || *dir == path || path.starts_with(&format!("{dir}/"))
    })
}

/// Whether a command cleans the cache of `manager`.
fn cleans(manager: &Manager, command: &Command) -> bool {
    let program = command.program();
    if program == "rm" {
        return command
            .words
            .iter()
            .skip(1)
            .filter(|w| !w.starts_with('-'))
            .any(|w| covers(manager, w));
    }
    let sub = subcommand(command);
    let rest: Vec<&str> = command
        .words
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    match manager.name {
        "apk" => {
            program == "apk"
                && sub == Some("cache")
                && matches!(rest.get(1), Some(&"clean" | &"purge"))
        }
        "yum" => program == "yum" && sub == Some("clean") && rest.get(1) == Some(&"all"),
        "dnf" => {
            matches!(program, "dnf" | "microdnf" | "dnf5" | "tdnf" | "yum")
                && sub == Some("clean")
                && rest.get(1) == Some(&"all")
        }
        "zypper" => program == "zypper" && matches!(sub, Some("clean" | "cc")),
        "pip install" => pip_words(command).is_some_and(|words| {
            let rest: Vec<&str> = words
                .iter()
                .map(String::as_str)
                .filter(|w| !w.starts_with('-'))
                .collect();
            rest.first() == Some(&"cache") && matches!(rest.get(1), Some(&"purge" | &"remove"))
        }),
        _ => false,
    }
}

/// Whether the stages set `PIP_NO_CACHE_DIR` (to anything but an empty value).
fn pip_cache_disabled(dockerfile: &Dockerfile) -> bool {
    final_image_stages(dockerfile).iter().any(|stage| {
        stage_body(dockerfile, stage).iter().any(|instruction| {
            instruction.kind == Keyword::Env
                && matches!(&instruction.args, Args::Pairs(pairs) if pairs.iter().any(|p| {
                    p.key.text == "PIP_NO_CACHE_DIR"
                        && p.value.as_ref().is_some_and(|v| !v.text.trim_matches(['"', '\'']).is_empty())
                }))
        })
    })
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    let pip_disabled = pip_cache_disabled(dockerfile);
    for stage in final_image_stages(dockerfile) {
        for run in stage_body(dockerfile, stage) {
            if run.kind != Keyword::Run {
                continue;
            }
            let commands: Vec<Command> = run_commands(dockerfile, run)
                .iter()
                .map(Command::without_sudo)
                .collect();
            let mounts = uncommitted_mounts(run);
            let mut left: Vec<&'static Manager> = Vec::new();
            for command in &commands {
                let Some(manager) = fills(command) else {
                    continue;
                };
                if left.iter().any(|m| m.name == manager.name)
                    || (manager.name == PIP.name && pip_disabled)
                    || mounts.iter().any(|m| covers(manager, m))
                    || commands.iter().any(|c| cleans(manager, c))
                {
                    continue;
                }
                left.push(manager);
            }
            if left.is_empty() {
                continue;
            }
            let what: Vec<String> = left
                .iter()
                .map(|m| format!("`{}` ({})", m.name, m.advice))
                .collect();
            out.report(
                &META,
                run.keyword.span,
                format!(
                    "RUN leaves package manager caches in the image: {}",
                    what.join("; ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_commands::{Command, split_commands};
    use super::{cleans, fills};

    fn left(script: &str) -> Vec<&'static str> {
        let commands: Vec<Command> = split_commands(script)
            .iter()
            .map(Command::without_sudo)
            .collect();
        let mut out = Vec::new();
        for command in &commands {
            if let Some(manager) = fills(command)
                && !commands.iter().any(|c| cleans(manager, c))
                && !out.contains(&manager.name)
            {
                out.push(manager.name);
            }
        }
        out
    }

    #[test]
    fn managers() {
        assert_eq!(
            left("apt-get update && apt-get install -y x"),
            ["apt-get update"]
        );
        assert!(
            left("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*")
                .is_empty()
        );
        assert_eq!(
            left("apt-get update && apt-get install -y x && apt-get clean"),
            ["apt-get update"]
        );
        assert_eq!(left("apk add curl"), ["apk"]);
        assert!(left("apk add --no-cache curl").is_empty());
        assert!(left("apk update && apk add curl && rm -rf /var/cache/apk/*").is_empty());
        assert_eq!(left("yum -y install vim"), ["yum"]);
        assert!(left("yum install -y vim && yum clean all").is_empty());
        assert_eq!(left("microdnf install -y x"), ["dnf"]);
        assert!(left("dnf install -vy x && dnf clean all").is_empty());
        assert_eq!(left("zypper -n in bash"), ["zypper"]);
        assert!(left("zypper --non-interactive install bash && zypper cc -a").is_empty());
        assert_eq!(left("python3 -m pip install -r req.txt"), ["pip install"]);
        assert_eq!(left("pip3.12 install x"), ["pip install"]);
        assert!(left("pip install --no-cache-dir x").is_empty());
        assert!(left("pip install x && rm -rf ~/.cache/pip").is_empty());
        assert!(left("pip install x; pip cache purge").is_empty());
        assert!(left("pip download x && pip wheel y").is_empty());
    }
}
