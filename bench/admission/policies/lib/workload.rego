package lib.workload

import rego.v1

# Helpers shared by the admission benchmark's policies (not a policy: no deny rules).
# They cover a Pod and the pod templates of the usual workload kinds, the way a
# platform team's library would.

pod_spec(obj) := obj.spec if {
	obj.kind == "Pod"
} else := obj.spec.jobTemplate.spec.template.spec if {
	obj.kind == "CronJob"
} else := obj.spec.template.spec if {
	obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
}

pod_labels(obj) := object.get(obj, ["metadata", "labels"], {}) if {
	obj.kind == "Pod"
} else := object.get(obj, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	obj.kind == "CronJob"
} else := object.get(obj, ["spec", "template", "metadata", "labels"], {})

# Every container of the pod: regular, init and ephemeral.
containers(obj) := array.concat(
	array.concat(object.get(pod_spec(obj), "containers", []), object.get(pod_spec(obj), "initContainers", [])),
	object.get(pod_spec(obj), "ephemeralContainers", []),
)
