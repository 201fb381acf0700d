//! IMAGE-003 image-setuid-setgid-files: regular files of the image carry the setuid or
//! setgid bit.

use lockgate_model::{RuleMeta, Severity};

use super::{ImageFileKind, ImageSink, ImageTarget, ImageView};
use crate::Context;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "IMAGE-003",
    name: "image-setuid-setgid-files",
    title: "Setuid or setgid file in the image",
    severity: Severity::Low,
    applies_to: &["image files"],
    frameworks: &["cis-docker:4.8"],
    fix: "Remove the setuid/setgid bits in the build (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`) or remove the programs; run containers with `allowPrivilegeEscalation: false`.",
    docs: r#"## What it checks
Every regular file of the squashed image (after whiteouts) whose mode has the setuid
(`04000`) or setgid (`02000`) bit. One finding per file, so each can be waived on its own.

## Why it matters
A setuid-root program runs as root whoever starts it: a process that runs as an
unprivileged user in the container regains root through any flaw in one of them
(`su`, `passwd`, `mount`, `newgrp` and the like are in most distribution images).
Containers rarely need them; Kubernetes' `allowPrivilegeEscalation: false` stops them from
working, and removing the bits takes them out of reach for good.

## Example
`/usr/bin/passwd` with mode `4755` in a Debian-based image.

## Fix
```dockerfile
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +
```

## References
- CIS Docker Benchmark 4.8 (ensure setuid and setgid permissions are removed)
- https://kubernetes.io/docs/concepts/security/pod-security-standards/
"#,
};

pub(crate) fn check(_: &Context<'_>, view: &ImageView<'_>, out: &mut ImageSink) {
    for file in view.files {
        if file.kind != ImageFileKind::File {
            continue;
        }
        let bits = match (file.mode & 0o4000 != 0, file.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            (false, true) => "setgid",
            (false, false) => continue,
        };
        out.report(
            &META,
            ImageTarget::File(file.path.clone()),
            format!(
                "`{}` is {bits} (mode {:04o})",
                file.path,
                file.mode & 0o7777
            ),
        );
    }
}
