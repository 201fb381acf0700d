//! R package versions (`package_version`): non-negative integers separated by `.` or
//! `-`; a shorter version that agrees on every part it has is the lower one.

use std::cmp::Ordering;

use super::number::{Number, cmp_padded};

#[derive(Clone, Debug)]
pub(crate) struct CranVersion {
    components: Vec<Number>,
}

impl CranVersion {
    pub(crate) fn parse(text: &str) -> CranVersion {
        // Parts that are not numbers are dropped, as R would refuse them outright.
        let components = text
            .split(['.', '-'])
            .filter_map(|part| Number::parse(part.strip_prefix('+').unwrap_or(part)))
            .collect();
        CranVersion { components }
    }

    pub(crate) fn compare(&self, other: &CranVersion) -> Ordering {
        cmp_padded(&self.components, &other.components)
            .then_with(|| self.components.len().cmp(&other.components.len()))
    }
}
