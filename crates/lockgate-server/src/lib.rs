//! lockgate's servers. Today: the validating admission webhook (`lockgate admit`), which
//! judges each `AdmissionReview` with the same engine, configuration, rules and Rego
//! policies as `lockgate scan`, and the manifests that deploy it.
//!
//! Must not hold rule logic: objects are judged by `lockgate-engine`; this crate turns
//! requests into judgements and judgements into answers, logs and metrics.

pub mod admission;
pub mod log;
pub mod manifests;
pub mod metrics;
pub mod pool;
pub mod review;
pub mod serve;
pub mod tls;

pub use admission::AdmissionRules;
pub use log::DecisionLog;
pub use serve::{Loaded, Loader, ServeOptions, run};
