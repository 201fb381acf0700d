//! DOCKER-026 final-image-not-minimal: the final image is built on a full distribution or
//! language image, or installs network and debugging tools (curl, netcat, tcpdump, ...).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::apt_get_install_without_yes::apt_subcommand;
use super::common::{final_image_stages, final_root_stage, registry_image, stage_body};
use super::run_commands::{Command, run_commands};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-026",
    name: "final-image-not-minimal",
    title: "Final image carries a shell, package manager or attack tools",
    severity: Severity::Low,
    applies_to: &["Dockerfile final stage"],
    frameworks: &["cis-docker:4.3", "nist-800-190:4.1.2", "mitre:T1105"],
    fix: "Build in a builder stage and copy only the artifacts into a minimal final stage (`FROM gcr.io/distroless/static-debian12`, a `-distroless`/Chainguard image, or `FROM scratch`); install debugging tools only in a separate debug image or use ephemeral debug containers.",
    docs: r#"## What it checks
Only what ends up in the built image: the final stage and the stages of the same file it
is built `FROM`. Two things are reported.

1. **The base of the final image is a full distribution or language image**, with a
   shell and system tools (and, `busybox` aside, a package manager): the Docker
   official images `debian`, `ubuntu`, `alpine`, `busybox`, `centos`, `fedora`,
   `rockylinux`, `almalinux`, `amazonlinux`, `oraclelinux`, `archlinux`,
   `opensuse/leap`, `opensuse/tumbleweed`, `redhat/ubi*` and
   `registry.access.redhat.com/ubi*`, and the language images `node`, `python`,
   `ruby`, `php`, `perl`, `golang`, `rust`, `gcc`, `openjdk`, `eclipse-temurin`,
   `amazoncorretto`, `maven`, `gradle`, `elixir`, `erlang` (any tag, `-slim` and
   `-alpine` included: they still ship `sh` and `apt`/`apk`). Images are normalised as
   Docker reads them (`python` is `docker.io/library/python`); images from other
   repositories, application images such as `nginx` or `postgres`, distroless,
   Chainguard and `scratch` are not judged.
2. **A RUN installs network or debugging tools**: `apt-get`/`apt install`, `apk add`,
   `yum`/`dnf`/`microdnf`/`tdnf install`, `zypper install`/`in` of `curl`, `wget`,
   `netcat` (`netcat-openbsd`, `netcat-traditional`, `nc`, `ncat`, `nmap-ncat`), `nmap`,
   `socat`, `telnet`, `tcpdump`, `strace`, `ltrace`, `gdb`, `vim` (`vim-tiny`,
   `vim-minimal`) or `nano`, unless a RUN of the final image removes it again (`apt-get
   purge curl`, `apk del curl`, or `apk del` of the `--virtual` group it was added
   with).

Builder stages may hold anything: copy only their results into the final stage.

## Why it matters
Everything in the image is available to whoever gets code execution in the container.
A shell and a package manager turn a single bug into an interactive foothold that can
install whatever it needs; `curl`, `wget` and `netcat` are how attackers pull their
tools in and push data out; `tcpdump`, `strace` and `gdb` read other processes' traffic
and memory. They also add hundreds of packages to patch and to answer scanner findings
for. Distroless and scratch images contain the application and its runtime only.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl netcat-openbsd \
 && rm -rf /var/lib/apt/lists/*
COPY app /app
CMD ["python", "/app/main.py"]
```

## Fix
```dockerfile
FROM python:3.12-slim AS build
COPY requirements.txt .
RUN pip install --no-cache-dir --target /deps -r requirements.txt
FROM gcr.io/distroless/python3-debian12:nonroot
COPY --from=build /deps /deps
COPY app /app
ENV PYTHONPATH=/deps
CMD ["/app/main.py"]
```
Debug a running container with `kubectl debug` or `docker debug` instead of shipping
the tools.

## References
- https://docs.docker.com/build/building/multi-stage/
- https://github.com/GoogleContainerTools/distroless
- https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container
- CIS Docker Benchmark 4.3 (ensure that unnecessary packages are not installed in the container)
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// Docker official images that are a distribution or a language runtime with one.
const FULL_IMAGES: &[&str] = &[
    "debian",
    "ubuntu",
    "alpine",
    "busybox",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "archlinux",
    "node",
    "python",
    "ruby",
    "php",
    "perl",
    "golang",
    "rust",
    "gcc",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "elixir",
    "erlang",
];

/// Network and debugging tools, by package name.
const TOOLS: &[&str] = &[
    "curl",
    "wget",
    "netcat",
    "netcat-openbsd",
    "netcat-traditional",
    "nc",
    "ncat",
    "nmap-ncat",
    "nmap",
    "socat",
    "telnet",
    "tcpdump",
    "strace",
    "ltrace",
    "gdb",
    "vim",
    "vim-tiny",
    "vim-minimal",
    "nano",
];

/// Whether an image (registry and repository) is a full distribution or language image.
fn is_full_image(registry: &str, repository: &str) -> bool {
    match registry {
        "docker.io" => {
            if let Some(name) = repository.strip_prefix("library/") {
                return FULL_IMAGES.contains(&name);
            }
            matches!(repository, "opensuse/leap" | "opensuse/tumbleweed")
                || repository.starts_with("redhat/ubi")
        }
        "registry.access.redhat.com" => {
            repository.starts_with("ubi") || repository.contains("/ubi")
        }
        _ => false,
    }
}

/// A package word without its version or architecture (`curl=7.88`, `curl~8`,
/// `curl:amd64`).
fn package_name(word: &str) -> &str {
    word.split(['=', '~', '<', '>', ':']).next().unwrap_or(word)
}

/// The subcommand and package words of a package manager command, and whether it
/// installs (`true`) or removes (`false`).
fn package_action(command: &Command) -> Option<(bool, Vec<&str>)> {
    let program = command.program();
    let words: Vec<&str> = command.words.iter().skip(1).map(String::as_str).collect();
    let operands: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let (sub, rest) = match program {
        "apt-get" | "apt" => {
            let sub = apt_subcommand(command).0?;
            let after = operands.iter().position(|w| *w == sub).map_or(0, |p| p + 1);
            (sub, operands.get(after..).unwrap_or_default().to_vec())
        }
        _ => (
            *operands.first()?,
            operands.get(1..).unwrap_or_default().to_vec(),
        ),
    };
    let install = match (program, sub) {
        ("apt-get" | "apt", "install") => true,
        ("apt-get" | "apt", "remove" | "purge") => false,
        ("apk", "add") => true,
        ("apk", "del") => false,
        ("yum" | "dnf" | "microdnf" | "tdnf" | "dnf5", "install") => true,
        ("yum" | "dnf" | "microdnf" | "tdnf" | "dnf5", "remove" | "erase") => false,
        ("zypper", "install" | "in") => true,
        ("zypper", "remove" | "rm") => false,
        _ => return None,
    };
    Some((install, rest))
}

/// The `--virtual`/`-t` group name of an `apk add`.
fn apk_virtual(command: &Command) -> Option<&str> {
    let position = command
        .words
        .iter()
        .position(|w| w == "--virtual" || w == "-t")?;
    command.words.get(position + 1).map(String::as_str)
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    if let Some(stage) = final_root_stage(dockerfile)
        && let Some((image, reference)) = registry_image(stage)
        && is_full_image(&reference.registry, &reference.repository)
    {
        out.report(
            &META,
            stage.image.span,
            format!(
                "the final image is built on `{image}`, a full OS or language image with a shell and system tools; copy the artifacts into a distroless or scratch final stage"
            ),
        );
    }
    let mut runs = Vec::new();
    for stage in final_image_stages(dockerfile).iter().rev() {
        for instruction in stage_body(dockerfile, stage) {
            if instruction.kind == Keyword::Run {
                let commands: Vec<Command> = run_commands(dockerfile, instruction)
                    .iter()
                    .map(Command::without_sudo)
                    .collect();
                runs.push((instruction, commands));
            }
        }
    }
    // Everything removed anywhere in the final image, by package or apk group name.
    let removed: Vec<&str> = runs
        .iter()
        .flat_map(|(_, commands)| commands.iter())
        .filter_map(package_action)
        .filter(|(install, _)| !install)
        .flat_map(|(_, packages)| packages)
        .map(package_name)
        .collect();
    for (instruction, commands) in &runs {
        let mut tools: Vec<&str> = Vec::new();
        for command in commands {
            let Some((true, packages)) = package_action(command) else {
                continue;
            };
            if apk_virtual(command).is_some_and(|group| removed.contains(&group)) {
                continue;
            }
            for package in packages.into_iter().map(package_name) {
                if TOOLS.contains(&package)
                    && !removed.contains(&package)
                    && !tools.contains(&package)
                {
                    tools.push(package);
                }
            }
        }
        if !tools.is_empty() {
            let list: Vec<String> = tools.iter().map(|t| format!("`{t}`")).collect();
            out.report(
                &META,
                instruction.keyword.span,
                format!(
                    "RUN installs {} into the final image, ready for whoever gets a foothold in the container",
                    list.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_full_image;

    #[test]
    fn full_images() {
        assert!(is_full_image("docker.io", "library/python"));
        assert!(is_full_image("docker.io", "opensuse/leap"));
        assert!(is_full_image(
            "registry.access.redhat.com",
            "ubi9/ubi-minimal"
        ));
        assert!(!is_full_image("docker.io", "library/nginx"));
        assert!(!is_full_image("gcr.io", "distroless/static-debian12"));
        assert!(!is_full_image("docker.io", "someone/python"));
    }
}
