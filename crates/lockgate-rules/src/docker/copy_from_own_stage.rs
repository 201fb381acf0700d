//! DOCKER-005 copy-from-own-stage: `COPY --from=` names the stage the COPY is in.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword, Stage};

use super::common::stage_body;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-005",
    name: "copy-from-own-stage",
    title: "COPY --from refers to its own stage",
    severity: Severity::Medium,
    applies_to: &["Dockerfile COPY"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Point `--from` at an earlier stage (by name or index) or at an image, or drop `--from` to copy from the build context.",
    docs: r#"## What it checks
`COPY --from=<stage>` instructions whose `--from` names the stage the COPY itself is in,
either by its name (compared without case, as Docker does) or by its index (`--from=0` in
the first stage). Values that use a variable (`$`) are not judged.

## Why it matters
A stage cannot copy from itself: it does not exist yet while it is being built. Docker
either refuses the build or, when the name also matches an image, quietly pulls that
image instead, so the files that land in the stage are not the ones the author meant.
Either way the Dockerfile does not say what it does, which makes the build hard to review
and to reproduce.

## Example
```dockerfile
FROM golang:1.22 AS build
COPY --from=build /out/app /usr/local/bin/app
```

## Fix
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /usr/local/bin/app
```

## References
- https://docs.docker.com/reference/dockerfile/#copy---from
- https://docs.docker.com/build/building/multi-stage/
- NIST SP 800-190 4.1.2 (image configuration defects)
"#,
};

/// Whether a `--from` value names `stage`: its name without case, or its index.
fn names_stage(value: &str, stage: &Stage) -> bool {
    if value.contains('$') {
        return false;
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse::<usize>()
            .is_ok_and(|index| index == stage.index);
    }
    stage
        .name
        .as_deref()
        .is_some_and(|name| name.eq_ignore_ascii_case(value))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for stage in &dockerfile.stages {
        for instruction in stage_body(dockerfile, stage) {
            if instruction.kind != Keyword::Copy {
                continue;
            }
            let Some(value) = instruction.flag("from").and_then(|f| f.value.as_ref()) else {
                continue;
            };
            if names_stage(value.text.trim(), stage) {
                out.report(
                    &META,
                    value.span,
                    format!(
                        "COPY --from=`{}` names the stage this COPY is in (stage {}); a stage cannot copy from itself",
                        value.text,
                        stage.index
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

    use super::names_stage;

    #[test]
    fn names_and_indexes() {
        let dockerfile = parse("FROM alpine AS Build\nRUN true\nFROM alpine\nRUN true\n");
        let first = &dockerfile.stages[0];
        let second = &dockerfile.stages[1];
        assert!(names_stage("build", first));
        assert!(names_stage("BUILD", first));
        assert!(names_stage("0", first));
        assert!(!names_stage("1", first));
        assert!(names_stage("1", second));
        assert!(!names_stage("build", second));
        assert!(!names_stage("$STAGE", first));
        assert!(!names_stage("", second));
    }
}
