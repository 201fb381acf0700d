//! DOCKER-025 copy-context-without-dockerignore: COPY or ADD takes the whole build
//! context (`COPY . .`) and no `.dockerignore` sits beside the Dockerfile.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::{list_words, plain};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-025",
    name: "copy-context-without-dockerignore",
    title: "Whole build context copied without a .dockerignore",
    severity: Severity::Medium,
    applies_to: &["Dockerfile COPY", "Dockerfile ADD"],
    frameworks: &["cis-docker:4.10", "nist-800-190:4.1.4"],
    fix: "Add a `.dockerignore` next to the Dockerfile that leaves out `.git`, `.env*`, credentials, local build output and dependencies (`node_modules`, `target`), or copy only what the image needs (`COPY src/ /app/src/`).",
    docs: r#"## What it checks
`COPY` and `ADD` instructions in any stage (also `ONBUILD COPY`/`ONBUILD ADD`), without
`--from`, one of whose sources is the whole build context: `.`, `./`, `./.`, `*` or
`./*` (shell or exec form), when no ignore file sits beside the Dockerfile: neither
`.dockerignore` in the Dockerfile's directory nor BuildKit's per-Dockerfile
`<Dockerfile name>.dockerignore` (`api.Dockerfile.dockerignore`). lockgate takes the
Dockerfile's directory to be the build context; a build that sends another directory
(`docker build -f docker/Dockerfile .`) may have its `.dockerignore` elsewhere: waive
the finding for that file. When lockgate cannot know (a Dockerfile that does not come
from a directory) the rule stays silent.

## Why it matters
Without an ignore file, `COPY . .` copies everything in the directory: the `.git`
history (with every secret ever committed), `.env` files and local credentials, SSH
and cloud configuration, editor and build leftovers. They end up in a layer that
everyone who can pull the image can read, and in the build cache. The context upload
also gets slower and every unrelated change invalidates the cache.

## Example
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm ci --omit=dev
```
(with no `.dockerignore` in the directory)

## Fix
A `.dockerignore` beside the Dockerfile:
```
.git
.env*
**/*.pem
node_modules
```
or copy only what the build needs:
```dockerfile
COPY package.json package-lock.json ./
COPY src/ ./src/
```

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
- CIS Docker Benchmark 4.10 (ensure secrets are not stored in Dockerfiles)
- NIST SP 800-190, 4.1.4 (embedded clear text secrets)
"#,
};

/// Sources that mean the whole context.
fn whole_context(source: &str) -> bool {
    matches!(source, "." | "./" | "./." | "*" | "./*")
}

pub(crate) fn check(context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    if context.dockerignore != Some(false) {
        return;
    }
    for instruction in &dockerfile.instructions {
        let copy = match (&instruction.kind, &instruction.args) {
            (Keyword::Onbuild, lockgate_syntax::dockerfile::Args::Onbuild(inner)) => inner.as_ref(),
            _ => instruction,
        };
        if !matches!(copy.kind, Keyword::Copy | Keyword::Add) || copy.flag("from").is_some() {
            continue;
        }
        let words = list_words(copy);
        let sources = words
            .get(..words.len().saturating_sub(1))
            .unwrap_or_default();
        if let Some(source) = sources
            .iter()
            .find(|w| whole_context(&plain(dockerfile, copy, w)))
        {
            out.report(
                &META,
                source.span,
                format!(
                    "{} `{}` copies the whole build context, and there is no .dockerignore beside the Dockerfile",
                    copy.kind.as_str(),
                    plain(dockerfile, copy, source)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use lockgate_syntax::dockerfile::parse;

    use crate::{Context, Settings, Sink};

    fn fires(text: &str, dockerignore: Option<bool>) -> bool {
        let settings = Settings::default();
        let context = Context {
            settings: &settings,
            dockerignore,
        };
        let mut sink = Sink::new();
        super::check(&context, &parse(text), &mut sink);
        !sink.hits().is_empty()
    }

    #[test]
    fn only_when_known_to_be_missing() {
        let text = "FROM alpine\nCOPY . /app\n";
        assert!(fires(text, Some(false)));
        assert!(!fires(text, Some(true)));
        assert!(!fires(text, None));
    }
}
