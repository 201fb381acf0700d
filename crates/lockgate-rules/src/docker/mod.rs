//! Dockerfile rules, one file per rule, joined into one registry sorted by ID. A rule
//! reads a parsed [`Dockerfile`] (its stages and instructions, every piece with its span)
//! and the [`Settings`](crate::Settings), and reports hits into a [`Sink`].

use std::sync::LazyLock;

use lockgate_model::RuleMeta;
use lockgate_syntax::dockerfile::Dockerfile;

use crate::{Context, Sink};

mod add_instead_of_copy;
mod apt_get_dist_upgrade;
mod apt_get_install_without_yes;
mod base_image_mutable_tag;
mod base_image_not_pinned_by_digest;
mod base_image_untrusted_registry;
mod common;
mod copy_context_without_dockerignore;
mod copy_from_own_stage;
mod copy_multiple_sources_to_file;
mod exposed_port_out_of_range;
mod final_base_image_not_approved;
mod final_image_not_minimal;
mod maintainer_deprecated;
mod missing_healthcheck;
mod package_cache_not_cleaned;
mod package_update_alone;
mod package_version_not_pinned;
mod remote_script_piped_to_shell;
mod repeated_instruction;
mod root_user;
mod run_cd;
mod run_commands;
mod secret_in_env_or_arg;
mod ssh_port_exposed;
mod sudo_in_run;
mod workdir_not_absolute;
mod world_writable_permissions;

/// A built-in Dockerfile rule: its metadata and its check.
#[derive(Clone, Copy)]
pub struct DockerRule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Context<'_>, &Dockerfile, &mut Sink),
}

impl std::fmt::Debug for DockerRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerRule")
            .field("id", &self.meta.id)
            .finish()
    }
}

static ALL: LazyLock<Vec<DockerRule>> = LazyLock::new(|| {
    let mut rules = vec![
        DockerRule {
            meta: &base_image_mutable_tag::META,
            check: base_image_mutable_tag::check,
        },
        DockerRule {
            meta: &root_user::META,
            check: root_user::check,
        },
        DockerRule {
            meta: &ssh_port_exposed::META,
            check: ssh_port_exposed::check,
        },
        DockerRule {
            meta: &add_instead_of_copy::META,
            check: add_instead_of_copy::check,
        },
        DockerRule {
            meta: &copy_from_own_stage::META,
            check: copy_from_own_stage::check,
        },
        DockerRule {
            meta: &exposed_port_out_of_range::META,
            check: exposed_port_out_of_range::check,
        },
        DockerRule {
            meta: &workdir_not_absolute::META,
            check: workdir_not_absolute::check,
        },
        DockerRule {
            meta: &repeated_instruction::META,
            check: repeated_instruction::check,
        },
        DockerRule {
            meta: &sudo_in_run::META,
            check: sudo_in_run::check,
        },
        DockerRule {
            meta: &apt_get_install_without_yes::META,
            check: apt_get_install_without_yes::check,
        },
        DockerRule {
            meta: &package_update_alone::META,
            check: package_update_alone::check,
        },
        DockerRule {
            meta: &maintainer_deprecated::META,
            check: maintainer_deprecated::check,
        },
        DockerRule {
            meta: &run_cd::META,
            check: run_cd::check,
        },
        DockerRule {
            meta: &apt_get_dist_upgrade::META,
            check: apt_get_dist_upgrade::check,
        },
        DockerRule {
            meta: &copy_multiple_sources_to_file::META,
            check: copy_multiple_sources_to_file::check,
        },
        DockerRule {
            meta: &remote_script_piped_to_shell::META,
            check: remote_script_piped_to_shell::check,
        },
        DockerRule {
            meta: &secret_in_env_or_arg::META,
            check: secret_in_env_or_arg::check,
        },
        DockerRule {
            meta: &world_writable_permissions::META,
            check: world_writable_permissions::check,
        },
        DockerRule {
            meta: &package_cache_not_cleaned::META,
            check: package_cache_not_cleaned::check,
        },
        DockerRule {
            meta: &package_version_not_pinned::META,
            check: package_version_not_pinned::check,
        },
        DockerRule {
            meta: &missing_healthcheck::META,
            check: missing_healthcheck::check,
        },
        DockerRule {
            meta: &base_image_not_pinned_by_digest::META,
            check: base_image_not_pinned_by_digest::check,
        },
        DockerRule {
            meta: &base_image_untrusted_registry::META,
            check: base_image_untrusted_registry::check,
        },
        DockerRule {
            meta: &final_base_image_not_approved::META,
            check: final_base_image_not_approved::check,
        },
        DockerRule {
            meta: &copy_context_without_dockerignore::META,
            check: copy_context_without_dockerignore::check,
        },
        DockerRule {
            meta: &final_image_not_minimal::META,
            check: final_image_not_minimal::check,
        },
    ];
    rules.sort_by_key(|r| r.meta.id);
    rules
});

/// Every built-in Dockerfile rule, in ID order.
pub fn docker_rules() -> &'static [DockerRule] {
    &ALL
}
