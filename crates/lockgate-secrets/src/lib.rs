//! Secret detection: a catalog of rules (data, embedded TOML, extendable from
//! `lockgate.toml`), compiled once into a [`Scanner`] that finds credentials in any text.
//!
//! Scanning is keyword-first: one pass over the bytes (`keywords.rs`) finds the keywords
//! of every rule, and a rule's regular expression only runs on the lines around its
//! keywords. Every hit carries the byte range of the secret itself so callers can point
//! at it and [`redact`] it; nothing in this crate formats a secret in clear.

mod catalog;
mod entropy;
mod keywords;
mod noise;
mod redact;
mod required;
mod scanner;

pub use catalog::{
    Catalog, CatalogError, Fixture, RuleSpec, SecretRule, builtin_catalog, parse_rules,
};
pub use entropy::shannon_entropy;
/// The keyword search on its own, for its benchmark (`examples/keyword_pass.rs`).
#[doc(hidden)]
pub use keywords::KeywordSet;
pub use keywords::MIN_KEYWORD_LEN;
pub use redact::redact;
pub use scanner::{DEFAULT_ALLOW_PATHS, ScanSettings, Scanner, SecretHit};
