//! Values that have the shape of a secret but are not one: placeholders, templates,
//! redactions, and documentation examples. Checked for every rule.

/// Substrings (lowercase) that mark a value as an example rather than a credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "redacted",
    "dummy",
    "xxxxxx",
    "******",
    "<secret>",
    "insert_",
    "replace_me",
    "replaceme",
];

/// Whether `secret` is a placeholder, a template expression or a masked value.
pub(crate) fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() {
        return true;
    }
    // Template and variable references: `${TOKEN}`, `{{ .Values.token }}`, `$(TOKEN)`,
    // `%(token)s`, `<token>`.
    let text = String::from_utf8_lossy(secret);
    let trimmed = text.trim_matches(|c| c == '"' || c == '\'');
    if trimmed.starts_with("${")
        || trimmed.starts_with("$(")
        || trimmed.contains("{{")
        || trimmed.starts_with("%(")
        || (trimmed.starts_with('<') && trimmed.ends_with('>'))
    {
        return true;
    }
    // One repeated character, like `aaaaaaaa` or `00000000`.
    let first = secret[0];
    if secret.iter().all(|&b| b == first) {
        return true;
    }
    let lower = trimmed.to_ascii_lowercase();
    PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for value in [
            "${GITHUB_TOKEN}",
            "{{ .Values.password }}",
            "<your-api-key>",
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxxxxxx",
            "0000000000000000",
            "changeme",
        ] {
            assert!(is_placeholder(value.as_bytes()), "{value}");
        }
        for value in [
            "ghp_4Fq9ZyR2vLw8TkP0sXbN3mJ7cD1eH6aQ5uYi",
            "s3cr3t-Pa55w0rd!",
        ] {
            assert!(!is_placeholder(value.as_bytes()), "{value}");
        }
    }
}
