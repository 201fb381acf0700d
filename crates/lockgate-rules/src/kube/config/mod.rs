//! (group header: to be written)

use crate::Rule;

pub(crate) static RULES: &[Rule] = &[];
