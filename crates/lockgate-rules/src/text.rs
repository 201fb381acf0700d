//! Small text helpers shared by rules.

/// Whether a name (an env var, a ConfigMap key) says it holds a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    const MARKERS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "accesskey",
        "access_key",
        "access-key",
        "privatekey",
        "private_key",
        "private-key",
        "credential",
        "auth",
        "connectionstring",
        "connection_string",
        "dsn",
    ];
    // Names that merely point at a secret rather than hold one.
    const POINTERS: &[&str] = &[
        "_file", "-file", "_path", "-path", "_ref", "_name", "-name", "_url_env", "_enabled",
        "_length", "_ttl", "_timeout", "_expiry", "_type", "_mode", "_header",
    ];
    let lower = name.to_ascii_lowercase();
    if POINTERS.iter().any(|p| lower.ends_with(p)) {
        return false;
    }
    MARKERS.iter().any(|m| lower.contains(m))
}

/// Values that are clearly placeholders, references or empty, not secrets.
pub(crate) fn is_placeholder_value(value: &str) -> bool {
    let v = value.trim();
    v.len() < 4
        || v.starts_with("${")
        || v.starts_with("$(")
        || v.starts_with("{{")
        || v.starts_with('<')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "changeme"
                | "change-me"
                | "placeholder"
                | "none"
                | "null"
                | "true"
                | "false"
                | "redacted"
        )
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
}
