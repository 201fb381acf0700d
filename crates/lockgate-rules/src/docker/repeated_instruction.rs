//! DOCKER-008 repeated-instruction: more than one CMD, ENTRYPOINT or HEALTHCHECK in a
//! stage, where only the last takes effect.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::stage_body;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-008",
    name: "repeated-instruction",
    title: "CMD, ENTRYPOINT or HEALTHCHECK repeated in a stage",
    severity: Severity::Low,
    applies_to: &[
        "Dockerfile CMD",
        "Dockerfile ENTRYPOINT",
        "Dockerfile HEALTHCHECK",
    ],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Keep one CMD, one ENTRYPOINT and one HEALTHCHECK per stage (the one that should take effect) and delete the others.",
    docs: r#"## What it checks
Each build stage for more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK`. Every one but
the last of each kind is reported, at its keyword. Instructions in different stages, and
`ONBUILD` triggers, do not count against each other.

## Why it matters
Docker keeps only the last `CMD`, `ENTRYPOINT` and `HEALTHCHECK` of a stage; the earlier
ones are silently dropped. A reader (or reviewer) who sees the first one believes the
container starts, or is health-checked, differently from how it really is, for instance
a health check that was meant to guard the service but was overridden by a weaker one.

## Example
```dockerfile
FROM alpine:3.20
HEALTHCHECK CMD wget -q -O- http://localhost:8080/health || exit 1
CMD ["/app/server", "--debug"]
HEALTHCHECK NONE
CMD ["/app/server"]
```

## Fix
```dockerfile
FROM alpine:3.20
HEALTHCHECK CMD wget -q -O- http://localhost:8080/health || exit 1
CMD ["/app/server"]
```

## References
- https://docs.docker.com/reference/dockerfile/#cmd
- https://docs.docker.com/reference/dockerfile/#entrypoint
- https://docs.docker.com/reference/dockerfile/#healthcheck
- NIST SP 800-190 4.1.2 (image configuration defects)
"#,
};

const KINDS: [Keyword; 3] = [Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck];

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for stage in &dockerfile.stages {
        let body = stage_body(dockerfile, stage);
        for kind in KINDS {
            let all: Vec<_> = body.iter().filter(|i| i.kind == kind).collect();
            let Some((last, earlier)) = all.split_last() else {
                continue;
            };
            for instruction in earlier {
                out.report(
                    &META,
                    instruction.keyword.span,
                    format!(
                        "{kind} is overridden by the {kind} on line {} in the same stage; only the last {kind} takes effect",
                        last.keyword.span.line
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use lockgate_syntax::dockerfile::parse;

    use crate::{Context, Settings, Sink};

    fn lines(text: &str) -> Vec<u32> {
        let settings = Settings::default();
        let context = Context {
            settings: &settings,
            dockerignore: None,
        };
        let mut sink = Sink::new();
        super::check(&context, &parse(text), &mut sink);
        sink.hits().iter().map(|h| h.span.line).collect()
    }

    #[test]
    fn reports_every_earlier_one_per_stage() {
        let text = "FROM alpine AS a\nCMD a\nCMD b\nCMD c\nENTRYPOINT x\nFROM alpine\nCMD d\nENTRYPOINT y\nONBUILD CMD e\n";
        assert_eq!(lines(text), vec![2, 3]);
    }
}
