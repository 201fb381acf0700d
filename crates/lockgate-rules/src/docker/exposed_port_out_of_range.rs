//! DOCKER-006 exposed-port-out-of-range: EXPOSE names a port outside 0..=65535 or one
//! that is not a number.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::{expose_ports, list_words, plain};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-006",
    name: "exposed-port-out-of-range",
    title: "EXPOSE port out of range",
    severity: Severity::Low,
    applies_to: &["Dockerfile EXPOSE"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "EXPOSE ports as numbers from 0 to 65535, optionally with `/tcp`, `/udp` or `/sctp` (`8080`, `53/udp`, `8000-8010/tcp`).",
    docs: r#"## What it checks
Every port of an `EXPOSE` instruction: a single port (`8080`), a range (`8000-8010`),
each with an optional protocol (`/tcp`, `/udp`, `/sctp`). It fires when a port, or either
end of a range, is not a number or lies outside 0..=65535, when a range runs backwards,
or when the protocol is not one of the three. Words that use a variable (`$PORT`) are not
judged.

## Why it matters
TCP, UDP and SCTP ports are 16-bit numbers. An `EXPOSE` with a port beyond 65535 or a
port that is not a number is refused by the build or the runtime, or documents a port the
container can never listen on; either way the image metadata that orchestrators and
readers rely on to know what the container serves is wrong.

## Example
```dockerfile
FROM alpine:3.20
EXPOSE 80800 http
```

## Fix
```dockerfile
FROM alpine:3.20
EXPOSE 8080/tcp
```

## References
- https://docs.docker.com/reference/dockerfile/#expose
- NIST SP 800-190 4.1.2 (image configuration defects)
"#,
};

/// What is wrong with one EXPOSE word, or `None` when it is a valid port spec.
fn port_problem(word: &str) -> Option<String> {
    expose_ports(word).err()
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Expose {
            continue;
        }
        for word in list_words(instruction) {
            let port = plain(dockerfile, instruction, word);
            if port.contains('$') {
                continue;
            }
            if let Some(problem) = port_problem(&port) {
                out.report(
                    &META,
                    word.span,
                    format!("EXPOSE `{port}` is not a valid port: {problem}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::port_problem;

    #[test]
    fn valid_ports() {
        for word in [
            "0",
            "80",
            "65535",
            "53/udp",
            "8080/TCP",
            "132/sctp",
            "8000-8010",
            "1-65535/tcp",
        ] {
            assert_eq!(port_problem(word), None, "{word}");
        }
    }

    #[test]
    fn invalid_ports() {
        for word in [
            "65536",
            "99999999999999999999",
            "http",
            "-1",
            "80-",
            "8000-70000",
            "70000-80000/udp",
            "90-80",
            "80/icmp",
            "80/",
            "",
            "+80",
        ] {
            assert!(port_problem(word).is_some(), "{word}");
        }
    }
}
