//! DOCKER-003 ssh-port-exposed: EXPOSE lists port 22.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::{expose_ports, list_words, plain};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-003",
    name: "ssh-port-exposed",
    title: "SSH port 22 exposed",
    severity: Severity::Medium,
    applies_to: &["Dockerfile EXPOSE"],
    frameworks: &["cis-docker:5.6"],
    fix: "Remove port 22 from EXPOSE and do not run an SSH server in the container; use `docker exec` or `kubectl exec` (or ephemeral debug containers) to get a shell.",
    docs: r#"## What it checks
`EXPOSE` instructions in any stage that list port 22, alone (`22`, `22/tcp`) or inside a
range (`20-25`).

## Why it matters
Port 22 means an SSH server in the container. That is a second way in, with its own
credentials and keys that are easily baked into the image, its own vulnerabilities, and a
process the container was not built around. Containers are reached through the runtime
(`docker exec`, `kubectl exec`, debug containers), which is authenticated and audited by
the platform.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y openssh-server
EXPOSE 22
```

## Fix
```dockerfile
FROM debian:12
EXPOSE 8080
```

## References
- https://docs.docker.com/reference/dockerfile/#expose
- CIS Docker Benchmark 5.6 (do not run sshd within containers)
"#,
};

/// Whether a word of EXPOSE (`22`, `22/tcp`, a range `20-25/udp`) names port 22.
fn covers_ssh(word: &str) -> bool {
    expose_ports(word).is_ok_and(|(low, high)| low <= 22 && 22 <= high)
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for word in list_words(instruction) {
            let port = plain(dockerfile, instruction, word);
            if covers_ssh(&port) {
                out.report(
                    &META,
                    word.span,
                    format!("EXPOSE `{port}` opens the SSH port 22"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ports_and_ranges() {
        assert!(super::covers_ssh("22"));
        assert!(super::covers_ssh("22/tcp"));
        assert!(super::covers_ssh("20-25"));
        assert!(!super::covers_ssh("2222"));
        assert!(!super::covers_ssh("$PORT"));
    }
}
