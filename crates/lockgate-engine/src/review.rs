//! One object at a time, as an admission webhook receives them: the same rules, secrets
//! search, Rego policies, suppressions and waivers as a scan, prepared once and applied
//! to each object in well under a millisecond.
//!
//! A scan reads many sources and runs the policies over all of them in parallel; here
//! one object arrives, on a thread the caller owns, so nothing is spread over a thread
//! pool and the caller keeps one policy evaluator per thread
//! ([`ObjectJudge::evaluator`]). Gatekeeper constraints see the request as Gatekeeper
//! shows it: `input.review.operation`, `oldObject` and `userInfo`, with no inventory.

use std::sync::Arc;

use lockgate_model::{Finding, GateSummary};
use lockgate_policy::{Evaluator, Value};
use lockgate_secrets::Scanner;

use crate::analyze::Analyzer;
use crate::{Config, Date, Effective, ScanError, gate};

/// The configuration and everything compiled from it, ready to judge objects.
pub struct ObjectJudge {
    effective: Effective,
    /// Shared with the judge of the next configuration when its secret settings are
    /// the same: the compiled catalog is about 9 MB.
    scanner: Option<Arc<Scanner>>,
    config_path: String,
}

/// One object to judge, with what the request says about it.
#[derive(Debug, Clone, Copy)]
pub struct ObjectReview<'a> {
    /// Shown as the findings' path (e.g. `admission://team-a/Deployment/api`).
    pub source: &'a str,
    /// The object as JSON (or YAML) text.
    pub object: &'a str,
    /// `CREATE`, `UPDATE`, ...: `input.review.operation` for Gatekeeper constraints.
    pub operation: &'a str,
    /// The object before an update, for `input.review.oldObject`.
    pub old_object: Option<&'a serde_json::Value>,
    /// Who asks, for `input.review.userInfo`.
    pub user_info: Option<&'a serde_json::Value>,
}

/// What the rules and policies found on one object.
#[derive(Debug, Clone)]
pub struct ObjectVerdict {
    /// In line order, fingerprinted, with suppressions and waivers applied.
    pub findings: Vec<Finding>,
    pub gate: GateSummary,
    /// Kubernetes objects in the text (0 when it was not one).
    pub objects: usize,
}

impl ObjectJudge {
    /// Compiles the secret rules and notes where the configuration came from. The
    /// policies were loaded into `config` before `effective` was resolved from it.
    pub fn new(config: &Config, effective: Effective) -> Result<ObjectJudge, ScanError> {
        ObjectJudge::replacing(config, effective, None)
    }

    /// Like [`ObjectJudge::new`], taking the compiled secrets scanner from `previous`
    /// (the judge this one replaces) when the secret settings did not change, so a
    /// reload does not hold two catalogs at once.
    pub fn replacing(
        config: &Config,
        effective: Effective,
        previous: Option<&ObjectJudge>,
    ) -> Result<ObjectJudge, ScanError> {
        let reusable = previous
            .filter(|p| same_secret_settings(&p.effective.secrets, &effective.secrets))
            .and_then(|p| p.scanner.clone());
        let scanner = match reusable {
            Some(scanner) => Some(scanner),
            None if effective.secrets.enabled => {
                Some(Arc::new(crate::scan::secrets_scanner(&effective)?))
            }
            None => None,
        };
        let config_path = config
            .path
            .as_deref()
            .map(crate::sources::display_relative)
            .unwrap_or_else(|| crate::config::CONFIG_FILE_NAME.to_string());
        Ok(ObjectJudge {
            effective,
            scanner,
            config_path,
        })
    }

    pub fn effective(&self) -> &Effective {
        &self.effective
    }

    /// A policy evaluator for one thread, when policies are loaded.
    pub fn evaluator(&self) -> Option<Evaluator> {
        self.effective
            .policies
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| p.evaluator(None))
    }

    /// Judges one object. `evaluator` must come from [`ObjectJudge::evaluator`] of this
    /// judge; without one, policies are not evaluated.
    pub fn judge(
        &self,
        review: &ObjectReview<'_>,
        evaluator: Option<&mut Evaluator>,
        today: Date,
    ) -> ObjectVerdict {
        let analyzer = Analyzer::new(&self.effective, self.scanner.as_deref());
        let mut outcome = analyzer.analyze_text(
            review.source.to_string(),
            Arc::from(review.object),
            true,
            true,
        );
        if let (Some(set), Some(evaluator)) = (analyzer.policies, evaluator) {
            let context = crate::policy::RequestContext {
                operation: review.operation,
                old_object: review.old_object.cloned().map(Value::from),
                user_info: review.user_info.cloned().map(Value::from),
            };
            let errors =
                crate::policy::evaluate_request(&analyzer, set, evaluator, &mut outcome, &context);
            outcome.findings.extend(errors);
        }
        let mut findings = std::mem::take(&mut outcome.findings);
        crate::scan::sort_by_place(&mut findings);
        gate::assign_fingerprints(&mut findings, review.source);
        // Waivers apply as in a scan; what a scan says about the waivers themselves
        // (expired, unused) belongs to the configuration, not to this object.
        let _ = gate::apply_waivers(
            &mut findings,
            &self.effective.waivers,
            today,
            &self.config_path,
            None,
            &[],
            &analyzer,
        );
        let gate = gate::decide(&findings, self.effective.fail_on, &self.effective.profile);
        ObjectVerdict {
            findings,
            gate,
            objects: outcome.objects,
        }
    }
}

/// Whether two configurations compile to the same secrets scanner. Configurations with
/// their own `[[secrets.rules]]` are never taken as the same (comparing compiled rules
/// is not worth it for a reload).
fn same_secret_settings(a: &crate::SecretsConfig, b: &crate::SecretsConfig) -> bool {
    a.enabled
        && b.enabled
        && a.user_rules.rules.is_empty()
        && b.user_rules.rules.is_empty()
        && a.settings.disabled == b.settings.disabled
        && a.settings.allow_paths == b.settings.allow_paths
        && a.settings.stopwords == b.settings.stopwords
        && a.settings.allow == b.settings.allow
}
