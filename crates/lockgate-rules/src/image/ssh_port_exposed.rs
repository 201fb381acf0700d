//! IMAGE-002 image-ssh-port-exposed: the image config exposes port 22.

use lockgate_model::{RuleMeta, Severity};

use super::common::runtime;
use super::{ImageSink, ImageTarget, ImageView};
use crate::Context;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "IMAGE-002",
    name: "image-ssh-port-exposed",
    title: "Image exposes the SSH port",
    severity: Severity::Medium,
    applies_to: &["image config"],
    frameworks: &["cis-docker:5.6"],
    fix: "Do not run an SSH server in the image: remove port 22 from EXPOSE and the server from the image; reach containers with `kubectl exec` or debug containers.",
    docs: r#"## What it checks
The ports of the image config (`config.ExposedPorts`, what `EXPOSE` in the Dockerfile
sets): the rule fires on `22/tcp`, `22/udp` or `22`.

## Why it matters
An exposed port 22 means an SSH server in the container: a second way in with its own
credentials and keys (often baked into the image), its own vulnerabilities, and a process
nobody monitors. The platform already gives authenticated, audited access (`kubectl exec`,
ephemeral debug containers).

## Example
```json
{"config": {"ExposedPorts": {"22/tcp": {}, "8080/tcp": {}}}}
```

## Fix
```json
{"config": {"ExposedPorts": {"8080/tcp": {}}}}
```

## References
- https://github.com/opencontainers/image-spec/blob/main/config.md
- CIS Docker Benchmark 5.6 (ensure sshd is not run within containers)
"#,
};

pub(crate) fn check(_: &Context<'_>, view: &ImageView<'_>, out: &mut ImageSink) {
    let Some(ports) = runtime(view)
        .and_then(|config| config.get("ExposedPorts"))
        .and_then(|ports| ports.as_map())
    else {
        return;
    };
    for (port, _) in ports.iter() {
        let Some(text) = port.as_str() else { continue };
        if text.split('/').next() == Some("22") {
            out.report(
                &META,
                ImageTarget::Config(port.span),
                format!("the image exposes `{text}` (SSH)"),
            );
        }
    }
}
