//! DOCKER-015 copy-multiple-sources-to-file: COPY or ADD with several sources whose
//! destination is not a directory (does not end with `/`).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Instruction, Keyword};

use super::common::{list_words, plain};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-015",
    name: "copy-multiple-sources-to-file",
    title: "COPY/ADD with several sources to a destination without a trailing slash",
    severity: Severity::Medium,
    applies_to: &["Dockerfile COPY", "Dockerfile ADD"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "End the destination with `/` (`COPY a b /app/`) so it is clearly a directory, or copy one source per instruction.",
    docs: r#"## What it checks
`COPY` and `ADD` instructions (shell form, exec form and `ONBUILD`) with two or more
sources whose destination does not end with `/`. Heredoc sources (`COPY <<EOF ...`)
count as sources; flags such as `--from=` or `--chown=` do not. Destinations that
contain `$` are skipped, since their value is only known at build time.

## Why it matters
With several sources Docker requires the destination to be a directory ending in `/`.
Without it the build fails (“When using COPY with more than one source file, the
destination must be a directory and end with a /”), or, with wildcards matching several
files, files overwrite each other at the same path. The intent, a directory, should be
written down.

## Example
```dockerfile
COPY package.json yarn.lock /srv/app
```

## Fix
```dockerfile
COPY package.json yarn.lock /srv/app/
```

## References
- https://docs.docker.com/reference/dockerfile/#copy
- https://docs.docker.com/reference/dockerfile/#add
- NIST SP 800-190, 4.1.2 (image configuration defects)
"#,
};

/// The number of sources and the destination of a COPY or ADD, if it is one.
fn sources_and_destination(
    dockerfile: &Dockerfile,
    instruction: &Instruction,
) -> Option<(usize, String)> {
    if instruction.kind != Keyword::Copy && instruction.kind != Keyword::Add {
        return None;
    }
    let (destination, sources) = list_words(instruction).split_last()?;
    let mut count = sources.len();
    // Heredoc sources are normally words of their own (`<<EOF`); count any that are not.
    let marked = sources.iter().filter(|s| s.text.starts_with("<<")).count();
    count += instruction.heredocs.len().saturating_sub(marked);
    Some((count, plain(dockerfile, instruction, destination)))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for outer in &dockerfile.instructions {
        let instruction = match (&outer.kind, &outer.args) {
            (Keyword::Onbuild, lockgate_syntax::dockerfile::Args::Onbuild(inner)) => inner,
            _ => outer,
        };
        let Some((count, destination)) = sources_and_destination(dockerfile, instruction) else {
            continue;
        };
        if count < 2 || destination.ends_with('/') || destination.contains('$') {
            continue;
        }
        out.report(
            &META,
            outer.keyword.span,
            format!(
                "{} has {count} sources but its destination `{destination}` does not end with `/`",
                instruction.kind.as_str()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use lockgate_syntax::dockerfile::parse;

    use super::sources_and_destination;

    fn shape(text: &str) -> Option<(usize, String)> {
        let dockerfile = parse(text);
        let instruction = dockerfile.instructions.last()?;
        sources_and_destination(&dockerfile, instruction)
    }

    #[test]
    fn counts_sources() {
        assert_eq!(shape("FROM a\nCOPY a b /app\n"), Some((2, "/app".into())));
        assert_eq!(
            shape("FROM a\nCOPY --chown=1:1 a /app\n"),
            Some((1, "/app".into()))
        );
        assert_eq!(
            shape("FROM a\nADD [\"a\", \"b\", \"c/\"]\n"),
            Some((2, "c/".into()))
        );
        assert_eq!(
            shape("FROM a\nCOPY <<one <<two /etc/x\n1\none\n2\ntwo\n"),
            Some((2, "/etc/x".into()))
        );
        assert_eq!(shape("FROM a\nRUN a b c\n"), None);
    }
}
