//! The flags each instruction accepts (`--platform`, `--mount`, `--from`, `--chown`,
//! `--interval`, ...) and the checks Docker makes on them: unknown or repeated flags,
//! missing values, booleans, and HEALTHCHECK's durations and retry count.

use lockgate_model::Span;

use super::ast::{Flag, Keyword, Problem};

/// How a flag takes its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    /// `--name=value`, at most once.
    Text,
    /// `--name`, `--name=true` or `--name=false`, at most once.
    Bool,
    /// `--name=value`, any number of times.
    Repeated,
}

/// The flags Docker (BuildKit) accepts on each instruction.
fn known_flags(kind: Keyword) -> &'static [(&'static str, FlagKind)] {
    use FlagKind::{Bool, Repeated, Text};
    match kind {
        Keyword::From => &[("platform", Text)],
        Keyword::Run => &[
            ("mount", Repeated),
            ("network", Text),
            ("security", Text),
            ("device", Repeated),
        ],
        Keyword::Copy => &[
            ("from", Text),
            ("chown", Text),
            ("chmod", Text),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Repeated),
        ],
        Keyword::Add => &[
            ("chown", Text),
            ("chmod", Text),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Text),
            ("exclude", Repeated),
            ("unpack", Bool),
        ],
        Keyword::Healthcheck => &[
            ("interval", Text),
            ("timeout", Text),
            ("start-period", Text),
            ("start-interval", Text),
            ("retries", Text),
        ],
        _ => &[],
    }
}

/// Checks the flags of a `kind` instruction the way BuildKit's flag parser does.
pub(crate) fn check(kind: Keyword, flags: &[Flag], problems: &mut Vec<Problem>) {
    let known = known_flags(kind);
    // Known flags seen so far, by their index in `known` (no table has more than 7), so
    // that a line of many flags is checked in linear time.
    let mut seen = [false; 8];
    for flag in flags {
        let name = flag.name.text.as_str();
        let Some(position) = known.iter().position(|(known, _)| *known == name) else {
            problem(problems, flag.span, format!("unknown flag: {name}"));
            continue;
        };
        let flag_kind = known[position].1;
        let seen_before = seen.get_mut(position).map(|s| std::mem::replace(s, true));
        if flag_kind != FlagKind::Repeated && seen_before == Some(true) {
            problem(
                problems,
                flag.span,
                format!("duplicate flag specified: {name}"),
            );
        }
        match (flag_kind, flag.value.as_ref().map(|v| v.text.as_str())) {
            (FlagKind::Bool, Some(value)) => {
                if value.is_empty() {
                    problem(
                        problems,
                        flag.span,
                        format!("missing a value on flag: {name}"),
                    );
                } else if !value.eq_ignore_ascii_case("true")
                    && !value.eq_ignore_ascii_case("false")
                {
                    problem(
                        problems,
                        flag.span,
                        format!("expecting boolean value for flag {name}, not: {value}"),
                    );
                }
            }
            (FlagKind::Bool, None) => {}
            (_, None) => problem(
                problems,
                flag.span,
                format!("missing a value on flag: {name}"),
            ),
            (_, Some(value)) if kind == Keyword::Healthcheck => {
                check_health_flag(flag, name, value, problems);
            }
            (_, Some(_)) => {}
        }
    }
}

fn check_health_flag(flag: &Flag, name: &str, value: &str, problems: &mut Vec<Problem>) {
    if value.is_empty() {
        return;
    }
    if name == "retries" {
        match value.parse::<i32>() {
            Ok(retries) if retries >= 1 => {}
            Ok(retries) => problem(
                problems,
                flag.span,
                format!("--retries must be at least 1 (not {retries})"),
            ),
            Err(_) => problem(
                problems,
                flag.span,
                format!("invalid --retries value {value:?}"),
            ),
        }
        return;
    }
    match go_duration_nanos(value) {
        None => problem(
            problems,
            flag.span,
            format!("time: invalid duration {value:?}"),
        ),
        Some(nanos) if nanos < 1_000_000.0 => problem(
            problems,
            flag.span,
            format!("Interval {name:?} cannot be less than 1ms"),
        ),
        Some(_) => {}
    }
}

fn problem(problems: &mut Vec<Problem>, span: Span, message: impl Into<String>) {
    problems.push(Problem::new(span, message));
}

/// Reads a Go duration (`1m30s`, `1.5h`, `300ms`, `0`) into nanoseconds.
fn go_duration_nanos(text: &str) -> Option<f64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    Some(if negative { -total } else { total })
}
