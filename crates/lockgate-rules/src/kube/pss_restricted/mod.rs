//! Pod Security Standards, restricted profile: every control the Kubernetes PSS page adds
//! at the restricted level, as one rule each, except capabilities, whose two
//! requirements (drop ALL, add nothing but NET_BIND_SERVICE) are two rules. Like the
//! standard, they judge regular, init and ephemeral containers alike, and skip the
//! Linux-only controls (privilege escalation, seccomp, capabilities) for pods with
//! `spec.os.name: windows`.

use crate::{Check, Rule};

mod capabilities_added_restricted;
mod capabilities_not_dropped;
mod privilege_escalation_allowed;
mod restricted_volume_type;
mod run_as_non_root_not_set;
mod run_as_root_user;
mod seccomp_profile_missing;

pub(crate) static RULES: &[Rule] = &[
    Rule {
        meta: &restricted_volume_type::META,
        check: Check::Pod(restricted_volume_type::check),
    },
    Rule {
        meta: &privilege_escalation_allowed::META,
        check: Check::Pod(privilege_escalation_allowed::check),
    },
    Rule {
        meta: &run_as_non_root_not_set::META,
        check: Check::Pod(run_as_non_root_not_set::check),
    },
    Rule {
        meta: &run_as_root_user::META,
        check: Check::Pod(run_as_root_user::check),
    },
    Rule {
        meta: &seccomp_profile_missing::META,
        check: Check::Pod(seccomp_profile_missing::check),
    },
    Rule {
        meta: &capabilities_not_dropped::META,
        check: Check::Pod(capabilities_not_dropped::check),
    },
    Rule {
        meta: &capabilities_added_restricted::META,
        check: Check::Pod(capabilities_added_restricted::check),
    },
];
