//! IMAGE-001 image-root-user: the image config runs its process as root (no `User`, or
//! `root`/`0` with or without a group).

use lockgate_model::{RuleMeta, Severity};

use super::common::{key_span, runtime};
use super::{ImageSink, ImageTarget, ImageView};
use crate::Context;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "IMAGE-001",
    name: "image-root-user",
    title: "Image runs as root",
    severity: Severity::High,
    applies_to: &["image config"],
    frameworks: &["cis-docker:4.1", "nist-800-190:4.4.3"],
    fix: "Build the image with a non-root `USER` (for example `USER 10001` as the last instruction of the final stage), or set `runAsNonRoot` and `runAsUser` where it runs.",
    docs: r#"## What it checks
The `User` of the image config (`config.User`, what `USER` in the Dockerfile sets): the rule
fires when it is missing or empty, `root`, or `0`, with or without a group (`0:0`,
`root:wheel`). A name other than `root` is not resolved against `/etc/passwd`.

## Why it matters
A container started from the image runs its process as root unless whoever deploys it
overrides the user. Root in the container owns every file of the image, can install
packages, and is what most container escapes need. Kubernetes' restricted Pod Security
profile refuses pods that run as root, so an image that needs root cannot run there.

## Example
An image config built from a Dockerfile without `USER`:

```json
{"config": {"Cmd": ["/app/server"]}}
```

## Fix
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY server /app/server
USER 65532:65532
ENTRYPOINT ["/app/server"]
```

## References
- https://github.com/opencontainers/image-spec/blob/main/config.md
- CIS Docker Benchmark 4.1 (ensure that a user for the container has been created)
- NIST SP 800-190, 4.4.3
"#,
};

pub(crate) fn check(_: &Context<'_>, view: &ImageView<'_>, out: &mut ImageSink) {
    let user = runtime(view)
        .and_then(|config| config.get("User"))
        .and_then(|user| user.as_str())
        .unwrap_or("")
        .trim();
    let name = user.split(':').next().unwrap_or("");
    let message = if user.is_empty() {
        "the image sets no user, so it runs as root".to_string()
    } else if name == "root" || name == "0" {
        format!("the image runs as `{user}`")
    } else {
        return;
    };
    out.report(&META, ImageTarget::Config(key_span(view, "User")), message);
}
