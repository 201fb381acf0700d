//! One instruction read from its logical line: the keyword, the leading flags, the
//! arguments in the shape that keyword takes, the heredoc markers, and the checks Docker
//! makes before it would build (argument counts, known flags, stage names, ...).

use lockgate_model::Span;

use super::ast::{
    Args, Flag, FromArgs, Healthcheck, Heredoc, Instruction, Keyword, Pair, Problem, Word,
};
use super::flags;
use super::json::{self, JsonArgs};
use super::lines::Logical;
use super::words::{self, is_split_space, trim_range};

/// Parses the instruction in bytes `start..end` of `logical`. `nested` is set for the
/// trigger of an ONBUILD, which may not itself be an ONBUILD (so nesting stops at one).
pub(crate) fn parse(
    logical: &Logical,
    start: usize,
    end: usize,
    escape: char,
    nested: bool,
    problems: &mut Vec<Problem>,
) -> Instruction {
    let text = logical.text.as_str();
    let (start, end) = trim_range(text, start, end);
    let line = text.get(start..end).unwrap_or("");
    let keyword_end = start + line.find(is_split_space).unwrap_or(line.len());
    let keyword = word(logical, start, keyword_end);
    let kind = Keyword::parse(&keyword.text);
    let after_keyword = text.get(keyword_end..end).unwrap_or("");
    let (raw_flags, rest_start) = words::extract_flags(after_keyword, keyword_end);
    let (rest_start, rest_end) = trim_range(text, rest_start, end);
    let flags: Vec<Flag> = raw_flags
        .into_iter()
        .map(|raw| {
            let name_end = raw.equals.unwrap_or(raw.end);
            Flag {
                name: Word {
                    text: raw.name,
                    span: logical.span((raw.start + 2).min(name_end), name_end),
                },
                value: raw.value.map(|value| Word {
                    text: value,
                    span: logical.span(raw.equals.map_or(raw.end, |e| e + 1), raw.end),
                }),
                span: logical.span(raw.start, raw.end),
            }
        })
        .collect();
    let mut reader = Reader {
        logical,
        escape,
        problems,
        keyword_span: keyword.span,
        kind,
    };
    let args = reader.args(rest_start, rest_end, nested);
    if kind == Keyword::Unknown {
        reader.problem(
            keyword.span,
            format!("unknown instruction: {}", keyword.text),
        );
    } else if !is_healthcheck_none(&args) {
        // Docker does not read the flags of `HEALTHCHECK NONE` at all.
        flags::check(kind, &flags, reader.problems);
    }
    let mut instruction = Instruction {
        kind,
        keyword,
        flags,
        args,
        heredocs: Vec::new(),
        text: line.to_string(),
        span: logical.span(start, end),
        stage: None,
    };
    if !nested {
        // The markers of an ONBUILD trigger are found once, by the ONBUILD.
        attach_heredoc_markers(&mut instruction, logical, start, end);
    }
    if matches!(kind, Keyword::Copy | Keyword::Add) {
        reader.check_copy(&instruction);
    }
    instruction
}

fn word(logical: &Logical, start: usize, end: usize) -> Word {
    Word {
        text: logical.text.get(start..end).unwrap_or("").to_string(),
        span: logical.span(start, end),
    }
}

fn is_healthcheck_none(args: &Args) -> bool {
    matches!(args, Args::Healthcheck(check) if check.kind.text.eq_ignore_ascii_case("NONE"))
}

/// Finds the heredoc markers of RUN, COPY and ADD in shell form (also as an ONBUILD
/// trigger) and gives the instruction that owns them an empty heredoc for each; the
/// scanner reads the bodies from the following lines.
fn attach_heredoc_markers(
    instruction: &mut Instruction,
    logical: &Logical,
    start: usize,
    end: usize,
) {
    let owner = match &mut instruction.args {
        Args::Onbuild(inner) => inner.as_mut(),
        _ => instruction,
    };
    if !matches!(owner.kind, Keyword::Run | Keyword::Copy | Keyword::Add) || owner.is_exec_form() {
        return;
    }
    let text = logical.text.get(start..end).unwrap_or("");
    let Some(shell_words) = words::shell_words(text, start) else {
        return;
    };
    for (s, e) in shell_words {
        let raw = logical.text.get(s..e).unwrap_or("");
        if let Some(marker) = words::heredoc_marker(raw) {
            owner.heredocs.push(Heredoc {
                name: marker.name,
                marker: word(logical, s, e),
                fd: marker.fd,
                strip_tabs: marker.strip_tabs,
                expand: marker.expand,
                body: String::new(),
                body_span: Span::default(),
                terminator: None,
            });
        }
    }
}

struct Reader<'a> {
    logical: &'a Logical,
    escape: char,
    problems: &'a mut Vec<Problem>,
    keyword_span: Span,
    kind: Keyword,
}

impl Reader<'_> {
    fn problem(&mut self, span: Span, message: impl Into<String>) {
        self.problems.push(Problem::new(span, message));
    }

    fn text(&self, start: usize, end: usize) -> &str {
        self.logical.text.get(start..end).unwrap_or("")
    }

    fn word(&self, start: usize, end: usize) -> Word {
        word(self.logical, start, end)
    }

    fn args(&mut self, start: usize, end: usize, nested: bool) -> Args {
        let name = self.kind.as_str();
        let args = if start >= end {
            Args::Empty
        } else {
            match self.kind {
                Keyword::Add | Keyword::Copy | Keyword::Volume => self.json_or(start, end, true),
                Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
                    self.json_or(start, end, false)
                }
                Keyword::Env | Keyword::Label => self.pairs(start, end),
                Keyword::Arg => self.declarations(start, end),
                Keyword::Expose => Args::List(self.list(start, end)),
                Keyword::From => self.from(start, end),
                Keyword::Healthcheck => self.healthcheck(start, end),
                Keyword::Onbuild => self.onbuild(start, end, nested),
                Keyword::Maintainer
                | Keyword::Stopsignal
                | Keyword::User
                | Keyword::Workdir
                | Keyword::Unknown => Args::Text(self.word(start, end)),
            }
        };
        if args == Args::Empty {
            let message = match self.kind {
                Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
                    format!("{name} requires exactly one argument")
                }
                Keyword::From => "FROM requires either one or three arguments".to_string(),
                Keyword::Add | Keyword::Copy => no_destination(name),
                Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Unknown => {
                    return args;
                }
                _ => format!("{name} requires at least one argument"),
            };
            self.problem(self.keyword_span, message);
        }
        args
    }

    fn list(&self, start: usize, end: usize) -> Vec<Word> {
        words::split_whitespace(self.text(start, end), start)
            .into_iter()
            .map(|(s, e)| self.word(s, e))
            .collect()
    }

    /// A JSON array (exec form), else shell form: one command (`list` false) or
    /// whitespace-separated words (`list` true).
    fn json_or(&mut self, start: usize, end: usize, list: bool) -> Args {
        let elements = match json::parse_array(self.text(start, end), start) {
            JsonArgs::NotJson => {
                if self.kind == Keyword::Shell {
                    self.problem(
                        self.logical.span(start, end),
                        "SHELL requires the arguments to be in JSON form",
                    );
                }
                return if list {
                    Args::List(self.list(start, end))
                } else {
                    Args::Shell(self.word(start, end))
                };
            }
            JsonArgs::NotStrings(elements) => {
                self.problem(
                    self.logical.span(start, end),
                    "when using JSON array syntax, arrays must be comprised of strings only",
                );
                elements
            }
            JsonArgs::Strings(elements) => elements,
        };
        let words: Vec<Word> = elements
            .into_iter()
            .map(|element| Word {
                text: element.value,
                span: self.logical.span(element.start, element.end),
            })
            .collect();
        match self.kind {
            Keyword::Shell if words.is_empty() => {
                self.problem(self.keyword_span, "SHELL requires at least one argument");
            }
            Keyword::Volume => {
                for word in words.iter().filter(|w| w.text.trim().is_empty()) {
                    self.problem(word.span, "VOLUME specified can not be an empty string");
                }
            }
            _ => {}
        }
        Args::Exec(words)
    }

    /// ENV and LABEL: `key=value ...`, or the legacy `key value` when the first word has
    /// no `=`.
    fn pairs(&mut self, start: usize, end: usize) -> Args {
        let name = self.kind.as_str();
        let found = words::quoted_words(self.text(start, end), start, self.escape);
        let Some(&(first_start, first_end)) = found.first() else {
            return Args::Empty;
        };
        if !self.text(first_start, first_end).contains('=') {
            let rest = self.text(start, end);
            let key_end = start + rest.find(is_split_space).unwrap_or(rest.len());
            let after = self.text(key_end, end);
            let value_start =
                key_end + (after.len() - after.trim_start_matches(is_split_space).len());
            let key = self.word(start, key_end);
            let value = if value_start < end {
                Some(self.word(value_start, end))
            } else {
                self.problem(key.span, format!("{name} must have two arguments"));
                None
            };
            return Args::Pairs(vec![Pair {
                key,
                value,
                legacy: true,
                span: self.logical.span(start, end),
            }]);
        }
        let mut pairs = Vec::with_capacity(found.len());
        for (s, e) in found {
            let raw = self.text(s, e);
            let Some(equals) = raw.find('=').map(|i| s + i) else {
                let key = self.word(s, e);
                self.problem(
                    key.span,
                    format!(
                        "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                        key.text
                    ),
                );
                pairs.push(Pair {
                    key,
                    value: None,
                    legacy: false,
                    span: self.logical.span(s, e),
                });
                continue;
            };
            let pair = self.pair(s, equals, e);
            pairs.push(pair);
        }
        Args::Pairs(pairs)
    }

    fn pair(&mut self, start: usize, equals: usize, end: usize) -> Pair {
        let key = self.word(start, equals);
        if key.text.is_empty() {
            let name = self.kind.as_str();
            self.problem(
                self.logical.span(start, end),
                format!("{name} names can not be blank"),
            );
        }
        Pair {
            key,
            value: Some(self.word(equals + 1, end)),
            legacy: false,
            span: self.logical.span(start, end),
        }
    }

    /// ARG: `name` or `name=default`, several per line.
    fn declarations(&mut self, start: usize, end: usize) -> Args {
        let found = words::quoted_words(self.text(start, end), start, self.escape);
        let mut pairs = Vec::with_capacity(found.len());
        for (s, e) in found {
            let raw = self.text(s, e);
            let pair = match raw.find('=') {
                Some(i) => self.pair(s, s + i, e),
                None => Pair {
                    key: self.word(s, e),
                    value: None,
                    legacy: false,
                    span: self.logical.span(s, e),
                },
            };
            pairs.push(pair);
        }
        if pairs.is_empty() {
            return Args::Empty;
        }
        Args::Pairs(pairs)
    }

    fn from(&mut self, start: usize, end: usize) -> Args {
        let mut found = self.list(start, end).into_iter();
        let Some(image) = found.next() else {
            return Args::Empty;
        };
        let rest: Vec<Word> = found.collect();
        let mut from = FromArgs {
            image,
            as_keyword: None,
            name: None,
        };
        match <[Word; 2]>::try_from(rest) {
            Ok([as_keyword, name]) if as_keyword.text.eq_ignore_ascii_case("as") => {
                if !is_valid_stage_name(&name.text.to_ascii_lowercase()) {
                    self.problem(
                        name.span,
                        format!(
                            "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                            name.text
                        ),
                    );
                }
                from.as_keyword = Some(as_keyword);
                from.name = Some(name);
            }
            Ok(_) => self.problem(
                self.logical.span(start, end),
                "FROM requires either one or three arguments",
            ),
            Err(rest) if rest.is_empty() => {}
            Err(_) => self.problem(
                self.logical.span(start, end),
                "FROM requires either one or three arguments",
            ),
        }
        Args::From(from)
    }

    fn healthcheck(&mut self, start: usize, end: usize) -> Args {
        let text = self.text(start, end);
        let kind_end = start + text.find(char::is_whitespace).unwrap_or(text.len());
        let kind = self.word(start, kind_end);
        let (command_start, _) = trim_range(&self.logical.text, kind_end, end);
        let command = if command_start >= end {
            Args::Empty
        } else {
            self.json_or(command_start, end, false)
        };
        if kind.text.eq_ignore_ascii_case("NONE") {
            if command != Args::Empty {
                self.problem(kind.span, "HEALTHCHECK NONE takes no arguments");
            }
        } else if kind.text.eq_ignore_ascii_case("CMD") {
            if matches!(&command, Args::Empty) || matches!(&command, Args::Exec(w) if w.is_empty())
            {
                self.problem(kind.span, "Missing command after HEALTHCHECK CMD");
            }
        } else {
            self.problem(
                kind.span,
                format!(
                    "Unknown type {:?} in HEALTHCHECK (try CMD)",
                    kind.text.to_ascii_uppercase()
                ),
            );
        }
        Args::Healthcheck(Healthcheck {
            kind,
            command: Box::new(command),
        })
    }

    fn onbuild(&mut self, start: usize, end: usize, nested: bool) -> Args {
        if nested {
            // The outer ONBUILD reports the chaining; reading further would recurse
            // once per `ONBUILD` on the line.
            return Args::Text(self.word(start, end));
        }
        let inner = parse(self.logical, start, end, self.escape, true, self.problems);
        match inner.kind {
            Keyword::Onbuild => self.problem(
                inner.keyword.span,
                "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            ),
            Keyword::From | Keyword::Maintainer => self.problem(
                inner.keyword.span,
                format!("{} isn't allowed as an ONBUILD trigger", inner.kind),
            ),
            _ => {}
        }
        Args::Onbuild(Box::new(inner))
    }

    fn check_copy(&mut self, instruction: &Instruction) {
        let name = self.kind.as_str();
        let items = match &instruction.args {
            Args::Exec(items) | Args::List(items) => items.as_slice(),
            _ => return,
        };
        match items {
            [] => {}
            [only] => self.problem(only.span, no_destination(name)),
            [.., dest] => {
                if words::heredoc_marker(&dest.text).is_some() {
                    self.problem(
                        dest.span,
                        format!("{name} cannot accept a heredoc as a destination"),
                    );
                }
            }
        }
    }
}

fn no_destination(name: &str) -> String {
    format!(
        "{name} requires at least two arguments, but only one was provided. Destination could not be determined"
    )
}

/// Docker's stage-name rule, `^[a-z][a-z0-9-_.]*$` on the lower-cased name.
fn is_valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}
