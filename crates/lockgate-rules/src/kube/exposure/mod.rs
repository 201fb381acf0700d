//! Network exposure: objects that publish a workload beyond the cluster network. Services
//! that open ports on every node or ask the cloud for a load balancer, and Ingresses that
//! serve hosts over plain HTTP. These are often intended; the findings make each door
//! visible so it is opened on purpose, narrowed, or waived with a reason.

use crate::{Check, Rule};

mod ingress_without_tls;
mod service_load_balancer;
mod service_node_port;

pub(crate) static RULES: &[Rule] = &[
    Rule {
        meta: &service_node_port::META,
        check: Check::Object(service_node_port::check),
    },
    Rule {
        meta: &service_load_balancer::META,
        check: Check::Object(service_load_balancer::check),
    },
    Rule {
        meta: &ingress_without_tls::META,
        check: Check::Object(ingress_without_tls::check),
    },
];
