//! What a check gets (the settings) and where it puts what it finds.

use lockgate_model::{RuleMeta, Span};

use crate::Settings;

/// Read-only inputs of a check besides the object itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub settings: &'a Settings,
    /// For a Dockerfile: whether a `.dockerignore` (or BuildKit's per-Dockerfile
    /// `<name>.dockerignore`) sits beside it. `None` when unknown (the Dockerfile did not
    /// come from a directory, or the object is not a Dockerfile): rules that need it
    /// stay silent.
    pub dockerignore: Option<bool>,
}

/// One rule firing at one place.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static RuleMeta,
    pub span: Span,
    pub message: String,
}

/// Collects hits from checks.
#[derive(Debug, Default)]
pub struct Sink {
    hits: Vec<Hit>,
}

impl Sink {
    pub fn new() -> Self {
        Sink::default()
    }

    pub fn report(&mut self, rule: &'static RuleMeta, span: Span, message: impl Into<String>) {
        self.hits.push(Hit {
            rule,
            span,
            message: message.into(),
        });
    }

    pub fn hits(&self) -> &[Hit] {
        &self.hits
    }

    pub fn into_hits(self) -> Vec<Hit> {
        self.hits
    }
}
