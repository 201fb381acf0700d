//! Variable scopes, as `docker build` sees them: global ARGs (before the first FROM)
//! are visible to FROM lines only; inside a stage the ARGs and ENVs declared so far are
//! visible, an ARG re-declared without a default takes the global value, ENV wins over
//! ARG, and a stage built on an earlier stage inherits that stage's ENV.
//!
//! Docker substitutes variables in FROM, ADD, COPY, ENV, LABEL, ARG, EXPOSE, STOPSIGNAL,
//! USER, VOLUME and WORKDIR (and in the flags of FROM, ADD, COPY and RUN); RUN, CMD,
//! ENTRYPOINT, SHELL and HEALTHCHECK are left to the shell in the container, and ONBUILD
//! triggers are substituted in the child build. Words of those are passed through as
//! written.

use std::collections::HashMap;

use lockgate_model::Span;

use super::Dockerfile;
use super::ast::{Args, Instruction, Keyword, Problem, Word};
use super::expand::{self, Budget, Lookup, Quotes};

/// A word after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The value Docker would use: variables substituted, quotes and escapes removed.
    /// When substitution fails, the text as written.
    pub value: String,
    /// The span of the source word.
    pub span: Span,
    /// Variables the word refers to that have no value here (declared without a default
    /// and not given as a build argument, predefined platform ARGs, ENV of base images).
    /// Docker substitutes the empty string or the `${VAR:-default}` word for them.
    pub unset: Vec<String>,
}

impl Expanded {
    fn verbatim(word: &Word) -> Self {
        Expanded {
            value: word.text.clone(),
            span: word.span,
            unset: Vec::new(),
        }
    }
}

/// A stage's base after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedStage {
    /// The image reference of FROM, substituted with global ARGs.
    pub image: Expanded,
    /// `--platform`, substituted with global ARGs.
    pub platform: Option<Expanded>,
    /// The earlier stage `image` names, if any.
    pub parent: Option<usize>,
    /// The external image this stage finally builds on, following `parent` stages.
    pub base_image: String,
}

/// One instruction after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedInstruction {
    /// Whether Docker substitutes variables in this instruction's arguments.
    pub substituted: bool,
    /// One per [`Instruction::words`], in the same order.
    pub words: Vec<Expanded>,
    /// One per flag: its value after substitution, `None` for a bare `--flag`.
    pub flags: Vec<Option<Expanded>>,
    /// One per heredoc: the body, substituted for COPY and ADD with an unquoted
    /// delimiter (as Docker does), as written otherwise.
    pub heredocs: Vec<String>,
}

/// The result of [`Dockerfile::resolve`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    /// One per [`Dockerfile::stages`].
    pub stages: Vec<ResolvedStage>,
    /// One per [`Dockerfile::instructions`].
    pub instructions: Vec<ResolvedInstruction>,
    /// Substitutions Docker would refuse (bad `${...}` syntax, open quotes, limits).
    pub problems: Vec<Problem>,
}

impl Dockerfile {
    /// Substitutes variables the way `docker build` would with the given build
    /// arguments (`--build-arg NAME=value`).
    pub fn resolve(&self, build_args: &[(&str, &str)]) -> Resolved {
        let mut resolver = Resolver {
            escape: self.escape,
            build_args: build_args.iter().copied().collect(),
            global: HashMap::new(),
            args: HashMap::new(),
            envs: Vec::new(),
            stage_names: HashMap::new(),
            budget: Budget::default(),
            out: Resolved::default(),
        };
        for instruction in &self.instructions {
            let resolved = resolver.instruction(instruction);
            resolver.out.instructions.push(resolved);
        }
        resolver.out
    }
}

/// A declared ARG's value; `None` when declared without a value.
type ArgValues = HashMap<String, Option<String>>;

struct Resolver<'a> {
    escape: char,
    build_args: HashMap<&'a str, &'a str>,
    /// ARGs before the first FROM.
    global: ArgValues,
    /// ARGs of the current stage.
    args: ArgValues,
    /// ENV of each stage so far; the last is the current stage's.
    envs: Vec<HashMap<String, String>>,
    /// Lower-cased stage names and the first stage that has each.
    stage_names: HashMap<String, usize>,
    budget: Budget,
    out: Resolved,
}

/// The variables visible at one point of a stage.
struct Scope<'a> {
    env: Option<&'a HashMap<String, String>>,
    args: &'a ArgValues,
}

impl Lookup for Scope<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        if let Some(value) = self.env.and_then(|env| env.get(name)) {
            return Some(value);
        }
        self.args.get(name).and_then(|v| v.as_deref())
    }
}

impl Resolver<'_> {
    fn in_stage(&self) -> bool {
        !self.envs.is_empty()
    }

    fn expand(&mut self, word: &Word, global: bool, quotes: Quotes) -> Expanded {
        let scope = if global || !self.in_stage() {
            Scope {
                env: None,
                args: &self.global,
            }
        } else {
            Scope {
                env: self.envs.last(),
                args: &self.args,
            }
        };
        match expand::substitute(&word.text, self.escape, quotes, &scope, &mut self.budget) {
            Ok(outcome) => Expanded {
                value: outcome.value,
                span: word.span,
                unset: outcome.unset,
            },
            Err(message) => {
                self.out.problems.push(Problem::new(
                    word.span,
                    format!("{message} (in `{}`)", shorten(&word.text)),
                ));
                Expanded::verbatim(word)
            }
        }
    }

    fn instruction(&mut self, instruction: &Instruction) -> ResolvedInstruction {
        let substituted = matches!(
            instruction.kind,
            Keyword::From
                | Keyword::Add
                | Keyword::Copy
                | Keyword::Env
                | Keyword::Label
                | Keyword::Arg
                | Keyword::Expose
                | Keyword::Stopsignal
                | Keyword::User
                | Keyword::Volume
                | Keyword::Workdir
        );
        let flags_substituted = matches!(
            instruction.kind,
            Keyword::From | Keyword::Add | Keyword::Copy | Keyword::Run
        );
        let global = instruction.kind == Keyword::From;
        // Flags and words are read with the variables from before this instruction.
        let flags = instruction
            .flags
            .iter()
            .map(|flag| {
                flag.value.as_ref().map(|value| {
                    if flags_substituted {
                        self.expand(value, global, Quotes::Remove)
                    } else {
                        Expanded::verbatim(value)
                    }
                })
            })
            .collect();
        let words: Vec<Expanded> = match (&instruction.args, substituted) {
            (Args::From(from), _) => {
                let mut words = vec![self.expand(&from.image, true, Quotes::Remove)];
                words.extend(from.name.iter().map(Expanded::verbatim));
                words
            }
            (_, true) => instruction
                .words()
                .into_iter()
                .map(|word| self.expand(word, false, Quotes::Remove))
                .collect(),
            (_, false) => instruction
                .words()
                .into_iter()
                .map(Expanded::verbatim)
                .collect(),
        };
        let heredocs = instruction
            .heredocs
            .iter()
            .map(|heredoc| {
                if heredoc.expand && matches!(instruction.kind, Keyword::Copy | Keyword::Add) {
                    let body = Word {
                        text: heredoc.body.clone(),
                        span: heredoc.body_span,
                    };
                    self.expand(&body, false, Quotes::Keep).value
                } else {
                    heredoc.body.clone()
                }
            })
            .collect();
        let resolved = ResolvedInstruction {
            substituted,
            words,
            flags,
            heredocs,
        };
        match instruction.kind {
            Keyword::From => self.start_stage(instruction, &resolved),
            Keyword::Arg => self.declare_args(instruction, &resolved),
            Keyword::Env if self.in_stage() => {
                let pairs: Vec<(String, String)> = pair_words(&instruction.args, &resolved.words)
                    .into_iter()
                    .filter_map(|(key, value)| Some((key.value.clone(), value?.value.clone())))
                    .collect();
                if let Some(env) = self.envs.last_mut() {
                    env.extend(pairs);
                }
            }
            _ => {}
        }
        resolved
    }

    fn start_stage(&mut self, instruction: &Instruction, resolved: &ResolvedInstruction) {
        let image = resolved.words.first().cloned().unwrap_or_else(|| Expanded {
            value: String::new(),
            span: Span::point(
                instruction.keyword.span.end_line,
                instruction.keyword.span.end_column,
            ),
            unset: Vec::new(),
        });
        let lower = image.value.to_ascii_lowercase();
        let parent = self.stage_names.get(&lower).copied();
        let base_image = match parent.and_then(|p| self.out.stages.get(p)) {
            Some(stage) => stage.base_image.clone(),
            None => image.value.clone(),
        };
        let platform = instruction
            .flags
            .iter()
            .zip(&resolved.flags)
            .find(|(flag, _)| flag.name.text == "platform")
            .and_then(|(_, value)| value.clone());
        let env = parent
            .and_then(|p| self.envs.get(p))
            .cloned()
            .unwrap_or_default();
        self.envs.push(env);
        self.args.clear();
        if let Args::From(from) = &instruction.args
            && let Some(name) = &from.name
        {
            let index = self.out.stages.len();
            self.stage_names
                .entry(name.text.to_ascii_lowercase())
                .or_insert(index);
        }
        self.out.stages.push(ResolvedStage {
            image,
            platform,
            parent,
            base_image,
        });
    }

    /// Declares the ARGs of one instruction. Defaults were substituted with the scope
    /// before the instruction; a build argument overrides the default, and inside a
    /// stage an ARG without a default takes the global value.
    fn declare_args(&mut self, instruction: &Instruction, resolved: &ResolvedInstruction) {
        let in_stage = self.in_stage();
        for (name, default) in pair_words(&instruction.args, &resolved.words) {
            let name = name.value.clone();
            let value = match self.build_args.get(name.as_str()) {
                Some(given) => Some((*given).to_string()),
                None => match default {
                    Some(default) => Some(default.value.clone()),
                    None if in_stage => self.global.get(&name).cloned().flatten(),
                    None => None,
                },
            };
            let scope = if in_stage {
                &mut self.args
            } else {
                &mut self.global
            };
            scope.insert(name, value);
        }
    }
}

/// Pairs up the expanded words of ENV, LABEL or ARG: each key with its value, if any.
fn pair_words<'r>(args: &Args, words: &'r [Expanded]) -> Vec<(&'r Expanded, Option<&'r Expanded>)> {
    let Args::Pairs(pairs) = args else {
        return Vec::new();
    };
    let mut words = words.iter();
    let mut out = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let Some(key) = words.next() else { break };
        let value = if pair.value.is_some() {
            words.next()
        } else {
            None
        };
        out.push((key, value));
    }
    out
}

fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}
