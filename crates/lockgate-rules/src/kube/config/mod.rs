//! Secrets and configuration: credentials written where they should not be. A literal
//! password in a container's environment, a ConfigMap that carries keys, tokens or
//! connection strings, and Secret manifests whose data is committed to source control.
//! Every message names the key that holds the credential and at most the value's length,
//! never the value.

use crate::{Check, Rule};

mod configmap_credentials;
mod secret_data_in_source;
mod secret_in_env_literal;

pub(crate) static RULES: &[Rule] = &[
    Rule {
        meta: &secret_in_env_literal::META,
        check: Check::Pod(secret_in_env_literal::check),
    },
    Rule {
        meta: &configmap_credentials::META,
        check: Check::Object(configmap_credentials::check),
    },
    Rule {
        meta: &secret_data_in_source::META,
        check: Check::Object(secret_data_in_source::check),
    },
];
