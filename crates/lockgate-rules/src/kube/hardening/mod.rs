//! Least-privilege hardening beyond the Pod Security Standards: read-only root file
//! systems, resource requests and limits, a workload's own ServiceAccount without an
//! automounted token, namespaces other than `default`, mutable, unpinned or untrusted
//! images, probes, required labels, replica bounds, and a sandboxed runtime for pods that
//! run as root. Rules that need a policy decision (trusted registries, required labels,
//! replica bounds) read it from [`crate::Settings`] and stay silent until it is set.

use crate::{Check, Rule};

mod default_namespace;
mod default_service_account;
mod image_not_pinned_by_digest;
mod image_tag_mutable;
mod liveness_probe_missing;
mod readiness_probe_missing;
mod replicas_out_of_bounds;
mod required_labels_missing;
mod resource_limits_missing;
mod resource_requests_missing;
mod root_without_sandbox;
mod service_account_token_automounted;
mod untrusted_registry;
mod writable_root_filesystem;

pub(crate) static RULES: &[Rule] = &[
    Rule {
        meta: &writable_root_filesystem::META,
        check: Check::Pod(writable_root_filesystem::check),
    },
    Rule {
        meta: &resource_requests_missing::META,
        check: Check::Pod(resource_requests_missing::check),
    },
    Rule {
        meta: &resource_limits_missing::META,
        check: Check::Pod(resource_limits_missing::check),
    },
    Rule {
        meta: &default_service_account::META,
        check: Check::Pod(default_service_account::check),
    },
    Rule {
        meta: &service_account_token_automounted::META,
        check: Check::Pod(service_account_token_automounted::check),
    },
    Rule {
        meta: &default_namespace::META,
        check: Check::Object(default_namespace::check),
    },
    Rule {
        meta: &image_tag_mutable::META,
        check: Check::Pod(image_tag_mutable::check),
    },
    Rule {
        meta: &image_not_pinned_by_digest::META,
        check: Check::Pod(image_not_pinned_by_digest::check),
    },
    Rule {
        meta: &untrusted_registry::META,
        check: Check::Pod(untrusted_registry::check),
    },
    Rule {
        meta: &liveness_probe_missing::META,
        check: Check::Pod(liveness_probe_missing::check),
    },
    Rule {
        meta: &readiness_probe_missing::META,
        check: Check::Pod(readiness_probe_missing::check),
    },
    Rule {
        meta: &required_labels_missing::META,
        check: Check::Object(required_labels_missing::check),
    },
    Rule {
        meta: &replicas_out_of_bounds::META,
        check: Check::Object(replicas_out_of_bounds::check),
    },
    Rule {
        meta: &root_without_sandbox::META,
        check: Check::Pod(root_without_sandbox::check),
    },
];
