//! DOCKER-002 root-user: the final stage runs as root (its last USER, or the one it
//! inherits from the stage it builds on, is root, or there is none).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Args, Dockerfile};

use super::common::{effective_user, stage_from};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-002",
    name: "root-user",
    title: "Image runs as root",
    severity: Severity::High,
    applies_to: &["Dockerfile final stage"],
    frameworks: &["cis-docker:4.1", "nist-800-190:4.4.3"],
    fix: "Create an unprivileged user and end the final stage with `USER <name or uid>` (for example `USER 10001`).",
    docs: r#"## What it checks
The final stage of the Dockerfile (the one `docker build` produces): its last `USER`
instruction, or when it has none the last `USER` of the stage it is built `FROM` in the
same file, and so on. The rule fires when that user is `root` or `0` (with or without a
group), and when no stage on the way sets a user, since the image then runs as root unless
its base image says otherwise. A `USER` that still holds an unresolved `$VARIABLE` is not
judged.

## Why it matters
A process that runs as root in a container is root in its user namespace: any code
execution bug in it can read every file of the image, install packages, and try the
kernel and runtime escapes that need root. Most applications need no privilege at all.
Kubernetes' restricted Pod Security profile refuses pods that run as root, so an image
that needs root will not run there anyway.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends nginx
CMD ["nginx", "-g", "daemon off;"]
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends nginx \
 && useradd --system --uid 10001 web
USER 10001
CMD ["nginx", "-g", "daemon off;"]
```

## References
- https://docs.docker.com/reference/dockerfile/#user
- CIS Docker Benchmark 4.1 (create a user for the container)
- NIST SP 800-190 4.4.3
"#,
};

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    let Some(last) = dockerfile.stages.last() else {
        return;
    };
    match effective_user(dockerfile, last) {
        Some(user) => {
            let Args::Text(word) = &user.args else {
                return;
            };
            let unquoted = lockgate_syntax::dockerfile::unquote(&word.text, dockerfile.escape)
                .unwrap_or_else(|| word.text.clone());
            let name = unquoted.trim();
            let account = name.split(':').next().unwrap_or(name).trim();
            if account.contains('$') {
                return;
            }
            if account == "root" || account == "0" {
                out.report(&META, word.span, format!("the image runs as `{name}`"));
            }
        }
        None => {
            let span = stage_from(dockerfile, last).map_or(last.image.span, |from| from.span);
            out.report(
                &META,
                span,
                "the final stage sets no USER, so the image runs as root",
            );
        }
    }
}
