//! IMAGE-004 image-not-minimal: the final image holds a shell, a package manager, or
//! network and debugging tools an attacker can use.

use lockgate_model::{RuleMeta, Severity};

use super::{ImageFile, ImageFileKind, ImageSink, ImageTarget, ImageView};
use crate::Context;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "IMAGE-004",
    name: "image-not-minimal",
    title: "Shell, package manager or attack tools in the image",
    severity: Severity::Low,
    applies_to: &["image files"],
    frameworks: &["cis-docker:4.3", "nist-800-190:4.1.1"],
    fix: "Build in one stage and copy only the application into a minimal final stage (`FROM gcr.io/distroless/static-debian12`, `FROM scratch`, or a `-slim`/`-minimal` base with the tools removed).",
    docs: r#"## What it checks
The executables of the squashed image, by name, in the directories programs run from
(`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`, `/usr/local/sbin`), as files
or symlinks (busybox's applets are symlinks). One finding per kind of tool found, listing
what was found:

- shells: `sh`, `bash`, `dash`, `ash`, `zsh`, `ksh`, `busybox`;
- package managers: `apt`, `apt-get`, `dpkg`, `apk`, `yum`, `dnf`, `microdnf`, `rpm`,
  `zypper`, `pip`, `pip3`, `npm`;
- network and debugging tools: `curl`, `wget`, `nc`, `netcat`, `ncat`, `socat`, `telnet`,
  `ftp`, `tcpdump`, `nmap`, `strace`, `gdb`, `ssh`, `scp`.

## Why it matters
An attacker who gets code execution in a container uses what the image holds: a shell to
chain commands, a package manager to install more, `curl`, `wget` or `nc` to fetch tools
and send data out. An image with only the application (distroless, scratch) leaves them
nothing, and has fewer packages to patch.

## Example
An application image built `FROM debian:12` with `curl` installed.

## Fix
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/server /server
USER 65532
ENTRYPOINT ["/server"]
```

## References
- CIS Docker Benchmark 4.3 (ensure unnecessary packages are not installed)
- NIST SP 800-190, 4.1.1
- https://github.com/GoogleContainerTools/distroless
"#,
};

const BIN_DIRS: &[&str] = &[
    "/bin/",
    "/sbin/",
    "/usr/bin/",
    "/usr/sbin/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
];

const KINDS: &[(&str, &[&str])] = &[
    (
        "a shell",
        &["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"],
    ),
    (
        "a package manager",
        &[
            "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pip",
            "pip3", "npm",
        ],
    ),
    (
        "network and debugging tools",
        &[
            "curl", "wget", "nc", "netcat", "ncat", "socat", "telnet", "ftp", "tcpdump", "nmap",
            "strace", "gdb", "ssh", "scp",
        ],
    ),
];

/// The program name of a file in one of the program directories.
fn program_name(file: &ImageFile) -> Option<&str> {
    if !matches!(file.kind, ImageFileKind::File | ImageFileKind::Symlink(_)) {
        return None;
    }
    BIN_DIRS
        .iter()
        .find_map(|dir| file.path.strip_prefix(dir))
        .filter(|name| !name.contains('/'))
}

pub(crate) fn check(_: &Context<'_>, view: &ImageView<'_>, out: &mut ImageSink) {
    for (kind, names) in KINDS {
        let found: Vec<&ImageFile> = view
            .files
            .iter()
            .filter(|file| program_name(file).is_some_and(|name| names.contains(&name)))
            .collect();
        let Some(first) = found.first() else {
            continue;
        };
        let mut listed: Vec<&str> = found.iter().map(|f| f.path.as_str()).collect();
        let more = listed.len().saturating_sub(6);
        listed.truncate(6);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        out.report(
            &META,
            ImageTarget::File(first.path.clone()),
            format!("the image holds {kind}: {}{tail}", listed.join(", ")),
        );
    }
}
