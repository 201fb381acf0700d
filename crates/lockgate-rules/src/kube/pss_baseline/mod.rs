//! Pod Security Standards, baseline profile: every control of the Kubernetes PSS page's
//! baseline level, as one rule each (host namespaces is one control covering three fields).

use crate::{Check, Rule};

mod apparmor_unconfined;
mod capabilities_beyond_baseline;
mod host_namespaces;
mod host_port;
mod host_process;
mod hostpath_volume;
mod privileged_container;
mod probe_host_override;
mod proc_mount_unmasked;
mod seccomp_unconfined;
mod selinux_custom_options;
mod unsafe_sysctl;

pub(crate) static RULES: &[Rule] = &[
    Rule {
        meta: &host_process::META,
        check: Check::Pod(host_process::check),
    },
    Rule {
        meta: &host_namespaces::META,
        check: Check::Pod(host_namespaces::check),
    },
    Rule {
        meta: &privileged_container::META,
        check: Check::Pod(privileged_container::check),
    },
    Rule {
        meta: &capabilities_beyond_baseline::META,
        check: Check::Pod(capabilities_beyond_baseline::check),
    },
    Rule {
        meta: &hostpath_volume::META,
        check: Check::Pod(hostpath_volume::check),
    },
    Rule {
        meta: &host_port::META,
        check: Check::Pod(host_port::check),
    },
    Rule {
        meta: &apparmor_unconfined::META,
        check: Check::Pod(apparmor_unconfined::check),
    },
    Rule {
        meta: &selinux_custom_options::META,
        check: Check::Pod(selinux_custom_options::check),
    },
    Rule {
        meta: &proc_mount_unmasked::META,
        check: Check::Pod(proc_mount_unmasked::check),
    },
    Rule {
        meta: &seccomp_unconfined::META,
        check: Check::Pod(seccomp_unconfined::check),
    },
    Rule {
        meta: &unsafe_sysctl::META,
        check: Check::Pod(unsafe_sysctl::check),
    },
    Rule {
        meta: &probe_host_override::META,
        check: Check::Pod(probe_host_override::check),
    },
];
