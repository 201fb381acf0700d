//! A Dockerfile parser that follows Docker's (BuildKit's) reading of the syntax and
//! keeps a span on every piece a rule may point at.
//!
//! [`parse`] never fails and never panics: what Docker would refuse is collected in
//! [`Dockerfile::problems`] with its position, and parsing goes on. It handles parser
//! directives and the escape character they set, comments, continuation lines, CRLF and
//! a BOM; every instruction with its flags, exec (JSON) or shell form, ENV/LABEL pairs,
//! ARG declarations, heredocs and ONBUILD triggers; build stages. [`Dockerfile::resolve`]
//! then substitutes variables per stage the way `docker build` does.
//!
//! Module map: `scan` walks the lines, `instruction` reads one instruction and `flags`
//! checks its flags, `words` and `json` split arguments, `expand` substitutes one word,
//! `resolve` keeps the variable scopes, `ast` holds the types.

mod ast;
mod expand;
mod flags;
mod instruction;
mod json;
mod lines;
mod resolve;
mod scan;
mod words;

#[cfg(test)]
mod tests;

pub use ast::{
    Args, Directive, Flag, FromArgs, Healthcheck, Heredoc, Instruction, Keyword, Pair, Problem,
    Stage, Word,
};
pub use expand::unquote;
pub use resolve::{Expanded, Resolved, ResolvedInstruction, ResolvedStage};

use std::collections::HashSet;

use lockgate_model::Span;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The parser directives at the top, in order.
    pub directives: Vec<Directive>,
    /// The escape character (`\`, or `` ` `` when set by `# escape=`).
    pub escape: char,
    /// Every instruction in order, global ARGs included.
    pub instructions: Vec<Instruction>,
    /// Indices into `instructions` of the ARGs before the first FROM.
    pub global_args: Vec<usize>,
    pub stages: Vec<Stage>,
    /// What Docker would refuse, ordered by position.
    pub problems: Vec<Problem>,
}

impl Dockerfile {
    /// The directive `name` (lower case), e.g. `syntax`.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The stage named `name` (compared without case).
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        let name = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|stage| stage.name.as_deref() == Some(name.as_str()))
    }

    /// The instructions of stage `index` after its FROM.
    pub fn stage_instructions(&self, index: usize) -> &[Instruction] {
        self.stages
            .get(index)
            .and_then(|stage| self.instructions.get(stage.body.clone()))
            .unwrap_or(&[])
    }

    /// The ARG instructions before the first FROM.
    pub fn global_arg_instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.global_args
            .iter()
            .filter_map(|&index| self.instructions.get(index))
    }
}

/// Parses a Dockerfile. Never fails: problems are collected in
/// [`Dockerfile::problems`].
pub fn parse(text: &str) -> Dockerfile {
    let source = lines::Source::new(text);
    let scanned = scan::scan(&source);
    let mut dockerfile = Dockerfile {
        directives: scanned.directives,
        escape: scanned.escape,
        instructions: scanned.instructions,
        global_args: Vec::new(),
        stages: Vec::new(),
        problems: scanned.problems,
    };
    build_stages(&mut dockerfile);
    // Substitution with no build arguments gives each stage its image; what it cannot
    // substitute Docker could not either.
    let resolved = dockerfile.resolve(&[]);
    for (stage, resolved) in dockerfile.stages.iter_mut().zip(resolved.stages) {
        stage.image_resolved = resolved.image.value;
        stage.parent = resolved.parent;
    }
    dockerfile.problems.extend(resolved.problems);
    dockerfile
        .problems
        .sort_by_key(|problem| (problem.span.line, problem.span.column));
    dockerfile
}

/// Groups the instructions into stages and checks what Docker checks about them.
fn build_stages(dockerfile: &mut Dockerfile) {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for (index, instruction) in dockerfile.instructions.iter_mut().enumerate() {
        if instruction.kind == Keyword::From {
            let (image, name, name_span) = match &instruction.args {
                Args::From(from) => (
                    from.image.clone(),
                    from.name.as_ref().map(|n| n.text.to_ascii_lowercase()),
                    from.name.as_ref().map(|n| n.span),
                ),
                _ => (
                    Word {
                        text: String::new(),
                        span: Span::point(
                            instruction.keyword.span.end_line,
                            instruction.keyword.span.end_column,
                        ),
                    },
                    None,
                    None,
                ),
            };
            if let (Some(name), Some(span)) = (&name, name_span)
                && !names.insert(name.clone())
            {
                problems.push(Problem::new(
                    span,
                    format!("duplicate stage name '{name}', stage names should be unique"),
                ));
            }
            let stage = dockerfile.stages.len();
            instruction.stage = Some(stage);
            dockerfile.stages.push(Stage {
                index: stage,
                name,
                image_resolved: image.text.clone(),
                image,
                parent: None,
                from: index,
                body: index + 1..index + 1,
            });
            continue;
        }
        match dockerfile.stages.last_mut() {
            Some(stage) => {
                instruction.stage = Some(stage.index);
                if let Args::Onbuild(trigger) = &mut instruction.args {
                    trigger.stage = Some(stage.index);
                }
                stage.body.end = index + 1;
            }
            None if instruction.kind == Keyword::Arg => dockerfile.global_args.push(index),
            None => problems.push(Problem::new(
                instruction.keyword.span,
                "no build stage in current context: only ARG may come before the first FROM",
            )),
        }
    }
    if dockerfile.instructions.is_empty() {
        problems.push(Problem::new(Span::point(1, 1), "file with no instructions"));
    } else if dockerfile.stages.is_empty() {
        problems.push(Problem::new(
            Span::point(1, 1),
            "dockerfile contains no stages to build (no FROM instruction)",
        ));
    }
    dockerfile.problems.extend(problems);
}
