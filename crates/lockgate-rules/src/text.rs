//! Small text helpers shared by rules: recognising credential-like names, placeholder
//! values, and credentials embedded in larger values (URIs, PEM blocks, cloud keys,
//! `password=` settings). Helpers never return the secret text itself, only what kind of
//! credential was found and where its name is, so callers cannot leak it into messages.

/// Markers that make a name credential-like wherever they appear in it, compared with the
/// name lower-cased and its separators removed (`API_KEY`, `apiKey`, `api-key` → `apikey`).
const MARKERS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "privkey",
    "credential",
    "connectionstring",
    "connstr",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "bearer",
];

/// Markers too short to match inside other words: they count only as whole words
/// (`DB_PASS`, `BASIC_AUTH`, `SENTRY_DSN`, but not `AUTHOR`, `PASSTHROUGH`, `OLDPWD`).
const WORD_MARKERS: &[&str] = &["pass", "pwd", "auth", "authorization", "dsn"];

/// Words that contain a marker without being a credential (`MAX_TOKENS`, `TOKENIZER`).
const FALSE_FRIENDS: &[&str] = &[
    "tokens",
    "tokenizer",
    "tokenizers",
    "tokenize",
    "tokenization",
    "tokenized",
];

/// Last words of names that point at a credential or describe it rather than hold it
/// (`DB_PASSWORD_FILE`, `tokenPath`, `SECRET_NAME`, `AUTH_URL`, `TOKEN_TTL`).
const POINTER_WORDS: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "ref",
    "name",
    "env",
    "enabled",
    "enable",
    "disabled",
    "required",
    "length",
    "ttl",
    "timeout",
    "expiry",
    "expiration",
    "lifetime",
    "type",
    "mode",
    "header",
    "url",
    "uri",
    "endpoint",
    "host",
    "port",
    "user",
    "username",
    "id",
    "provider",
    "policy",
    "algorithm",
    "alg",
    "issuer",
    "audience",
    "version",
    "rotation",
    "location",
    "method",
    "methods",
    "strategy",
    "scheme",
    "realm",
    "backend",
    "server",
    "service",
    "domain",
    "scope",
    "scopes",
    "store",
    "mount",
    "prefix",
];

/// Splits a name into lower-case words at separators and camelCase boundaries:
/// `githubToken` → `github token`, `DB_PASSWORD` → `db password`, `HTTPAuth` → `http auth`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let previous = chars.get(i.wrapping_sub(1)).copied();
            let next = chars.get(i + 1).copied();
            let after_lower = previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            // The last capital of an acronym starts the next word: `HTTPAuth`.
            let acronym_end =
                previous.is_some_and(char::is_uppercase) && next.is_some_and(char::is_lowercase);
            if after_lower || acronym_end {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a name (an env var, a ConfigMap key, a setting in a config file) says it holds
/// a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    // `PWD` alone is the shell's working directory.
    if words.len() == 1 && last == "pwd" {
        return false;
    }
    // Names that merely point at a secret or describe it rather than hold it.
    if words.len() > 1 && POINTER_WORDS.contains(&last.as_str()) {
        return false;
    }
    if words.iter().any(|w| WORD_MARKERS.contains(&w.as_str())) {
        return true;
    }
    let squashed: String = words
        .iter()
        .filter(|w| !FALSE_FRIENDS.contains(&w.as_str()))
        .map(String::as_str)
        .collect();
    MARKERS.iter().any(|m| squashed.contains(m))
}

/// Values that are clearly placeholders, references or empty, not secrets: short values,
/// variables and templates (`${X}`, `$(X)`, `$X`, `{{ .x }}`, `%(x)s`), `<angle>`
/// placeholders, masks (`*****`, `xxxx`), well-known dummy words (`changeme`,
/// `your-token-here`), references to secret stores (`vault:`, `ref+`, ARNs, `ENC(...)`)
/// and absolute file paths.
pub(crate) fn is_placeholder_value(value: &str) -> bool {
    const EXACT: &[&str] = &[
        "none", "null", "nil", "true", "false", "todo", "tbd", "fixme", "example", "dummy",
        "sample", "empty", "unset", "enabled", "disabled", "required", "optional",
    ];
    const CONTAINED: &[&str] = &[
        "changeme",
        "changeit",
        "replaceme",
        "replacewith",
        "placeholder",
        "redacted",
        "yourpassword",
        "yoursecret",
        "yourtoken",
        "yourapikey",
        "yourkey",
        "insertyour",
        "enteryour",
        "notasecret",
    ];
    const REFERENCE_PREFIXES: &[&str] = &[
        "vault:",
        "ref+",
        "arn:aws:secretsmanager:",
        "arn:aws:ssm:",
        "enc(",
        "env:",
        "file:",
    ];
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if v.chars().count() < 4 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if v.starts_with('<') || is_template(v) || is_shell_variable(v) || is_file_path(v) {
        return true;
    }
    if REFERENCE_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    // A mask: one character repeated (`********`, `xxxxxxxx`, `00000000`).
    let mut chars = v.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c.eq_ignore_ascii_case(&first))
    {
        return true;
    }
    let squashed: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    EXACT.contains(&squashed.as_str()) || CONTAINED.iter().any(|p| squashed.contains(p))
}

/// `${X}`, `$(X)`, `{{ x }}`, `%(x)s`, `%{x}` anywhere in the value: the real value is
/// filled in elsewhere.
fn is_template(v: &str) -> bool {
    let pairs: &[(&str, &str)] = &[
        ("${", "}"),
        ("$(", ")"),
        ("{{", "}}"),
        ("%(", ")"),
        ("%{", "}"),
    ];
    pairs.iter().any(|(open, close)| {
        v.find(open).is_some_and(|at| {
            v.get(at + open.len()..)
                .is_some_and(|rest| rest.contains(close))
        })
    })
}

/// `$NAME`: a shell variable.
fn is_shell_variable(v: &str) -> bool {
    v.strip_prefix('$').is_some_and(|name| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `/run/secrets/db-password`: a path to a mounted secret, not the secret.
fn is_file_path(v: &str) -> bool {
    v.starts_with('/')
        && v.matches('/').count() >= 2
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
}

/// A credential found inside a larger value. Carries no secret text, only what to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Embedded {
    /// `scheme://user:password@host`.
    UriPassword { scheme: String },
    /// `-----BEGIN RSA PRIVATE KEY-----` and its kin.
    PemPrivateKey,
    /// `AKIA...`/`ASIA...`: an AWS access key ID.
    AwsAccessKeyId,
    /// A `password=...`, `password: ...` or `Password=...;` setting with a literal value.
    Setting { key: String },
}

impl Embedded {
    /// How messages describe it, as a verb phrase: "embeds a password in a `postgres://` URI".
    pub(crate) fn describe(&self) -> String {
        match self {
            Embedded::UriPassword { scheme } => {
                format!("embeds a password in a `{scheme}://` URI")
            }
            Embedded::PemPrivateKey => "embeds a PEM private key".to_string(),
            Embedded::AwsAccessKeyId => "embeds an AWS access key ID".to_string(),
            Embedded::Setting { key } => format!("embeds a literal `{key}` setting"),
        }
    }
}

/// The first credential embedded in a value, whatever the value's key is called.
pub(crate) fn embedded_credential(value: &str) -> Option<Embedded> {
    if has_pem_private_key(value) {
        return Some(Embedded::PemPrivateKey);
    }
    if has_aws_access_key_id(value) {
        return Some(Embedded::AwsAccessKeyId);
    }
    if let Some(scheme) = uri_with_password(value) {
        return Some(Embedded::UriPassword { scheme });
    }
    value
        .lines()
        .find_map(credential_setting)
        .map(|key| Embedded::Setting { key })
}

/// A `-----BEGIN ... PRIVATE KEY-----` (or `PRIVATE KEY BLOCK`) header.
fn has_pem_private_key(value: &str) -> bool {
    value.match_indices("-----BEGIN ").any(|(at, marker)| {
        let rest = value.get(at + marker.len()..).unwrap_or_default();
        rest.find("-----")
            .and_then(|end| rest.get(..end))
            .is_some_and(|label| label.contains("PRIVATE KEY") && !label.contains('\n'))
    })
}

/// `AKIA`/`ASIA` followed by 16 upper-case letters or digits, standing alone. AWS's
/// documentation keys (ending in `EXAMPLE`) do not count.
fn has_aws_access_key_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    ["AKIA", "ASIA"].iter().any(|prefix| {
        value.match_indices(prefix).any(|(at, _)| {
            let end = at + 20;
            let Some(id) = value.get(at..end) else {
                return false;
            };
            let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let after_ok = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
            before_ok
                && after_ok
                && id[4..]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && !id.ends_with("EXAMPLE")
        })
    })
}

/// The scheme of the first `scheme://user:password@host` whose password is literal.
fn uri_with_password(value: &str) -> Option<String> {
    value.match_indices("://").find_map(|(at, _)| {
        let head = value.get(..at)?;
        let scheme_start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(0, |i| i + 1);
        let scheme = head.get(scheme_start..)?;
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let rest = value.get(at + 3..)?;
        let authority_end = rest
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = rest.get(..authority_end)?;
        let (userinfo, _host) = authority.rsplit_once('@')?;
        let (_user, password) = userinfo.split_once(':')?;
        (!is_placeholder_value(password)).then(|| scheme.to_string())
    })
}

/// The name of a credential setting written with a literal value on one line of a config
/// file: `password=...`, `db.password: ...`, `"apiKey": "..."`, `export TOKEN=...`, or a
/// `key=value` pair of a connection string (`host=db password=...`, `Server=x;Password=...;`).
fn credential_setting(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if trimmed.is_empty() || ["#", ";", "//"].iter().any(|c| trimmed.starts_with(c)) {
        return None;
    }
    let statement = trimmed
        .trim_start_matches("- ")
        .trim_start_matches("export ")
        .trim_start();
    if let Some(separator) = statement.find(['=', ':'])
        && let (Some(key), Some(value)) =
            (statement.get(..separator), statement.get(separator + 1..))
        && let Some(key) = literal_setting(key, value)
    {
        return Some(key);
    }
    statement
        .split(|c: char| matches!(c, ';' | '&' | '?' | ',') || c.is_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(key, value)| literal_setting(key, value))
}

/// `Some(key)` when `key` names a credential and `value` is a literal, non-placeholder value.
fn literal_setting(key: &str, value: &str) -> Option<String> {
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    let well_formed = !key.is_empty()
        && key.len() <= 100
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !well_formed || !is_credential_name(key) {
        return None;
    }
    let value = value
        .trim()
        .trim_end_matches([',', ';'])
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    // `password:` opening a nested block, or a list/object of its own.
    if value.is_empty() || value.starts_with(['{', '[', '|', '>', '&', '*']) {
        return None;
    }
    (!is_placeholder_value(value)).then(|| key.to_string())
}

/// Decodes standard or URL-safe base64, ignoring line breaks and optional padding, as
/// Kubernetes accepts Secret `data`. `None` when the text is not base64.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        }))
    }
    let body = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in body.bytes().filter(|c| !c.is_ascii_whitespace()) {
        buffer = (buffer << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    // A single leftover character cannot encode a byte.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_recognised_but_pointers_are_not() {
        assert!(is_credential_name("DB_PASSWORD"));
        assert!(is_credential_name("githubToken"));
        assert!(!is_credential_name("DB_PASSWORD_FILE"));
        assert!(!is_credential_name("LOG_LEVEL"));
        assert!(is_placeholder_value("${DB_PASSWORD}"));
        assert!(!is_placeholder_value("hunter2hunter2"));
    }

    #[test]
    fn credential_names_in_every_spelling() {
        for name in [
            "API_KEY",
            "apiKey",
            "api-key",
            "x-api-key",
            "AWS_SECRET_ACCESS_KEY",
            "client_secret",
            "DB_PASS",
            "BASIC_AUTH",
            "HTTPAuth",
            "authorization",
            "SENTRY_DSN",
            "spring.datasource.password",
            "SSH_PRIVATE_KEY",
            "GPG_PASSPHRASE",
            "credentials.json",
            "token",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn look_alike_names_are_not_credentials() {
        for name in [
            "PWD",
            "OLDPWD",
            "AUTHOR",
            "OAUTH_PROVIDER",
            "PASSTHROUGH",
            "MAX_TOKENS",
            "tokenizer",
            "passwordFile",
            "tokenPath",
            "SECRET_NAME",
            "AUTH_URL",
            "TOKEN_TTL",
            "JWT_SECRET_ROTATION",
            "AWS_ACCESS_KEY_ID",
            "AUTH_METHOD",
            "authStrategy",
            "SECRET_STORE",
            "",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn placeholders_and_references_are_not_secrets() {
        for value in [
            "",
            "abc",
            "$(DB_PASSWORD)",
            "$DB_PASSWORD",
            "{{ .Values.password }}",
            "Bearer ${TOKEN}",
            "%(password)s",
            "<your password>",
            "CHANGE_ME",
            "change-me-please",
            "your-api-key-here",
            "********",
            "xxxxxxxx",
            "vault:secret/data/db#password",
            "ENC(kd83jdm2)",
            "/run/secrets/db-password",
            "REDACTED",
            "enabled",
        ] {
            assert!(is_placeholder_value(value), "{value:?}");
        }
        for value in [
            "hunter2hunter2",
            "s3cr3t-P@ss",
            "ghp_abcdefghijklmnop",
            "/notapath",
        ] {
            assert!(!is_placeholder_value(value), "{value:?}");
        }
    }

    #[test]
    fn words_split_at_separators_and_case() {
        assert_eq!(words("githubToken"), ["github", "token"]);
        assert_eq!(words("HTTPAuthKey"), ["http", "auth", "key"]);
        assert_eq!(words("DB_PASSWORD-2"), ["db", "password", "2"]);
        assert_eq!(words("ключ_Token"), ["ключ", "token"]);
    }

    #[test]
    fn uri_passwords_are_found_unless_they_are_placeholders() {
        assert_eq!(
            embedded_credential("postgres://app:s3cr3tpw@db:5432/shop"),
            Some(Embedded::UriPassword {
                scheme: "postgres".into()
            })
        );
        assert_eq!(
            embedded_credential("url = \"amqp://guest:rabbit-pw@mq/\""),
            Some(Embedded::UriPassword {
                scheme: "amqp".into()
            })
        );
        assert_eq!(
            embedded_credential("postgres://app:$(DB_PASSWORD)@db/shop"),
            None
        );
        assert_eq!(embedded_credential("https://user@example.com/path"), None);
        assert_eq!(embedded_credential("https://example.com/a:b@c"), None);
        assert_eq!(embedded_credential("://x:longpassword@host"), None);
    }

    #[test]
    fn pem_private_keys_are_found_but_certificates_are_not() {
        let key =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(embedded_credential(key), Some(Embedded::PemPrivateKey));
        let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
        assert_eq!(embedded_credential(openssh), Some(Embedded::PemPrivateKey));
        let cert = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n";
        assert_eq!(embedded_credential(cert), None);
    }

    #[test]
    fn aws_access_key_ids_are_found_but_documentation_keys_are_not() {
        assert_eq!(
            embedded_credential("aws_access_key_id = AKIAZ7VRSQ3TLMNOPQ2X"),
            Some(Embedded::AwsAccessKeyId)
        );
        assert_eq!(
            embedded_credential("ASIAZ7VRSQ3TLMNOPQ2X"),
            Some(Embedded::AwsAccessKeyId)
        );
        assert_eq!(embedded_credential("key: AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(embedded_credential("XAKIAZ7VRSQ3TLMNOPQ2X"), None);
        assert_eq!(embedded_credential("AKIAZ7VRSQ3TLMNOPQ2XY"), None);
        assert_eq!(embedded_credential("AKIAz7vrsq3tlmnopq2x"), None);
        assert_eq!(embedded_credential("AKIA"), None);
        assert_eq!(embedded_credential("ключ AKIA ключ"), None);
    }

    #[test]
    fn credential_settings_in_config_files() {
        let setting = |key: &str| Some(Embedded::Setting { key: key.into() });
        assert_eq!(
            embedded_credential("server.port=8080\nspring.datasource.password=Tr0ub4dor\n"),
            setting("spring.datasource.password")
        );
        assert_eq!(
            embedded_credential("db:\n  host: db\n  password: Tr0ub4dor\n"),
            setting("password")
        );
        assert_eq!(
            embedded_credential("{\n  \"apiKey\": \"k-93jd93jd93\",\n}"),
            setting("apiKey")
        );
        assert_eq!(
            embedded_credential("export GITHUB_TOKEN=ghp_abcdefgh"),
            setting("GITHUB_TOKEN")
        );
        assert_eq!(
            embedded_credential("host=db user=app password=Tr0ub4dor sslmode=require"),
            setting("password")
        );
        assert_eq!(
            embedded_credential("Server=db;User Id=app;Password=Tr0ub4dor;"),
            setting("Password")
        );
        for quiet in [
            "spring.datasource.password=${DB_PASSWORD}\n",
            "# password=Tr0ub4dor\n",
            "password:\n  fromSecret: db\n",
            "password_file=/run/secrets/db\n",
            "The password: ask the on-call engineer\n",
            "log_level=debug\nmax_tokens=4096\n",
        ] {
            assert_eq!(embedded_credential(quiet), None, "{quiet:?}");
        }
    }

    #[test]
    fn base64_decodes_like_kubernetes_reads_secret_data() {
        assert_eq!(
            decode_base64("aHVudGVyMg==").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(
            decode_base64("aHVudGVyMg").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(
            decode_base64("aHVu\ndGVy\nMg==\n").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(decode_base64("-_8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("${PASSWORD}"), None);
        assert_eq!(decode_base64("abcde"), None);
    }

    #[test]
    fn descriptions_name_the_kind_never_the_value() {
        let found = embedded_credential("password=Tr0ub4dor").map(|e| e.describe());
        assert_eq!(
            found.as_deref(),
            Some("embeds a literal `password` setting")
        );
        let found = embedded_credential("redis://:Tr0ub4dor@cache:6379").map(|e| e.describe());
        assert_eq!(
            found.as_deref(),
            Some("embeds a password in a `redis://` URI")
        );
    }
}
