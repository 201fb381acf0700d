//! lockgate's engine: it reads the configuration (`lockgate.toml`, profiles, waivers),
//! turns inputs into documents (files, stdin, Kustomize and Helm renders), runs the
//! rules on every object, applies inline suppressions, waivers and the baseline, and
//! decides whether the gate passes.
//!
//! The engine never prints: everything it has to say is a finding or a notice in the
//! [`lockgate_model::Report`] it returns, and the CLI or server decides how to show it.

mod analyze;
mod baseline;
mod config;
mod date;
mod gate;
mod history;
mod image;
mod package_policy;
mod packages;
mod policy;
mod render;
mod review;
mod scan;
mod secrets;
mod sources;
mod suppress;
mod vex;
mod vulns;

pub use baseline::{Baseline, BaselineEntry, BaselineError};
pub use config::{
    AdmissionConfig, AdmissionMode, CONFIG_FILE_NAME, Config, ConfigError, DeniedPackage,
    Effective, PROFILES, PackagePolicy, PolicyArgs, SYSTEM_NAMESPACES, SecretsConfig, VulnConfig,
    Waiver, find_any_rule, parse_age, parse_memory, parse_timeout,
};
pub use date::Date;
pub use history::History;
pub use image::{ImageInput, config_source, file_source};
pub use packages::{PackageSource, catalog_packages, catalog_tree};
pub use review::{ObjectJudge, ObjectReview, ObjectVerdict};
pub use scan::{Input, Progress, ProgressEvent, ScanError, ScanOptions, Scanners, scan};
pub use sources::DEFAULT_MAX_FILE_BYTES;
pub use vulns::VulnOptions;
