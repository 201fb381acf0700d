//! The parsed shape of a Dockerfile: directives, instructions with their typed
//! arguments, heredocs, build stages and the problems found on the way.
//!
//! Every piece that a rule might point at carries its own [`Span`]. Text is kept as
//! written (after joining continuation lines); quote removal and variable substitution
//! are left to [`Dockerfile::resolve`](super::Dockerfile::resolve), because Docker does
//! them per instruction and with the variables in scope at that point.

use std::fmt;
use std::ops::Range;

use lockgate_model::Span;

/// An instruction keyword. Keywords are case-insensitive in a Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// A keyword Docker does not know; the instruction is kept and a problem reported.
    Unknown,
}

impl Keyword {
    /// Reads a keyword, ignoring case.
    pub fn parse(word: &str) -> Keyword {
        const ALL: [(&str, Keyword); 18] = [
            ("ADD", Keyword::Add),
            ("ARG", Keyword::Arg),
            ("CMD", Keyword::Cmd),
            ("COPY", Keyword::Copy),
            ("ENTRYPOINT", Keyword::Entrypoint),
            ("ENV", Keyword::Env),
            ("EXPOSE", Keyword::Expose),
            ("FROM", Keyword::From),
            ("HEALTHCHECK", Keyword::Healthcheck),
            ("LABEL", Keyword::Label),
            ("MAINTAINER", Keyword::Maintainer),
            ("ONBUILD", Keyword::Onbuild),
            ("RUN", Keyword::Run),
            ("SHELL", Keyword::Shell),
            ("STOPSIGNAL", Keyword::Stopsignal),
            ("USER", Keyword::User),
            ("VOLUME", Keyword::Volume),
            ("WORKDIR", Keyword::Workdir),
        ];
        ALL.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or(Keyword::Unknown, |(_, keyword)| *keyword)
    }

    /// The keyword in upper case (`"UNKNOWN"` for unknown keywords; the written form is
    /// in [`Instruction::keyword`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A piece of text and where it is. For JSON (exec form) elements `text` is the decoded
/// string and the span covers the literal with its quotes; everywhere else `text` is the
/// source text, quotes and escapes included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// A `--name=value` or `--name` flag before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without the leading `--`.
    pub name: Word,
    /// The value after `=`, with quotes removed as Docker removes them; `None` for a
    /// bare `--name`.
    pub value: Option<Word>,
    /// The whole flag, `--` included.
    pub span: Span,
}

/// One `key=value` of ENV or LABEL, or one `name[=default]` of ARG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: Word,
    /// `None` for an ARG without a default.
    pub value: Option<Word>,
    /// The legacy `ENV key value` / `LABEL key value` form, where the value is the whole
    /// rest of the line.
    pub legacy: bool,
    pub span: Span,
}

/// The arguments of FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromArgs {
    /// The image reference as written (before substitution).
    pub image: Word,
    /// The `AS` keyword, when present.
    pub as_keyword: Option<Word>,
    /// The stage name as written.
    pub name: Option<Word>,
}

/// The arguments of HEALTHCHECK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    /// `NONE` or `CMD` as written.
    pub kind: Word,
    /// The command after `CMD` (exec or shell form); [`Args::Empty`] for `NONE`.
    pub command: Box<Args>,
}

/// An instruction's arguments, in the shape Docker splits them for that instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Nothing after the keyword and flags.
    Empty,
    /// JSON array (exec form) of RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD, COPY, ADD
    /// and VOLUME.
    Exec(Vec<Word>),
    /// Shell form of RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD: the command text.
    Shell(Word),
    /// Whitespace-separated words: COPY, ADD and VOLUME in shell form, EXPOSE.
    List(Vec<Word>),
    /// The rest of the line as one string: USER, WORKDIR, MAINTAINER, STOPSIGNAL and
    /// unknown instructions.
    Text(Word),
    /// ENV, LABEL and ARG.
    Pairs(Vec<Pair>),
    From(FromArgs),
    Healthcheck(Healthcheck),
    /// The trigger instruction of ONBUILD, parsed like any other.
    Onbuild(Box<Instruction>),
}

/// A heredoc (`<<EOF` ... `EOF`) of RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: String,
    /// The `<<EOF` marker as written on the instruction line.
    pub marker: Word,
    /// File descriptor before `<<` (`3<<EOF`), if any.
    pub fd: Option<u32>,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub strip_tabs: bool,
    /// False when the delimiter is quoted: Docker then substitutes no variables in it.
    pub expand: bool,
    /// The body, each line ending in `\n` (a CR before it is dropped), tabs stripped for
    /// `<<-`.
    pub body: String,
    /// The body lines (a point at the terminator line when the body is empty).
    pub body_span: Span,
    /// The terminator line; `None` when the heredoc runs to the end of the file.
    pub terminator: Option<Span>,
}

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub kind: Keyword,
    /// The keyword as written.
    pub keyword: Word,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The instruction text after joining continuation lines and dropping comment lines:
    /// keyword, flags and arguments, without heredoc bodies.
    pub text: String,
    /// From the keyword to the end of the last line (or heredoc terminator) it takes.
    pub span: Span,
    /// The stage this instruction belongs to; `None` before the first FROM.
    pub stage: Option<usize>,
}

impl Instruction {
    /// The first flag named `name` (without `--`).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|flag| flag.name.text == name)
    }

    /// The argument words in a fixed order: exec and list elements; the shell command or
    /// text; for pairs each key then its value; for FROM the image then the stage name;
    /// for HEALTHCHECK the kind then the command's words; for ONBUILD the trigger's
    /// words. [`Resolved`](super::Resolved) gives one expansion per word in this order.
    pub fn words(&self) -> Vec<&Word> {
        let mut out = Vec::new();
        push_words(&self.args, &mut out);
        out
    }

    /// The command of RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD when written in shell form
    /// (heredoc bodies are in [`Instruction::heredocs`]).
    pub fn shell_command(&self) -> Option<&Word> {
        match &self.args {
            Args::Shell(word) => Some(word),
            Args::Healthcheck(check) => match check.command.as_ref() {
                Args::Shell(word) => Some(word),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when the arguments are a JSON array (exec form).
    pub fn is_exec_form(&self) -> bool {
        match &self.args {
            Args::Exec(_) => true,
            Args::Healthcheck(check) => matches!(check.command.as_ref(), Args::Exec(_)),
            _ => false,
        }
    }
}

fn push_words<'a>(args: &'a Args, out: &mut Vec<&'a Word>) {
    match args {
        Args::Empty => {}
        Args::Exec(words) | Args::List(words) => out.extend(words),
        Args::Shell(word) | Args::Text(word) => out.push(word),
        Args::Pairs(pairs) => {
            for pair in pairs {
                out.push(&pair.key);
                out.extend(&pair.value);
            }
        }
        Args::From(from) => {
            out.push(&from.image);
            out.extend(&from.name);
        }
        Args::Healthcheck(check) => {
            out.push(&check.kind);
            push_words(&check.command, out);
        }
        Args::Onbuild(inner) => push_words(&inner.args, out),
    }
}

/// A parser directive (`# syntax=...`, `# escape=...`, `# check=...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The name, lower-cased.
    pub name: String,
    pub value: Word,
    /// The whole directive line.
    pub span: Span,
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Position among the stages, from 0 (what `COPY --from=0` refers to).
    pub index: usize,
    /// The stage name, lower-cased (Docker compares stage names without case).
    pub name: Option<String>,
    /// The base image as written.
    pub image: Word,
    /// The base image after substituting global ARGs with their defaults.
    pub image_resolved: String,
    /// The earlier stage this one builds on, when `image_resolved` names one.
    pub parent: Option<usize>,
    /// Index of the FROM instruction in [`Dockerfile::instructions`](super::Dockerfile).
    pub from: usize,
    /// Indices of the instructions after the FROM that belong to this stage.
    pub body: Range<usize>,
}

/// Something Docker would refuse, with where it is. Parsing goes on after a problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {}, column {})", span.line, span.column)]
pub struct Problem {
    pub message: String,
    pub span: Span,
}

impl Problem {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            span,
        }
    }
}
