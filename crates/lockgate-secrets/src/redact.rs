//! The one way a secret is ever shown: a short prefix and its length.

/// `ghp_…(40 chars)`: at most four leading characters, fewer for short secrets, so a
/// reader can tell which credential is meant without being able to use it.
pub fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let shown = match chars {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let prefix: String = secret
        .chars()
        .take(shown)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{prefix}…({chars} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_a_short_prefix_and_the_length_only() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_…(40 chars)"
        );
        assert_eq!(redact("hunter2"), "…(7 chars)");
        assert_eq!(redact("s3cretpassw"), "s3…(11 chars)");
    }
}
