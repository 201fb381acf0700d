//! DOCKER-017 secret-in-env-or-arg: an ENV or ARG is named like a secret
//! (`DB_PASSWORD`, `NPM_TOKEN`, `AWS_SECRET_ACCESS_KEY`, ...).

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Args, Dockerfile, Instruction, Keyword, unquote};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-017",
    name: "secret-in-env-or-arg",
    title: "Secret passed through ENV or ARG",
    severity: Severity::Medium,
    applies_to: &["Dockerfile ENV", "Dockerfile ARG"],
    frameworks: &["cis-docker:4.10", "nist-800-190:4.1.4", "mitre:T1552"],
    fix: "Pass build-time secrets with `RUN --mount=type=secret,id=<id>` (`docker build --secret id=<id>,env=<VAR>`), and give runtime secrets to the container at start (orchestrator secrets, `-e`, a mounted file), never through ENV or ARG.",
    docs: r#"## What it checks
The names of `ENV` and `ARG` variables in every stage (and in `ONBUILD ENV`/`ONBUILD
ARG`). A name is cut into parts at `_`, `-`, `.` and lower-to-upper case changes
(`dbPassword` → `DB PASSWORD`), and is secret-like when it holds one of these terms:

- a part `PASSWORD`, `PASSWD`, `PASSPHRASE`, `PASS`, `SECRET`, `SECRETS`, `TOKEN`,
  `TOKENS`, `CREDENTIAL`, `CREDENTIALS`, `CREDS`, `APIKEY`, `PRIVATEKEY`;
- two parts `API KEY`, `PRIVATE KEY`, `ACCESS KEY`, `SECRET KEY`, `SIGNING KEY`,
  `ENCRYPTION KEY`, `MASTER KEY`, `AUTH KEY`, `LICENSE KEY`, `LICENCE KEY`, `SSH KEY`.

A name is **not** reported when a part after its last term says it holds something
about the secret rather than the secret: `FILE`, `FILES`, `PATH`, `DIR`, `DIRECTORY`,
`URL`, `URI`, `ENDPOINT`, `HOST`, `PORT`, `ID`, `NAME`, `TYPE`, `LENGTH`, `LEN`, `SIZE`,
`MIN`, `MAX`, `TTL`, `EXPIRY`, `EXPIRES`, `TIMEOUT`, `HEADER`, `PREFIX`, `ARN`, `REF`,
`LOCATION`, `MOUNT`, `ENABLED`, `REQUIRED`, `VERSION`, `FORMAT`, `ALGORITHM`, `AUTH`,
`PROVIDER`, `ROLE`, `SCOPE`, `SCOPES`, `ISSUER`, `AUDIENCE`, `FIELD`, `COUNT`. So
`POSTGRES_PASSWORD_FILE`, `TOKEN_URL`, `SECRETS_DIR`, `AWS_ACCESS_KEY_ID` (an
identifier; the secrets scanner still finds an `AKIA…` value) and `PASSWORD_MIN_LENGTH`
are fine (so is `GOOGLE_APPLICATION_CREDENTIALS`, the path of a key file by definition), while `SECRET_KEY_BASE` and `DB_PASSWORD_2` are reported. Names with a part
`PUBLIC` or `PUB` (`SSH_PUBLIC_KEY`) are public by definition; `KEY` alone (`GPG_KEY`,
the signing key ID in official images) is not a term, and `PWD` is one only after
another part (`MYSQL_PWD`; `PWD` alone is the working directory).
An `ENV` whose value is empty (`ENV API_TOKEN=""`, a placeholder filled at run time)
holds nothing and is skipped; an `ARG` is reported with or without a default, since
the value given with `--build-arg` is recorded too.

The finding points at the name and its message never contains the value; code frames
of its findings hide the line (`‹value redacted›`). Values themselves are searched by
the secrets scanner, which redacts what it finds.

## Why it matters
`ENV` values are stored in the image configuration: anyone who can pull the image reads
them with `docker inspect`, and every container started from it (and every child
image) inherits them. `ARG` values are not in the final configuration but are recorded
in the image history of every `RUN` that sees them (`docker history`), in BuildKit's
provenance attestations and in the build cache. Either way the secret outlives the build
and spreads to every registry and host the image goes to.

## Example
```dockerfile
FROM node:20-slim
ARG NPM_TOKEN
ENV DB_PASSWORD=changeme
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
```

## Fix
```dockerfile
# syntax=docker/dockerfile:1
FROM node:20-slim
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
# DB_PASSWORD comes from the orchestrator at run time (or DB_PASSWORD_FILE).
```

## References
- https://docs.docker.com/build/building/secrets/
- https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/
- CIS Docker Benchmark 4.10 (ensure secrets are not stored in Dockerfiles)
- NIST SP 800-190, 4.1.4 (embedded clear text secrets)
"#,
};

const SECRET_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PASS",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "PRIVATEKEY",
];

/// First parts that make a secret with a following `KEY`.
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "PRIVATE",
    "ACCESS",
    "SECRET",
    "SIGNING",
    "ENCRYPTION",
    "MASTER",
    "AUTH",
    "LICENSE",
    "LICENCE",
    "SSH",
];

/// Parts after the secret term that make the name about the secret, not the secret.
const METADATA_PARTS: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ID",
    "NAME",
    "TYPE",
    "LENGTH",
    "LEN",
    "SIZE",
    "MIN",
    "MAX",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "TIMEOUT",
    "HEADER",
    "PREFIX",
    "ARN",
    "REF",
    "LOCATION",
    "MOUNT",
    "ENABLED",
    "REQUIRED",
    "VERSION",
    "FORMAT",
    "ALGORITHM",
    "AUTH",
    "PROVIDER",
    "ROLE",
    "SCOPE",
    "SCOPES",
    "ISSUER",
    "AUDIENCE",
    "FIELD",
    "COUNT",
];

/// Well-known variables whose value is the path of a credentials file.
const WELL_KNOWN_PATHS: &[&str] = &[
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// A variable name cut into upper-case parts at `_`, `-`, `.` and camel-case humps.
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.') {
            parts.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    parts.push(current);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Whether a variable name looks like it holds a secret (see the rule's docs).
pub(crate) fn is_secret_name(name: &str) -> bool {
    if WELL_KNOWN_PATHS
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        return false;
    }
    let parts = name_parts(name);
    if parts.iter().any(|p| p == "PUBLIC" || p == "PUB") {
        return false;
    }
    // The index just after the last secret term.
    let mut end = None;
    for (index, part) in parts.iter().enumerate() {
        // `PWD` alone is the working directory; `MYSQL_PWD`, `DB_PWD` are passwords.
        let single = SECRET_PARTS.contains(&part.as_str()) || (part == "PWD" && parts.len() > 1);
        let pair = part == "KEY"
            && index
                .checked_sub(1)
                .and_then(|i| parts.get(i))
                .is_some_and(|p| KEY_QUALIFIERS.contains(&p.as_str()));
        if single || pair {
            end = Some(index + 1);
        }
    }
    let Some(end) = end else {
        return false;
    };
    !parts
        .get(end..)
        .unwrap_or_default()
        .iter()
        .any(|p| METADATA_PARTS.contains(&p.as_str()))
}

fn check_instruction(dockerfile: &Dockerfile, instruction: &Instruction, out: &mut Sink) {
    let (kind, args) = match (&instruction.kind, &instruction.args) {
        (Keyword::Onbuild, Args::Onbuild(inner)) => (inner.kind, &inner.args),
        (kind, args) => (*kind, args),
    };
    if !matches!(kind, Keyword::Env | Keyword::Arg) {
        return;
    }
    let Args::Pairs(pairs) = args else {
        return;
    };
    for pair in pairs {
        let name =
            unquote(&pair.key.text, dockerfile.escape).unwrap_or_else(|| pair.key.text.clone());
        if !is_secret_name(&name) {
            continue;
        }
        if kind == Keyword::Env {
            let empty = pair.value.as_ref().is_none_or(|value| {
                unquote(&value.text, dockerfile.escape)
                    .unwrap_or_else(|| value.text.clone())
                    .trim()
                    .is_empty()
            });
            if empty {
                continue;
            }
        }
        let message = if kind == Keyword::Env {
            format!(
                "ENV `{name}` looks like a secret: its value is stored in the image configuration for anyone who pulls the image"
            )
        } else {
            format!(
                "ARG `{name}` looks like a secret: build arguments are recorded in the image history and build provenance"
            )
        };
        out.report(&META, pair.key.span, message);
    }
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        check_instruction(dockerfile, instruction, out);
    }
}

#[cfg(test)]
mod tests {
    use super::{is_secret_name, name_parts};

    #[test]
    fn parts() {
        assert_eq!(name_parts("dbPassword"), ["DB", "PASSWORD"]);
        assert_eq!(
            name_parts("AWS_SECRET_ACCESS_KEY"),
            ["AWS", "SECRET", "ACCESS", "KEY"]
        );
        assert_eq!(name_parts("api-key.v2"), ["API", "KEY", "V2"]);
    }

    #[test]
    fn secret_names() {
        for secret in [
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "NPM_TOKEN",
            "NODE_AUTH_TOKEN",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_API_KEY",
            "apiKey",
            "JWT_SECRET",
            "SECRET_KEY_BASE",
            "DB_PASS",
            "DB_PASSWORD_2",
            "MYSQL_PWD",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "SIGNING_KEY",
            "PRIVATE_KEY",
            "ssh_key",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
        for fine in [
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_URL",
            "SECRETS_DIR",
            "AWS_ACCESS_KEY_ID",
            "PASSWORD_MIN_LENGTH",
            "GPG_KEY",
            "SSH_PUBLIC_KEY",
            "VAPID_PUB_KEY",
            "PWD",
            "PASSENGER_APP_ENV",
            "BYPASS_CACHE",
            "KEYCLOAK_VERSION",
            "TOKEN_AUTH",
            "NODE_VERSION",
            "CREDENTIALS_PATH",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            assert!(!is_secret_name(fine), "{fine}");
        }
    }
}
