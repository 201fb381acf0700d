//! DOCKER-021 missing-healthcheck: the final stage starts a service (CMD or ENTRYPOINT)
//! but neither it nor the stages it builds on define a HEALTHCHECK.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::{final_image_stages, stage_body};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-021",
    name: "missing-healthcheck",
    title: "Service image without HEALTHCHECK",
    severity: Severity::Low,
    applies_to: &["Dockerfile final stage"],
    frameworks: &["cis-docker:4.6"],
    fix: "Add a HEALTHCHECK that asks the service whether it works (`HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app\", \"healthcheck\"]`), or `HEALTHCHECK NONE` to say that the platform's probes do the job.",
    docs: r#"## What it checks
The final stage of the Dockerfile and the stages of the same file it is built `FROM`.
When one of them sets `CMD` or `ENTRYPOINT` (the image runs a service rather than
being a base or a holder of build artifacts) and none of them has a `HEALTHCHECK`
instruction, the rule fires at the last `CMD`/`ENTRYPOINT`. `HEALTHCHECK NONE` counts
as a deliberate choice and silences it. Images without `CMD` and `ENTRYPOINT` (base
images, `FROM scratch` artifact holders) are not reported. A HEALTHCHECK inherited from
the base image cannot be seen from the Dockerfile: say so with a HEALTHCHECK of your
own or waive the finding.

Kubernetes ignores HEALTHCHECK and uses the pod's liveness and readiness probes (see the
KUBE probe rules); for images that only ever run there, `HEALTHCHECK NONE` or disabling
this rule in the profile is the right answer.

## Why it matters
Without a health check the runtime only knows whether the process exists, not whether
it serves: a deadlocked or wedged service stays "running" forever, Docker, Compose and
Swarm never restart or replace it, and load balancers keep sending it traffic. A health
check also makes `docker ps` and orchestration dashboards show the real state.

## Example
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY app /app
USER 10001
ENTRYPOINT ["/app"]
```

## Fix
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY app /app
USER 10001
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["/app", "healthcheck"]
ENTRYPOINT ["/app"]
```

## References
- https://docs.docker.com/reference/dockerfile/#healthcheck
- CIS Docker Benchmark 4.6 (ensure that HEALTHCHECK instructions have been added to container images)
"#,
};

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    let mut start = None;
    for stage in final_image_stages(dockerfile) {
        for instruction in stage_body(dockerfile, stage).iter().rev() {
            match instruction.kind {
                Keyword::Healthcheck => return,
                Keyword::Cmd | Keyword::Entrypoint if start.is_none() => start = Some(instruction),
                _ => {}
            }
        }
    }
    if let Some(start) = start {
        out.report(
            &META,
            start.keyword.span,
            format!(
                "the image runs a service ({}) but defines no HEALTHCHECK, so a hung process looks healthy",
                start.kind.as_str()
            ),
        );
    }
}
