//! Kubernetes rules, grouped by what they protect. Each group lists its rules; this
//! module joins the groups into one registry sorted by ID.

use std::sync::LazyLock;

use crate::Rule;

mod common;
mod config;
mod exposure;
mod hardening;
mod pss_baseline;
mod pss_restricted;

static ALL: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut rules: Vec<Rule> = [
        pss_baseline::RULES,
        pss_restricted::RULES,
        hardening::RULES,
        config::RULES,
        exposure::RULES,
    ]
    .concat();
    rules.sort_by_key(|r| r.meta.id);
    rules
});

pub(crate) fn rules() -> &'static [Rule] {
    &ALL
}
